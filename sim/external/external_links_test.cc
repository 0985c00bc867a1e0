// Links: created, kept, moved, refused, removed; one-to-one at all times.
#include "sim/external/external_test_fixture.h"

namespace mb::sim::external {
namespace {

using ExternalLinksTest = ExternalSimTest;

TEST_F(ExternalLinksTest, PutCreatesALinkThenAnswers200ForTheSameLink) {
  start();
  json::value created = call_json("PUT", "/v1/links/ws-88", 201,
                                  R"({"customer_id":"c-1001","vendor_customer_name":"Northwind"})");
  EXPECT_EQ(created.at("vendor_customer_id").as_string(), "ws-88");
  EXPECT_EQ(created.at("customer_id").as_string(), "c-1001");
  EXPECT_EQ(created.at("vendor_customer_name").as_string(), "Northwind");
  EXPECT_EQ(created.at("linked_at").as_string().size(), 20u);  // 2026-11-21T02:00:07Z
  json::value again = link("ws-88", "c-1001", 200);
  EXPECT_EQ(again.at("linked_at"), created.at("linked_at"));
  EXPECT_TRUE(again.at("vendor_customer_name").is_null());  // PUT replaces
  EXPECT_EQ(get_json("/v1/links/ws-88").at("customer_id").as_string(), "c-1001");
  EXPECT_EQ(state().at("links").as_array().size(), 1u);
}

TEST_F(ExternalLinksTest, PuttingAnotherCustomerMovesTheLink) {
  start();
  link("ws-88", "c-1001");
  link("ws-88", "c-1002", 200);
  json::value customers = get_json("/v1/customers");
  EXPECT_TRUE(customers.at("data").at(0).at("linked_vendor_customer_id").is_null());
  EXPECT_EQ(customers.at("data").at(1).at("linked_vendor_customer_id").as_string(), "ws-88");
  link("ws-90", "c-1001");  // the old customer is free again
}

TEST_F(ExternalLinksTest, ACustomerLinkedToAnotherVendorCustomerIs409AndNothingChanges) {
  start();
  link("ws-88", "c-1001");
  json::value refused = call_json("PUT", "/v1/links/ws-95", 409, R"({"customer_id":"c-1001"})");
  EXPECT_EQ(refused.at("error").at("code").as_string(), "customer_already_linked");
  EXPECT_EQ(refused.at("error").at("details").at("customer_id").as_string(), "c-1001");
  EXPECT_EQ(refused.at("error").at("details").at("vendor_customer_id").as_string(), "ws-88");
  EXPECT_EQ(error_code("GET", "/v1/links/ws-95", 404), "link_not_found");
}

TEST_F(ExternalLinksTest, BadLinkRequestsAreRefusedWithTheirCode) {
  start();
  json::value unknown = call_json("PUT", "/v1/links/ws-1", 422, R"({"customer_id":"c-404"})");
  EXPECT_EQ(unknown.at("error").at("code").as_string(), "unknown_customer");
  EXPECT_EQ(unknown.at("error").at("details").at("customer_id").as_string(), "c-404");
  EXPECT_EQ(error_code("PUT", "/v1/links/ws-1", 400, R"({"customer":"c-1001"})"),
            "invalid_request");
  EXPECT_EQ(error_code("PUT", "/v1/links/ws-1", 400, R"({"customer_id":""})"), "invalid_request");
  EXPECT_EQ(error_code("PUT", "/v1/links/ws-1", 400,
                       R"({"customer_id":"c-1001","vendor_customer_name":7})"),
            "invalid_request");
  EXPECT_EQ(error_code("PUT", "/v1/links/ws-1", 400, "{not json"), "invalid_request");
  Headers text = auth();
  text.emplace_back("Content-Type", "text/plain");
  EXPECT_EQ(error_code("PUT", "/v1/links/ws-1", 415, R"({"customer_id":"c-1001"})", text),
            "unsupported_media_type");
  EXPECT_TRUE(state().at("links").as_array().empty());
}

TEST_F(ExternalLinksTest, DeleteAnswers204WhetherOrNotTheVendorCustomerWasLinked) {
  start();
  link("ws-88", "c-1001");
  call_json("DELETE", "/v1/links/ws-88", 204);
  call_json("DELETE", "/v1/links/ws-88", 204);
  call_json("DELETE", "/v1/links/never-linked", 204);
  EXPECT_EQ(error_code("GET", "/v1/links/ws-88", 404), "link_not_found");
  link("ws-95", "c-1001");  // the customer can be linked again
}

TEST_F(ExternalLinksTest, VendorCustomerIdsArePercentDecodedExactlyOnce) {
  start();
  link("ws%3A88%40eu", "c-1001");
  link("odd%2541", "c-1002");
  json::value links = get_json("/v1/links");
  EXPECT_EQ(links.at("data").at(0).at("vendor_customer_id").as_string(), "odd%41");
  EXPECT_EQ(links.at("data").at(1).at("vendor_customer_id").as_string(), "ws:88@eu");
  EXPECT_EQ(get_json("/v1/links/ws%3A88%40eu").at("customer_id").as_string(), "c-1001");
}

TEST_F(ExternalLinksTest, LinksArePagedByVendorCustomerId) {
  start_generated("customers=5,links=5");
  json::value first = get_json("/v1/links?limit=3");
  ASSERT_EQ(first.at("data").as_array().size(), 3u);
  EXPECT_EQ(first.at("data").at(0).at("vendor_customer_id").as_string(), "ws-00001");
  json::value second = get_json("/v1/links?limit=3&cursor=" +
                                url_encode_component(first.at("next_cursor").as_string()));
  ASSERT_EQ(second.at("data").as_array().size(), 2u);
  EXPECT_EQ(second.at("data").at(1).at("customer_id").as_string(), "c-00005");
  EXPECT_TRUE(second.at("next_cursor").is_null());
}

}  // namespace
}  // namespace mb::sim::external
