#include "internal/config.h"

#include <gtest/gtest.h>
#include <meterbridge/plugin.hpp>

#include "internal/categories.h"

namespace meterbridge::gradient {
namespace {

std::string error_of(const std::string& json) {
  try {
    parse_config(json);
  } catch (const PluginError& e) {
    EXPECT_EQ(e.error_class(), MB_STATUS_CONFIG_INVALID);
    return e.what();
  }
  return "";
}

TEST(GradientConfig, NeedsBothKeysAndDefaultsToTheProductionHost) {
  ConnectorConfig c =
      parse_config(R"({"vendor_api_key":"vk_live_123","partner_api_key":"pk_456"})");
  EXPECT_EQ(c.vendor_api_key, "vk_live_123");
  EXPECT_EQ(c.partner_api_key, "pk_456");
  EXPECT_EQ(c.base_url, "https://app.usegradient.com");
  EXPECT_TRUE(c.services.empty());

  std::string missing = error_of(R"({"vendor_api_key":"vk"})");
  EXPECT_NE(missing.find("partner_api_key: required"), std::string::npos) << missing;
}

TEST(GradientConfig, NeverEchoesASecretInItsErrors) {
  std::string e =
      error_of(R"({"vendor_api_key":"vk:secret-part","partner_api_key":"pk_456","x":1})");
  EXPECT_NE(e.find("vendor_api_key: must not contain ':'"), std::string::npos) << e;
  EXPECT_NE(e.find("x: unknown field"), std::string::npos) << e;
  EXPECT_EQ(e.find("secret-part"), std::string::npos) << e;
  EXPECT_EQ(e.find("pk_456"), std::string::npos) << e;
}

TEST(GradientConfig, TrimsPastedKeysAndNormalisesTheBaseUrl) {
  ConnectorConfig c = parse_config(
      R"({"vendor_api_key":" vk \n","partner_api_key":"pk\n","base_url":"http://127.0.0.1:8123/api/vendor-api/"})");
  EXPECT_EQ(c.vendor_api_key, "vk");
  EXPECT_EQ(c.partner_api_key, "pk");
  EXPECT_EQ(c.base_url, "http://127.0.0.1:8123");
  for (const char* url : {"ftp://x", "https://u:p@x", "https://x/?a=1"}) {
    std::string e = error_of(R"({"vendor_api_key":"v","partner_api_key":"p","base_url":")" +
                             std::string(url) + "\"}");
    EXPECT_NE(e.find("base_url"), std::string::npos) << url;
  }
}

TEST(GradientConfig, CategoriesAreCheckedExactlyAndEveryProblemIsReported) {
  std::string e = error_of(R"j({"vendor_api_key":"v","partner_api_key":"p",
      "services":{"edr":{"category":"Security","subcategory":"Endpoint Detection and Response (EDR)"},
                  "mail":{"category":"security","subcategory":"email security","metric":"seats"}},
      "service_defaults":{"subcategory":"privileged access and identity management (PAM/PIM)"}})j");
  EXPECT_NE(e.find("services/edr/category: 'Security' is not one of Gradient's categories (did you "
                   "mean 'security'?)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("(did you mean 'endpoint detection and response (EDR)'?)"), std::string::npos)
      << e;
  EXPECT_NE(e.find("services/mail/metric"), std::string::npos) << e;
  // Gradient spells it "priviledged"; the common spelling is refused, without a suggestion.
  EXPECT_NE(e.find("service_defaults/subcategory: 'privileged access"), std::string::npos) << e;
}

TEST(GradientCategories, HoldTheDocumentedListsIncludingGradientsSpelling) {
  EXPECT_EQ(categories().size(), 7u);
  EXPECT_EQ(subcategories().size(), 46u);
  EXPECT_TRUE(is_category("service delivery"));
  EXPECT_FALSE(is_category("Backup"));
  EXPECT_TRUE(is_subcategory("priviledged access and identity management (PAM/PIM)"));
  EXPECT_TRUE(is_subcategory("DNS filtering"));
  EXPECT_FALSE(is_subcategory("dns filtering"));
  EXPECT_EQ(subcategory_suggestion("dns filtering"), "DNS filtering");
  EXPECT_TRUE(is_subcategory("business intelligence services / analytics"));
  for (std::string_view s : subcategories()) EXPECT_FALSE(s.empty());
}

TEST(GradientServiceSpec, TakesTheServicesOwnSettingsThenTheDefaultsThenBuiltIns) {
  ConnectorConfig c = parse_config(R"j({"vendor_api_key":"v","partner_api_key":"p",
      "services":{"edr":{"name":"Coro EDR - protected devices","subcategory":"endpoint detection and response (EDR)",
                         "metric":"devices"}},
      "service_defaults":{"category":"security","subcategory":"email security","name":"ignored",
                          "support_contact":"support@coro.example"}})j");
  ServiceSpec edr = service_spec(c, "edr", "EDR");
  EXPECT_EQ(edr.name, "Coro EDR - protected devices");
  EXPECT_EQ(edr.description, "Coro EDR - protected devices");
  EXPECT_EQ(edr.category, "security");
  EXPECT_EQ(edr.subcategory, "endpoint detection and response (EDR)");
  EXPECT_EQ(edr.metric, "devices");
  EXPECT_EQ(edr.support_contact, "support@coro.example");
  EXPECT_TRUE(edr.creatable());

  ServiceSpec mail = service_spec(c, "mail", "  Email Security ");
  EXPECT_EQ(mail.name, "Email Security");  // the defaults never name a service
  EXPECT_EQ(mail.subcategory, "email security");
  EXPECT_EQ(mail.metric, "users");

  ConnectorConfig bare = parse_config(R"({"vendor_api_key":"v","partner_api_key":"p"})");
  EXPECT_FALSE(service_spec(bare, "edr", "EDR").creatable());
  EXPECT_EQ(service_spec(bare, "edr", "").name, "edr");
}

TEST(GradientConfig, AlertSettingsHaveDefaultsAndNamedLimits) {
  ConnectorConfig defaults =
      parse_config(R"({"vendor_api_key":"vk_live_123","partner_api_key":"pk_456"})");
  EXPECT_EQ(defaults.alerts.status_open, 1);
  EXPECT_EQ(defaults.alerts.status_closed, 6);
  EXPECT_EQ(defaults.alerts.max_polls, 10);

  ConnectorConfig set = parse_config(R"({"vendor_api_key":"vk","partner_api_key":"pk",
      "alerts":{"status_open":2,"status_closed":5,"max_polls":3,"poll_interval_ms":0}})");
  EXPECT_EQ(set.alerts.status_open, 2);
  EXPECT_EQ(set.alerts.status_closed, 5);
  EXPECT_EQ(set.alerts.max_polls, 3);
  EXPECT_EQ(set.alerts.poll_interval_ms, 0);

  std::string e = error_of(R"({"vendor_api_key":"vk","partner_api_key":"pk",
      "alerts":{"status_closed":7,"max_polls":0,"board":"x"}})");
  EXPECT_NE(e.find("alerts/status_closed: must be a whole number from 1 to 6"), std::string::npos)
      << e;
  EXPECT_NE(e.find("alerts/max_polls: must be a whole number from 1 to 60"), std::string::npos)
      << e;
  EXPECT_NE(e.find("alerts/board: unknown field"), std::string::npos) << e;
  EXPECT_NE(error_of(R"({"vendor_api_key":"vk","partner_api_key":"pk",
      "alerts":{"status_open":6}})")
                .find("alerts/status_closed: must differ from status_open"),
            std::string::npos);
}

}  // namespace
}  // namespace meterbridge::gradient
