// The external plugin as a whole: what it says of itself. Each hook is specified through the
// whole plugin beside its operation (internal/<operation>_test.cc, on external_plugin_test.h).
#include "external_plugin_test.h"

namespace meterbridge::external {
namespace {

TEST_F(ExternalPluginTest, DescribesItselfWithTheSidecarManifest) {
  // The host's checks of the manifest (secret fields, schema): tests/platforms/.
  expect_described_by(MB_EXTERNAL_MANIFEST, "external");
  EXPECT_NE(plugin_.table()->on_link_accounts, nullptr);
  EXPECT_NE(plugin_.table()->on_disconnect, nullptr);
}

}  // namespace
}  // namespace meterbridge::external
