#include "internal/lines.h"

#include <gtest/gtest.h>

#include <meterbridge/documents_json.hpp>
#include <meterbridge/plugin.hpp>
#include <meterbridge/typed_session.hpp>

#include <boost/json.hpp>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

Line line(const char* customer, const char* service, const char* metric) {
  return Line{"k", customer, service, metric, 5};
}

// A result line as the host receives it.
json::object wire(const ReadLineResult& r) {
  return json::parse(encode(ReadResult{{r}})).at("lines").at(0).as_object();
}
json::object wire(const ApplyLineResult& r) {
  return json::parse(encode(ApplyResult{{r}})).at("lines").at(0).as_object();
}

class ReadResultTest : public ::testing::Test {
 protected:
  std::map<std::string, ServiceInfo> services_ = {
      {"coro-edr", {"coro-edr", "Coro EDR", {"devices"}}},
      {"coro-network", {"coro-network", "Coro Network", {"users", "devices"}}}};
  std::map<std::string, CustomerCounts> linked_ = {
      {"c-1", {"c-1", "ws-1", {{"coro-edr", "devices", 12}, {"coro-network", "users", 3}}}},
      {"c-2", {"c-2", "ws-2", {}}}};
};

TEST_F(ReadResultTest, ALinkedCustomersCountIsItsQuantity) {
  json::object r = wire(read_result(line("c-1", "coro-network", "users"), linked_, services_));
  EXPECT_EQ(r.at("quantity").as_int64(), 3);
  EXPECT_TRUE(r.at("reason").is_null());
  EXPECT_EQ(r.at("line_ref").at("vendor_customer_id").as_string(), "ws-1");
}

TEST_F(ReadResultTest, NothingPushedYetIsANullQuantityNotZero) {
  EXPECT_TRUE(wire(read_result(line("c-2", "coro-edr", "devices"), linked_, services_))
                  .at("quantity")
                  .is_null());
  EXPECT_TRUE(wire(read_result(line("c-1", "coro-network", "devices"), linked_, services_))
                  .at("quantity")
                  .is_null());
}

TEST_F(ReadResultTest, AnUnlinkedCustomerIsNotMappedOnThePlatform) {
  json::object r = wire(read_result(line("c-3", "coro-edr", "devices"), linked_, services_));
  EXPECT_EQ(r.at("reason").as_string(), "platform_not_mapped");
  EXPECT_NE(r.at("message").as_string().find("meterbridge link"), std::string::npos);
}

TEST_F(ReadResultTest, AServiceOrMetricThePlatformDoesNotTakeIsNotFound) {
  json::object unknown =
      wire(read_result(line("c-1", "coro-firewall", "users"), linked_, services_));
  EXPECT_EQ(unknown.at("reason").as_string(), "not_found");
  json::object metric = wire(read_result(line("c-1", "coro-edr", "users"), linked_, services_));
  EXPECT_EQ(metric.at("reason").as_string(), "not_found");
  EXPECT_NE(metric.at("message").as_string().find("in devices, not users"), std::string::npos);
}

TEST(ApplyResult, MapsEachItemStatusAndReasonToALineOutcome) {
  const Line l = line("c-1", "coro-edr", "devices");
  auto outcome = [&](const char* status, const char* reason) {
    return wire(apply_result(l, ItemResult{status, 5, reason, "why"}));
  };
  EXPECT_EQ(outcome("applied", "").at("outcome").as_string(), "updated");
  EXPECT_EQ(outcome("applied", "").at("quantity").as_int64(), 5);
  EXPECT_EQ(outcome("unchanged", "").at("outcome").as_string(), "unchanged");
  EXPECT_EQ(outcome("rejected", "customer_not_linked").at("outcome").as_string(),
            "platform_not_mapped");
  EXPECT_EQ(outcome("rejected", "unknown_customer").at("outcome").as_string(),
            "platform_not_mapped");
  for (const char* reason :
       {"unknown_service", "unsupported_metric", "invalid_quantity", "invalid_item"}) {
    json::object o = outcome("rejected", reason);
    EXPECT_EQ(o.at("outcome").as_string(), "failed") << reason;
    EXPECT_EQ(o.at("error_class").as_string(), "config_invalid") << reason;
    EXPECT_NE(o.at("message").as_string().find(reason), std::string::npos);
  }
  EXPECT_EQ(outcome("rejected", "duplicate_item").at("error_class").as_string(), "conflict");
  EXPECT_EQ(outcome("rejected", "a_reason_from_a_later_minor").at("error_class").as_string(),
            "fatal");
}

TEST(ParseLines, KeepsCompleteLinesAndReportsTheOthersByKey) {
  std::vector<std::pair<std::string, std::string>> problems;
  json::object input = json::parse(R"({"lines":[
    {"key":"a","account_id":"c-1","service_id":"s","metric":"users","target":4},
    {"key":"b","account_id":"","service_id":"s","metric":"users","target":4},
    {"key":"c","account_id":"c-1","service_id":"s","metric":"seats","target":4},
    {"key":"d","account_id":"c-1","service_id":"s","metric":"users","target":-1},
    {"key":"e","account_id":"c-1","service_id":"s","metric":"devices"}]})")
                           .as_object();
  std::vector<Line> lines =
      parse_lines(read_document<ApplyRequest>(json::serialize(input)).lines, problems);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].target, 4);
  EXPECT_FALSE(lines[1].target);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].first, "b");
  EXPECT_EQ(problems[1].first, "c");
  EXPECT_EQ(problems[2].first, "d");
  EXPECT_THROW(parse_lines(read_document<ApplyRequest>("{}").lines, problems), PluginError);
}

TEST(Split, CutsIntoConsecutivePartsOfAtMostTheSize) {
  EXPECT_EQ(split(5, 2), (std::vector<std::pair<size_t, size_t>>{{0, 2}, {2, 4}, {4, 5}}));
  EXPECT_EQ(split(4, 4), (std::vector<std::pair<size_t, size_t>>{{0, 4}}));
  EXPECT_TRUE(split(0, 3).empty());
}

}  // namespace
}  // namespace meterbridge::external
