#include "internal/wire.h"

#include <gtest/gtest.h>

#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

const std::vector<CountItem> kItems = {{"c-1", "coro-edr", "devices", 12},
                                       {"c-2", "coro-email-security", "users", 0}};

TEST(ExternalWire, ReadsTheIntegrationAndItsLimits) {
  IntegrationInfo info = parse_integration(R"({"protocol_version":"1.2","extra":true,
    "integration":{"id":"int_7","name":"Coro for Acme"},"platform":{"name":"Example"},
    "limits":{"max_batch_items":250,"max_page_size":500,"max_customer_filter":100,
              "max_link_batch_items":700}})");
  EXPECT_EQ(info.protocol_version, "1.2");
  EXPECT_EQ(info.integration_name, "Coro for Acme");
  EXPECT_EQ(info.platform_name, "Example");
  EXPECT_EQ(info.max_batch_items, 250);
  EXPECT_EQ(info.max_link_batch_items, 700);
}

TEST(ExternalWire, OnlyA1_1PlatformOffersLinkBatchesAndMustSayHowLarge) {
  const std::string limits =
      R"("limits":{"max_batch_items":100,"max_page_size":100,"max_customer_filter":100})";
  auto document = [&](const std::string& version) {
    return R"({"protocol_version":")" + version +
           R"(","integration":{"id":"i","name":"n"},"platform":{"name":"p"},)" + limits + "}";
  };
  EXPECT_FALSE(parse_integration(document("1.0")).max_link_batch_items);
  EXPECT_FALSE(parse_integration(document("1.x")).max_link_batch_items);
  EXPECT_THROW(parse_integration(document("1.1")), PluginError);
  EXPECT_THROW(parse_integration(R"({"protocol_version":"1.0"})"), PluginError);
  EXPECT_THROW(parse_integration("<html>"), PluginError);
}

TEST(ExternalWire, ReadsPagesAndTheirEntries) {
  Page page = parse_page(R"({"data":[{"id":"c-1","name":"A & B","active":false,
    "linked_vendor_customer_id":"ws-1"}],"next_cursor":"abc"})",
                         "customers");
  ASSERT_EQ(page.data.size(), 1u);
  EXPECT_EQ(page.next_cursor, "abc");
  CustomerInfo customer = parse_customer(page.data[0]);
  EXPECT_EQ(customer.name, "A & B");
  EXPECT_FALSE(customer.active);
  EXPECT_EQ(customer.linked_vendor_customer_id, "ws-1");
  EXPECT_FALSE(parse_page(R"({"data":[],"next_cursor":null})", "x").next_cursor);
  EXPECT_THROW(parse_page(R"({"items":[]})", "x"), PluginError);
  EXPECT_THROW(parse_page(R"({"data":[],"next_cursor":""})", "x"), PluginError);

  ServiceInfo service = parse_service(
      json::parse(R"({"id":"s","name":"S","metrics":["devices","users"]})").as_object());
  EXPECT_TRUE(service.accepts("users"));
  EXPECT_FALSE(
      parse_service(json::parse(R"({"id":"s","name":"S","metrics":["users"]})").as_object())
          .accepts("devices"));

  CustomerCounts counts = parse_customer_counts(json::parse(R"({"customer_id":"c-1",
    "vendor_customer_id":"ws-1","counts":[{"service_id":"s","metric":"users","quantity":4,
    "effective_date":"2026-11-21","updated_at":"2026-11-21T02:00:07Z"}]})")
                                                    .as_object());
  ASSERT_EQ(counts.counts.size(), 1u);
  EXPECT_EQ(counts.counts[0].quantity, 4);
  EXPECT_THROW(parse_customer_counts(json::parse(R"({"customer_id":"c-1","vendor_customer_id":"w",
    "counts":[{"service_id":"s","metric":"users","quantity":4.5}]})")
                                         .as_object()),
               PluginError);
}

TEST(ExternalWire, ABatchBodyIsTheSameBytesForTheSameItems) {
  const std::string body = batch_body("2026-11-21", kItems);
  EXPECT_EQ(
      body,
      R"({"effective_date":"2026-11-21","items":[)"
      R"({"customer_id":"c-1","service_id":"coro-edr","metric":"devices","quantity":12},)"
      R"({"customer_id":"c-2","service_id":"coro-email-security","metric":"users","quantity":0}]})");
  EXPECT_EQ(body, batch_body("2026-11-21", kItems));
  EXPECT_EQ(batch_body("", kItems).find("effective_date"), std::string::npos);
}

TEST(ExternalWire, BatchResultsMustAnswerEveryItemInOrder) {
  const std::string ok = R"({"batch_id":"b_1","results":[
    {"index":0,"customer_id":"c-1","service_id":"coro-edr","metric":"devices","status":"applied",
     "quantity":12,"previous_quantity":null},
    {"index":1,"customer_id":"c-2","service_id":"coro-email-security","metric":"users",
     "status":"rejected","quantity":null,"previous_quantity":null,"reason":"customer_not_linked",
     "message":"not linked"}],"summary":{}})";
  std::vector<ItemResult> results = parse_batch_results(ok, kItems);
  EXPECT_EQ(results[0].status, "applied");
  EXPECT_EQ(results[0].quantity, 12);
  EXPECT_EQ(results[1].reason, "customer_not_linked");
  EXPECT_FALSE(results[1].quantity);

  std::string swapped = ok;
  swapped.replace(swapped.find("\"c-1\""), 5, "\"c-9\"");
  EXPECT_THROW(parse_batch_results(swapped, kItems), PluginError);
  EXPECT_THROW(parse_batch_results(R"({"results":[]})", kItems), PluginError);
}

TEST(ExternalWire, ReadsTheErrorBodyAndOnlyIt) {
  auto error = parse_error_body(R"({"error":{"code":"customer_already_linked","message":"m",
    "details":{"vendor_customer_id":"ws-2"}}})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "customer_already_linked");
  EXPECT_EQ(error->details.at("vendor_customer_id").as_string(), "ws-2");
  EXPECT_FALSE(parse_error_body(R"({"error":"unauthorized"})"));
  EXPECT_FALSE(parse_error_body("Bad Gateway"));
}

}  // namespace
}  // namespace meterbridge::external
