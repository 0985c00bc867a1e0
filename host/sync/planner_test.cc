#include "host/sync/planner.h"

#include <gtest/gtest.h>

#include <map>

namespace mb {
namespace {

AccountMapping mapped(const std::string& ws, const std::string& account) {
  AccountMapping m;
  m.workspace_id = ws;
  m.account_id = account;
  return m;
}

PlanInput basic_input() {
  PlanInput in;
  in.workspaces = {{"w1", "Alpha", false, ""}, {"w2", "Beta", false, ""}, {"w3", "Gamma", false, ""},
                   {"w4", "Delta", false, ""}};
  UsageSnapshot snap;
  snap.as_of = "2026-11-21T00:00:00Z";
  snap.counts = {{"w1", "edr", 10, 12}, {"w1", "email", 9, 0}, {"w2", "edr", 3, 4}, {"w3", "edr", 7, 7}};
  in.snapshot = snap;
  in.account_mappings = {mapped("w1", "A1"), mapped("w2", "A2"), mapped("w4", "A4")};
  in.service_mappings = {{"edr", "S-EDR", ServiceMetric::kDevices},
                         {"email", "S-MAIL", ServiceMetric::kUsers}};
  return in;
}

const SyncLine& find(const std::vector<SyncLine>& lines, const std::string& ws, const std::string& svc) {
  for (const auto& l : lines)
    if (l.workspace_id == ws && l.service_id == svc) return l;
  throw std::runtime_error("no line " + ws + "/" + svc);
}

TEST(Planner, TargetsComeFromTheMappedMetric) {
  auto lines = plan_lines(basic_input());
  EXPECT_EQ(*find(lines, "w1", "edr").target, 12);    // devices
  EXPECT_EQ(*find(lines, "w1", "email").target, 9);   // users
  EXPECT_EQ(find(lines, "w1", "edr").psa_service_id, "S-EDR");
  EXPECT_EQ(find(lines, "w1", "edr").account_id, "A1");
}

TEST(Planner, AWorkspaceAbsentFromTheSnapshotIsNoDataNeverZero) {
  auto lines = plan_lines(basic_input());
  const SyncLine& l = find(lines, "w4", "edr");
  EXPECT_EQ(l.outcome, outcome::kNoData);
  EXPECT_FALSE(l.target.has_value());
}

TEST(Planner, APresentWorkspaceWithoutAServiceRowUsesNoneOfIt) {
  auto lines = plan_lines(basic_input());
  EXPECT_EQ(*find(lines, "w2", "email").target, 0);
}

TEST(Planner, UnmappedAndExcludedWorkspaces) {
  PlanInput in = basic_input();
  auto lines = plan_lines(in);
  EXPECT_EQ(find(lines, "w3", "edr").outcome, outcome::kNotMapped);
  AccountMapping excluded;
  excluded.workspace_id = "w3";
  excluded.excluded = true;
  in.account_mappings.push_back(excluded);
  lines = plan_lines(in);
  EXPECT_THROW(find(lines, "w3", "edr"), std::runtime_error);
  in.link_based = true;
  in.account_mappings.pop_back();
  EXPECT_EQ(find(plan_lines(in), "w3", "edr").outcome, outcome::kNotLinked);
}

TEST(Planner, EndedWorkspacesFollowThePolicy) {
  PlanInput in = basic_input();
  in.workspaces[0].ended = true;
  EXPECT_EQ(*find(plan_lines(in), "w1", "edr").target, 0);
  in.ended_workspaces = "no_data";
  EXPECT_EQ(find(plan_lines(in), "w1", "edr").outcome, outcome::kNoData);
}

TEST(Planner, DriftedMappingsFailWithAReasonInsteadOfBilling) {
  PlanInput in = basic_input();
  in.account_mappings[0].drift = MappingDrift::kAccountMissing;
  in.account_mappings[0].account_name = "Alpha";
  auto lines = plan_lines(in);
  const SyncLine& l = find(lines, "w1", "edr");
  EXPECT_EQ(l.outcome, outcome::kFailed);
  EXPECT_NE(l.message.find("no longer exists"), std::string::npos);
  EXPECT_FALSE(l.target.has_value());
}

TEST(Planner, NoSnapshotMeansNoDataForMappedWorkspaces) {
  PlanInput in = basic_input();
  in.snapshot.reset();
  auto lines = plan_lines(in);
  for (const auto& l : lines) EXPECT_EQ(l.outcome, outcome::kNoData);
}

std::vector<SyncLine> one_line(int64_t target) {
  SyncLine l;
  l.key = "k";
  l.target = target;
  l.outcome = outcome::kPending;
  return {l};
}

TEST(Planner, TheCompactMappingTablePlansAsTheListDoes) {
  PlanInput listed = basic_input();
  listed.account_mappings[1].drift = MappingDrift::kAccountInactive;
  listed.account_mappings[1].account_name = "Beta";
  AccountMapping excluded;
  excluded.workspace_id = "w3";
  excluded.excluded = true;  // excluded without an account
  listed.account_mappings.push_back(excluded);
  PlanInput tabled = listed;
  tabled.account_mappings.clear();
  // Added out of workspace order: lookups do not depend on it.
  for (size_t i = listed.account_mappings.size(); i-- > 0;)
    tabled.mapping_table.add(listed.account_mappings[i]);
  tabled.mapping_table.seal();
  auto want = plan_lines(listed);
  auto got = plan_lines(tabled);
  ASSERT_EQ(got.size(), want.size());
  std::map<std::string, const SyncLine*> by_key;
  for (const auto& l : got) by_key[l.key] = &l;
  for (const auto& l : want) {
    ASSERT_EQ(by_key.count(l.key), 1u) << l.key;
    const SyncLine& g = *by_key[l.key];
    EXPECT_EQ(g.outcome, l.outcome) << l.key;
    EXPECT_EQ(g.target, l.target) << l.key;
    EXPECT_EQ(g.account_id, l.account_id) << l.key;
    EXPECT_EQ(g.message, l.message) << l.key;
  }

  const MappingTable& table = tabled.mapping_table;
  EXPECT_EQ(table.find("w9"), MappingTable::npos);
  MappingTable::Mapping w2 = table.at(table.find("w2"));
  EXPECT_EQ(w2.account_id, "A2");
  EXPECT_EQ(w2.drift, MappingDrift::kAccountInactive);
  EXPECT_EQ(w2.account_name, "Beta");  // kept: drift names it
  MappingTable::Mapping w3 = table.at(table.find("w3"));
  EXPECT_TRUE(w3.excluded);
  EXPECT_FALSE(w3.account_id.has_value());
}

TEST(Diff, EqualIsUnchangedAndDifferentIsAnUpdate) {
  Policies p;
  auto lines = one_line(5);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].outcome, outcome::kUnchanged);
  EXPECT_EQ(*lines[0].delta, 0);
  lines = one_line(8);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kUpdate);
  EXPECT_EQ(*lines[0].delta, 3);
  lines = one_line(8);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, true);
  EXPECT_EQ(lines[0].outcome, outcome::kWouldUpdate);
}

TEST(Diff, PlatformReasonsBecomeOutcomes) {
  Policies p;
  for (auto [reason, expected] : std::vector<std::pair<std::string, std::string>>{
           {"no_contract_line", outcome::kNoContractLine},
           {"ambiguous_contract_line", outcome::kAmbiguousContractLine},
           {"account_inactive", outcome::kAccountInactive},
           {"platform_not_mapped", outcome::kPlatformNotMapped},
           {"not_found", outcome::kFailed}}) {
    auto lines = one_line(5);
    apply_diff(lines, {{"k", {std::nullopt, reason, "why", ""}}}, p, false);
    EXPECT_EQ(lines[0].outcome, expected) << reason;
    EXPECT_EQ(lines[0].message, "why");
  }
}

TEST(Policies, DecreasesAutoRequireApprovalOrNever) {
  Policies p;
  auto lines = one_line(3);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kUpdate);
  p.decreases = "require_approval";
  lines = one_line(3);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].outcome, outcome::kHeld);
  EXPECT_EQ(lines[0].action, LineAction::kHold);
  lines = one_line(7);  // increases are never held by the decrease policy
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kUpdate);
  p.decreases = "never";
  lines = one_line(3);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].outcome, outcome::kHeld);
  EXPECT_EQ(lines[0].action, LineAction::kNever);
}

TEST(Policies, MaxChangeRatioHoldsLargeSwings) {
  Policies p;
  p.max_change_ratio = 0.5;
  auto lines = one_line(20);
  apply_diff(lines, {{"k", {10, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kHold);
  lines = one_line(14);
  apply_diff(lines, {{"k", {10, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kUpdate);
}

TEST(Policies, ManyDecreasesAtOnceHoldEveryDecreaseButOneIsNotMany) {
  Policies p;  // defaults: more than 20% of the compared lines, and at least 2
  std::vector<SyncLine> lines;
  std::map<std::string, CurrentValue> current;
  for (int i = 0; i < 10; ++i) {
    SyncLine l = one_line(i < 3 ? 4 : 5)[0];
    l.key = "k" + std::to_string(i);
    lines.push_back(l);
    current[l.key] = {5, "", "", ""};
  }
  apply_diff(lines, current, p, false);  // 3 of 10 decrease: 30%
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lines[i].action, LineAction::kHold) << i;
  EXPECT_NE(lines[0].message.find("3 of 10 lines (30%)"), std::string::npos) << lines[0].message;
  EXPECT_EQ(lines[5].outcome, outcome::kUnchanged);

  auto single = one_line(4);  // one line of one decreasing is not a mass decrease
  apply_diff(single, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(single[0].action, LineAction::kUpdate);

  auto approved = approved_policies(p);
  lines.resize(3);
  for (auto& l : lines) {
    l.outcome = outcome::kPending;
    l.action = LineAction::kUndecided;
  }
  apply_diff(lines, current, approved, false);
  for (const auto& l : lines) EXPECT_EQ(l.action, LineAction::kUpdate);
}

TEST(Policies, ADropToZeroIsHeldUnlessThePolicySaysOtherwise) {
  Policies p;
  auto lines = one_line(0);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kHold);
  lines = one_line(0);  // nothing to drop: 0 stays 0
  apply_diff(lines, {{"k", {0, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].outcome, outcome::kUnchanged);
  p.hold_drops_to_zero = false;
  lines = one_line(0);
  apply_diff(lines, {{"k", {5, "", "", ""}}}, p, false);
  EXPECT_EQ(lines[0].action, LineAction::kUpdate);
}

}  // namespace
}  // namespace mb
