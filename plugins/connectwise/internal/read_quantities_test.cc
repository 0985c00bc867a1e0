// read_quantities through the whole plugin (connectwise_plugin_test.h).
#include "connectwise_plugin_test.h"

namespace meterbridge::connectwise {
namespace {

using ReadQuantitiesTest = ConnectWiseTest;

json::object addition(int id, int product, const json::value& quantity) {
  return json::object{
      {"id", id}, {"product", json::object{{"id", product}}}, {"quantity", quantity}};
}
json::object agreement(int id, int company) {
  return json::object{{"id", id}, {"name", "MSP"}, {"company", json::object{{"id", company}}}};
}

TEST_F(ReadQuantitiesTest, ReadsAllCompaniesInOneAgreementQueryAndEachAgreementsAdditionsTogether) {
  platform_.on("GET", "finance/agreements/9001/additions",
               reply(200, json::array{addition(77, 55, 40.0), addition(78, 56, 3)}));
  platform_.on("GET", "finance/agreements/9002/additions",
               reply(200, json::array{addition(79, 55, 7)}));
  platform_.on("GET", "finance/agreements",
               reply(200, json::array{agreement(9001, 250), agreement(9002, 251)}));
  platform_.on("GET", "company/companies",
               reply(200, json::array{json::object{{"id", 252},
                                                   {"name", "Idle Co"},
                                                   {"status", json::object{{"name", "Active"}}}}}));
  json::value v =
      call(&mb_plugin_table::on_read_quantities, R"({"effective_date":"2026-01-01","lines":[
      {"key":"a","account_id":"250","service_id":"55","metric":"devices","last_pushed":null},
      {"key":"b","account_id":"250","service_id":"56","metric":"users","last_pushed":2},
      {"key":"c","account_id":"251","service_id":"55","metric":"devices","last_pushed":null},
      {"key":"d","account_id":"252","service_id":"55","metric":"devices","last_pushed":null},
      {"key":"e","account_id":"acme","service_id":"55","metric":"devices","last_pushed":null}]})");

  auto api = api_requests();
  ASSERT_EQ(api.size(), 4u);
  EXPECT_EQ(api[0].path, "finance/agreements");
  EXPECT_EQ(param(api[0], "conditions"),
            "company/id in (250,251,252) and agreementStatus=\"Active\"");
  EXPECT_EQ(param(api[0], "pageSize"), "1000");
  EXPECT_EQ(param(api[1], "conditions"), "cancelledDate=null and product/id in (55,56)");
  EXPECT_EQ(param(api[2], "conditions"), "cancelledDate=null and product/id in (55)");
  EXPECT_EQ(param(api[3], "conditions"), "id in (252)");
  EXPECT_EQ(host_.http_batches().size(), 3u)
      << "companyinfo, agreements, then additions and lookups together";

  const json::array& lines = v.at("lines").as_array();
  EXPECT_EQ(lines[0].at("quantity").as_int64(), 40);
  EXPECT_EQ(lines[0].at("line_ref"), (json::value{{"agreement_id", 9001}, {"addition_id", 77}}));
  EXPECT_EQ(lines[1].at("quantity").as_int64(), 3);
  EXPECT_EQ(lines[2].at("quantity").as_int64(), 7);
  EXPECT_EQ(lines[3].at("reason").as_string(), "no_contract_line");
  EXPECT_EQ(lines[3].at("message").as_string(), "company 252 (Idle Co) has no active agreement");
  EXPECT_EQ(lines[4].at("reason").as_string(), "not_found");
}

TEST_F(ReadQuantitiesTest, AFractionalQuantityIsReportedAsUnknownSoTheSyncWritesIt) {
  one_addition(2.5);
  json::value v =
      call(&mb_plugin_table::on_read_quantities,
           R"({"lines":[{"key":"a","account_id":"250","service_id":"55","last_pushed":null}]})");
  EXPECT_TRUE(v.at("lines").at(0).at("quantity").is_null());
  EXPECT_TRUE(v.at("lines").at(0).at("reason").is_null());
  EXPECT_THAT(str(v.at("lines").at(0).at("message")), HasSubstr("fractional"));
}

constexpr char kOneLine[] = R"({"lines":[{"key":"a","account_id":"250","service_id":"55"}]})";

TEST_F(ReadQuantitiesTest, ReadsFailAsRateLimitedWithTheServersWait) {
  platform_.on("GET", "finance/agreements", throttled());
  CallResult r = session_.call(&mb_plugin_table::on_read_quantities, kOneLine);
  EXPECT_EQ(r.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(r.retry_after_ms, 30000u);
}

TEST_F(ReadQuantitiesTest, CancellationStopsAListingBetweenBatches) {
  platform_.on("GET", "finance/agreements", reply(200, json::array{}));
  host_.set_cancelled(true);
  CallResult r = session_.call(&mb_plugin_table::on_read_quantities, kOneLine);
  EXPECT_EQ(r.status, MB_STATUS_RETRY);
}

}  // namespace
}  // namespace meterbridge::connectwise
