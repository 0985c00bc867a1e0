#include "internal/config.h"

#include <gtest/gtest.h>

#include <meterbridge/plugin.hpp>

namespace meterbridge::external {
namespace {

std::string refusal(const std::string& json) {
  try {
    parse_config(json);
  } catch (const PluginError& e) {
    EXPECT_EQ(e.error_class(), MB_STATUS_CONFIG_INVALID);
    return e.what();
  }
  return "(accepted)";
}

TEST(ExternalConfig, FillsTheBatchSizeAndDropsTrailingSlashes) {
  Config c =
      parse_config(R"({"base_url":"https://billing.example.com/vendor-api//","api_key":"k-123"})");
  EXPECT_EQ(c.base_url, "https://billing.example.com/vendor-api");
  EXPECT_EQ(c.api_key, "k-123");
  EXPECT_EQ(c.batch_size, 100);
  EXPECT_EQ(parse_config(R"({"base_url":"http://127.0.0.1:8080/","api_key":"k","batch_size":7})")
                .base_url,
            "http://127.0.0.1:8080");
}

TEST(ExternalConfig, RefusesWhatCannotWorkNamingTheFieldButNeverTheKey) {
  EXPECT_NE(refusal(R"({"api_key":"k"})").find("base_url is required"), std::string::npos);
  EXPECT_NE(refusal(R"({"base_url":"ftp://x","api_key":"k"})").find("https://"), std::string::npos);
  EXPECT_NE(refusal(R"({"base_url":"https://","api_key":"k"})").find("no host"), std::string::npos);
  EXPECT_NE(refusal(R"({"base_url":"https://x/a?b=1","api_key":"k"})").find("query"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"base_url":"https://u:p@x","api_key":"k"})").find("user info"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"base_url":"https://x"})").find("api_key is required"), std::string::npos);
  const std::string spaced = refusal(R"({"base_url":"https://x","api_key":"secret value"})");
  EXPECT_NE(spaced.find("api_key must be printable"), std::string::npos);
  EXPECT_EQ(spaced.find("secret value"), std::string::npos);
  EXPECT_NE(refusal(R"({"base_url":"https://x","api_key":"k","batch_size":0})").find("batch_size"),
            std::string::npos);
  EXPECT_NE(
      refusal(R"({"base_url":"https://x","api_key":"k","batch_size":1001})").find("batch_size"),
      std::string::npos);
  EXPECT_NE(refusal("[]").find("JSON object"), std::string::npos);
}

}  // namespace
}  // namespace meterbridge::external
