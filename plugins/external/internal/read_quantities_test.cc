// read_quantities through the whole plugin (external_plugin_test.h): the counts of the lines'
// customers, read in groups all at once.
#include "external_plugin_test.h"

namespace meterbridge::external {
namespace {

TEST_F(ExternalPluginTest, ReadsAskForTheLinesCustomersInGroupsOfAHundredAllAtOnce) {
  platform_.on("GET", "/v1/services",
               reply(200, R"({"data":[{"id":"coro-edr","name":"EDR","metrics":["devices"]}],
                              "next_cursor":null})"));
  platform_.on("GET", "/v1/counts", [](const Seen& s) {
    if (s.target.find("customer_id=c-7&") == std::string::npos)
      return reply(200, R"({"data":[],"next_cursor":null})");
    return reply(200, R"({"data":[{"customer_id":"c-7","vendor_customer_id":"ws-7","counts":[
      {"service_id":"coro-edr","metric":"devices","quantity":70}]}],"next_cursor":null})");
  });
  std::string input = R"({"effective_date":"2026-11-21","lines":[)";
  for (int i = 0; i < 150; ++i) {
    input += (i ? "," : "") + std::string(R"({"key":"l)") + std::to_string(i) +
             R"(","account_id":"c-)" + std::to_string(i) +
             R"(","service_id":"coro-edr","metric":"devices","last_pushed":null})";
  }
  json::value v = ok(&mb_plugin_table::on_read_quantities, input + "]}");
  auto reads = platform_.seen("GET", "/v1/counts");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].target.rfind("/v1/counts?limit=100&customer_id=c-0&customer_id=c-1&", 0), 0u);
  EXPECT_EQ(host_.http_batches().size(), 2u);  // the services, then both reads together
  auto lines = by_field(v);
  EXPECT_EQ(lines["l7"].at("quantity").as_int64(), 70);
  EXPECT_EQ(lines["l8"].at("reason").as_string(), "platform_not_mapped");
}

}  // namespace
}  // namespace meterbridge::external
