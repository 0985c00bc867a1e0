// The plugin's face: its manifest and its session factory. The hooks' tests sit beside their
// operations in internal/, on the same fixture (autotask_plugin_test.h).
#include "autotask_plugin_test.h"

namespace meterbridge::autotask {
namespace {

TEST_F(AutotaskPluginTest, DescribesItselfWithSecretsMarkedAndAutotasksLimits) {
  json::object manifest = result_of(plugin_.describe());
  EXPECT_EQ(manifest.at("id"), "autotask");
  const json::object& props = manifest.at("config_schema").at("properties").as_object();
  EXPECT_EQ(props.at("secret").at("x-secret"), true);
  EXPECT_EQ(props.at("integration_code").at("x-secret"), true);
  EXPECT_FALSE(props.at("username").as_object().contains("x-secret"));
  const json::object& http = manifest.at("http").as_object();
  EXPECT_EQ(http.at("per_endpoint_concurrency"), 3);
  EXPECT_EQ(http.at("hourly_budget"), 10000);
  // Autotask's thread limit is 3 requests at once per entity, which one sync's
  // per_endpoint_concurrency already uses: one sync at a time per tenant.
  EXPECT_EQ(http.at("tenant_concurrency"), 1);
}

TEST_F(AutotaskPluginTest, RefusesToOpenWithoutTheIntegrationCode) {
  EXPECT_THROW(plugin_.open(R"({"username":"u","secret":"s"})"), std::runtime_error);
}

}  // namespace
}  // namespace meterbridge::autotask
