#include "internal/config.h"

#include <gtest/gtest.h>

#include <meterbridge/plugin.hpp>

#include <utility>

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
  const std::pair<const char*, const char*> kRefusals[] = {
      {R"({"api_key":"k"})", "base_url is required"},
      {R"({"base_url":"ftp://x","api_key":"k"})", "https://"},
      {R"({"base_url":"https://","api_key":"k"})", "no host"},
      {R"({"base_url":"https://x/a?b=1","api_key":"k"})", "query"},
      {R"({"base_url":"https://u:p@x","api_key":"k"})", "user info"},
      {R"({"base_url":"https://x"})", "api_key is required"},
      {R"({"base_url":"https://x","api_key":"secret value"})", "api_key must be printable"},
      {R"({"base_url":"https://x","api_key":"k","batch_size":0})", "batch_size"},
      {R"({"base_url":"https://x","api_key":"k","batch_size":1001})", "batch_size"},
      {"[]", "JSON object"}};
  for (const auto& [config, reason] : kRefusals) {
    const std::string message = refusal(config);
    EXPECT_NE(message.find(reason), std::string::npos) << config << ": " << message;
    EXPECT_EQ(message.find("secret value"), std::string::npos);
  }
}

}  // namespace
}  // namespace meterbridge::external
