#include "internal/wire.h"

#include <gtest/gtest.h>
#include <meterbridge/testing/scripted_platform.hpp>

namespace meterbridge::autotask {
namespace {

using meterbridge::testing::no_answer;
using meterbridge::testing::reply;

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
      reply(500, R"({"errors":["Thread Threshold Exceeded - The Autotask API thread threshold )"
                 R"(of 3 threads has been exceeded. Itgenatr005"]})");
  EXPECT_TRUE(is_thread_threshold_refusal(r));
  HttpFailure f = classify_failure(r);
  EXPECT_EQ(f.status, MB_STATUS_RATE_LIMITED);
  EXPECT_GT(f.retry_after_ms, 0u);
  EXPECT_TRUE(certainly_not_applied(r));
}

TEST(ClassifyFailure, HonoursRetryAfterOnTheHourlyThreshold) {
  HttpFailure f =
      classify_failure(reply(429, R"({"errors":["threshold"]})", {{"retry-after", "30"}}));
  EXPECT_EQ(f.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(f.retry_after_ms, 30000u);
  EXPECT_EQ(classify_failure(reply(429, "")).retry_after_ms, 60000u);
}

TEST(ClassifyFailure, TellsCredentialProblemsApart) {
  EXPECT_EQ(classify_failure(reply(401, "")).status, MB_STATUS_AUTH_FAILED);
  HttpFailure code = classify_failure(reply(500, R"({"errors":["IntegrationCode is invalid."]})"));
  EXPECT_EQ(code.status, MB_STATUS_AUTH_FAILED);
  EXPECT_NE(code.message.find("IntegrationCode is invalid."), std::string::npos);
  EXPECT_EQ(
      classify_failure(reply(500, R"({"errors":["Zone information could not be determined"]})"))
          .status,
      MB_STATUS_CONFIG_INVALID);
  EXPECT_EQ(classify_failure(reply(403, "")).status, MB_STATUS_AUTH_FAILED);
}

TEST(ClassifyFailure, KeepsBusinessRulesAsConflictsWithAutotasksWords) {
  HttpFailure f = classify_failure(
      reply(500, R"({"errors":["effectiveDate must be between 2025-01-01 and 2025-12-31"]})"));
  EXPECT_EQ(f.status, MB_STATUS_CONFLICT);
  EXPECT_NE(f.message.find("effectiveDate must be between 2025-01-01 and 2025-12-31"),
            std::string::npos);
  EXPECT_EQ(classify_failure(reply(500, R"({"errors":["units cannot be negative"]})")).status,
            MB_STATUS_CONFLICT);
}

TEST(ClassifyFailure, TreatsGatewayErrorsAndLostConnectionsAsRetryable) {
  EXPECT_EQ(classify_failure(reply(503, "")).status, MB_STATUS_RETRY);
  EXPECT_EQ(classify_failure(no_answer(true)).status, MB_STATUS_RETRY);
}

TEST(CertainlyNotApplied, OnlyWhenAutotaskRefusedUpFrontOrNeverSawTheRequest) {
  EXPECT_TRUE(certainly_not_applied(no_answer(false)));
  EXPECT_FALSE(certainly_not_applied(no_answer(true)));
  EXPECT_TRUE(certainly_not_applied(reply(429, "")));
  EXPECT_TRUE(certainly_not_applied(reply(401, "")));
  EXPECT_FALSE(
      certainly_not_applied(reply(500, R"({"errors":["effectiveDate must be between"]})")));
  EXPECT_FALSE(certainly_not_applied(reply(502, "")));
}

TEST(ErrorClassName, MatchesTheAbiNames) {
  EXPECT_STREQ(error_class_name(MB_STATUS_RATE_LIMITED), "rate_limited");
  EXPECT_STREQ(error_class_name(MB_STATUS_CONFLICT), "conflict");
  EXPECT_STREQ(error_class_name(42), "fatal");
}

}  // namespace
}  // namespace meterbridge::autotask
