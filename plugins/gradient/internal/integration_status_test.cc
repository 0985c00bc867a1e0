// set_status and disconnect through the whole plugin, against the in-memory Gradient of
// mini_gradient_test.h.
#include "internal/mini_gradient_test.h"

namespace meterbridge::gradient {
namespace {

TEST_F(GradientPluginTest, SetStatusSendsTheLowerCaseValueAndRefusesUndocumentedOnes) {
  EXPECT_EQ(
      call(&mb_plugin_table::on_set_status, R"({"status":"Active"})").at("status").as_string(),
      "active");
  EXPECT_EQ(g_.seen("PATCH").back().path, "/api/vendor-api/organization/status/active");
  json::value pending = call(&mb_plugin_table::on_set_status, R"({"status":"pending"})");
  EXPECT_NE(std::string(pending.at("message").as_string()).find("can now map"), std::string::npos)
      << pending;
  CallResult r = raw(&mb_plugin_table::on_set_status, R"({"status":"disabled"})");
  EXPECT_EQ(r.status, MB_STATUS_CONFIG_INVALID);
  EXPECT_EQ(g_.seen("PATCH").size(), 2u);
}

TEST_F(GradientPluginTest, DisconnectSetsTheIntegrationInactive) {
  g_.status = "active";
  call(&mb_plugin_table::on_disconnect, "{}");
  EXPECT_EQ(g_.status, "inactive");
  ASSERT_EQ(g_.seen("PATCH").size(), 1u);
  EXPECT_EQ(g_.seen("PATCH")[0].path, "/api/vendor-api/organization/status/inactive");
}

}  // namespace
}  // namespace meterbridge::gradient
