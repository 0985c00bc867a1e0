#include "internal/counts.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

HttpResponse answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

const Client kClient(parse_config(R"({"vendor_api_key":"v","partner_api_key":"p"})"));
const std::string kCountUrl =
    "https://app.usegradient.com/api/vendor-api/service/6650a1c2e4b0a1b2c3d4e777/count";

CountLine line(std::string key, bool pushed_before = false) {
  return CountLine{std::move(key), "cust-7f3a", "6650a1c2e4b0a1b2c3d4e777", 43, pushed_before};
}

TEST(GradientCounts, PostsTheAbsoluteCountForOnePairAndMayBeRetried) {
  HttpRequest r = count_request(kClient, line("k"), true);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kCountUrl + "?no_build=true");
  EXPECT_EQ(boost::json::parse(*r.body),
            boost::json::parse(R"({"accountId":"cust-7f3a","unitCount":43})"));
  EXPECT_EQ(r.idempotent, true);
  EXPECT_EQ(count_request(kClient, line("k"), false).url, kCountUrl);
  CountLine odd = line("k");
  odd.service_id = "a/b";
  EXPECT_EQ(count_request(kClient, odd, false).url,
            "https://app.usegradient.com/api/vendor-api/service/a%2Fb/count");
}

TEST(GradientCounts, ZeroIsAFirstClassCount) {
  CountLine zero = line("k");
  zero.target = 0;
  EXPECT_EQ(
      boost::json::parse(*count_request(kClient, zero, false).body).at("unitCount").as_int64(), 0);
}

TEST(GradientCounts, TheRebuildIsTriggeredByALinePushedBeforeElseTheLast) {
  EXPECT_EQ(build_trigger_index({line("a"), line("b", true), line("c")}), 1u);
  EXPECT_EQ(build_trigger_index({line("a"), line("b")}), 1u);
  EXPECT_EQ(build_trigger_index({line("a")}), 0u);
}

TEST(GradientCounts, A201IsUpdated) {
  ApplyLineResult r = count_result(
      answer(201, R"({"status":201,"message":"Success - Created service unit count"})"), line("k"));
  EXPECT_EQ(r.outcome, Outcome::kUpdated);
  EXPECT_EQ(r.quantity, 43);
}

TEST(GradientCounts, NoAccountMapFoundMeansNotMappedOnThePlatformNotAnError) {
  ApplyLineResult r = count_result(
      answer(404, R"({"statusCode":404,"message":"No account map found with id: cust-7f3a"})"),
      line("k"));
  EXPECT_EQ(r.outcome, Outcome::kPlatformNotMapped);
  EXPECT_FALSE(r.error_class);
  EXPECT_NE(r.message.find("not mapped on the platform"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("No account map found with id: cust-7f3a"), std::string::npos);
}

TEST(GradientCounts, OtherRefusalsFailTheLineWithGradientsMessage) {
  struct Refusal {
    int status;
    const char* message;
    mb_status error_class;
  };
  for (const Refusal& c : {Refusal{400, "You have provided an invalid Id type", MB_STATUS_FATAL},
                           Refusal{403, "Forbidden resource", MB_STATUS_RATE_LIMITED},
                           Refusal{404, "Vendor Profile Not Found", MB_STATUS_NOT_FOUND}}) {
    HttpResponse answered =
        answer(c.status, boost::json::serialize(boost::json::object{{"statusCode", c.status},
                                                                    {"message", c.message}}));
    ApplyLineResult r = count_result(answered, line("k"));
    EXPECT_EQ(r.outcome, Outcome::kFailed) << c.status;
    EXPECT_EQ(r.error_class, c.error_class) << c.status;
    EXPECT_NE(r.message.find(c.message), std::string::npos) << r.message;
    // A 403 "anomaly" refuses the caller, not the line: the run stops.
    EXPECT_EQ(stops_the_run(answered), c.status == 403) << c.status;
  }
}

TEST(GradientCounts, AnUnansweredCountIsReportedAsPossiblyStored) {
  HttpResponse lost;
  lost.error = HttpError{MB_STATUS_RETRY, "connection reset", true};
  ApplyLineResult r = count_result(lost, line("k"));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.error_class, MB_STATUS_RETRY);
  EXPECT_NE(r.message.find("may or may not be stored"), std::string::npos) << r.message;
  EXPECT_FALSE(stops_the_run(lost));
}

TEST(GradientClassify, MapsStatusesToTheAbisErrorClasses) {
  EXPECT_EQ(classify(answer(401, R"({"statusCode":401,"message":"Unauthorized"})"), "x").status,
            MB_STATUS_AUTH_FAILED);
  HttpResponse throttled = answer(
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
