// Fault plans and trial seeds are what make a printed seed rerun the same trial: the same seed
// must give the same plan on every machine, and every rule must come from the menu.
#include "reliability/fault_plan.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "reliability/trials.h"

namespace mb::reliability {
namespace {

namespace json = boost::json;

TEST(FaultPlanTest, TheSameSeedGivesTheSamePlan) {
  auto platforms = all_platform_models();
  for (const auto& platform : platforms) {
    bench::SplitMix64 a(42), b(42), c(43);
    FaultPlan first = random_fault_plan(a, *platform, 1000);
    FaultPlan again = random_fault_plan(b, *platform, 1000);
    EXPECT_EQ(json::serialize(first.document), json::serialize(again.document)) << platform->id();
    EXPECT_EQ(first.rule_names, again.rule_names);
    FaultPlan other = random_fault_plan(c, *platform, 1000);
    EXPECT_NE(json::serialize(first.document), json::serialize(other.document)) << platform->id();
  }
}

TEST(FaultPlanTest, RulesComeFromTheMenuAndAreBounded) {
  auto platforms = all_platform_models();
  for (const auto& platform : platforms) {
    std::set<std::string> menu;
    for (const auto& [name, rule] : fault_menu(*platform, 1000)) menu.insert(name);
    bench::SplitMix64 rng(7);
    for (int i = 0; i < 200; ++i) {
      FaultPlan plan = random_fault_plan(rng, *platform, 1000);
      const json::array& rules = plan.document.at("rules").as_array();
      ASSERT_EQ(rules.size(), plan.rule_names.size());
      ASSERT_GE(rules.size(), 1u);
      ASSERT_LE(rules.size(), 4u);
      for (size_t r = 0; r < rules.size(); ++r) {
        std::string name = plan.rule_names[r];
        const bool at_writes = name.size() > 6 && name.substr(name.size() - 6) == "@write";
        if (at_writes) name.resize(name.size() - 6);
        EXPECT_TRUE(menu.count(name)) << name;
        const json::object& rule = rules[r].as_object();
        EXPECT_LE(rule.at("count").as_int64(), 3);
        EXPECT_EQ(rule.contains("method"), at_writes);
        if (at_writes) {
          EXPECT_EQ(rule.at("method").as_string(), platform->write_method());
        }
      }
    }
  }
}

// An alerts run makes a handful of ticket writes: every rule aims at them, and fires often.
TEST(FaultPlanTest, TicketPlansAimEveryRuleAtTheTicketWrites) {
  for (const auto& platform : all_platform_models()) {
    if (!platform->routes_alerts()) continue;
    const auto [method, path] = platform->ticket_create();
    bench::SplitMix64 rng(11);
    for (int i = 0; i < 100; ++i) {
      FaultPlan plan = random_fault_plan_at(rng, *platform, 1000, method, path);
      const json::array& rules = plan.document.at("rules").as_array();
      ASSERT_GE(rules.size(), 1u);
      ASSERT_LE(rules.size(), 3u);
      for (const auto& rule : rules) {
        EXPECT_EQ(rule.at("method").as_string(), method);
        EXPECT_EQ(rule.at("path").as_string(), path);
        EXPECT_GE(rule.at("probability").as_double(), 0.25);
      }
    }
  }
}

TEST(FaultPlanTest, EveryPlatformHasItsOwnThrottlingOrTheGenericOne) {
  for (const auto& platform : all_platform_models()) {
    bool throttle = false;
    for (const auto& [name, rule] : fault_menu(*platform, 1000))
      throttle = throttle || rule.at("kind") == "throttle";
    EXPECT_TRUE(throttle) << platform->id();
  }
}

TEST(TrialSeedTest, IsStableAndDiffersByPlatformKindAndIndex) {
  // A recorded seed must rerun the same trial in every later build.
  EXPECT_EQ(trial_seed(42, "autotask", "fault", 17), trial_seed(42, "autotask", "fault", 17));
  std::set<uint64_t> seen;
  for (const char* platform : {"autotask", "connectwise"})
    for (const char* kind : {"fault", "kill"})
      for (int i = 1; i <= 3; ++i) seen.insert(trial_seed(42, platform, kind, i));
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_LT(trial_seed(42, "gradient", "race", 1), uint64_t{1} << 63);
}

}  // namespace
}  // namespace mb::reliability
