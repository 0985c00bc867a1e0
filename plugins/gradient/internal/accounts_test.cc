#include "internal/accounts.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

std::vector<std::string> ids(const std::vector<DesiredAccount>& accounts) {
  std::vector<std::string> out;
  for (const auto& a : accounts) out.push_back(a.id);
  return out;
}

TEST(GradientAccountPlan, CreatesTheMissingRenamesTheRenamedAndLeavesTheRest) {
  std::vector<Account> existing = {
      {"w-1", "Northwind Dental", ""}, {"w-2", "Old Name", ""}, {"w-9", "Not ours any more", ""}};
  AccountPlan plan = plan_accounts({{"w-1", "Northwind Dental"},
                                    {"w-2", "Northwind Dental Group"},
                                    {"w-3", "Contoso"},
                                    {"w-3", "dup"}},
                                   existing);
  EXPECT_EQ(ids(plan.unchanged), std::vector<std::string>{"w-1"});
  EXPECT_EQ(ids(plan.to_rename), std::vector<std::string>{"w-2"});
  EXPECT_EQ(plan.to_rename[0].name, "Northwind Dental Group");
  ASSERT_EQ(ids(plan.to_create), std::vector<std::string>{"w-3"});
  EXPECT_EQ(plan.to_create[0].name, "Contoso");  // the first of a duplicated id wins
  EXPECT_TRUE(plan.refused.empty());
}

TEST(GradientAccountPlan, RefusesIdsThatCannotBeAPathSegment) {
  AccountPlan plan = plan_accounts({{"..", "Dots"}, {"ok", "Fine"}}, {});
  ASSERT_EQ(plan.refused.size(), 1u);
  EXPECT_EQ(plan.refused[0].first.id, "..");
  EXPECT_EQ(ids(plan.to_create), std::vector<std::string>{"ok"});
}

TEST(GradientAccountBodies, CreateIsAlwaysAnArrayAndRenameSendsOnlyTheName) {
  EXPECT_EQ(
      boost::json::parse(create_accounts_body({{"cust-7f3a", "Northwind \"Dental\""}})),
      boost::json::parse(R"([{"id":"cust-7f3a","name":"Northwind \"Dental\"","description":""}])"));
  EXPECT_EQ(create_accounts_body({}), "[]");
  EXPECT_EQ(boost::json::parse(rename_account_body("Northwind Dental Group")),
            boost::json::parse(R"({"name":"Northwind Dental Group"})"));
}

}  // namespace
}  // namespace meterbridge::gradient
