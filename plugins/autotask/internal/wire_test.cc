#include "internal/wire.h"

#include <gtest/gtest.h>
#include <meterbridge/plugin.hpp>

#include <boost/json/parse.hpp>

namespace meterbridge::autotask {
namespace {

HttpResponse response(int status, std::string body, std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = std::move(retry_after);
  return r;
}

HttpResponse transport_failure(bool maybe_sent) {
  HttpResponse r;
  r.transport_error_class = "retry";
  r.transport_error = "connection reset";
  r.maybe_sent = maybe_sent;
  return r;
}

TEST(SerializeRequests, CarriesEndpointIdempotenceAndBodyAsTheHostExpects) {
  HttpRequest r{"POST",
                "https://x/ATServicesRest/V1.0/ContractServiceAdjustments",
                {{"UserName", "u"}},
                R"({"unitChange":3})",
                "ContractServiceAdjustments",
                false,
                std::nullopt};
  boost::json::value doc = boost::json::parse(serialize_requests({r}));
  const auto& item = doc.as_array().at(0).as_object();
  EXPECT_EQ(item.at("method"), "POST");
  EXPECT_EQ(item.at("endpoint"), "ContractServiceAdjustments");
  EXPECT_EQ(item.at("idempotent"), false);
  EXPECT_EQ(item.at("body"), R"({"unitChange":3})");
  EXPECT_EQ(item.at("headers").at("UserName"), "u");
}

TEST(ParseResponses, ReadsStatusBodyRetryAfterAndTransportErrors) {
  auto rs = parse_responses(
      R"([{"status":429,"headers":{"retry-after":"7"},"body":"{}","attempts":5},)"
      R"({"status":0,"error":{"class":"retry","message":"reset","sent":true},"attempts":1}])",
      2);
  EXPECT_EQ(rs[0].status, 429);
  EXPECT_EQ(rs[0].retry_after, "7");
  EXPECT_EQ(rs[1].status, 0);
  EXPECT_TRUE(rs[1].maybe_sent);
  EXPECT_EQ(rs[1].transport_error, "reset");
  EXPECT_THROW(parse_responses("[]", 1), meterbridge::PluginError);
}

TEST(PlatformMessage, ReadsEveryShapeAutotaskUses) {
  EXPECT_EQ(platform_message(R"({"errors":["a","b"]})"), "a; b");
  EXPECT_EQ(platform_message(R"({"errors":[{"message":"m"}]})"), "m");
  EXPECT_EQ(platform_message(
                R"({"Message":"The requested resource does not support http method 'GET'."})"),
            "The requested resource does not support http method 'GET'.");
  EXPECT_EQ(platform_message("Thread Threshold Exceeded"), "Thread Threshold Exceeded");
  EXPECT_EQ(platform_message("<html><body>error</body></html>"), "");
  EXPECT_EQ(platform_message(""), "");
}

TEST(ClassifyFailure, RecognisesTheThreadLimitByItsTextWhateverTheStatus) {
  HttpResponse r =
      response(500, R"({"errors":["Thread Threshold Exceeded - The Autotask API thread threshold )"
                    R"(of 3 threads has been exceeded. Itgenatr005"]})");
  EXPECT_TRUE(is_thread_threshold_refusal(r));
  Failure f = classify_failure(r);
  EXPECT_EQ(f.error_class, MB_STATUS_RATE_LIMITED);
  EXPECT_GT(f.retry_after_ms, 0u);
  EXPECT_TRUE(certainly_not_applied(r));
}

TEST(ClassifyFailure, HonoursRetryAfterOnTheHourlyThreshold) {
  Failure f = classify_failure(response(429, R"({"errors":["threshold"]})", "30"));
  EXPECT_EQ(f.error_class, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(f.retry_after_ms, 30000u);
  EXPECT_EQ(classify_failure(response(429, "")).retry_after_ms, 60000u);
}

TEST(ClassifyFailure, TellsCredentialProblemsApart) {
  EXPECT_EQ(classify_failure(response(401, "")).error_class, MB_STATUS_AUTH_FAILED);
  Failure code = classify_failure(response(500, R"({"errors":["IntegrationCode is invalid."]})"));
  EXPECT_EQ(code.error_class, MB_STATUS_AUTH_FAILED);
  EXPECT_NE(code.message.find("IntegrationCode is invalid."), std::string::npos);
  EXPECT_EQ(
      classify_failure(response(500, R"({"errors":["Zone information could not be determined"]})"))
          .error_class,
      MB_STATUS_CONFIG_INVALID);
  EXPECT_EQ(classify_failure(response(403, "")).error_class, MB_STATUS_AUTH_FAILED);
}

TEST(ClassifyFailure, KeepsBusinessRulesAsConflictsWithAutotasksWords) {
  Failure f = classify_failure(
      response(500, R"({"errors":["effectiveDate must be between 2025-01-01 and 2025-12-31"]})"));
  EXPECT_EQ(f.error_class, MB_STATUS_CONFLICT);
  EXPECT_NE(f.message.find("effectiveDate must be between 2025-01-01 and 2025-12-31"),
            std::string::npos);
  EXPECT_EQ(
      classify_failure(response(500, R"({"errors":["units cannot be negative"]})")).error_class,
      MB_STATUS_CONFLICT);
}

TEST(ClassifyFailure, TreatsGatewayErrorsAndLostConnectionsAsRetryable) {
  EXPECT_EQ(classify_failure(response(503, "")).error_class, MB_STATUS_RETRY);
  EXPECT_EQ(classify_failure(transport_failure(true)).error_class, MB_STATUS_RETRY);
}

TEST(CertainlyNotApplied, OnlyWhenAutotaskRefusedUpFrontOrNeverSawTheRequest) {
  EXPECT_TRUE(certainly_not_applied(transport_failure(false)));
  EXPECT_FALSE(certainly_not_applied(transport_failure(true)));
  EXPECT_TRUE(certainly_not_applied(response(429, "")));
  EXPECT_TRUE(certainly_not_applied(response(401, "")));
  EXPECT_FALSE(
      certainly_not_applied(response(500, R"({"errors":["effectiveDate must be between"]})")));
  EXPECT_FALSE(certainly_not_applied(response(502, "")));
}

TEST(ErrorClassName, MatchesTheAbiNames) {
  EXPECT_STREQ(error_class_name(MB_STATUS_RATE_LIMITED), "rate_limited");
  EXPECT_STREQ(error_class_name(MB_STATUS_CONFLICT), "conflict");
  EXPECT_STREQ(error_class_name(42), "fatal");
}

}  // namespace
}  // namespace meterbridge::autotask
