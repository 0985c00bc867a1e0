#include "internal/counts.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

ApiResponse answer(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

CountLine line(std::string key, bool pushed_before = false) {
  return CountLine{std::move(key), "cust-7f3a", "6650a1c2e4b0a1b2c3d4e777", 43, pushed_before};
}

TEST(GradientCounts, PostsTheAbsoluteCountForOnePairAndMayBeRetried) {
  ApiRequest r = count_request(line("k"), true);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/api/vendor-api/service/6650a1c2e4b0a1b2c3d4e777/count?no_build=true");
  EXPECT_EQ(boost::json::parse(*r.body),
            boost::json::parse(R"({"accountId":"cust-7f3a","unitCount":43})"));
  EXPECT_TRUE(r.idempotent);
  EXPECT_EQ(count_request(line("k"), false).path,
            "/api/vendor-api/service/6650a1c2e4b0a1b2c3d4e777/count");
  CountLine odd = line("k");
  odd.service_id = "a/b";
  EXPECT_EQ(count_request(odd, false).path, "/api/vendor-api/service/a%2Fb/count");
}

TEST(GradientCounts, ZeroIsAFirstClassCount) {
  CountLine zero = line("k");
  zero.target = 0;
  EXPECT_EQ(boost::json::parse(*count_request(zero, false).body).at("unitCount").as_int64(), 0);
}

TEST(GradientCounts, TheRebuildIsTriggeredByALinePushedBeforeElseTheLast) {
  EXPECT_EQ(build_trigger_index({line("a"), line("b", true), line("c")}), 1u);
  EXPECT_EQ(build_trigger_index({line("a"), line("b")}), 1u);
  EXPECT_EQ(build_trigger_index({line("a")}), 0u);
}

TEST(GradientCounts, A201IsUpdated) {
  LineResult r = count_result(
      answer(201, R"({"status":201,"message":"Success - Created service unit count"})"), line("k"));
  EXPECT_EQ(r.outcome, "updated");
  EXPECT_EQ(r.quantity, 43);
}

TEST(GradientCounts, NoAccountMapFoundMeansNotMappedOnThePlatformNotAnError) {
  LineResult r = count_result(
      answer(404, R"({"statusCode":404,"message":"No account map found with id: cust-7f3a"})"),
      line("k"));
  EXPECT_EQ(r.outcome, "platform_not_mapped");
  EXPECT_TRUE(r.error_class.empty());
  EXPECT_NE(r.message.find("not mapped on the platform"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("No account map found with id: cust-7f3a"), std::string::npos);
}

TEST(GradientCounts, OtherRefusalsFailTheLineWithGradientsMessage) {
  LineResult bad = count_result(
      answer(400, R"({"statusCode":400,"message":"You have provided an invalid Id type"})"),
      line("k"));
  EXPECT_EQ(bad.outcome, "failed");
  EXPECT_EQ(bad.error_class, "fatal");
  EXPECT_NE(bad.message.find("You have provided an invalid Id type"), std::string::npos);

  ApiResponse anomaly = answer(403, R"({"statusCode":403,"message":"Forbidden resource"})");
  LineResult refused = count_result(anomaly, line("k"));
  EXPECT_EQ(refused.error_class, "rate_limited");
  EXPECT_NE(refused.message.find("Forbidden resource"), std::string::npos);
  EXPECT_TRUE(stops_the_run(anomaly));

  LineResult other404 = count_result(
      answer(404, R"({"statusCode":404,"message":"Vendor Profile Not Found"})"), line("k"));
  EXPECT_EQ(other404.outcome, "failed");
  EXPECT_EQ(other404.error_class, "not_found");
}

TEST(GradientCounts, AnUnansweredCountIsReportedAsPossiblyStored) {
  ApiResponse lost;
  lost.error_class = "retry";
  lost.error_message = "connection reset";
  lost.maybe_sent = true;
  LineResult r = count_result(lost, line("k"));
  EXPECT_EQ(r.outcome, "failed");
  EXPECT_EQ(r.error_class, "retry");
  EXPECT_NE(r.message.find("may or may not be stored"), std::string::npos) << r.message;
  EXPECT_FALSE(stops_the_run(lost));
}

TEST(GradientClassify, MapsStatusesToTheAbisErrorClasses) {
  EXPECT_EQ(classify(answer(401, R"({"statusCode":401,"message":"Unauthorized"})"), "x").status,
            MB_STATUS_AUTH_FAILED);
  ApiResponse throttled = answer(
      429, R"j({"statusCode":429,"message":"Request limit reached (100 requests a second)"})j");
  throttled.retry_after_ms = 1000;
  Failure f = classify(throttled, "x");
  EXPECT_EQ(f.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(f.retry_after_ms, 1000u);
  EXPECT_EQ(classify(answer(503, ""), "x").status, MB_STATUS_RETRY);
  EXPECT_EQ(classify(answer(409, ""), "x").status, MB_STATUS_CONFLICT);
  EXPECT_EQ(classify(answer(422, ""), "x").status, MB_STATUS_FATAL);
  EXPECT_STREQ(error_class_name(MB_STATUS_NOT_FOUND), "not_found");
}

}  // namespace
}  // namespace meterbridge::gradient
