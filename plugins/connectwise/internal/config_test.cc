#include "internal/config.h"

#include <gtest/gtest.h>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <string>

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

constexpr char kClientId[] = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";

// A valid config with the members of `changes` (a JSON object) set, or left out where null.
std::string config_with(std::string_view changes = "{}") {
  json::object config{{"company_id", "northwind"},
                      {"site", "na.myconnectwise.net"},
                      {"public_key", "Pk7hQ2"},
                      {"private_key", "Sx9mR4"},
                      {"client_id", kClientId}};
  const json::value parsed = json::parse(changes);
  for (const auto& [name, value] : parsed.as_object()) {
    if (value.is_null())
      config.erase(name);
    else
      config[name] = value;
  }
  return json::serialize(config);
}

// The message of the PluginError parse_config throws, or "" when it accepts.
std::string refusal(const std::string& json) {
  try {
    parse_config(json);
    return "";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.error_class(), MB_STATUS_CONFIG_INVALID);
    return e.what();
  }
}

TEST(ParseConfig, ReadsEveryFieldAndDefaultsTheApiVersion) {
  ConnectorConfig c = parse_config(config_with());
  EXPECT_EQ(c.company_id, "northwind");
  EXPECT_EQ(c.site, "na.myconnectwise.net");
  EXPECT_EQ(c.public_key, "Pk7hQ2");
  EXPECT_EQ(c.private_key, "Sx9mR4");
  EXPECT_EQ(c.client_id, kClientId);
  EXPECT_EQ(c.api_version, "2025.16");
  EXPECT_EQ(c.base_url, "");
}

TEST(ParseConfig, TakesAnApiVersionAndABaseUrlWithoutItsTrailingSlash) {
  ConnectorConfig c =
      parse_config(config_with(R"({"api_version":"2026.4","base_url":"http://127.0.0.1:8080/"})"));
  EXPECT_EQ(c.api_version, "2026.4");
  EXPECT_EQ(c.base_url, "http://127.0.0.1:8080");
}

TEST(ParseConfig, NamesAMissingFieldWithoutEchoingSecrets) {
  std::string message = refusal(config_with(R"({"private_key":"TopSecret1","client_id":null})"));
  EXPECT_NE(message.find("client_id is required"), std::string::npos) << message;
  message = refusal(config_with(R"({"private_key":"TopSecret1","client_id":"not-a-guid"})"));
  EXPECT_NE(message.find("client_id"), std::string::npos) << message;
  EXPECT_EQ(message.find("TopSecret1"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-a-guid"), std::string::npos) << message;
}

TEST(ParseConfig, RefusesWhatWouldBreakAUrlOrBasicAuth) {
  for (const char* changes : {
           R"({"site":"https://na.myconnectwise.net"})",
           R"({"site":"na.myconnectwise.net/v4_6_release"})",
           R"({"company_id":"north wind"})",
           R"({"company_id":"north+wind"})",
           R"({"public_key":"p:q"})",
           R"({"api_version":"latest"})",
           R"({"base_url":"ftp://host"})",
           R"({"base_url":"https://user@host"})",
           R"({"base_url":"https://host/?q=1"})",
       })
    EXPECT_NE(refusal(config_with(changes)), "") << changes;
}

TEST(IsValidSite, AcceptsDomainsWithAnOptionalPort) {
  for (const char* good : {"na.myconnectwise.net", "api-staging.connectwisedev.com",
                           "cw.example.com:8443", "localhost"})
    EXPECT_TRUE(is_valid_site(good)) << good;
}

TEST(IsValidSite, RefusesSchemesPathsAndOddCharacters) {
  for (const char* bad :
       {"", "https://na.myconnectwise.net", "na.myconnectwise.net/", "na.myconnectwise.net/path",
        "na.myconnectwise.net?x=1", "user@na.myconnectwise.net", "-bad.example.com", "a..b",
        "host:", "host:123456", "na.myconnectwise.net ", "host:80:80"})
    EXPECT_FALSE(is_valid_site(bad)) << bad;
}

TEST(ApiRoot, PrefixesCloudSitesWithApiAndLeavesOnPremiseSitesAlone) {
  ConnectorConfig c = parse_config(config_with());
  EXPECT_EQ(api_root(c, true), "https://api-na.myconnectwise.net");
  EXPECT_EQ(api_root(c, false), "https://na.myconnectwise.net");
  EXPECT_EQ(cloud_api_host("api-staging.connectwisedev.com"), "api-staging.connectwisedev.com");
  EXPECT_EQ(discovery_root(c), "https://na.myconnectwise.net");
}

TEST(ApiRoot, UsesTheBaseUrlOverrideForEverything) {
  ConnectorConfig c = parse_config(config_with(R"({"base_url":"http://127.0.0.1:9"})"));
  EXPECT_EQ(api_root(c, true), "http://127.0.0.1:9");
  EXPECT_EQ(discovery_root(c), "http://127.0.0.1:9");
}

TEST(BasicAuthorization, JoinsCompanyAndPublicKeyWithAPlus) {
  ConnectorConfig c = parse_config(config_with());
  // base64("northwind+Pk7hQ2:Sx9mR4"), the reference's example.
  EXPECT_EQ(basic_authorization(c), "Basic bm9ydGh3aW5kK1BrN2hRMjpTeDltUjQ=");
}

TEST(AcceptHeader, PutsTheVendorTypeFirstWithTheVersion) {
  ConnectorConfig c = parse_config(config_with(R"({"api_version":"2026.4"})"));
  EXPECT_EQ(accept_header(c), "application/vnd.connectwise.com+json; version=2026.4");
}

}  // namespace
}  // namespace meterbridge::connectwise
