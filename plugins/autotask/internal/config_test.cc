#include "internal/config.h"

#include <gtest/gtest.h>
#include <meterbridge/plugin.hpp>

namespace meterbridge::autotask {
namespace {

TEST(ConnectorConfig, DefaultsToZoneDiscoveryAndCustomerCompanies) {
  ConnectorConfig c = parse_connector_config(
      R"({"username":"api@acme.example","secret":"s3cret","integration_code":"CODE"})");
  EXPECT_EQ(c.username, "api@acme.example");
  EXPECT_EQ(c.secret, "s3cret");
  EXPECT_EQ(c.integration_code, "CODE");
  EXPECT_EQ(c.discovery_root, "https://webservices.autotask.net/atservicesrest/");
  EXPECT_FALSE(c.pinned_rest_root.has_value());
  EXPECT_EQ(c.company_types, std::vector<int64_t>{1});
}

TEST(ConnectorConfig, PinsTheZoneFromBaseUrl) {
  ConnectorConfig c = parse_connector_config(
      R"({"username":"u","secret":"s","integration_code":"c","base_url":"http://127.0.0.1:5000",)"
      R"("discovery_url":"http://127.0.0.1:5000/atservicesrest","company_types":[]})");
  EXPECT_EQ(c.pinned_rest_root, "http://127.0.0.1:5000/ATServicesRest/");
  EXPECT_EQ(c.discovery_root, "http://127.0.0.1:5000/atservicesrest/");
  EXPECT_TRUE(c.company_types.empty());
}

TEST(ConnectorConfig, NamesTheKeyThatIsWrong) {
  auto message_of = [](const char* json) -> std::string {
    try {
      parse_connector_config(json);
    } catch (const meterbridge::PluginError& e) {
      EXPECT_EQ(e.error_class(), MB_STATUS_CONFIG_INVALID);
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message_of(R"({"username":"u","secret":"s"})").find("integration_code"),
            std::string::npos);
  EXPECT_NE(message_of(R"({"username":"u","secret":"s","integration_code":"c","base_url":"nope"})")
                .find("base_url"),
            std::string::npos);
  EXPECT_NE(
      message_of(R"({"username":"u","secret":"s","integration_code":"c","company_types":[-1]})")
          .find("company_types"),
      std::string::npos);
  EXPECT_NE(message_of("[]").find("object"), std::string::npos);
}

TEST(ConnectorConfig, NeverQuotesTheSecretInAnError) {
  try {
    parse_connector_config(
        R"({"username":"u","secret":"TopSecretValue","integration_code":"c","base_url":7})");
    FAIL() << "expected an error";
  } catch (const meterbridge::PluginError& e) {
    EXPECT_EQ(std::string(e.what()).find("TopSecretValue"), std::string::npos);
  }
}

}  // namespace
}  // namespace meterbridge::autotask
