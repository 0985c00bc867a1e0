// Each platform plugin's sidecar manifest as the host reads it: it parses, names its secret
// fields, and its config schema accepts a valid connector and refuses the mistakes users make.
// Host-side checks of the built plugins, so they live here rather than beside the plugins,
// which include only the SDK.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "host/config/config.h"
#include "host/plugin/manifest.h"

namespace {

namespace json = boost::json;

mb::PluginManifest sidecar(const std::string& plugin) {
  std::ifstream in(std::string(MB_PLUGIN_DIR) + "/" + plugin + ".plugin.json");
  std::stringstream s;
  s << in.rdbuf();
  auto manifest = mb::parse_manifest(s.str(), "sidecar");
  EXPECT_TRUE(manifest.ok()) << plugin << ": " << manifest.status().message();
  return manifest.ok() ? *manifest : mb::PluginManifest{};
}

bool valid(const mb::PluginManifest& manifest, const json::value& config) {
  return mb::validate_against_schema(manifest.config_schema, config, "").empty();
}

TEST(ConnectWiseManifest, SchemaAcceptsAConnectorAndRefusesSchemesAndPathsInTheSite) {
  const mb::PluginManifest manifest = sidecar("connectwise");
  EXPECT_EQ(manifest.id, "connectwise");
  EXPECT_EQ(manifest.secret_fields, (std::vector<std::string>{"/client_id", "/private_key"}));
  const json::object connector = json::parse(
      R"({"company_id":"northwind","site":"na.myconnectwise.net","public_key":"Pk7hQ2",)"
      R"("private_key":"Sx9mR4","client_id":"3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",)"
      R"("base_url":"http://cw.test"})").as_object();
  auto with_site = [&](const std::string& site) {
    json::object c = connector;
    c["site"] = site;
    return valid(manifest, c);
  };
  EXPECT_TRUE(with_site("na.myconnectwise.net"));
  EXPECT_TRUE(with_site("cw.example.com:8443"));
  EXPECT_FALSE(with_site("https://na.myconnectwise.net"));
  EXPECT_FALSE(with_site("na.myconnectwise.net/v4_6_release"));
  EXPECT_FALSE(with_site("na.myconnectwise.net/"));
  json::object missing_client = connector;
  missing_client.erase("client_id");
  EXPECT_FALSE(valid(manifest, missing_client));
}

TEST(GradientManifest, SchemaChecksCategoriesExactlyAndTheBaseUrl) {
  const mb::PluginManifest manifest = sidecar("gradient");
  EXPECT_EQ(manifest.id, "gradient");
  EXPECT_EQ(manifest.secret_fields,
            (std::vector<std::string>{"/partner_api_key", "/vendor_api_key"}));
  const json::object connector = json::parse(R"j({"vendor_api_key":"vk_live_123",
      "partner_api_key":"pk_456","base_url":"http://gradient.test",
      "services":{"edr":{"name":"Coro EDR","category":"security",
                         "subcategory":"endpoint detection and response (EDR)","metric":"devices"}},
      "service_defaults":{"category":"security","subcategory":"email security"}})j")
                                     .as_object();
  EXPECT_TRUE(valid(manifest, connector));
  json::object wrong_case = connector;
  wrong_case["services"].as_object()["edr"].as_object()["category"] = "Security";
  EXPECT_FALSE(valid(manifest, wrong_case));
  json::object misspelt = connector;
  misspelt["service_defaults"].as_object()["subcategory"] =
      "privileged access and identity management (PAM/PIM)";
  EXPECT_FALSE(valid(manifest, misspelt));
  json::object with_query = connector;
  with_query["base_url"] = "https://app.usegradient.com?x=1";
  EXPECT_FALSE(valid(manifest, with_query));
  json::object no_partner = connector;
  no_partner.erase("partner_api_key");
  EXPECT_FALSE(valid(manifest, no_partner));
}

TEST(GradientManifest, DeclaresThatScheduledRunsResendEveryCount) {
  const mb::PluginManifest manifest = sidecar("gradient");
  EXPECT_EQ(manifest.resend_unchanged, mb::ResendUnchanged::kScheduled);
  EXPECT_TRUE(manifest.resends_unchanged_on("schedule"));
  for (const char* on_demand : {"manual", "api", "approve", "retry", "reconcile"})
    EXPECT_FALSE(manifest.resends_unchanged_on(on_demand)) << on_demand;
  // The other platforms compare with what they read, and write only what differs.
  for (const char* plugin : {"connectwise", "external"})
    EXPECT_EQ(sidecar(plugin).resend_unchanged, mb::ResendUnchanged::kNever) << plugin;
}

TEST(ManifestResendUnchanged, IsOneOfThreeWordsAndNeverByDefault) {
  const std::string base =
      R"({"id":"p","version":"1.0.0","abi":"1.0","config_schema":{"type":"object"}})";
  auto with = [&](const std::string& extra) {
    return mb::parse_manifest(base.substr(0, base.size() - 1) + extra + "}", "p.plugin.json");
  };
  auto plain = mb::parse_manifest(base, "p.plugin.json");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->resend_unchanged, mb::ResendUnchanged::kNever);
  auto always = with(R"(,"resend_unchanged":"always")");
  ASSERT_TRUE(always.ok());
  EXPECT_TRUE(always->resends_unchanged_on("manual"));
  for (const char* wrong : {R"(,"resend_unchanged":"daily")", R"(,"resend_unchanged":true)"}) {
    auto refused = with(wrong);
    ASSERT_FALSE(refused.ok()) << wrong;
    EXPECT_NE(refused.status().message().find("p.plugin.json: /resend_unchanged"),
              std::string::npos)
        << refused.status().message();
  }
  auto described = *plain;
  described.resend_unchanged = mb::ResendUnchanged::kScheduled;
  EXPECT_EQ(mb::manifest_disagreement(*plain, described),
            "resend_unchanged: manifest says 'never', plugin says 'scheduled'");
}

TEST(ExternalManifest, TheSchemaAcceptsAConnectorAndRefusesUrlsWithQueriesOrUserInfo) {
  const mb::PluginManifest manifest = sidecar("external");
  EXPECT_EQ(manifest.id, "external");
  EXPECT_EQ(manifest.secret_fields, std::vector<std::string>{"/api_key"});
  auto ok = [&](const char* config) { return valid(manifest, json::parse(config)); };
  EXPECT_TRUE(ok(R"({"base_url":"https://billing.example.com/vendor-api","api_key":"k"})"));
  EXPECT_TRUE(ok(R"({"base_url":"http://127.0.0.1:4000","api_key":"k","batch_size":1000})"));
  EXPECT_FALSE(ok(R"({"base_url":"https://x/?a=1","api_key":"k"})"));
  EXPECT_FALSE(ok(R"({"base_url":"https://u@x","api_key":"k"})"));
  EXPECT_FALSE(ok(R"({"base_url":"https://x","api_key":"k","batch_size":0})"));
  EXPECT_FALSE(ok(R"({"base_url":"https://x"})"));
  EXPECT_FALSE(ok(R"({"base_url":"https://x","api_key":"k","tenant":"t"})"));
}

}  // namespace
