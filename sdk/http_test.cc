// Call::http: typed requests reach the host as its batch document, responses come back typed,
// a refused batch keeps the host's class, message and wait, and Retry-After is read once.
#include <gtest/gtest.h>

#include <meterbridge/http.hpp>

#include <string>

namespace meterbridge {
namespace {

// A host whose engine answers every batch with `answer` and `status`, remembering the batch.
struct ScriptedEngine {
  static inline std::string seen;
  static inline std::string answer;
  static inline mb_status status = MB_STATUS_OK;
  static mb_status batch(mb_call_host_ptr, mb_str requests, mb_str* out) {
    seen.assign(requests.ptr, requests.len);
    *out = to_mb_str(answer);
    return status;
  }
};

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    services_.size = sizeof(services_);
    services_.callback_http_batch = &ScriptedEngine::batch;
    ScriptedEngine::status = MB_STATUS_OK;
  }
  mb_host_services services_{};
  int context_ = 0;
  Call call_{&services_, &context_};
};

TEST_F(HttpTest, SendsTheBatchDocumentAndReadsTheResponses) {
  ScriptedEngine::answer =
      R"([{"status":503,"headers":{"retry-after":"4"},"body":"busy","attempts":3}])";
  HttpRequest request{"POST", "https://x/y", {{"A", "b"}}, "{}", "y", false, std::nullopt};
  std::vector<HttpResponse> r = call_.http(std::vector<HttpRequest>{request});
  EXPECT_NE(ScriptedEngine::seen.find(R"("idempotent":false)"), std::string::npos);
  EXPECT_NE(ScriptedEngine::seen.find(R"("endpoint":"y")"), std::string::npos);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 503);
  EXPECT_EQ(r[0].attempts, 3);
  EXPECT_EQ(retry_after_ms(r[0]), 4000u) << "the header, when the host gave no wait";
}

TEST_F(HttpTest, TheHostsWaitWinsOverTheHeaderAndADateIsLeftToTheHost) {
  HttpResponse r;
  r.status = 429;
  r.headers["retry-after"] = "4";
  r.retry_after_ms = 9000;
  EXPECT_EQ(retry_after_ms(r), 9000u);
  r.retry_after_ms = 0;
  r.headers["retry-after"] = "Wed, 21 Oct 2026 07:28:00 GMT";
  EXPECT_EQ(retry_after_ms(r), 0u);
  EXPECT_FALSE(retry_after_header_ms("-1"));
  EXPECT_FALSE(retry_after_header_ms("9999999999")) << "longer than any sensible wait";
}

TEST_F(HttpTest, ARefusedBatchKeepsTheHostsClassMessageAndWait) {
  ScriptedEngine::status = MB_STATUS_RATE_LIMITED;
  ScriptedEngine::answer =
      R"({"error":{"class":"rate_limited","message":"hourly budget spent","retry_after_ms":60000}})";
  try {
    call_.http(std::vector<HttpRequest>{HttpRequest{}});
    FAIL() << "no error";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.error_class(), MB_STATUS_RATE_LIMITED);
    EXPECT_EQ(e.retry_after_ms(), 60000u);
    EXPECT_NE(std::string(e.what()).find("hourly budget spent"), std::string::npos);
  }
}

TEST_F(HttpTest, AnswersThatDoNotMatchTheBatchAreFatal) {
  ScriptedEngine::answer = "[]";
  try {
    call_.http(std::vector<HttpRequest>{HttpRequest{}});
    FAIL() << "no error";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.error_class(), MB_STATUS_FATAL);
  }
  ScriptedEngine::answer = "not json";
  EXPECT_THROW(call_.http(std::vector<HttpRequest>{HttpRequest{}}), PluginError);
}

TEST_F(HttpTest, ARequestWithoutAnAnswerSaysWhetherItMayHaveBeenSent) {
  ScriptedEngine::answer =
      R"([{"status":0,"error":{"class":"retry","message":"reset","sent":true},"attempts":1},
          {"status":0,"error":{"class":"config_invalid","message":"bad url","sent":false}}])";
  std::vector<HttpResponse> r = call_.http(std::vector<HttpRequest>{HttpRequest{}, HttpRequest{}});
  ASSERT_TRUE(r[0].error && r[1].error);
  EXPECT_TRUE(r[0].error->sent);
  EXPECT_EQ(r[0].error->error_class, MB_STATUS_RETRY);
  EXPECT_FALSE(r[1].error->sent);
  EXPECT_EQ(r[1].error->error_class, MB_STATUS_CONFIG_INVALID);
}

}  // namespace
}  // namespace meterbridge
