// read_quantities and apply_quantities through the whole plugin, against the in-memory Gradient
// of mini_gradient_test.h.
#include "internal/mini_gradient_test.h"

namespace meterbridge::gradient {
namespace {

TEST_F(GradientPluginTest, TheLastPushedCountIsCurrentExceptForWhatWasJustCreated) {
  g_.status = "active";
  g_.add_account("w-1", "Northwind");
  g_.add_sku("6650a1c2e4b0a1b2c3d4e701", "Email Security");
  call(&mb_plugin_table::on_provision_accounts,
       R"({"accounts":[{"id":"w-1","name":"Northwind"},{"id":"w-2","name":"Contoso"}]})");
  call(&mb_plugin_table::on_provision_services,
       R"({"services":[{"id":"mail","name":"Email Security","platform_id":null}]})");
  size_t calls_before = g_.seen().size();
  json::value v =
      call(&mb_plugin_table::on_read_quantities, R"({"effective_date":"2026-01-01","lines":[
      {"key":"a","account_id":"w-1","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":12},
      {"key":"b","account_id":"w-1","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":null},
      {"key":"c","account_id":"w-2","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":7},
      {"key":"d","account_id":"w-9","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":7},
      {"key":"e","account_id":"w-1","service_id":"unknown-service","last_pushed":7}]})");
  EXPECT_EQ(g_.seen().size(), calls_before) << "reading costs no call after provisioning";
  auto lines = by_id(v, "lines", "key");
  EXPECT_EQ(lines["a"].at("quantity").as_int64(), 12);
  EXPECT_TRUE(lines["a"].at("reason").is_null());
  EXPECT_EQ(lines["a"].at("line_ref").at("basis").as_string(), "last_pushed");
  EXPECT_TRUE(lines["b"].at("quantity").is_null());
  EXPECT_TRUE(lines["b"].at("reason").is_null());
  EXPECT_TRUE(lines["c"].at("quantity").is_null())
      << "w-2 was created now: Gradient has no count for it";
  EXPECT_EQ(lines["d"].at("reason").as_string(), "not_found");
  EXPECT_EQ(lines["e"].at("reason").as_string(), "not_found");
}

TEST_F(GradientPluginTest, ReadingWithoutProvisioningListsTheAccountsOnce) {
  g_.status = "active";
  g_.add_account("w-1", "Northwind");
  std::string input =
      R"({"lines":[{"key":"a","account_id":"w-1","service_id":"s","last_pushed":3}]})";
  EXPECT_EQ(
      call(&mb_plugin_table::on_read_quantities, input).at("lines").at(0).at("quantity").as_int64(),
      3);
  call(&mb_plugin_table::on_read_quantities, input);
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/organization/accounts").size(), 1u);
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/organization").size(), 2u)
      << "status and accounts, once each";
}

TEST_F(GradientPluginTest, WhileTheIntegrationIsNotActiveNoPushedCountIsTrusted) {
  // The MSP disconnected and reconnected: Gradient deleted the accounts and their counts, and the
  // integration waits as pending. The ledger's counts predate that.
  g_.status = "pending";
  g_.add_account("w-1", "Northwind");
  call(&mb_plugin_table::on_provision_accounts,
       R"({"accounts":[{"id":"w-1","name":"Northwind"}]})");
  json::value v =
      call(&mb_plugin_table::on_read_quantities,
           R"({"lines":[{"key":"a","account_id":"w-1","service_id":"s","last_pushed":3}]})");
  EXPECT_TRUE(v.at("lines").at(0).at("quantity").is_null());
  EXPECT_TRUE(v.at("lines").at(0).at("reason").is_null());
  EXPECT_EQ(v.at("lines").at(0).at("line_ref").at("basis").as_string(), "integration_not_active");
}

TEST_F(GradientPluginTest, AcceptedCountsNeverMakeThePluginSetActiveItself) {
  // Gradient activates the integration itself on the first usage it accepts; when it has not,
  // the vendor does not either.
  g_.status = "pending";
  g_.auto_activate = false;
  g_.mapped = {{"s1", "w-1"}};
  g_.add_account("w-1", "Northwind");
  call(&mb_plugin_table::on_provision_accounts,
       R"({"accounts":[{"id":"w-1","name":"Northwind"}]})");
  json::value v = call(&mb_plugin_table::on_apply_quantities,
                       R"({"idempotency_key":"gr:run-1:batch-1","final":true,"lines":[
           {"key":"a","account_id":"w-1","service_id":"s1","target":4,"expected_current":null}]})");
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated");
  EXPECT_EQ(g_.status, "pending");
  EXPECT_TRUE(g_.seen("PATCH").empty());
}

// ---- apply_quantities -------------------------------------------------------------------------

class GradientApplyTest : public GradientPluginTest {
 protected:
  GradientApplyTest() { g_.mapped = {{"s1", "w-1"}, {"s1", "w-2"}, {"s2", "w-1"}}; }

  static std::string apply_input(const std::string& lines, bool final = true,
                                 const std::string& key = "gr:run-1:batch-1") {
    return R"({"idempotency_key":")" + key + R"(","effective_date":"2026-01-01","final":)" +
           (final ? "true" : "false") + R"(,"lines":[)" + lines + "]}";
  }
  static std::string line(const std::string& key, const std::string& account,
                          const std::string& service, int64_t target,
                          const std::string& expected = "null") {
    return R"({"key":")" + key + R"(","account_id":")" + account + R"(","service_id":")" + service +
           R"(","target":)" + std::to_string(target) + R"(,"expected_current":)" + expected +
           R"(,"metric":"users","line_ref":{}})";
  }
  // Applies `lines` and returns the result's lines by key.
  std::map<std::string, json::object> apply(const std::string& lines, bool final = true,
                                            const std::string& key = "gr:run-1:batch-1") {
    return by_id(call(&mb_plugin_table::on_apply_quantities, apply_input(lines, final, key)),
                 "lines", "key");
  }
};

TEST_F(GradientApplyTest, PushesEveryCountWithNoBuildButTheLastWhichGoesAfterTheOthers) {
  auto lines = apply(line("a", "w-1", "s1", 10) + "," + line("b", "w-2", "s1", 0, "4") + "," +
                     line("c", "w-1", "s2", 3));
  for (const char* k : {"a", "b", "c"}) {
    EXPECT_EQ(lines[k].at("outcome").as_string(), "updated") << k;
  }
  EXPECT_EQ(lines["b"].at("quantity").as_int64(), 0);
  EXPECT_EQ((g_.counts[{"s1", "w-2"}]), 0) << "a zero is pushed like any count";
  auto posts = g_.seen("POST");
  ASSERT_EQ(posts.size(), 3u);
  // "b" was pushed before (expected_current 4): it is the one most likely mapped, so it goes last.
  EXPECT_EQ(posts[2].body, R"({"accountId":"w-2","unitCount":0})");
  EXPECT_EQ(posts[2].query, "");
  EXPECT_GT(posts[2].batch, posts[1].batch) << "the rebuild must come after every other count";
  EXPECT_EQ(posts[0].query, "no_build=true");
  EXPECT_EQ(posts[1].query, "no_build=true");
  EXPECT_EQ(posts[0].batch, posts[1].batch) << "independent counts share one batch";
  EXPECT_TRUE(posts[0].idempotent) << "an absolute count may be replayed";
  EXPECT_EQ(posts[0].endpoint, "counts");
}

TEST_F(GradientApplyTest, ABatchThatIsNotTheRunsLastSendsNoBuildOnEveryCount) {
  apply(line("a", "w-1", "s1", 1) + "," + line("b", "w-1", "s2", 2), false);
  for (const SeenRequest& s : g_.seen("POST")) EXPECT_EQ(s.query, "no_build=true");
}

TEST_F(GradientApplyTest, AnUnmappedPairIsNotMappedOnThePlatformAndTheRunGoesOn) {
  auto lines = apply(line("a", "w-1", "s1", 5) + "," + line("u", "w-3", "s1", 9));
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["u"].at("outcome").as_string(), "platform_not_mapped");
  EXPECT_TRUE(lines["u"].at("error_class").is_null());
  EXPECT_NE(std::string(lines["u"].at("message").as_string()).find("not mapped on the platform"),
            std::string::npos);
}

TEST_F(GradientApplyTest, WhenTheLastPushFailsOneAcceptedCountIsResentToRebuild) {
  // "u" goes last (nothing was pushed before) and is unmapped: the rebuild is still owed.
  apply(line("a", "w-1", "s1", 5) + "," + line("u", "w-3", "s1", 9));
  auto posts = g_.seen("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[1].body, R"({"accountId":"w-3","unitCount":9})");
  EXPECT_EQ(posts[2].body, R"({"accountId":"w-1","unitCount":5})");
  EXPECT_EQ(posts[2].query, "");
}

TEST_F(GradientApplyTest, ARebuildOwedByEarlierBatchesIsPaidByTheFinalOne) {
  apply(line("a", "w-1", "s1", 5), false, "gr:run-7:batch-1");
  apply(line("u", "w-3", "s1", 9), true, "gr:run-7:batch-2");
  auto posts = g_.seen("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[2].body, R"({"accountId":"w-1","unitCount":5})");
  EXPECT_EQ(posts[2].query, "");
}

TEST_F(GradientApplyTest, BadRequestsAreLineErrorsWithGradientsMessage) {
  g_.intercept([](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.path.find("not-an-id") != std::string::npos)
      return nest_error(400, "You have provided an invalid Id type");
    return std::nullopt;
  });
  auto lines = apply(line("bad", "w-1", "not-an-id", 5) + "," + line("a", "w-1", "s1", 5));
  EXPECT_EQ(lines["bad"].at("outcome").as_string(), "failed");
  EXPECT_NE(std::string(lines["bad"].at("message").as_string()).find("invalid Id type"),
            std::string::npos);
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
}

TEST_F(GradientApplyTest, AnAnomaly403StopsTheRunsWritesUntilTheNextRun) {
  g_.intercept([](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.method == "POST") return nest_error(403, "Forbidden resource");
    return std::nullopt;
  });
  auto first =
      apply(line("a", "w-1", "s1", 1) + "," + line("b", "w-2", "s1", 2), false, "gr:run-3:batch-1");
  EXPECT_EQ(first["a"].at("outcome").as_string(), "failed");
  EXPECT_EQ(first["a"].at("error_class").as_string(), "rate_limited");
  EXPECT_NE(std::string(first["a"].at("message").as_string()).find("Forbidden resource"),
            std::string::npos);
  size_t sent = g_.seen("POST").size();
  CallResult next = raw(&mb_plugin_table::on_apply_quantities,
                        apply_input(line("c", "w-1", "s2", 3), true, "gr:run-3:batch-2"));
  EXPECT_EQ(next.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(g_.seen("POST").size(), sent) << "nothing more is sent in that run";

  g_.intercept(nullptr);
  EXPECT_EQ(
      apply(line("c", "w-1", "s2", 3), true, "gr:run-4:batch-1")["c"].at("outcome").as_string(),
      "updated");
}

TEST_F(GradientApplyTest, RefusedKeysStopTheRun) {
  answer_everything_with(nest_error(401, "Unauthorized"));
  CallResult r = raw(&mb_plugin_table::on_apply_quantities, apply_input(line("a", "w-1", "s1", 1)));
  EXPECT_EQ(r.status, MB_STATUS_AUTH_FAILED);
}

TEST_F(GradientApplyTest, ALostAnswerIsAFailedLineThatTheNextRunSendsAgain) {
  g_.intercept([](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.method == "POST") return no_answer(true);
    return std::nullopt;
  });
  auto lines = apply(line("a", "w-1", "s1", 1));
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["a"].at("error_class").as_string(), "retry");
  EXPECT_NE(std::string(lines["a"].at("message").as_string()).find("may or may not be stored"),
            std::string::npos);
}

TEST_F(GradientApplyTest, LinesTheAbiCannotCarryToGradientAreRefusedWithoutACall) {
  auto lines = apply(R"({"key":"neg","account_id":"w-1","service_id":"s1","target":-1},)"
                     R"({"key":"frac","account_id":"w-1","service_id":"s1","target":1.5},)"
                     R"({"key":"dots","account_id":"w-1","service_id":"..","target":1})");
  for (const char* k : {"neg", "frac", "dots"}) {
    EXPECT_EQ(lines[k].at("outcome").as_string(), "failed") << k;
    EXPECT_EQ(lines[k].at("error_class").as_string(), "config_invalid") << k;
  }
  EXPECT_TRUE(g_.seen().empty());
}

}  // namespace
}  // namespace meterbridge::gradient
