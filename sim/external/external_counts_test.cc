// Reading counts: linked customers only, filtered by customer, paged.
#include "sim/external/external_test_fixture.h"

namespace mb::sim::external {
namespace {

using ExternalCountsTest = ExternalSimTest;

TEST_F(ExternalCountsTest, ListsEveryLinkedCustomerEvenWithoutCounts) {
  start();
  EXPECT_TRUE(get_json("/v1/counts").at("data").as_array().empty());
  link("ws-90", "c-1002");
  link("ws-88", "c-1001");
  ASSERT_EQ(push("k1", one_item("c-1001", "coro-edr", "devices", 12)).status, 200);
  json::value page = get_json("/v1/counts");
  ASSERT_EQ(page.at("data").as_array().size(), 2u);
  const json::value& first = page.at("data").at(0);
  EXPECT_EQ(first.at("customer_id").as_string(), "c-1001");
  EXPECT_EQ(first.at("vendor_customer_id").as_string(), "ws-88");
  ASSERT_EQ(first.at("counts").as_array().size(), 1u);
  const json::value& count = first.at("counts").at(0);
  EXPECT_EQ(count.at("service_id").as_string(), "coro-edr");
  EXPECT_EQ(count.at("metric").as_string(), "devices");
  EXPECT_EQ(count.at("quantity").as_int64(), 12);
  EXPECT_EQ(count.at("effective_date").as_string().size(), 10u);
  EXPECT_EQ(count.at("updated_at").as_string().size(), 20u);
  EXPECT_TRUE(page.at("data").at(1).at("counts").as_array().empty());
}

TEST_F(ExternalCountsTest, FiltersByRepeatedCustomerIdsAndLeavesOutUnlinkedOnes) {
  start_generated("customers=20,links=10,seed=5");
  json::value page = get_json(
      "/v1/counts?customer_id=c-00003&customer_id=c-00015&customer_id=c-00009"
      "&customer_id=nobody");
  ASSERT_EQ(page.at("data").as_array().size(), 2u);
  EXPECT_EQ(page.at("data").at(0).at("customer_id").as_string(), "c-00003");
  EXPECT_EQ(page.at("data").at(1).at("customer_id").as_string(), "c-00009");
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST_F(ExternalCountsTest, MoreCustomerFiltersThanTheLimitIs400) {
  start();
  settings(R"({"max_customer_filter":2})");
  json::value v = call_json("GET", "/v1/counts?customer_id=a&customer_id=b&customer_id=c", 400);
  EXPECT_EQ(v.at("error").at("code").as_string(), "invalid_request");
  EXPECT_EQ(v.at("error").at("details").at("parameter").as_string(), "customer_id");
  get_json("/v1/counts?customer_id=a&customer_id=b&customer_id=a");  // distinct ids count
}

TEST_F(ExternalCountsTest, PagesCountCustomersAndCursorsKeepTheFilter) {
  start_generated("customers=6,links=6");
  json::value first = get_json(
      "/v1/counts?limit=2&customer_id=c-00001&customer_id=c-00002"
      "&customer_id=c-00004");
  ASSERT_EQ(first.at("data").as_array().size(), 2u);
  const std::string cursor = url_encode_component(first.at("next_cursor").as_string());
  json::value second = get_json(
      "/v1/counts?limit=2&customer_id=c-00001&customer_id=c-00002"
      "&customer_id=c-00004&cursor=" +
      cursor);
  ASSERT_EQ(second.at("data").as_array().size(), 1u);
  EXPECT_EQ(second.at("data").at(0).at("customer_id").as_string(), "c-00004");
  EXPECT_EQ(error_code("GET", "/v1/counts?limit=2&customer_id=c-00005&cursor=" + cursor, 400),
            "invalid_cursor");
}

TEST_F(ExternalCountsTest, UnlinkingHidesACustomersCountsAndLinkingAgainShowsThem) {
  start();
  link("ws-88", "c-1001");
  ASSERT_EQ(push("k1", one_item("c-1001", "coro-edr", "devices", 12)).status, 200);
  call_json("DELETE", "/v1/links/ws-88", 204);
  EXPECT_TRUE(get_json("/v1/counts?customer_id=c-1001").at("data").as_array().empty());
  link("ws-99", "c-1001");
  json::value page = get_json("/v1/counts?customer_id=c-1001");
  EXPECT_EQ(page.at("data").at(0).at("vendor_customer_id").as_string(), "ws-99");
  EXPECT_EQ(page.at("data").at(0).at("counts").at(0).at("quantity").as_int64(), 12);
}

}  // namespace
}  // namespace mb::sim::external
