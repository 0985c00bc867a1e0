// apply_quantities through the whole plugin (external_plugin_test.h): the batches pushed, their
// keys and bodies, and what each line comes to when the platform answers, refuses or is lost.
#include <set>

#include "external_plugin_test.h"

namespace meterbridge::external {
namespace {

TEST_F(ExternalPluginTest, ABatchLargerThanThePlatformTakesIsSplitUnderNumberedKeys) {
  platform_.on("GET", "/v1/integration", integration(2));
  platform_.on("POST", "/v1/count-batches", applied_all);
  json::value first = ok(&mb_plugin_table::on_apply_quantities, apply_input(5));
  auto posts = platform_.seen("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[0].headers.at("Idempotency-Key"), "ext:run-4:batch-1:part-1");
  EXPECT_EQ(posts[2].headers.at("Idempotency-Key"), "ext:run-4:batch-1:part-3");
  EXPECT_EQ(posts[0].headers.at("Content-Type"), "application/json");
  EXPECT_TRUE(posts[0].idempotent);
  EXPECT_EQ(posts[0].endpoint, "count-batches");
  EXPECT_EQ(json::parse(posts[2].body).at("items").as_array().size(), 1u);
  EXPECT_EQ(json::parse(posts[0].body).at("effective_date").as_string(), "2026-11-21");
  auto lines = by_field(first);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines["l4"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["l4"].at("quantity").as_int64(), 5);

  // The same input again (a retry of the hook) sends the same keys and the same bytes.
  ok(&mb_plugin_table::on_apply_quantities, apply_input(5));
  auto again = platform_.seen("POST");
  ASSERT_EQ(again.size(), 6u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again[3 + i].headers.at("Idempotency-Key"), posts[i].headers.at("Idempotency-Key"));
    EXPECT_EQ(again[3 + i].body, posts[i].body);
  }
  EXPECT_EQ(platform_.seen("GET", "/v1/integration").size(), 1u);  // cached within the session
}

TEST_F(ExternalPluginTest, TheConnectorsBatchSizeCapsBatchesBelowThePlatformsLimit) {
  FakeHost::Session small =
      plugin_.open(std::string(R"({"base_url":")") + kBase + R"(","api_key":"k","batch_size":3})");
  platform_.on("POST", "/v1/count-batches", applied_all);
  ASSERT_TRUE(small.call(&mb_plugin_table::on_apply_quantities, apply_input(7)).ok());
  EXPECT_EQ(platform_.seen("POST").size(), 3u);
}

TEST_F(ExternalPluginTest, AKeyThePlatformKnowsForAnotherBodyIsRetriedOnceUnderAFingerprint) {
  platform_.on("POST", "/v1/count-batches", [](const Seen& s) {
    if (s.headers.at("Idempotency-Key") == "ext:run-4:batch-1") {
      return protocol_error(422, "idempotency_key_reused");
    }
    return applied_all(s);
  });
  json::value v = ok(&mb_plugin_table::on_apply_quantities, apply_input(2));
  auto posts = platform_.seen("POST");
  ASSERT_EQ(posts.size(), 2u);
  const std::string retried = posts[1].headers.at("Idempotency-Key");
  EXPECT_EQ(retried.rfind("ext:run-4:batch-1~", 0), 0u) << retried;
  EXPECT_EQ(retried.size(), std::string("ext:run-4:batch-1~").size() + 16);
  EXPECT_EQ(posts[1].body, posts[0].body);
  EXPECT_EQ(by_field(v)["l0"].at("outcome").as_string(), "updated");
}

TEST_F(ExternalPluginTest, ALostResponseFailsItsLinesForTheNextRunToReRead) {
  platform_.on("GET", "/v1/integration", integration(2));
  platform_.on("POST", "/v1/count-batches", [](const Seen& s) {
    return s.headers.at("Idempotency-Key").ends_with(":part-1") ? no_answer(true) : applied_all(s);
  });
  auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(3)));
  EXPECT_EQ(lines["l0"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["l0"].at("error_class").as_string(), "retry");
  const std::string message(lines["l0"].at("message").as_string());
  EXPECT_NE(message.find("may have reached the platform"), std::string::npos) << message;
  EXPECT_NE(message.find("next run reads"), std::string::npos) << message;
  EXPECT_EQ(lines["l2"].at("outcome").as_string(), "updated");  // later parts still go
}

TEST_F(ExternalPluginTest, ARefusedKeyOnEveryBatchFailsTheCallAndOnSomeFailsOnlyTheirLines) {
  platform_.on("GET", "/v1/integration", integration(2));
  platform_.on("POST", "/v1/count-batches", protocol_error(401, "unauthorized"));
  CallResult refused = call(&mb_plugin_table::on_apply_quantities, apply_input(3));
  EXPECT_EQ(refused.status, MB_STATUS_AUTH_FAILED);
  EXPECT_EQ(refused.error_message.find("k3y-s3cret"), std::string::npos);

  platform_.on("POST", "/v1/count-batches", [](const Seen& s) {
    return s.headers.at("Idempotency-Key").ends_with(":part-1")
               ? applied_all(s)
               : protocol_error(429, "rate_limited");
  });
  auto lines =
      by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(5, "ext:run-5:batch-1")));
  EXPECT_EQ(lines["l1"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["l2"].at("error_class").as_string(), "rate_limited");
  EXPECT_EQ(lines["l4"].at("error_class").as_string(), "rate_limited");
  EXPECT_NE(lines["l4"].at("message").as_string().find("batch ext:run-5:batch-1:part-3"),
            std::string::npos)
      << lines["l4"];
  EXPECT_EQ(platform_.seen("POST").size(), 2u + 3u);  // every part of both calls went out, together
}

TEST_F(ExternalPluginTest, SendsTheBatchesOfOneApplyCallTogether) {
  platform_.on("GET", "/v1/integration", integration(2));
  platform_.on("POST", "/v1/count-batches", applied_all);
  auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(5)));
  for (const auto& [key, line] : lines) EXPECT_EQ(line.at("outcome").as_string(), "updated") << key;
  std::set<int> batches_with_pushes;
  for (const Seen& post : platform_.seen("POST")) batches_with_pushes.insert(post.batch);
  EXPECT_EQ(batches_with_pushes.size(), 1u);
  EXPECT_EQ(platform_.seen("POST").size(), 3u);  // 5 counts in parts of 2
}

TEST_F(ExternalPluginTest, ResultsThatDoNotMatchTheItemsFailTheirLines) {
  platform_.on("POST", "/v1/count-batches", reply(200, R"({"batch_id":"b","results":[]})"));
  auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(2)));
  EXPECT_EQ(lines["l0"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["l0"].at("error_class").as_string(), "fatal");
  EXPECT_NE(lines["l0"].at("message").as_string().find("0 results for 2 items"), std::string::npos);
}

TEST_F(ExternalPluginTest, ApplyNeedsTheHostsKeyAndReportsIncompleteLines) {
  EXPECT_EQ(call(&mb_plugin_table::on_apply_quantities, R"({"lines":[]})").status,
            MB_STATUS_CONFIG_INVALID);
  auto lines =
      by_field(ok(&mb_plugin_table::on_apply_quantities, R"({"idempotency_key":"k","lines":[
    {"key":"a","account_id":"c-1","service_id":"s","metric":"users"},
    {"key":"b","account_id":"c-1","service_id":"s","metric":"bytes","target":1}]})"));
  EXPECT_EQ(lines["a"].at("error_class").as_string(), "config_invalid");
  EXPECT_EQ(lines["b"].at("error_class").as_string(), "config_invalid");
  EXPECT_TRUE(seen_.empty());  // nothing to push, nothing asked
}

}  // namespace
}  // namespace meterbridge::external
