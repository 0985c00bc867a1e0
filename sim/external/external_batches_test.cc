// Pushing counts: per-item results, batch limits, and idempotency (replay, conflicting reuse,
// a reset mid-response).
#include "sim/external/external_test_fixture.h"

namespace mb::sim::external {
namespace {

class ExternalBatchesTest : public ExternalSimTest {
 protected:
  void SetUp() override {
    start();
    link("ws-88", "c-1001");
    link("ws-90", "c-1002");
  }

  json::value push_json(const std::string& key, const std::string& body, int status = 200) {
    RawResponse response = push(key, body);
    EXPECT_EQ(response.status, status) << response.body;
    return json::parse(response.body);
  }

  int64_t current(const std::string& customer, const std::string& service,
                  const std::string& metric) {
    const json::value s = state();
    for (const auto& c : s.at("counts").as_array()) {
      if (c.at("customer_id").as_string() == customer &&
          c.at("service_id").as_string() == service && c.at("metric").as_string() == metric) {
        return c.at("quantity").as_int64();
      }
    }
    return -1;
  }
};

TEST_F(ExternalBatchesTest, EveryItemGetsAResultInRequestOrder) {
  json::value v = push_json("k-1", R"({"effective_date":"2026-11-21","items":[
    {"customer_id":"c-1001","service_id":"coro-endpoint-security","metric":"devices","quantity":42},
    {"customer_id":"c-1003","service_id":"coro-edr","metric":"devices","quantity":5},
    {"customer_id":"c-1002","service_id":"coro-email-security","metric":"devices","quantity":9}]})");
  EXPECT_EQ(v.at("batch_id").as_string(), "b_000001");
  const json::array& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("status").as_string(), "applied");
  EXPECT_EQ(results[1].at("reason").as_string(), "customer_not_linked");
  EXPECT_EQ(results[2].at("reason").as_string(), "unsupported_metric");
  EXPECT_EQ(results[2].at("customer_id").as_string(), "c-1002");
  EXPECT_EQ(json::serialize(v.at("summary")), R"({"applied":1,"unchanged":0,"rejected":2})");
  EXPECT_EQ(current("c-1001", "coro-endpoint-security", "devices"), 42);
}

TEST_F(ExternalBatchesTest, TheIdempotencyKeyIsRequiredAndChecked) {
  const std::string body = one_item("c-1001", "coro-edr", "devices", 1);
  EXPECT_EQ(error_code("POST", "/v1/count-batches", 400, body), "invalid_idempotency_key");
  for (const std::string& bad : {std::string("has space"), std::string(256, 'k')}) {
    Headers headers = auth();
    headers.emplace_back("Idempotency-Key", bad);
    EXPECT_EQ(error_code("POST", "/v1/count-batches", 400, body, headers),
              "invalid_idempotency_key");
  }
  EXPECT_EQ(push(std::string(255, 'k'), body).status, 200);
}

TEST_F(ExternalBatchesTest, TheSameKeyAndBodyReplayTheStoredResponseAndApplyNothing) {
  const std::string body = one_item("c-1001", "coro-edr", "devices", 12);
  RawResponse first = push("acme:run-1:batch-1", body);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.headers.count("idempotent-replayed"), 0u);
  push_json("acme:run-2:batch-1", one_item("c-1001", "coro-edr", "devices", 15));

  RawResponse replay = push("acme:run-1:batch-1", body);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(replay.body, first.body);  // byte for byte, although the count has moved on
  EXPECT_EQ(current("c-1001", "coro-edr", "devices"), 15);
  const json::value s = state();
  const json::array& batches = s.at("batches").as_array();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].at("idempotency_key").as_string(), "acme:run-1:batch-1");
  EXPECT_EQ(batches[0].at("replays").as_int64(), 1);
}

TEST_F(ExternalBatchesTest, TheSameKeyWithAnotherBodyIs422AndAppliesNothing) {
  push_json("acme:run-1:batch-1", one_item("c-1001", "coro-edr", "devices", 12));
  json::value refused =
      push_json("acme:run-1:batch-1", one_item("c-1001", "coro-edr", "devices", 13), 422);
  EXPECT_EQ(refused.at("error").at("code").as_string(), "idempotency_key_reused");
  EXPECT_EQ(refused.at("error").at("details").at("idempotency_key").as_string(),
            "acme:run-1:batch-1");
  EXPECT_EQ(refused.at("error").at("details").at("batch_id").as_string(), "b_000001");
  // Even a whitespace difference is another body: clients resend the same bytes.
  push_json("acme:run-1:batch-1", one_item("c-1001", "coro-edr", "devices", 12) + " ", 422);
  EXPECT_EQ(current("c-1001", "coro-edr", "devices"), 12);
}

TEST_F(ExternalBatchesTest, ARefusedRequestIsNotRememberedSoItsKeyCanBeUsedAgain) {
  settings(R"({"max_batch_items":2})");
  const std::string item =
      R"({"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":1})";
  json::value too_large =
      push_json("k-7", R"({"items":[)" + item + "," + item + "," + item + "]}", 400);
  EXPECT_EQ(too_large.at("error").at("code").as_string(), "batch_too_large");
  EXPECT_EQ(too_large.at("error").at("details").at("max_items").as_int64(), 2);
  EXPECT_EQ(push_json("k-7", "{\"items\":[]}", 400).at("error").at("code").as_string(),
            "invalid_request");
  EXPECT_EQ(push_json("k-7", "[1,2", 400).at("error").at("code").as_string(), "invalid_request");
  json::value accepted = push_json("k-7", R"({"items":[)" + item + "]}");
  EXPECT_EQ(accepted.at("batch_id").as_string(), "b_000001");  // refusals took no batch id
}

TEST_F(ExternalBatchesTest, AResetMidResponseLeavesTheBatchAppliedOnceAndTheRetryReplaysIt) {
  faults("reset:path=/v1/count-batches,count=1");
  const std::string body = one_item("c-1001", "coro-edr", "devices", 21);
  Headers headers = auth();
  headers.emplace_back("Idempotency-Key", "acme:run-5:batch-1");
  headers.emplace_back("Content-Type", "application/json");
  RawResult cut = testing::http_request(port(), "POST", "/v1/count-batches", headers, body);
  EXPECT_FALSE(cut.response.has_value());  // the client never saw the answer

  RawResponse retry = push("acme:run-5:batch-1", body);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.headers["idempotent-replayed"], "true");
  EXPECT_NE(retry.body.find(R"("status":"applied")"), std::string::npos);
  json::value s = state();
  EXPECT_EQ(s.at("counts").at(0).at("quantity").as_int64(), 21);
  EXPECT_EQ(s.at("counts").at(0).at("changes").as_int64(), 1);
  EXPECT_EQ(s.at("batches").at(0).at("replays").as_int64(), 1);
}

TEST_F(ExternalBatchesTest, ABodyThatIsNotJsonTypedIs415) {
  Headers headers = auth();
  headers.emplace_back("Idempotency-Key", "k-1");
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(error_code("POST", "/v1/count-batches", 415,
                       one_item("c-1001", "coro-edr", "devices", 1), headers),
            "unsupported_media_type");
}

}  // namespace
}  // namespace mb::sim::external
