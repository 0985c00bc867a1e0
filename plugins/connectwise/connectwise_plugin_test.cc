// The ConnectWise plugin as the host loads it. Each operation's behaviour through the whole
// plugin is specified beside it (internal/<operation>_test.cc, on connectwise_plugin_test.h).
#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

namespace meterbridge::connectwise {
namespace {

using ConnectWisePluginTest = meterbridge::testing::PluginTest;

// The host's own checks of the manifest (secret fields, config schema) are in
// tests/platforms/plugin_manifests_test.cc; the plugin must describe itself exactly as its
// sidecar says.
TEST_F(ConnectWisePluginTest, DescribesItselfWithTheSidecarManifest) {
  expect_described_by(MB_CONNECTWISE_MANIFEST, "connectwise");
}

}  // namespace
}  // namespace meterbridge::connectwise
