// Link batches (protocol 1.1): each item linked as its own PUT would be, one result per item,
// and a platform set to 1.0 that has no such endpoint.
#include "sim/external/external_test_fixture.h"

namespace mb::sim::external {
namespace {

using ExternalLinkBatchesTest = ExternalSimTest;

json::value results_of(const json::value& answer) { return answer.at("results"); }

TEST_F(ExternalLinkBatchesTest, EachItemIsLinkedAsItsOwnPutWouldBe) {
  start();
  link("ws-90", "c-1002");
  link("ws-91", "c-1003");
  json::value v = call_json("POST", "/v1/link-batches", 200, R"({"links":[
    {"vendor_customer_id":"ws-88","customer_id":"c-1001","vendor_customer_name":"Northwind"},
    {"vendor_customer_id":"ws-90","customer_id":"c-1002"},
    {"vendor_customer_id":"ws-91","customer_id":"c-1004"}]})");
  json::value r = results_of(v);
  ASSERT_EQ(r.as_array().size(), 3u);
  EXPECT_EQ(r.at(0).at("status").as_string(), "created");
  EXPECT_EQ(r.at(0).at("link").at("vendor_customer_name").as_string(), "Northwind");
  EXPECT_EQ(r.at(1).at("status").as_string(), "unchanged");
  EXPECT_EQ(r.at(2).at("status").as_string(), "moved");
  EXPECT_EQ(r.at(2).at("index").as_int64(), 2);
  EXPECT_EQ(v.at("summary"), json::parse(R"({"created":1,"moved":1,"unchanged":1,"rejected":0})"));
  EXPECT_EQ(get_json("/v1/links/ws-91").at("customer_id").as_string(), "c-1004");
  link("ws-95", "c-1003");  // the moved-from customer is free again
}

TEST_F(ExternalLinkBatchesTest, SendingTheSameBatchAgainChangesNothing) {
  start();
  const std::string batch = R"({"links":[{"vendor_customer_id":"ws-88","customer_id":"c-1001"}]})";
  json::value first = call_json("POST", "/v1/link-batches", 200, batch);
  json::value again = call_json("POST", "/v1/link-batches", 200, batch);
  EXPECT_EQ(results_of(again).at(0).at("status").as_string(), "unchanged");
  EXPECT_EQ(results_of(again).at(0).at("link").at("linked_at"),
            results_of(first).at(0).at("link").at("linked_at"));
  EXPECT_EQ(state().at("links").as_array().size(), 1u);
}

TEST_F(ExternalLinkBatchesTest, RefusedItemsCarryTheSingleCallsReasonAndNeverStopTheOthers) {
  start();
  link("ws-88", "c-1001");
  json::value v = call_json("POST", "/v1/link-batches", 200, R"({"links":[
    {"vendor_customer_id":"ws-95","customer_id":"c-1001"},
    {"vendor_customer_id":"ws-96","customer_id":"c-404"},
    {"vendor_customer_id":"ws/97","customer_id":"c-1002"},
    {"vendor_customer_id":"ws-98","customer_id":"c-1002"},
    {"vendor_customer_id":"ws-98","customer_id":"c-1003"},
    {"vendor_customer_id":"ws-99"}]})");
  json::value r = results_of(v);
  EXPECT_EQ(r.at(0).at("reason").as_string(), "customer_already_linked");
  EXPECT_EQ(r.at(0).at("details").at("vendor_customer_id").as_string(), "ws-88");
  EXPECT_EQ(r.at(1).at("reason").as_string(), "unknown_customer");
  EXPECT_EQ(r.at(2).at("reason").as_string(), "invalid_item");
  EXPECT_EQ(r.at(3).at("status").as_string(), "created");
  EXPECT_EQ(r.at(4).at("reason").as_string(), "duplicate_item");
  EXPECT_EQ(r.at(5).at("reason").as_string(), "invalid_item");
  EXPECT_EQ(r.at(5).at("details").at("field").as_string(), "customer_id");
  EXPECT_EQ(v.at("summary").at("rejected").as_int64(), 5);
  EXPECT_EQ(get_json("/v1/links/ws-98").at("customer_id").as_string(), "c-1002");
  EXPECT_EQ(state().at("links").as_array().size(), 2u);
}

TEST_F(ExternalLinkBatchesTest, AnIllFormedOrOversizedBatchIsRefusedWhole) {
  start();
  settings(R"({"max_link_batch_items":2})");
  EXPECT_EQ(error_code("POST", "/v1/link-batches", 400, R"({"links":[]})"), "invalid_request");
  EXPECT_EQ(error_code("POST", "/v1/link-batches", 400, R"({"links":{}})"), "invalid_request");
  json::value big = call_json("POST", "/v1/link-batches", 400, R"({"links":[
    {"vendor_customer_id":"ws-1","customer_id":"c-1001"},
    {"vendor_customer_id":"ws-2","customer_id":"c-1002"},
    {"vendor_customer_id":"ws-3","customer_id":"c-1003"}]})");
  EXPECT_EQ(big.at("error").at("code").as_string(), "batch_too_large");
  EXPECT_EQ(big.at("error").at("details").at("max_items").as_int64(), 2);
  EXPECT_TRUE(state().at("links").as_array().empty());
}

TEST_F(ExternalLinkBatchesTest, APlatformSetTo1_0HasNoLinkBatchesAndStillLinksOneByOne) {
  start();
  settings(R"({"link_batches":false})");
  json::value integration = get_json("/v1/integration");
  EXPECT_EQ(integration.at("protocol_version").as_string(), "1.0");
  EXPECT_FALSE(integration.at("limits").as_object().contains("max_link_batch_items"));
  EXPECT_EQ(error_code("POST", "/v1/link-batches", 404,
                       R"({"links":[{"vendor_customer_id":"ws-1","customer_id":"c-1001"}]})"),
            "not_found");
  link("ws-1", "c-1001");
}

}  // namespace
}  // namespace mb::sim::external
