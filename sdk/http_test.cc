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

// An engine that answers each request with 200 and a body counting the requests it has seen,
// and reports the call cancelled once `cancel_after_batches` batches have run.
struct CountingEngine {
  static inline int batches = 0;
  static inline int requests = 0;
  static inline int cancel_after_batches = 1000;
  static inline std::string answer;
  static mb_status batch(mb_call_host_ptr, mb_str raw, mb_str* out) {
    ++batches;
    answer = "[";
    for (const HttpRequest& r : decode_array<HttpRequest>(to_string_view(raw), "batch")) {
      answer += (answer.size() > 1 ? "," : "") + std::string(R"({"status":200,"body":")") +
                std::to_string(requests++) + "-" + r.url + "\"}";
    }
    answer += "]";
    *out = to_mb_str(answer);
    return MB_STATUS_OK;
  }
  static int32_t cancelled(mb_call_host_ptr) { return batches >= cancel_after_batches ? 1 : 0; }
  // Refuses every batch after the first `budget` (as when the connector's request budget runs
  // out), the way the host does: a status and an error document.
  static inline int budget = 1000;
  static mb_status limited(mb_call_host_ptr call, mb_str raw, mb_str* out) {
    if (batches >= budget) {
      answer =
          R"({"error":{"class":"rate_limited","message":"request budget spent","retry_after_ms":60000}})";
      *out = to_mb_str(answer);
      return MB_STATUS_RATE_LIMITED;
    }
    return batch(call, raw, out);
  }
};

class BatchedHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    services_.callback_http_batch = &CountingEngine::batch;
    services_.callback_is_cancelled = &CountingEngine::cancelled;
    CountingEngine::batches = CountingEngine::requests = 0;
    CountingEngine::cancel_after_batches = 1000;
    CountingEngine::budget = 1000;
    for (int i = 0; i < 5; ++i) {
      HttpRequest request;
      request.url = "u" + std::to_string(i);
      requests_.push_back(request);
    }
  }
  std::vector<HttpRequest> requests_;
};

TEST_F(BatchedHttpTest, RunsRequestsInBatchesOfTheGivenSizeAndKeepsTheirOrder) {
  std::vector<HttpResponse> r = http_in_batches(call_, requests_, 2);
  EXPECT_EQ(CountingEngine::batches, 3);
  ASSERT_EQ(r.size(), 5u);
  for (size_t i = 0; i < r.size(); ++i)
    EXPECT_EQ(r[i].body, std::to_string(i) + "-u" + std::to_string(i));
}

TEST_F(BatchedHttpTest, ACancelledCallLeavesTheRestUnsent) {
  CountingEngine::cancel_after_batches = 1;
  std::vector<HttpResponse> r = http_in_batches(call_, requests_, 2);
  EXPECT_EQ(CountingEngine::batches, 1) << "nothing is sent after the cancellation is seen";
  ASSERT_EQ(r.size(), 5u);
  EXPECT_TRUE(r[1].ok());
  for (size_t i = 2; i < r.size(); ++i) {
    EXPECT_EQ(r[i].status, 0);
    ASSERT_TRUE(r[i].error);
    EXPECT_EQ(r[i].error->error_class, MB_STATUS_RETRY);
    EXPECT_FALSE(r[i].error->sent);
  }
}

TEST_F(BatchedHttpTest, TheFirstBatchGoesEvenWhenTheCallIsAlreadyCancelled) {
  // The caller decided to send; cancellation only stops what comes after a batch.
  CountingEngine::cancel_after_batches = 0;
  EXPECT_EQ(http_in_batches(call_, requests_, 10).size(), 5u);
  EXPECT_EQ(CountingEngine::batches, 1);
  EXPECT_TRUE(http_in_batches(call_, {}, 10).empty());
}

TEST_F(BatchedHttpTest, ALaterRefusedBatchKeepsWhatWasSentAndLeavesTheRestUnsent) {
  services_.callback_http_batch = &CountingEngine::limited;
  CountingEngine::budget = 1;
  std::vector<HttpResponse> r = http_in_batches(call_, requests_, 2);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_TRUE(r[0].ok() && r[1].ok()) << "the first batch was sent: its answers are kept";
  for (size_t i = 2; i < r.size(); ++i) {
    ASSERT_TRUE(r[i].error);
    EXPECT_EQ(r[i].error->error_class, MB_STATUS_RATE_LIMITED);
    EXPECT_FALSE(r[i].error->sent);
    EXPECT_NE(r[i].error->message.find("request budget spent"), std::string::npos);
    EXPECT_EQ(r[i].retry_after_ms, 60000u);
  }
}

TEST_F(BatchedHttpTest, ARefusedFirstBatchThrowsAsCallHttpDoes) {
  services_.callback_http_batch = &CountingEngine::limited;
  CountingEngine::budget = 0;
  try {
    http_in_batches(call_, requests_, 2);
    FAIL() << "a refused first batch must throw";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.error_class(), MB_STATUS_RATE_LIMITED);
    EXPECT_EQ(e.retry_after_ms(), 60000u);
  }
}

TEST(UsualErrorClassTest, ReadsTheStatusTheWayMostPlatformsMeanIt) {
  auto class_of = [](int status) {
    HttpResponse r;
    r.status = status;
    return usual_error_class(r);
  };
  EXPECT_EQ(class_of(0), MB_STATUS_RETRY) << "no answer and no word from the host";
  EXPECT_EQ(class_of(401), MB_STATUS_AUTH_FAILED);
  EXPECT_EQ(class_of(403), MB_STATUS_AUTH_FAILED);
  EXPECT_EQ(class_of(404), MB_STATUS_NOT_FOUND);
  EXPECT_EQ(class_of(409), MB_STATUS_CONFLICT);
  EXPECT_EQ(class_of(429), MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(class_of(500), MB_STATUS_RETRY);
  EXPECT_EQ(class_of(503), MB_STATUS_RETRY);
  EXPECT_EQ(class_of(400), MB_STATUS_FATAL);
  EXPECT_EQ(class_of(302), MB_STATUS_FATAL);
  HttpResponse unreachable;
  unreachable.error = HttpError{MB_STATUS_CONFIG_INVALID, "bad url", false};
  EXPECT_EQ(usual_error_class(unreachable), MB_STATUS_CONFIG_INVALID) << "the host's class";
}

TEST(SetJsonBodyTest, AnnouncesTheBody) {
  HttpRequest request;
  request.headers = {{"Accept", "application/json"}};
  set_json_body(request, R"({"a":1})");
  EXPECT_EQ(request.body, R"({"a":1})");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[1],
            (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
}

TEST(Base64Test, PadsTheLastGroupAsRfc4648Says) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xFF\xFE\xFD"), "//79");
  EXPECT_EQ(base64_encode("\xFF\xFE"), "//4=");
  EXPECT_EQ(base64_encode("\xC3\xA9"), "w6k=");
}

TEST(PercentEncodeTest, AnIdCannotAddAPathSegmentAQueryOrAFragment) {
  EXPECT_EQ(percent_encode("cust-7f3a_x.y~z"), "cust-7f3a_x.y~z");
  EXPECT_EQ(percent_encode("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
  EXPECT_EQ(percent_encode("Smith & Sons+1"), "Smith%20%26%20Sons%2B1");
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(percent_encode("O'Brien & Sons/1?x=%"), "O%27Brien%20%26%20Sons%2F1%3Fx%3D%25");
  EXPECT_EQ(percent_encode(""), "");
}

}  // namespace
}  // namespace meterbridge
