// Unit tests for the hello plugin through the SDK's fake host: no meterbridge host, no network.
// Requests and results are the SDK's typed documents, written and read with its codec, so a
// test reads as what the host asks and what the plugin answers.
#include <gtest/gtest.h>
#include <meterbridge/documents_json.hpp>
#include <meterbridge/testing/fake_host.hpp>

#include <boost/json.hpp>

#include <string>

extern "C" mb_status meterbridge_plugin_negotiate(const mb_host_offer*, const mb_plugin_table**);

namespace {

using namespace meterbridge;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;

class HelloPluginTest : public ::testing::Test {
 protected:
  // Calls a hook with a typed request; expects it to succeed and reads its typed result.
  template <typename Result, typename Request>
  static Result call(FakeHost::Session& session, mb_session_hook mb_plugin_table::*hook,
                     const Request& request) {
    CallResult r = session.call(hook, encode(request));
    EXPECT_TRUE(r.ok()) << r.error_message;
    return decode<Result>(r.result);
  }

  static ReadRequest read_of(std::initializer_list<const char*> accounts) {
    ReadRequest request;
    for (const char* account : accounts)
      request.lines.push_back({account, account, "hello-email", MB_METRIC_USERS, std::nullopt});
    return request;
  }
  static ApplyRequest apply_of(const std::string& account, std::optional<int64_t> target) {
    ApplyRequest request;
    request.idempotency_key = "run-1";
    request.lines.push_back(
        {"line-1", account, "hello-email", target, std::nullopt, MB_METRIC_USERS, ""});
    return request;
  }

  FakeHost host_;
  FakeHost::LoadedPlugin plugin_ = host_.load(&meterbridge_plugin_negotiate);
};

TEST_F(HelloPluginTest, DescribesItselfWithItsManifest) {
  CallResult r = plugin_.describe();
  ASSERT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(boost::json::parse(r.result).at("id").as_string(), "hello");
}

TEST_F(HelloPluginTest, RejectsAWrongKeyWithAVerdictNotAnError) {
  auto session = plugin_.open(R"({"tenant":"t","api_key":"wrong-key"})");
  auto verdict = call<AuthenticateResult>(session, &mb_plugin_table::on_authenticate,
                                          AuthenticateRequest{AuthPurpose::kTest});
  EXPECT_EQ(verdict.status, AuthStatus::kAuthFailed);
  EXPECT_EQ(verdict.message, "API key rejected by tenant t");
  CallResult listed = session.call(&mb_plugin_table::on_list_accounts, encode(ListRequest{}));
  EXPECT_EQ(listed.status, MB_STATUS_AUTH_FAILED);
  // The key is a secret: no log line or message names it.
  for (const auto& line : host_.logs())
    EXPECT_EQ(line.message.find("wrong-key"), std::string::npos);
}

TEST_F(HelloPluginTest, PagesAccountsWithACursor) {
  auto session = plugin_.open(R"({"tenant":"t","api_key":"hello-123456","accounts":5})");
  ListRequest first;
  first.limit = 3;
  auto page1 = call<ListPage>(session, &mb_plugin_table::on_list_accounts, first);
  ASSERT_EQ(page1.items.size(), 3u);
  EXPECT_EQ(page1.items[0].id, "hc-1");
  EXPECT_EQ(page1.items[0].active, true);
  ASSERT_TRUE(page1.next_cursor);
  ListRequest second = first;
  second.cursor = page1.next_cursor;
  auto page2 = call<ListPage>(session, &mb_plugin_table::on_list_accounts, second);
  EXPECT_EQ(page2.items.size(), 2u);
  EXPECT_FALSE(page2.next_cursor);
  auto services = call<ListPage>(session, &mb_plugin_table::on_list_services, ListRequest{});
  EXPECT_EQ(services.items.size(), 2u);
}

TEST_F(HelloPluginTest, AppliesAbsoluteTargetsAndReadsThemBack) {
  auto session = plugin_.open(R"({"tenant":"t","api_key":"hello-123456","accounts":5})");
  auto first =
      call<ApplyResult>(session, &mb_plugin_table::on_apply_quantities, apply_of("hc-1", 7));
  EXPECT_EQ(first.lines.at(0).outcome, Outcome::kUpdated);
  EXPECT_EQ(first.lines.at(0).quantity, 7);
  auto again =
      call<ApplyResult>(session, &mb_plugin_table::on_apply_quantities, apply_of("hc-1", 7));
  EXPECT_EQ(again.lines.at(0).outcome, Outcome::kUnchanged);
  auto read =
      call<ReadResult>(session, &mb_plugin_table::on_read_quantities, read_of({"hc-1", "hc-99"}));
  EXPECT_EQ(read.lines.at(0).quantity, 7);
  EXPECT_FALSE(read.lines.at(1).quantity);
  EXPECT_EQ(read.lines.at(1).reason, Reason::kNotFound);
}

TEST_F(HelloPluginTest, FailsLinesItCannotWriteOneByOne) {
  auto session = plugin_.open(R"({"tenant":"t","api_key":"hello-123456"})");
  auto unknown =
      call<ApplyResult>(session, &mb_plugin_table::on_apply_quantities, apply_of("hc-9", 1));
  EXPECT_EQ(unknown.lines.at(0).outcome, Outcome::kFailed);
  EXPECT_EQ(unknown.lines.at(0).error_class, MB_STATUS_NOT_FOUND);
  auto no_target = call<ApplyResult>(session, &mb_plugin_table::on_apply_quantities,
                                     apply_of("hc-1", std::nullopt));
  EXPECT_EQ(no_target.lines.at(0).error_class, MB_STATUS_CONFIG_INVALID);
}

TEST_F(HelloPluginTest, RefusesARequestInTheWrongShapeByName) {
  auto session = plugin_.open(R"({"tenant":"t","api_key":"hello-123456"})");
  CallResult r = session.call(&mb_plugin_table::on_read_quantities, R"({"lines":"none"})");
  EXPECT_EQ(r.status, MB_STATUS_CONFIG_INVALID);
  EXPECT_NE(r.error_message.find("\"lines\""), std::string::npos) << r.error_message;
}

TEST_F(HelloPluginTest, DisconnectsWhenAsked) {
  auto session = plugin_.open(R"({"tenant":"t","api_key":"hello-123456"})");
  CallResult r = session.call(&mb_plugin_table::on_disconnect, "{}");
  ASSERT_TRUE(r.ok()) << r.error_message;
  ASSERT_FALSE(host_.logs().empty());
  EXPECT_EQ(host_.logs().back().message, "tenant t disconnected");
}

}  // namespace
