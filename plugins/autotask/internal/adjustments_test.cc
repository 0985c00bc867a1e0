#include "internal/adjustments.h"

#include <gtest/gtest.h>
#include <meterbridge/testing/scripted_platform.hpp>

#include <boost/json/parse.hpp>

namespace meterbridge::autotask {
namespace {

constexpr char kDate[] = "2025-06-01";

using meterbridge::testing::reply;

LineTarget target(size_t line, int64_t contract_service, int64_t units) {
  return LineTarget{line, 9001, contract_service, 31, units};
}

HttpResponse reset_after_sending() {
  return meterbridge::testing::no_answer(true, "connection reset by peer");
}

TEST(PlanAdjustments, PostsTheDifferenceFromTheFreshRead) {
  auto plan = plan_adjustments({target(0, 55120, 40)}, {{55120, 43}}, AdjustmentLedger{}, kDate);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].decision, WriteDecision::kAdjust);
  EXPECT_EQ(plan[0].unit_change(), -3);
}

TEST(PlanAdjustments, WritesNothingWhenAutotaskAlreadyShowsTheTarget) {
  auto plan = plan_adjustments({target(0, 55120, 43)}, {{55120, 43}}, AdjustmentLedger{}, kDate);
  EXPECT_EQ(plan[0].decision, WriteDecision::kUnchanged);
}

TEST(PlanAdjustments, CountsAMissingPeriodAsZeroUnits) {
  auto plan = plan_adjustments({target(0, 55120, 5)}, {}, AdjustmentLedger{}, kDate);
  EXPECT_EQ(plan[0].current, 0);
  EXPECT_EQ(plan[0].unit_change(), 5);
}

TEST(PlanAdjustments, MakesOneAdjustmentForLinesThatShareAContractService) {
  auto plan = plan_adjustments({target(0, 55120, 50), target(3, 55120, 50)}, {{55120, 43}},
                               AdjustmentLedger{}, kDate);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].decision, WriteDecision::kAdjust);
  EXPECT_EQ(plan[0].lines, (std::vector<size_t>{0, 3}));
}

TEST(PlanAdjustments, RefusesLinesThatDisagreeOnOneContractService) {
  auto plan = plan_adjustments({target(0, 55120, 50), target(1, 55120, 51)}, {{55120, 43}},
                               AdjustmentLedger{}, kDate);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].decision, WriteDecision::kConflict);
  EXPECT_NE(plan[0].message.find("50 and 51"), std::string::npos);
  EXPECT_EQ(outcome_without_post(plan[0]).error_class, MB_STATUS_CONFLICT);
}

TEST(PlanAdjustments, NeverAdjustsTheSameContractServiceTwiceForOneDate) {
  AdjustmentLedger ledger;
  ledger.record(55120, kDate, 50);
  auto again = plan_adjustments({target(0, 55120, 60)}, {{55120, 50}}, ledger, kDate);
  EXPECT_EQ(again[0].decision, WriteDecision::kConflict);
  auto settled = plan_adjustments({target(0, 55120, 50)}, {{55120, 50}}, ledger, kDate);
  EXPECT_EQ(settled[0].decision, WriteDecision::kUnchanged);
  auto next_day = plan_adjustments({target(0, 55120, 60)}, {{55120, 50}}, ledger, "2025-06-02");
  EXPECT_EQ(next_day[0].decision, WriteDecision::kAdjust);
}

PlannedAdjustment from_43_to_40() {
  PlannedAdjustment a;
  a.contract_id = 9001;
  a.contract_service_id = 55120;
  a.service_id = 31;
  a.current = 43;
  a.target = 40;
  a.decision = WriteDecision::kAdjust;
  return a;
}

TEST(AdjustmentBody, CarriesEveryKeyAutotaskAcceptsAndNoNulls) {
  EXPECT_EQ(boost::json::parse(adjustment_body(from_43_to_40(), kDate)),
            boost::json::parse(R"({"contractID":9001,"contractServiceID":55120,"serviceID":31,)"
                               R"("effectiveDate":"2025-06-01T00:00:00Z","unitChange":-3})"));
}

TEST(JudgePost, SeparatesClearAnswersFromAmbiguousOnes) {
  EXPECT_EQ(judge_post(reply(200, R"({"itemId":880311})")), PostVerdict::kApplied);
  EXPECT_EQ(judge_post(reply(429, "")), PostVerdict::kNotApplied);
  EXPECT_EQ(judge_post(reply(500, R"({"errors":["effectiveDate must be between"]})")),
            PostVerdict::kUnknown);
  EXPECT_EQ(judge_post(reset_after_sending()), PostVerdict::kUnknown);
}

TEST(OutcomeOfPost, ReportsTheTargetWhenAutotaskCreatedTheAdjustment) {
  LineOutcome o = outcome_of_post(from_43_to_40(), reply(200, R"({"itemId":880311})"));
  EXPECT_EQ(o.outcome, Outcome::kUpdated);
  EXPECT_EQ(o.quantity, 40);
}

TEST(OutcomeAfterReread, CountsAWriteThatLandedAsUpdated) {
  LineOutcome o = outcome_after_reread(from_43_to_40(), reset_after_sending(), 40, "");
  EXPECT_EQ(o.outcome, Outcome::kUpdated);
  EXPECT_EQ(o.quantity, 40);
  EXPECT_FALSE(o.in_doubt);
}

// Units still at their old value prove nothing: Autotask may still be processing the POST.
TEST(OutcomeAfterReread, KeepsAWriteNotVisibleYetInDoubtWithAutotasksMessage) {
  LineOutcome o = outcome_after_reread(
      from_43_to_40(),
      reply(500, R"({"errors":["effectiveDate must be between 2025-01-01 and 2025-05-31"]})"), 43,
      "");
  EXPECT_EQ(o.outcome, Outcome::kFailed);
  EXPECT_EQ(o.error_class, MB_STATUS_CONFLICT);
  EXPECT_EQ(o.quantity, 43);
  EXPECT_NE(o.message.find("effectiveDate must be between 2025-01-01 and 2025-05-31"),
            std::string::npos);
  EXPECT_TRUE(o.in_doubt);
  LineOutcome reset = outcome_after_reread(from_43_to_40(), reset_after_sending(), 43, "");
  EXPECT_EQ(reset.outcome, Outcome::kFailed);
  EXPECT_TRUE(reset.in_doubt);
  EXPECT_NE(reset.message.find("not sent again until a read confirms it"), std::string::npos);
}

TEST(OutcomeAfterReread, LeavesAnUnsettledWriteToTheNextRun) {
  LineOutcome o = outcome_after_reread(from_43_to_40(), reset_after_sending(), std::nullopt,
                                       "budget exhausted");
  EXPECT_EQ(o.outcome, Outcome::kFailed);
  EXPECT_EQ(o.error_class, MB_STATUS_RETRY);
  EXPECT_FALSE(o.quantity.has_value());
  EXPECT_TRUE(o.in_doubt);
}

TEST(OutcomeAfterReread, FlagsUnitsThatMovedUnderneath) {
  LineOutcome o = outcome_after_reread(from_43_to_40(), reset_after_sending(), 47, "");
  EXPECT_EQ(o.outcome, Outcome::kFailed);
  EXPECT_EQ(o.error_class, MB_STATUS_CONFLICT);
  EXPECT_EQ(o.quantity, 47);
  EXPECT_TRUE(o.in_doubt);
}

}  // namespace
}  // namespace meterbridge::autotask
