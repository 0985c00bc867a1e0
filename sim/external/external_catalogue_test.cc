// Services and customers: cursor paging, limits, search.
#include <set>

#include "sim/external/external_test_fixture.h"

namespace mb::sim::external {
namespace {

using ExternalCatalogueTest = ExternalSimTest;

std::vector<std::string> ids(const json::value& page, const char* member = "id") {
  std::vector<std::string> out;
  for (const auto& item : page.at("data").as_array()) out.emplace_back(item.at(member).as_string());
  return out;
}

TEST_F(ExternalCatalogueTest, ServicesListEveryAcceptedServiceWithItsMetrics) {
  start();
  json::value page = get_json("/v1/services");
  EXPECT_TRUE(page.at("next_cursor").is_null());
  EXPECT_EQ(ids(page),
            (std::vector<std::string>{"coro-edr", "coro-email-security", "coro-endpoint-security",
                                      "coro-network", "coro-user-data-governance"}));
  const json::value& endpoint = page.at("data").at(2);
  EXPECT_EQ(endpoint.at("name").as_string(), "Coro Endpoint Security");
  EXPECT_EQ(json::serialize(endpoint.at("metrics")), R"(["devices","users"])");
}

TEST_F(ExternalCatalogueTest, CustomersArePagedByIdUntilTheCursorIsNull) {
  start_generated("customers=7,seed=3");
  std::vector<std::string> seen;
  std::string target = "/v1/customers?limit=3";
  size_t pages = 0;
  for (; pages < 10; ++pages) {
    json::value page = get_json(target);
    for (const auto& id : ids(page)) seen.push_back(id);
    if (page.at("next_cursor").is_null()) break;
    target =
        "/v1/customers?limit=3&cursor=" + url_encode_component(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(pages + 1, 3u);
  EXPECT_EQ(seen, (std::vector<std::string>{"c-00001", "c-00002", "c-00003", "c-00004", "c-00005",
                                            "c-00006", "c-00007"}));
}

TEST_F(ExternalCatalogueTest, AFullLastPageHasANullCursor) {
  start_generated("customers=6");
  json::value first = get_json("/v1/customers?limit=3");
  ASSERT_TRUE(first.at("next_cursor").is_string());
  json::value second = get_json("/v1/customers?limit=3&cursor=" +
                                url_encode_component(first.at("next_cursor").as_string()));
  EXPECT_EQ(ids(second).size(), 3u);
  EXPECT_TRUE(second.at("next_cursor").is_null());
}

TEST_F(ExternalCatalogueTest, ALimitAboveTheMaximumIsLoweredAndABadOneIs400) {
  start();
  settings(R"({"max_page_size":2})");
  EXPECT_EQ(ids(get_json("/v1/customers?limit=1000")).size(), 2u);
  EXPECT_EQ(ids(get_json("/v1/customers")).size(), 2u);  // the default (100) is lowered too
  for (const char* limit : {"0", "-1", "abc", "", "2.5"}) {
    json::value v = call_json("GET", std::string("/v1/customers?limit=") + limit, 400);
    EXPECT_EQ(v.at("error").at("code").as_string(), "invalid_request") << limit;
    EXPECT_EQ(v.at("error").at("details").at("parameter").as_string(), "limit");
  }
}

TEST_F(ExternalCatalogueTest, ACursorIsValidOnlyForItsListAndFilters) {
  start_generated("customers=5");
  json::value page = get_json("/v1/customers?limit=2&search=a");
  ASSERT_TRUE(page.at("next_cursor").is_string()) << page;
  const std::string cursor = url_encode_component(page.at("next_cursor").as_string());
  get_json("/v1/customers?limit=2&search=A&cursor=" + cursor);  // search ignores case
  EXPECT_EQ(error_code("GET", "/v1/customers?limit=2&search=b&cursor=" + cursor, 400),
            "invalid_cursor");
  EXPECT_EQ(error_code("GET", "/v1/links?cursor=" + cursor, 400), "invalid_cursor");
  EXPECT_EQ(error_code("GET", "/v1/customers?cursor=not-a-cursor!", 400), "invalid_cursor");
}

TEST_F(ExternalCatalogueTest, SearchMatchesTheNameIgnoringCaseAndCustomersShowTheirLink) {
  start();
  link("ws-7", "c-1004");
  json::value page = get_json("/v1/customers?search=" + url_encode_component("o'BRIEN &"));
  ASSERT_EQ(ids(page), std::vector<std::string>{"c-1004"});
  const json::value& customer = page.at("data").at(0);
  EXPECT_EQ(customer.at("name").as_string(), "O'Brien & Sons Plumbing");
  EXPECT_TRUE(customer.at("active").as_bool());
  EXPECT_EQ(customer.at("linked_vendor_customer_id").as_string(), "ws-7");
  json::value all = get_json("/v1/customers?search=");
  EXPECT_EQ(ids(all).size(), 5u);
  EXPECT_TRUE(all.at("data").at(0).at("linked_vendor_customer_id").is_null());
  EXPECT_FALSE(all.at("data").at(4).at("active").as_bool());
}

}  // namespace
}  // namespace mb::sim::external
