// authenticate through the whole plugin, against the in-memory Gradient of mini_gradient_test.h.
#include "internal/mini_gradient_test.h"

namespace meterbridge::gradient {
namespace {

TEST_F(GradientPluginTest, AuthenticateSendsTheTokenAndNeverChangesTheStatus) {
  json::value v = call(&mb_plugin_table::on_authenticate, R"({"purpose":"connect"})");
  EXPECT_EQ(v.at("status").as_string(), "pending") << v;
  EXPECT_NE(std::string(v.at("message").as_string()).find("Northwind IT"), std::string::npos);
  // The host provisions first, then sets the status this asks for.
  EXPECT_EQ(v.at("status_after_connect").as_string(), "pending");
  ASSERT_EQ(g_.seen().size(), 1u);
  EXPECT_EQ(g_.seen()[0].method, "GET");
  EXPECT_EQ(g_.seen()[0].path, "/api/vendor-api/organization");
  EXPECT_EQ(g_.seen()[0].headers.at("GRADIENT-TOKEN"), kToken);
  EXPECT_EQ(g_.seen()[0].headers.at("Accept"), "application/json");
  EXPECT_EQ(g_.status, "inactive");
  for (const auto& log : host_.logs()) EXPECT_EQ(log.message.find(kToken), std::string::npos);
}

TEST_F(GradientPluginTest, AuthenticateLeavesAPendingOrActiveIntegrationAlone) {
  for (const char* input : {"{}", R"({"purpose":"test"})", R"({"purpose":"connect"})"}) {
    g_.status = "pending";
    json::value pending = call(&mb_plugin_table::on_authenticate, input);
    EXPECT_EQ(pending.at("status").as_string(), "pending");
    EXPECT_FALSE(pending.as_object().contains("status_after_connect"));
    g_.status = "active";
    json::value active = call(&mb_plugin_table::on_authenticate, input);
    EXPECT_EQ(active.at("status").as_string(), "ok");
    EXPECT_FALSE(active.as_object().contains("status_after_connect"));
  }
  EXPECT_TRUE(g_.seen("PATCH").empty());
}

TEST_F(GradientPluginTest, AuthenticateReportsAStatusTheMspOrGradientSetWithWhatToDo) {
  for (const char* purpose : {"test", "connect"}) {
    for (const char* status : {"disabled", "error"}) {
      g_.status = status;
      json::value v = call(&mb_plugin_table::on_authenticate,
                           std::string(R"({"purpose":")") + purpose + R"("})");
      EXPECT_EQ(v.at("status").as_string(), "conflict") << status << " " << purpose;
      std::string message(v.at("message").as_string());
      EXPECT_NE(message.find(std::string("'") + status + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("never overrides"), std::string::npos) << message;
      EXPECT_NE(message.find("Synthesize"), std::string::npos) << message;
      EXPECT_FALSE(v.as_object().contains("status_after_connect"));
    }
  }
  // Inactive outside a connect: the integration was disconnected, or never connected.
  g_.status = "inactive";
  json::value inactive = call(&mb_plugin_table::on_authenticate, R"({"purpose":"test"})");
  EXPECT_EQ(inactive.at("status").as_string(), "conflict");
  EXPECT_NE(std::string(inactive.at("message").as_string()).find("connectors connect"),
            std::string::npos);
  EXPECT_TRUE(g_.seen("PATCH").empty());
}

TEST_F(GradientPluginTest, AuthenticateClassifiesWhatWentWrong) {
  auto verdict_for = [&](HttpResponse answer) {
    answer_everything_with(std::move(answer));
    return call(&mb_plugin_table::on_authenticate, "{}");
  };
  json::value bad_key = verdict_for(nest_error(401, "Unauthorized"));
  EXPECT_EQ(bad_key.at("status").as_string(), "auth_failed");
  EXPECT_NE(std::string(bad_key.at("message").as_string()).find("Partner API Key"),
            std::string::npos);
  EXPECT_EQ(verdict_for(no_answer(false)).at("status").as_string(), "unreachable");
  EXPECT_EQ(verdict_for(reply(502, "Bad Gateway")).at("status").as_string(), "unreachable");
  EXPECT_EQ(verdict_for(reply(200, "<html>a login page</html>")).at("status").as_string(),
            "config_invalid");
  EXPECT_EQ(verdict_for(nest_error(404, "Cannot GET /api/vendor-api/organization"))
                .at("status")
                .as_string(),
            "config_invalid");

  answer_everything_with(nest_error(429, "Request limit reached"));
  CallResult throttled = raw(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(throttled.status, MB_STATUS_RATE_LIMITED);
}

}  // namespace
}  // namespace meterbridge::gradient
