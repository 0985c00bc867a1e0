// The batch rules of docs/external-protocol.md section 4, without HTTP.
#include "sim/external/internal/count_batch.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sim/external/internal/api_error.h"
#include "sim/external/internal/seed_data.h"

namespace mb::sim::external {
namespace {

namespace json = boost::json;

constexpr const char* kNow = "2026-11-21T02:00:07Z";

class CountBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = load_seed_document(default_seed_document(), kNow);
    ledger_.put_link("ws-88", "c-1001", std::nullopt, kNow);
    ledger_.put_link("ws-90", "c-1002", std::nullopt, kNow);
  }

  BatchResult push(const std::string& body, int64_t max_items = 100) {
    return process_count_batch(ledger_, json::parse(body), {max_items, "2026-11-21", kNow},
                               "b_000001");
  }

  const json::object& result(const BatchResult& r, size_t index) {
    return r.response.at("results").as_array().at(index).as_object();
  }

  // The ApiError a whole-request problem raises, or a failure when none is raised.
  ApiError refusal(const std::string& body, int64_t max_items = 100) {
    try {
      push(body, max_items);
    } catch (const ApiError& error) {
      return error;
    }
    ADD_FAILURE() << "no ApiError for " << body;
    return ApiError(0, "", "");
  }

  int64_t quantity(const char* customer, const char* service, const char* metric) {
    auto it = ledger_.counts.find(CountKey{customer, service, metric});
    return it == ledger_.counts.end() ? -1 : it->second.quantity;
  }

  Ledger ledger_;
};

TEST_F(CountBatchTest, AppliesFirstValuesThenReportsEqualOnesUnchangedAndChangedOnesApplied) {
  BatchResult first = push(R"({"items":[
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":12},
    {"customer_id":"c-1002","service_id":"coro-email-security","metric":"users","quantity":4}]})");
  EXPECT_EQ(result(first, 0).at("status").as_string(), "applied");
  EXPECT_TRUE(result(first, 0).at("previous_quantity").is_null());
  EXPECT_EQ(result(first, 0).at("quantity").as_int64(), 12);
  EXPECT_EQ(first.applied, 2);
  EXPECT_EQ(first.response.at("batch_id").as_string(), "b_000001");
  EXPECT_EQ(first.response.at("summary").at("applied").as_int64(), 2);

  BatchResult second = push(R"({"items":[
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":12},
    {"customer_id":"c-1002","service_id":"coro-email-security","metric":"users","quantity":0}]})");
  EXPECT_EQ(result(second, 0).at("status").as_string(), "unchanged");
  EXPECT_EQ(result(second, 0).at("previous_quantity").as_int64(), 12);
  EXPECT_EQ(result(second, 1).at("status").as_string(), "applied");
  EXPECT_EQ(result(second, 1).at("previous_quantity").as_int64(), 4);
  EXPECT_EQ(quantity("c-1002", "coro-email-security", "users"), 0);
  EXPECT_EQ(ledger_.counts.at(CountKey{"c-1001", "coro-edr", "devices"}).changes, 1);
  EXPECT_EQ(ledger_.counts.at(CountKey{"c-1002", "coro-email-security", "users"}).changes, 2);
}

TEST_F(CountBatchTest, RejectsEachBadItemWithItsReasonAndAppliesTheOthers) {
  BatchResult r = push(R"({"items":[
    "not an object",
    {"service_id":"coro-edr","metric":"devices","quantity":1},
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"seats","quantity":1},
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":-1},
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":12.0},
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":2147483648},
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":"3"},
    {"customer_id":"c-9999","service_id":"coro-edr","metric":"devices","quantity":1},
    {"customer_id":"c-1003","service_id":"coro-edr","metric":"devices","quantity":1},
    {"customer_id":"c-1001","service_id":"coro-firewall","metric":"devices","quantity":1},
    {"customer_id":"c-1001","service_id":"coro-email-security","metric":"devices","quantity":1},
    {"customer_id":"c-1002","service_id":"coro-edr","metric":"devices","quantity":2147483647}]})");
  const char* expected[] = {"invalid_item",     "invalid_item",      "invalid_item",
                            "invalid_quantity", "invalid_quantity",  "invalid_quantity",
                            "invalid_quantity", "unknown_customer",  "customer_not_linked",
                            "unknown_service",  "unsupported_metric"};
  for (size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(result(r, i).at("status").as_string(), "rejected") << i;
    EXPECT_EQ(result(r, i).at("reason").as_string(), expected[i]) << i;
    EXPECT_FALSE(result(r, i).at("message").as_string().empty()) << i;
    EXPECT_EQ(result(r, i).at("index").as_int64(), static_cast<int64_t>(i));
  }
  EXPECT_TRUE(result(r, 0).at("customer_id").is_null());
  EXPECT_EQ(result(r, 7).at("customer_id").as_string(), "c-9999");
  EXPECT_EQ(result(r, 10).at("message").as_string(),
            "service coro-email-security is counted in users, not devices");
  EXPECT_EQ(result(r, 11).at("status").as_string(), "applied");
  EXPECT_EQ(r.rejected, 11);
  EXPECT_EQ(r.applied, 1);
  EXPECT_EQ(quantity("c-1002", "coro-edr", "devices"), 2147483647);
  EXPECT_EQ(quantity("c-1001", "coro-edr", "devices"), -1);
}

TEST_F(CountBatchTest, OnlyTheFirstItemForACountIsConsideredWhateverItsOutcome) {
  BatchResult r = push(R"({"items":[
    {"customer_id":"c-1001","service_id":"coro-endpoint-security","metric":"devices","quantity":5},
    {"customer_id":"c-1001","service_id":"coro-endpoint-security","metric":"users","quantity":6},
    {"customer_id":"c-1001","service_id":"coro-endpoint-security","metric":"devices","quantity":7}]})");
  EXPECT_EQ(result(r, 0).at("status").as_string(), "applied");
  EXPECT_EQ(result(r, 1).at("status").as_string(), "applied");  // another metric: another count
  EXPECT_EQ(result(r, 2).at("reason").as_string(), "duplicate_item");
  EXPECT_TRUE(result(r, 2).at("quantity").is_null());  // the state before the batch
  EXPECT_EQ(quantity("c-1001", "coro-endpoint-security", "devices"), 5);

  BatchResult after_bad = push(R"({"items":[
    {"customer_id":"c-1002","service_id":"coro-edr","metric":"devices","quantity":-4},
    {"customer_id":"c-1002","service_id":"coro-edr","metric":"devices","quantity":4}]})");
  EXPECT_EQ(result(after_bad, 0).at("reason").as_string(), "invalid_quantity");
  EXPECT_EQ(result(after_bad, 1).at("reason").as_string(), "duplicate_item");
}

TEST_F(CountBatchTest, ARejectedItemLeavesTheCurrentValueAsItWas) {
  push(
      R"({"items":[{"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":9}]})");
  ledger_.delete_link("ws-88");
  BatchResult r = push(
      R"({"items":[{"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":3}]})");
  EXPECT_EQ(result(r, 0).at("reason").as_string(), "customer_not_linked");
  EXPECT_EQ(result(r, 0).at("quantity").as_int64(), 9);
  EXPECT_EQ(result(r, 0).at("previous_quantity").as_int64(), 9);
  EXPECT_EQ(quantity("c-1001", "coro-edr", "devices"), 9);
}

TEST_F(CountBatchTest, WholeRequestProblemsChangeNothing) {
  const std::string item =
      R"({"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":1})";
  EXPECT_EQ(refusal("[]").code(), "invalid_request");
  EXPECT_EQ(refusal("{}").details().at("field").as_string(), "items");
  EXPECT_EQ(refusal(R"({"items":[]})").code(), "invalid_request");
  EXPECT_EQ(refusal(R"({"items":{}})").code(), "invalid_request");
  ApiError bad_date = refusal(R"({"effective_date":"2026-02-30","items":[)" + item + "]}");
  EXPECT_EQ(bad_date.status(), 400);
  EXPECT_EQ(bad_date.details().at("field").as_string(), "effective_date");
  ApiError too_large = refusal(R"({"items":[)" + item + "," + item + "," + item + "]}", 2);
  EXPECT_EQ(too_large.code(), "batch_too_large");
  EXPECT_EQ(too_large.details().at("max_items").as_int64(), 2);
  EXPECT_TRUE(ledger_.counts.empty());
}

TEST_F(CountBatchTest, StoresTheEffectiveDateOrTodayWithEachChangedCount) {
  push(R"({"effective_date":"2026-12-01","items":[
    {"customer_id":"c-1001","service_id":"coro-edr","metric":"devices","quantity":1}]})");
  push(
      R"({"items":[{"customer_id":"c-1002","service_id":"coro-edr","metric":"devices","quantity":1}]})");
  EXPECT_EQ(ledger_.counts.at(CountKey{"c-1001", "coro-edr", "devices"}).effective_date,
            "2026-12-01");
  const Count& defaulted = ledger_.counts.at(CountKey{"c-1002", "coro-edr", "devices"});
  EXPECT_EQ(defaulted.effective_date, "2026-11-21");
  EXPECT_EQ(defaulted.updated_at, kNow);
}

TEST(ValidDate, AcceptsCalendarDatesOnly) {
  EXPECT_TRUE(valid_date("2024-02-29"));
  EXPECT_TRUE(valid_date("2026-12-31"));
  EXPECT_FALSE(valid_date("2026-02-29"));
  EXPECT_FALSE(valid_date("1900-02-29"));
  EXPECT_FALSE(valid_date("2026-13-01"));
  EXPECT_FALSE(valid_date("2026-1-01"));
  EXPECT_FALSE(valid_date("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(valid_date("20260101xx"));
}

}  // namespace
}  // namespace mb::sim::external
