#include <map>
#include <string>
#include <vector>

#include "internal/autotask_test_fixture.h"

namespace meterbridge::autotask {
namespace {

using meterbridge::testing::by_field;

json::object contract(int64_t id, int64_t company, const char* name) {
  return json::object{{"id", id},
                      {"companyID", company},
                      {"contractName", name},
                      {"contractType", 7},
                      {"status", 1},
                      {"startDate", "2025-01-01T00:00:00Z"},
                      {"endDate", "2025-12-31T00:00:00Z"}};
}
json::object contract_service(int64_t id, int64_t contract) {
  return json::object{{"id", id}, {"contractID", contract}, {"serviceID", 31}};
}
json::object units_period(int64_t id, int64_t units, const char* start, const char* end) {
  return json::object{{"id", id},        {"contractID", 9001}, {"contractServiceID", 55120},
                      {"serviceID", 31}, {"units", units},     {"startDate", start},
                      {"endDate", end}};
}
// A line of service 31 for `company`, with a target when it is not negative.
std::string line(const std::string& key, const std::string& company, int64_t target = -1) {
  json::object o{
      {"key", key}, {"account_id", company}, {"service_id", "31"}, {"metric", "devices"}};
  if (target >= 0) o["target"] = target;
  return json::serialize(o);
}
// The lines of a read or apply request for 2025-06-15.
std::string request(const std::vector<std::string>& lines,
                    const char* start = R"({"effective_date":"2025-06-15")") {
  std::string input = std::string(start) + R"(,"lines":[)";
  for (size_t i = 0; i < lines.size(); ++i) input += (i ? "," : "") + lines[i];
  return input + "]}";
}

// Autotask with Northwind (412: one line 55120 for service 31 at 43 units), Harbor (977: the
// service on two contracts), an inactive company (500) and a company without contracts (700).
class QuantitiesTest : public AutotaskPluginTest {
 protected:
  QuantitiesTest() {
    autotask_.on(
        "POST", "Companies/query",
        reply(
            200,
            page_of(json::array{
                json::object{{"id", 412}, {"companyName", "Northwind Dental"}, {"isActive", true}},
                json::object{{"id", 977}, {"companyName", "Harbor Legal LLP"}, {"isActive", true}},
                json::object{{"id", 500}, {"companyName", "Closed Co"}, {"isActive", false}},
                json::object{{"id", 700}, {"companyName", "Empty Inc"}, {"isActive", true}}})));
    autotask_.on("POST", "Contracts/query",
                 reply(200, page_of(json::array{contract(9001, 412, "Managed 2025"),
                                                contract(9101, 977, "Security"),
                                                contract(9102, 977, "Security add-on")})));
    autotask_.on(
        "POST", "ContractServices/query",
        reply(200, page_of(json::array{contract_service(55120, 9001), contract_service(56001, 9101),
                                       contract_service(56002, 9102)})));
    autotask_.on("POST", "ContractServiceUnits/query", [this](const SeenRequest&) {
      return reply(
          200, page_of(json::array{
                   units_period(7001, 40, "2025-05-01T00:00:00Z", "2025-05-31T00:00:00Z"),
                   units_period(7002, units_, "2025-06-01T00:00:00Z", "2025-06-30T00:00:00Z")}));
    });
  }

  // The lines of the session's answer to a read or an apply, by key.
  std::map<std::string, json::object> read(const std::vector<std::string>& lines) {
    return by_field(result_of(session_.call(&mb_plugin_table::on_read_quantities, request(lines))));
  }
  std::map<std::string, json::object> apply(const std::vector<std::string>& lines) {
    std::string input = request(lines, R"({"idempotency_key":"k","effective_date":"2025-06-15")");
    return by_field(result_of(session_.call(&mb_plugin_table::on_apply_quantities, input)));
  }
  // Autotask answers every adjustment with `answer`, having applied it when `applies`.
  void on_adjustment(bool applies, HttpResponse answer) {
    autotask_.on("POST", "ContractServiceAdjustments",
                 [this, applies, answer](const SeenRequest& r) {
                   if (applies) units_ += json::parse(r.body).at("unitChange").as_int64();
                   return answer;
                 });
  }
  std::vector<SeenRequest> adjustments() const {
    return autotask_.seen("POST", "ContractServiceAdjustments");
  }

  int64_t units_ = 43;
  FakeHost::Session session_ = open();
};

TEST_F(QuantitiesTest, ReadsEveryLineWithOneQueryPerEntity) {
  auto lines = read({line("nw", "412"), line("hb", "977"), line("closed", "500"),
                     line("empty", "700"), line("ghost", "1"), line("bad", "abc")});

  EXPECT_EQ(lines["nw"].at("quantity"), 43);
  EXPECT_TRUE(lines["nw"].at("reason").is_null());
  EXPECT_EQ(lines["nw"].at("line_ref").at("contract_service_id"), 55120);
  EXPECT_EQ(lines["hb"].at("reason"), "ambiguous_contract_line");
  EXPECT_NE(message_of(lines["hb"]).find("9102 'Security add-on'"), std::string::npos);
  EXPECT_EQ(lines["closed"].at("reason"), "account_inactive");
  EXPECT_EQ(lines["empty"].at("reason"), "no_contract_line");
  EXPECT_EQ(lines["ghost"].at("reason"), "not_found");
  EXPECT_EQ(lines["bad"].at("reason"), "not_found");

  for (const char* entity :
       {"Companies/", "Contracts/", "ContractServices/", "ContractServiceUnits/"})
    EXPECT_EQ(autotask_.seen("", entity).size(), 1u) << entity;
  EXPECT_EQ(json::parse(autotask_.seen("", "Companies/").at(0).body).at("Filter").at(0),
            json::parse(R"({"op":"in","field":"id","value":[412,977,500,700,1]})"));
  EXPECT_EQ(
      json::parse(autotask_.seen("", "Contracts/").at(0).body).at("Filter"),
      json::parse(
          R"([{"op":"in","field":"companyID","value":[412,700,977]},)"
          R"({"op":"eq","field":"contractType","value":7},{"op":"eq","field":"status","value":1}])"));
  EXPECT_EQ(json::parse(autotask_.seen("", "ContractServiceUnits/").at(0).body).at("Filter"),
            json::parse(R"([{"op":"in","field":"contractServiceID","value":[55120]},)"
                        R"({"op":"lte","field":"startDate","value":"2025-06-15T12:00:00Z"},)"
                        R"({"op":"gte","field":"endDate","value":"2025-06-14T12:00:00Z"}])"));
}

TEST_F(QuantitiesTest, SplitsLargeReadsIntoInFiltersOf500SentTogether) {
  std::vector<std::string> lines;
  for (int i = 0; i < 1200; ++i)
    lines.push_back(line(std::to_string(i), std::to_string(10000 + i)));
  read(lines);
  auto companies = autotask_.seen("", "Companies/");
  ASSERT_EQ(companies.size(), 3u);
  EXPECT_EQ(json::parse(companies[0].body).at("Filter").at(0).at("value").as_array().size(), 500u);
  EXPECT_EQ(json::parse(companies[2].body).at("Filter").at(0).at("value").as_array().size(), 200u);
  // All three went to the host in one batch, so they ran concurrently.
  size_t batch_with_companies = 0;
  for (const auto& batch : host_.http_batches())
    if (batch.find("Companies/query") != std::string::npos) ++batch_with_companies;
  EXPECT_EQ(batch_with_companies, 1u);
}

TEST_F(QuantitiesTest, ChunksContractServicesSoEveryAnswerFitsOnePage) {
  // 120 companies with one contract each and 10 services: up to 1,200 contract lines. Asked in
  // one query they would come back as three pages, one after another; chunked by 500 / 10 = 50
  // contracts, three one-page queries go out together.
  autotask_.on("POST", "Companies/query", [](const SeenRequest& r) {
    json::array rows;
    json::value query = json::parse(r.body);
    for (const auto& id : query.at("Filter").at(0).at("value").as_array())
      rows.push_back(json::object{{"id", id}, {"companyName", "Bulk"}, {"isActive", true}});
    return reply(200, page_of(rows));
  });
  autotask_.on("POST", "Contracts/query", [](const SeenRequest& r) {
    json::array rows;
    json::value query = json::parse(r.body);
    for (const auto& id : query.at("Filter").at(0).at("value").as_array())
      rows.push_back(contract(100000 + id.as_int64(), id.as_int64(), "Bulk contract"));
    return reply(200, page_of(rows));
  });
  std::vector<std::string> lines;
  for (int company = 0; company < 120; ++company) {
    for (int service = 31; service <= 40; ++service) {
      lines.push_back(json::serialize(
          json::object{{"key", std::to_string(company) + "/" + std::to_string(service)},
                       {"account_id", std::to_string(10000 + company)},
                       {"service_id", std::to_string(service)},
                       {"metric", "users"}}));
    }
  }
  read(lines);

  auto queries = autotask_.seen("", "ContractServices/");
  ASSERT_EQ(queries.size(), 3u);
  for (const auto& query : queries) {
    json::value filter = json::parse(query.body).at("Filter");
    EXPECT_EQ(filter.at(0).at("field"), "contractID");
    EXPECT_LE(filter.at(0).at("value").as_array().size(), 50u);
    EXPECT_EQ(filter.at(1).at("value").as_array().size(), 10u);
  }
  size_t batches_with_contract_services = 0;
  for (const auto& batch : host_.http_batches())
    if (batch.find("ContractServices/query") != std::string::npos) ++batches_with_contract_services;
  EXPECT_EQ(batches_with_contract_services, 1u);
}

TEST_F(QuantitiesTest, AppliesTheDifferenceAsOneAdjustmentFromAFreshRead) {
  on_adjustment(/*applies=*/true, reply(200, R"({"itemId":880311})"));
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_EQ(lines["nw"].at("quantity"), 50);
  EXPECT_EQ(units_, 50);

  ASSERT_EQ(adjustments().size(), 1u);
  EXPECT_FALSE(adjustments()[0].idempotent);
  EXPECT_EQ(adjustments()[0].endpoint, "ContractServiceAdjustments");
  EXPECT_EQ(json::parse(adjustments()[0].body),
            json::parse(R"({"contractID":9001,"contractServiceID":55120,"serviceID":31,)"
                        R"("effectiveDate":"2025-06-15T00:00:00Z","unitChange":7})"));

  // Unchanged usage: the rerun reads 50 and writes nothing.
  EXPECT_EQ(apply({line("nw", "412", 50)})["nw"].at("outcome"), "unchanged");
  EXPECT_EQ(adjustments().size(), 1u);
}

TEST_F(QuantitiesTest, UsesTheLineRefOfTheReadAndStillReReadsTheUnits) {
  autotask_.on("POST", "ContractServiceAdjustments", reply(200, R"({"itemId":1})"));
  auto lines = apply(
      {R"({"key":"nw","account_id":"412","service_id":"31","target":40,"expected_current":41,)"
       R"("line_ref":{"company_id":412,"service_id":31,"contract_id":9001,"contract_service_id":55120}})"});
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_TRUE(autotask_.seen("", "Companies/").empty());
  EXPECT_TRUE(autotask_.seen("", "Contracts/").empty());
  EXPECT_EQ(autotask_.seen("", "ContractServiceUnits/").size(), 1u);
  EXPECT_EQ(json::parse(adjustments().at(0).body).at("unitChange"), -3)
      << "the delta comes from the fresh 43, not from expected_current";
}

TEST_F(QuantitiesTest, ReportsLinesWithoutAUsableContractLineWithoutWriting) {
  auto lines = apply({line("hb", "977", 5), line("closed", "500", 5), line("empty", "700", 5)});
  EXPECT_EQ(lines["hb"].at("outcome"), "ambiguous_contract_line");
  EXPECT_EQ(lines["closed"].at("outcome"), "account_inactive");
  EXPECT_EQ(lines["empty"].at("outcome"), "no_contract_line");
  EXPECT_TRUE(adjustments().empty());
}

TEST_F(QuantitiesTest, SettlesAConnectionLostAfterSendingByReReadingNotResending) {
  // Autotask applies it, but the answer never arrives.
  on_adjustment(/*applies=*/true, no_answer(/*sent=*/true));
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_EQ(units_, 50);
  EXPECT_EQ(adjustments().size(), 1u);
  EXPECT_EQ(autotask_.seen("", "ContractServiceUnits/").size(), 2u)
      << "one read before, one to settle";
}

TEST_F(QuantitiesTest, TurnsAutotasksRefusalIntoALineOutcomeWithItsMessage) {
  on_adjustment(
      /*applies=*/false,
      reply(500, R"({"errors":["effectiveDate must be between 1/1/2025 and 12/31/2025"]})"));
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_EQ(lines["nw"].at("error_class"), "conflict");
  EXPECT_EQ(lines["nw"].at("quantity"), 43);
  EXPECT_NE(message_of(lines["nw"]).find("effectiveDate must be between"), std::string::npos);
}

TEST_F(QuantitiesTest, ReportsAThreadLimitThatOutlastedTheHostsRetriesAsRateLimited) {
  on_adjustment(
      /*applies=*/false,
      reply(500,
            R"({"errors":["Thread Threshold Exceeded - The Autotask API thread threshold of 3 )"
            R"(threads has been exceeded. Itgenatr005"]})"));
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_EQ(lines["nw"].at("error_class"), "rate_limited");
  EXPECT_EQ(autotask_.seen("", "ContractServiceUnits/").size(), 1u) << "a refusal needs no re-read";
}

TEST_F(QuantitiesTest, JournalsEveryAdjustmentBeforePostingIt) {
  autotask_.on("POST", "ContractServiceAdjustments", [this](const SeenRequest& r) {
    EXPECT_EQ(host_.journaled_intents().size(), 1u) << "posted before it was journaled";
    units_ += json::parse(r.body).at("unitChange").as_int64();
    return reply(200, R"({"itemId":880311})");
  });
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_FALSE(lines["nw"].at("in_doubt").as_bool());
  ASSERT_EQ(host_.journaled_intents().size(), 1u);
  json::value intents = json::parse(host_.journaled_intents()[0]);
  ASSERT_EQ(intents.as_array().size(), 1u);
  EXPECT_EQ(intents.at(0).at("key"), "nw");
  EXPECT_EQ(intents.at(0).at("units_before"), 43);
  EXPECT_EQ(intents.at(0).at("target"), 50);
  EXPECT_EQ(intents.at(0).at("ref").at("contract_service_id"), 55120);
}

TEST_F(QuantitiesTest, PostsNothingTheHostCouldNotJournal) {
  host_.set_journal_status(MB_STATUS_FATAL);
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_NE(message_of(lines["nw"]).find("could not journal"), std::string::npos);
  EXPECT_TRUE(adjustments().empty());
}

TEST_F(QuantitiesTest, APostWhoseAnswerWasLostAndIsNotVisibleYetStaysInDoubt) {
  on_adjustment(/*applies=*/false, no_answer(/*sent=*/true));  // still processing
  auto lines = apply({line("nw", "412", 50)});
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_TRUE(lines["nw"].at("in_doubt").as_bool());
  EXPECT_EQ(adjustments().size(), 1u) << "never resent";
}

TEST_F(QuantitiesTest, RefusesTargetsAutotaskCannotStore) {
  auto lines = apply({line("nw", "412")});
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_EQ(lines["nw"].at("error_class"), "config_invalid");
}

TEST_F(QuantitiesTest, RejectsAMalformedEffectiveDate) {
  CallResult r = session_.call(&mb_plugin_table::on_read_quantities,
                               R"({"effective_date":"15/06/2025","lines":[]})");
  EXPECT_EQ(r.status, MB_STATUS_CONFIG_INVALID);
}

}  // namespace
}  // namespace meterbridge::autotask
