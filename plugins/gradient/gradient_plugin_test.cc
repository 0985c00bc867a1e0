// The Gradient plugin as a whole through the SDK's fake host: its face (manifest, capabilities,
// the config refused at open). Each hook is specified beside its operation, in
// internal/<operation>_test.cc, against the in-memory Gradient of internal/mini_gradient_test.h;
// tests/platforms/gradient_sim_test.cc runs the plugin against the simulator through the host's
// real HTTP engine.
#include "internal/mini_gradient_test.h"

namespace meterbridge::gradient {
namespace {

// (The host's checks of the manifest, secret fields and schema: tests/platforms/.)

TEST_F(GradientPluginTest, DescribesItselfWithTheSidecarManifestAndOffersItsCapabilities) {
  expect_described_by(MB_GRADIENT_MANIFEST, "gradient");
  const mb_plugin_table* t = plugin_.table();
  EXPECT_NE(t->on_provision_accounts, nullptr);
  EXPECT_NE(t->on_provision_services, nullptr);
  EXPECT_NE(t->on_set_status, nullptr);
  EXPECT_NE(t->on_disconnect, nullptr);
  EXPECT_EQ(t->on_link_accounts, nullptr);
}

TEST(GradientOpen, RefusesABadConfigWithoutNamingTheSecret) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  try {
    plugin.open(R"({"vendor_api_key":"vk:oops","partner_api_key":"pk_456"})");
    FAIL() << "open accepted a vendor key with ':'";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("vendor_api_key"), std::string::npos) << what;
    EXPECT_EQ(what.find("oops"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace meterbridge::gradient
