#include "host/app/tenant_budget.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace mb::app {
namespace {

using Clock = http::RequestBudget::Clock;

PluginManifest manifest_with_schema(const std::string& schema) {
  auto m = parse_manifest(R"({"id":"examplepsa","version":"1.0.0","abi":"1.0",
                              "library":"libexample.so","config_schema":)" +
                              schema + "}",
                          "examplepsa.plugin.json");
  EXPECT_TRUE(m) << m.status().message();
  return *m;
}

const char* kTenantSchema = R"({"type":"object","properties":{
    "username":{"type":"string","x-meterbridge-tenant":true},
    "secret":{"type":"string","x-secret":true,"x-meterbridge-tenant":true},
    "base_url":{"type":"string"}}})";

TEST(TenantBudgetKeyTest, TheConnectorsBudgetKeyWinsOverWhatThePluginMarks) {
  http::HttpPolicy policy;
  policy.budget_key = "acme-tenant";
  auto key = tenant_budget_key("a", manifest_with_schema(kTenantSchema), policy,
                               R"({"username":"u","secret":"s"})");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "acme-tenant");
}

TEST(TenantBudgetKeyTest, TheMarkedFieldsNameTheTenantHashedAndNothingElseCounts) {
  const PluginManifest m = manifest_with_schema(kTenantSchema);
  EXPECT_EQ(m.tenant_fields, (std::vector<std::string>{"/secret", "/username"}));
  http::HttpPolicy policy;
  auto a = tenant_budget_key("a", m, policy,
                             R"({"username":"u1","secret":"hunter2","base_url":"https://x"})");
  auto b = tenant_budget_key("b", m, policy,
                             R"({"base_url":"https://y","secret":"hunter2","username":"u1"})");
  auto c = tenant_budget_key("c", m, policy, R"({"username":"u2","secret":"hunter2"})");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);  // another connector on the same tenant: one budget
  EXPECT_NE(*a, *c);
  EXPECT_TRUE(a->starts_with("examplepsa:tenant:")) << *a;
  EXPECT_EQ(a->find("hunter2"), std::string::npos) << "a secret in the key: " << *a;
  EXPECT_EQ(a->find("u1"), std::string::npos);
  EXPECT_FALSE(tenant_budget_key("a", m, policy, "[1]"));
}

TEST(TenantBudgetKeyTest, WithoutMarkedFieldsEachConnectorHasABudgetOfItsOwn) {
  const PluginManifest m =
      manifest_with_schema(R"({"type":"object","properties":{"username":{"type":"string"}}})");
  http::HttpPolicy policy;
  EXPECT_EQ(*tenant_budget_key("a", m, policy, R"({"username":"u"})"), "examplepsa:connector:a");
  EXPECT_EQ(*tenant_budget_key("b", m, policy, R"({"username":"u"})"), "examplepsa:connector:b");
}

class StoreRequestBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open(); }

  std::unique_ptr<Store> open() {
    auto store = open_sqlite_store(
        {.path = dir_.path() / "state.db", .key_file = dir_.path() / "secret.key"});
    EXPECT_TRUE(store) << store.status().message();
    return store ? std::move(*store) : nullptr;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  const Clock::time_point now_ = Clock::time_point(std::chrono::seconds(1'767'225'600));
};

TEST_F(StoreRequestBudgetTest, TwoConnectorsOnOneTenantShareOneCount) {
  std::vector<int64_t> refusals;
  auto first = make_store_request_budget(*store_, "tenant", 10);
  auto second =
      make_store_request_budget(*store_, "tenant", 10, [&](int64_t at) { refusals.push_back(at); });
  EXPECT_EQ(second->limit(), 10);
  ASSERT_TRUE(first->try_reserve(7, now_)->reserved);
  auto refused = second->try_reserve(4, now_ + std::chrono::seconds(5));
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->reserved);
  EXPECT_EQ(refused->resumes_at, now_ + std::chrono::hours(1));
  EXPECT_EQ(refusals, (std::vector<int64_t>{1'767'229'200'000}));
  EXPECT_TRUE(second->try_reserve(3, now_ + std::chrono::seconds(5))->reserved);
  EXPECT_EQ(*first->used(now_ + std::chrono::seconds(6)), 10);
}

TEST_F(StoreRequestBudgetTest, TheCountSurvivesARestart) {
  ASSERT_TRUE(make_store_request_budget(*store_, "tenant", 10)->try_reserve(9, now_)->reserved);
  store_.reset();
  store_ = open();
  auto after = make_store_request_budget(*store_, "tenant", 10);
  EXPECT_EQ(*after->used(now_ + std::chrono::minutes(30)), 9);
  EXPECT_FALSE(after->try_reserve(2, now_ + std::chrono::minutes(30))->reserved);
  EXPECT_TRUE(after->try_reserve(2, now_ + std::chrono::hours(1))->reserved);
}

TEST_F(StoreRequestBudgetTest, ATenantSlotIsHeldForItsScopeAndAnUnlimitedTenantHoldsNone) {
  const int64_t now = 1'767'225'600'000;
  const TenantSlots tenant{"tenant", 1};
  {
    auto slot = TenantSlot::take(*store_, tenant, "w1", "a", 60'000, now);
    ASSERT_TRUE(slot) << slot.status().message();
    ASSERT_TRUE(slot->has_value());
    EXPECT_EQ(*store_->tenant_slot_holders("tenant", now), std::vector<std::string>{"a"});
    auto refused = TenantSlot::take(*store_, tenant, "w2", "b", 60'000, now);
    ASSERT_TRUE(refused);
    EXPECT_FALSE(refused->has_value()) << "the tenant's one slot is a's";
    std::optional<TenantSlot> moved(std::move(**slot));  // still held, given back once
    EXPECT_EQ(*store_->tenant_slots_held("tenant", now), 1);
  }
  EXPECT_EQ(*store_->tenant_slots_held("tenant", now), 0) << "given back at the end of its scope";
  auto next = TenantSlot::take(*store_, tenant, "w2", "b", 60'000, now);
  ASSERT_TRUE(next && next->has_value());

  // No limit: every job runs, and the store keeps nothing for it.
  for (const char* connector : {"c", "d", "e"}) {
    auto free = TenantSlot::take(*store_, TenantSlots{}, "w3", connector, 60'000, now);
    ASSERT_TRUE(free && free->has_value());
  }
  EXPECT_EQ(*store_->tenant_slots_held("", now), 0);
}

}  // namespace
}  // namespace mb::app
