#include "sim/core/faults.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace mb::sim {
namespace {

TEST(SimParseFaultSpecTest, StatusShorthandWithMatchersAndCount) {
  FaultPlan plan = parse_fault_spec("429:count=2,retry_after=3,method=GET,path=/api/items");
  ASSERT_EQ(plan.rules.size(), 1u);
  const FaultRule& rule = plan.rules[0];
  EXPECT_EQ(rule.kind, FaultKind::kStatus);
  EXPECT_EQ(rule.status, 429);
  EXPECT_EQ(rule.count, 2);
  EXPECT_EQ(rule.retry_after_s, 3);
  EXPECT_EQ(rule.method, "GET");
  EXPECT_EQ(rule.path_prefix, "/api/items");
}

TEST(SimParseFaultSpecTest, TooManyRequestsGetsRetryAfterOneUnlessToldNone) {
  EXPECT_EQ(parse_fault_spec("429").rules[0].retry_after_s, 1);
  EXPECT_FALSE(parse_fault_spec("429:retry_after=none").rules[0].retry_after_s);
  EXPECT_FALSE(parse_fault_spec("503").rules[0].retry_after_s);
}

TEST(SimParseFaultSpecTest, SeveralRulesAndSeed) {
  FaultPlan plan = parse_fault_spec(
      "seed=42; 503:retry_after=2,retry_after_format=http-date; reset:after_body_bytes=10;"
      "delay:delay_ms=3000,probability=0.25; malformed:style=html; throttle:status=500; drop:"
      "handled=true; close");
  EXPECT_EQ(plan.seed, 42u);
  ASSERT_EQ(plan.rules.size(), 7u);
  EXPECT_EQ(plan.rules[0].retry_after_format, RetryAfterFormat::kHttpDate);
  EXPECT_EQ(plan.rules[1].kind, FaultKind::kReset);
  EXPECT_EQ(plan.rules[1].after_body_bytes, 10);
  EXPECT_EQ(plan.rules[2].kind, FaultKind::kDelay);
  EXPECT_EQ(plan.rules[2].delay_ms, 3000);
  EXPECT_DOUBLE_EQ(plan.rules[2].probability, 0.25);
  EXPECT_EQ(plan.rules[3].malformed_style, MalformedStyle::kHtml);
  EXPECT_EQ(plan.rules[4].kind, FaultKind::kThrottle);
  EXPECT_EQ(plan.rules[4].status, 500);
  EXPECT_TRUE(plan.rules[5].handled);
  EXPECT_EQ(plan.rules[6].kind, FaultKind::kClose);
}

TEST(SimParseFaultSpecTest, EmptySpecHasNoRules) {
  EXPECT_TRUE(parse_fault_spec("").rules.empty());
  EXPECT_TRUE(parse_fault_spec(" ; ").rules.empty());
}

TEST(SimParseFaultSpecTest, RejectsMistakesWithUsefulMessages) {
  auto message_of = [](std::string_view spec) {
    try {
      parse_fault_spec(spec);
    } catch (const FaultSpecError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of("teapot").find("unknown fault kind"), std::string::npos);
  EXPECT_NE(message_of("503:cuont=1").find("cuont"), std::string::npos);
  EXPECT_NE(message_of("503:after_body_bytes=1").find("does not apply"), std::string::npos);
  EXPECT_NE(message_of("503:count=-1").find("count"), std::string::npos);
  EXPECT_NE(message_of("503:probability=2").find("probability"), std::string::npos);
  EXPECT_NE(message_of("999").find("status"), std::string::npos);
  EXPECT_NE(message_of("503:count=1,count=2").find("twice"), std::string::npos);
}

TEST(SimParseFaultJsonTest, RulesArrayMirrorsTheStringForm) {
  const boost::json::value document = boost::json::parse(R"({
    "seed": 7,
    "rules": [
      {"kind": "status", "status": 503, "count": 1, "retry_after": 2},
      {"kind": 429, "method": "POST", "retry_after": null},
      {"kind": "delay", "delay_ms": 500, "probability": 0.5, "handled": true}
    ]})");
  FaultPlan plan = parse_fault_json(document);
  EXPECT_EQ(plan.seed, 7u);
  ASSERT_EQ(plan.rules.size(), 3u);
  EXPECT_EQ(plan.rules[0].status, 503);
  EXPECT_EQ(plan.rules[0].retry_after_s, 2);
  EXPECT_EQ(plan.rules[1].status, 429);
  EXPECT_FALSE(plan.rules[1].retry_after_s);
  EXPECT_DOUBLE_EQ(plan.rules[2].probability, 0.5);
  EXPECT_TRUE(plan.rules[2].handled);
}

TEST(SimParseFaultJsonTest, AcceptsTheStringFormInsideJson) {
  FaultPlan plan = parse_fault_json(boost::json::parse(R"({"spec":"502:count=3"})"));
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_EQ(plan.rules[0].status, 502);
}

TEST(SimParseFaultJsonTest, RejectsUnknownKeys) {
  EXPECT_THROW(parse_fault_json(boost::json::parse(R"({"rulez":[]})")), FaultSpecError);
  EXPECT_THROW(parse_fault_json(boost::json::parse(R"({"rules":[{"kind":"status","x":1}]})")),
               FaultSpecError);
}

TEST(SimFaultPlanJsonTest, RoundTripsThroughJson) {
  FaultPlan plan = parse_fault_spec(
      "seed=9;429:count=2,method=GET,path=/a;503:retry_after=4,retry_after_format=http-date;"
      "reset:after_body_bytes=3;malformed");
  FaultPlan again = parse_fault_json(fault_plan_to_json(plan));
  EXPECT_EQ(fault_plan_to_json(again), fault_plan_to_json(plan));
}

TEST(SimFaultInjectorTest, CountLimitsHowOftenARuleFires) {
  FaultInjector injector;
  injector.replace(parse_fault_spec("503:count=2"));
  EXPECT_TRUE(injector.decide("GET", "/x", "e"));
  EXPECT_TRUE(injector.decide("GET", "/x", "e"));
  EXPECT_FALSE(injector.decide("GET", "/x", "e"));
  const boost::json::value shown = fault_plan_to_json(injector.snapshot());
  EXPECT_EQ(shown.at("rules").at(0).at("fired"), 2);
  EXPECT_EQ(shown.at("rules").at(0).at("remaining"), 0);
}

TEST(SimFaultInjectorTest, MatchesMethodPathPrefixAndEndpoint) {
  FaultInjector injector;
  injector.replace(parse_fault_spec("500:method=post,path=/API/items,endpoint=items"));
  EXPECT_FALSE(injector.decide("GET", "/api/items", "items"));
  EXPECT_FALSE(injector.decide("POST", "/api/other", "items"));
  EXPECT_FALSE(injector.decide("POST", "/api/items", "echo"));
  EXPECT_TRUE(injector.decide("POST", "/api/items/3", "items"));
}

TEST(SimFaultInjectorTest, AfterLetsTheFirstRequestsThrough) {
  FaultInjector injector;
  injector.replace(parse_fault_spec("502:after=2,count=1"));
  EXPECT_FALSE(injector.decide("GET", "/", ""));
  EXPECT_FALSE(injector.decide("GET", "/", ""));
  EXPECT_TRUE(injector.decide("GET", "/", ""));
  EXPECT_FALSE(injector.decide("GET", "/", ""));
}

TEST(SimFaultInjectorTest, FirstFiringRuleWins) {
  FaultInjector injector;
  injector.replace(parse_fault_spec("429:count=1;503"));
  EXPECT_EQ(injector.decide("GET", "/", "")->rule.status, 429);
  EXPECT_EQ(injector.decide("GET", "/", "")->rule.status, 503);
}

TEST(SimFaultInjectorTest, ProbabilisticRulesAreReproducibleForASeed) {
  auto pattern = [](std::string_view spec) {
    FaultInjector injector;
    injector.replace(parse_fault_spec(spec));
    std::string fired;
    for (int i = 0; i < 64; ++i) fired += injector.decide("GET", "/", "") ? '1' : '0';
    return fired;
  };
  const std::string first = pattern("seed=5;503:probability=0.5");
  EXPECT_EQ(first, pattern("seed=5;503:probability=0.5"));
  EXPECT_NE(first, pattern("seed=6;503:probability=0.5"));
  EXPECT_NE(first.find('1'), std::string::npos);
  EXPECT_NE(first.find('0'), std::string::npos);
}

TEST(SimFaultInjectorTest, AppendKeepsExistingRules) {
  FaultInjector injector;
  injector.replace(parse_fault_spec("429:count=1"));
  injector.append(parse_fault_spec("503:count=1").rules);
  EXPECT_EQ(injector.snapshot().rules.size(), 2u);
  injector.clear();
  EXPECT_TRUE(injector.snapshot().rules.empty());
}

TEST(SimHttpDateTest, HasImfFixdateShape) {
  const std::string date = http_date_after_seconds(5);
  // "Wed, 21 Oct 2015 07:28:00 GMT"
  ASSERT_EQ(date.size(), 29u) << date;
  EXPECT_EQ(date.substr(3, 2), ", ");
  EXPECT_TRUE(date.ends_with(" GMT"));
}

}  // namespace
}  // namespace mb::sim
