// The autotask plugin through the SDK's fake host, against a scripted Autotask: each test
// says what Autotask answers and checks what the plugin sent and concluded. The simulator
// tests (tests/platforms/autotask_sim_test.cc) cover the same ground against the real HTTP engine.
#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using meterbridge::HttpResponse;
using meterbridge::testing::by_field;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::ScriptedPlatform;

constexpr char kDiscovery[] = "https://webservices.autotask.net/atservicesrest/";
constexpr char kZoneRoot[] = "https://webservices15.autotask.net/ATServicesRest/";
constexpr char kZoneBase[] = "https://webservices15.autotask.net/ATServicesRest/V1.0/";
constexpr char kConfig[] =
    R"({"username":"api@acme.example","secret":"s3cret-value","integration_code":"TRACKING-ID"})";

struct SeenRequest {
  std::string method;
  std::string url;
  std::string endpoint;
  bool idempotent = true;
  json::object headers;
  json::value body;  // parsed; null when none
};

struct Reply {
  Reply(int status_code = 200, std::string body_text = "{}")
      : status(status_code), body(std::move(body_text)) {}
  // Autotask got the request but the answer never arrived: the host reports status 0, "sent".
  static Reply lost_after_sending() {
    Reply r;
    r.lost = true;
    return r;
  }

  int status;
  std::string body;
  bool lost = false;
};

// Routes by method and a fragment of the URL, on the SDK's ScriptedPlatform; the latest
// matching route answers.
class ScriptedAutotask {
 public:
  using Route = std::function<Reply(const SeenRequest&)>;

  ScriptedAutotask() {
    platform_.set_matching(ScriptedPlatform::Matching::kUrlContains);
    platform_.intercept([this](const meterbridge::testing::SeenRequest& s) {
      requests.push_back(seen_as_autotask(s));
      return std::optional<HttpResponse>();
    });
    platform_.otherwise([](const meterbridge::testing::SeenRequest&) {
      return answer_of(Reply{404, R"({"errors":["no route in the scripted Autotask"]})"});
    });
  }

  void on(std::string method, std::string url_fragment, Route route) {
    platform_.on(std::move(method), std::move(url_fragment),
                 [this, route](const meterbridge::testing::SeenRequest&) {
                   return answer_of(route(requests.back()));
                 });
  }
  void on(std::string method, std::string url_fragment, Reply reply) {
    on(std::move(method), std::move(url_fragment), [reply](const SeenRequest&) { return reply; });
  }

  std::string handle(std::string_view batch) { return platform_.handle(batch); }

  std::vector<SeenRequest> requests_to(std::string_view fragment) const {
    std::vector<SeenRequest> out;
    for (const auto& r : requests)
      if (r.url.find(fragment) != std::string::npos) out.push_back(r);
    return out;
  }

  std::vector<SeenRequest> requests;

 private:
  static SeenRequest seen_as_autotask(const meterbridge::testing::SeenRequest& s) {
    SeenRequest r;
    r.method = s.method;
    r.url = s.url;
    r.endpoint = s.endpoint;
    r.idempotent = s.idempotent;
    for (const auto& [name, value] : s.headers) r.headers[name] = value;
    if (!s.body.empty()) r.body = json::parse(s.body);
    return r;
  }
  // Autotask got the request but the answer never arrived: the host reports status 0, "sent".
  static HttpResponse answer_of(const Reply& reply) {
    return reply.lost ? meterbridge::testing::no_answer(true)
                      : meterbridge::testing::reply(reply.status, reply.body);
  }

  ScriptedPlatform platform_;
};

std::string page_of(const json::array& items, const std::string& next = "") {
  json::object details{{"count", items.size()},
                       {"requestCount", 500},
                       {"prevPageUrl", nullptr},
                       {"nextPageUrl", next.empty() ? json::value(nullptr) : json::value(next)}};
  return json::serialize(json::object{{"items", items}, {"pageDetails", details}});
}

Reply zone_answer(const std::string& root = kZoneRoot) {
  return Reply{200, json::serialize(json::object{{"zoneName", "America East 3"},
                                                 {"url", root},
                                                 {"webUrl", "https://ww15.autotask.net/"},
                                                 {"ci", 5}})};
}

class AutotaskPluginTest : public meterbridge::testing::PluginTest {
 protected:
  AutotaskPluginTest() {
    host_.set_http_handler([this](std::string_view batch) { return autotask_.handle(batch); });
    autotask_.on("GET", "zoneInformation", zone_answer());
  }

  FakeHost::Session open(const std::string& config = kConfig) { return plugin_.open(config); }

  static json::object result_of(const CallResult& r) {
    json::value v = meterbridge::testing::ok_result(r);
    return v.is_object() ? v.as_object() : json::object{};
  }

  ScriptedAutotask autotask_;
};

// ---- describe / open ----

TEST_F(AutotaskPluginTest, DescribesItselfWithSecretsMarkedAndAutotasksLimits) {
  json::object manifest = result_of(plugin_.describe());
  EXPECT_EQ(manifest.at("id"), "autotask");
  const json::object& props = manifest.at("config_schema").at("properties").as_object();
  EXPECT_EQ(props.at("secret").at("x-secret"), true);
  EXPECT_EQ(props.at("integration_code").at("x-secret"), true);
  EXPECT_FALSE(props.at("username").as_object().contains("x-secret"));
  const json::object& http = manifest.at("http").as_object();
  EXPECT_EQ(http.at("per_endpoint_concurrency"), 3);
  EXPECT_EQ(http.at("hourly_budget"), 10000);
}

TEST_F(AutotaskPluginTest, RefusesToOpenWithoutTheIntegrationCode) {
  EXPECT_THROW(plugin_.open(R"({"username":"u","secret":"s"})"), std::runtime_error);
}

// ---- authenticate ----

TEST_F(AutotaskPluginTest, AuthenticatesByDiscoveringTheZoneThenMakingOneAuthenticatedCall) {
  autotask_.on("GET", "ThresholdInformation",
               Reply{200, R"({"externalRequestThreshold":10000,"requestThresholdTimeframe":60,)"
                          R"("currentTimeframeRequestCount":137})"});
  auto session = open();
  json::object verdict = result_of(session.call(&mb_plugin_table::on_authenticate, "{}"));
  EXPECT_EQ(verdict.at("status"), "ok");
  EXPECT_NE(json::value_to<std::string>(verdict.at("message")).find("137 of 10000"),
            std::string::npos);

  ASSERT_EQ(autotask_.requests.size(), 2u);
  const SeenRequest& discovery = autotask_.requests[0];
  EXPECT_EQ(discovery.url,
            std::string(kDiscovery) + "v1.0/zoneInformation?user=api%40acme.example");
  EXPECT_FALSE(discovery.headers.contains("Secret")) << "discovery needs no credentials";
  const SeenRequest& check = autotask_.requests[1];
  EXPECT_EQ(check.method, "GET");
  EXPECT_EQ(check.url, std::string(kZoneBase) + "ThresholdInformation");
  EXPECT_EQ(check.headers.at("UserName"), "api@acme.example");
  EXPECT_EQ(check.headers.at("Secret"), "s3cret-value");
  EXPECT_EQ(check.headers.at("ApiIntegrationCode"), "TRACKING-ID");
  EXPECT_FALSE(check.headers.contains("Authorization")) << "Autotask does not use HTTP Basic auth";
}

TEST_F(AutotaskPluginTest, CallsAnUnknownUserAConfigProblem) {
  ScriptedAutotask unknown;
  autotask_ = unknown;
  autotask_.on("GET", "zoneInformation",
               Reply{500, R"({"errors":["Zone information could not be determined"]})"});
  auto session = open();
  json::object verdict = result_of(session.call(&mb_plugin_table::on_authenticate, "{}"));
  EXPECT_EQ(verdict.at("status"), "config_invalid");
  EXPECT_NE(json::value_to<std::string>(verdict.at("message")).find("api@acme.example"),
            std::string::npos);
}

TEST_F(AutotaskPluginTest, ReportsAWrongSecretAsAuthFailed) {
  autotask_.on("GET", "ThresholdInformation", Reply{401, ""});
  auto session = open();
  json::object verdict = result_of(session.call(&mb_plugin_table::on_authenticate, "{}"));
  EXPECT_EQ(verdict.at("status"), "auth_failed");
  EXPECT_EQ(json::value_to<std::string>(verdict.at("message")).find("s3cret-value"),
            std::string::npos);
}

TEST_F(AutotaskPluginTest, PassesOnAutotasksReasonForARejectedIntegrationCode) {
  autotask_.on("GET", "ThresholdInformation",
               Reply{500, R"({"errors":["IntegrationCode is invalid."]})"});
  auto session = open();
  json::object verdict = result_of(session.call(&mb_plugin_table::on_authenticate, "{}"));
  EXPECT_EQ(verdict.at("status"), "auth_failed");
  EXPECT_NE(json::value_to<std::string>(verdict.at("message")).find("IntegrationCode is invalid."),
            std::string::npos);
}

TEST_F(AutotaskPluginTest, SkipsDiscoveryWhenTheZoneIsPinned) {
  autotask_.on("GET", "ThresholdInformation", Reply{200, "{}"});
  auto session = open(R"({"username":"u","secret":"s","integration_code":"c",)"
                      R"("base_url":"https://webservices22.autotask.net/ATServicesRest/"})");
  EXPECT_EQ(result_of(session.call(&mb_plugin_table::on_authenticate, "{}")).at("status"), "ok");
  ASSERT_EQ(autotask_.requests.size(), 1u);
  EXPECT_EQ(autotask_.requests[0].url,
            "https://webservices22.autotask.net/ATServicesRest/V1.0/ThresholdInformation");
}

TEST_F(AutotaskPluginTest, FollowsATenantThatMovedZonesAfterA401) {
  const std::string new_root = "https://webservices28.autotask.net/ATServicesRest/";
  int lookups = 0;
  ScriptedAutotask moving;
  autotask_ = moving;
  autotask_.on("GET", "zoneInformation", [&](const SeenRequest&) {
    return zone_answer(++lookups == 1 ? kZoneRoot : new_root);
  });
  autotask_.on("POST", "webservices15", Reply{401, ""});
  autotask_.on("POST", "webservices28.autotask.net/ATServicesRest/V1.0/Services/query",
               Reply{200, page_of({})});
  auto session = open();
  json::object listed =
      result_of(session.call(&mb_plugin_table::on_list_services, R"({"limit":500})"));
  EXPECT_TRUE(listed.at("items").as_array().empty());
  EXPECT_EQ(lookups, 2);
}

// ---- listings ----

TEST_F(AutotaskPluginTest, ListsActiveCustomerCompaniesPageByPageFollowingNextPageUrl) {
  const std::string next =
      std::string(kZoneBase) + "Companies/query/next?paging=%7B%22pageSize%22%3A2%7D";
  autotask_.on(
      "POST", "Companies/query",
      Reply{200,
            page_of(json::array{json::object{
                                    {"id", 1}, {"companyName", "A & Sons"}, {"isActive", true}},
                                json::object{{"id", 2}, {"companyName", "B"}, {"isActive", true}}},
                    next)});
  // Registered last, so it wins over the first page's route for the next-page URL.
  autotask_.on("POST", "Companies/query/next",
               Reply{200, page_of(json::array{
                              json::object{{"id", 3}, {"companyName", "C"}, {"isActive", true}}})});
  auto session = open();
  json::object first =
      result_of(session.call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"limit":500})"));
  ASSERT_EQ(first.at("items").as_array().size(), 2u);
  EXPECT_EQ(first.at("items").at(0).at("id"), "1");
  EXPECT_EQ(first.at("items").at(0).at("name"), "A & Sons");
  ASSERT_TRUE(first.at("next_cursor").is_string());

  json::object input{{"cursor", first.at("next_cursor")}, {"limit", 500}};
  json::object second =
      result_of(session.call(&mb_plugin_table::on_list_accounts, json::serialize(input)));
  ASSERT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_TRUE(second.at("next_cursor").is_null());

  auto queries = autotask_.requests_to("Companies/query");
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[1].method, "POST") << "a GET on query/next is refused with 405";
  EXPECT_EQ(queries[1].url, next);
  EXPECT_EQ(queries[1].body, queries[0].body) << "the next page takes the identical body";
  EXPECT_EQ(queries[0].endpoint, "Companies");
  EXPECT_EQ(
      queries[0].body.at("Filter"),
      json::parse(
          R"([{"op":"eq","field":"isActive","value":true},{"op":"eq","field":"companyType","value":1}])"));
}

TEST_F(AutotaskPluginTest, SearchesCompaniesByNameAndListsEveryTypeWhenConfigured) {
  autotask_.on("POST", "Companies/query", Reply{200, page_of({})});
  auto session = open(R"({"username":"u","secret":"s","integration_code":"c","company_types":[]})");
  result_of(session.call(&mb_plugin_table::on_list_accounts, R"({"search":"Dental","limit":100})"));
  SeenRequest q = autotask_.requests_to("Companies/query").at(0);
  EXPECT_EQ(q.body.at("MaxRecords"), 100);
  EXPECT_EQ(q.body.at("Filter"),
            json::parse(R"([{"op":"eq","field":"isActive","value":true},)"
                        R"({"op":"contains","field":"companyName","value":"Dental"}])"));
}

TEST_F(AutotaskPluginTest, NeverSendsCredentialsToAPageLinkOnAnotherHost) {
  autotask_.on(
      "POST", "Companies/query",
      Reply{200,
            page_of(json::array{json::object{{"id", 1}, {"companyName", "A"}, {"isActive", true}}},
                    "https://evil.example/ATServicesRest/V1.0/Companies/query/next?paging=x")});
  auto session = open();
  json::object first =
      result_of(session.call(&mb_plugin_table::on_list_accounts, R"({"limit":500})"));
  json::object input{{"cursor", first.at("next_cursor")}};
  CallResult second = session.call(&mb_plugin_table::on_list_accounts, json::serialize(input));
  EXPECT_EQ(second.status, MB_STATUS_FATAL);
  EXPECT_TRUE(autotask_.requests_to("evil.example").empty());
}

TEST_F(AutotaskPluginTest, ListsActiveServices) {
  autotask_.on(
      "POST", "Services/query",
      Reply{200, page_of(json::array{json::object{{"id", 31},
                                                  {"name", "Endpoint Protection - per device"},
                                                  {"unitPrice", 4.5},
                                                  {"periodType", 1}}})});
  auto session = open();
  json::object listed =
      result_of(session.call(&mb_plugin_table::on_list_services, R"({"limit":500})"));
  EXPECT_EQ(listed.at("items").at(0).at("id"), "31");
  EXPECT_EQ(listed.at("items").at(0).at("name"), "Endpoint Protection - per device");
  EXPECT_EQ(autotask_.requests_to("Services/query").at(0).body.at("Filter"),
            json::parse(R"([{"op":"eq","field":"isActive","value":true}])"));
}

// ---- read / apply ----

// Autotask with Northwind (412: one line 55120 for service 31 at 43 units), Harbor (977: the
// service on two contracts), an inactive company (500) and a company without contracts (700).
class QuantitiesTest : public AutotaskPluginTest {
 protected:
  QuantitiesTest() {
    autotask_.on(
        "POST", "Companies/query",
        Reply{
            200,
            page_of(json::array{
                json::object{{"id", 412}, {"companyName", "Northwind Dental"}, {"isActive", true}},
                json::object{{"id", 977}, {"companyName", "Harbor Legal LLP"}, {"isActive", true}},
                json::object{{"id", 500}, {"companyName", "Closed Co"}, {"isActive", false}},
                json::object{{"id", 700}, {"companyName", "Empty Inc"}, {"isActive", true}}})});
    autotask_.on("POST", "Contracts/query",
                 Reply{200, page_of(json::array{contract(9001, 412, "Managed 2025"),
                                                contract(9101, 977, "Security"),
                                                contract(9102, 977, "Security add-on")})});
    autotask_.on(
        "POST", "ContractServices/query",
        Reply{200, page_of(json::array{contract_service(55120, 9001), contract_service(56001, 9101),
                                       contract_service(56002, 9102)})});
    autotask_.on("POST", "ContractServiceUnits/query", [this](const SeenRequest&) {
      json::array rows{json::object{{"id", 7001},
                                    {"contractID", 9001},
                                    {"contractServiceID", 55120},
                                    {"serviceID", 31},
                                    {"units", 40},
                                    {"startDate", "2025-05-01T00:00:00Z"},
                                    {"endDate", "2025-05-31T00:00:00Z"}},
                       json::object{{"id", 7002},
                                    {"contractID", 9001},
                                    {"contractServiceID", 55120},
                                    {"serviceID", 31},
                                    {"units", units_},
                                    {"startDate", "2025-06-01T00:00:00Z"},
                                    {"endDate", "2025-06-30T00:00:00Z"}}};
      return Reply{200, page_of(rows)};
    });
  }

  static json::object contract(int64_t id, int64_t company, const char* name) {
    return json::object{{"id", id},
                        {"companyID", company},
                        {"contractName", name},
                        {"contractType", 7},
                        {"status", 1},
                        {"startDate", "2025-01-01T00:00:00Z"},
                        {"endDate", "2025-12-31T00:00:00Z"}};
  }
  static json::object contract_service(int64_t id, int64_t contract) {
    return json::object{{"id", id}, {"contractID", contract}, {"serviceID", 31}};
  }
  static std::string line(const char* key, const char* company, int64_t target = -1) {
    json::object o{
        {"key", key}, {"account_id", company}, {"service_id", "31"}, {"metric", "devices"}};
    if (target >= 0) o["target"] = target;
    return json::serialize(o);
  }

  int64_t units_ = 43;
};

TEST_F(QuantitiesTest, ReadsEveryLineWithOneQueryPerEntity) {
  auto session = open();
  std::string input = R"({"effective_date":"2025-06-15","lines":[)" + line("nw", "412") + "," +
                      line("hb", "977") + "," + line("closed", "500") + "," + line("empty", "700") +
                      "," + line("ghost", "1") + "," + line("bad", "abc") + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_read_quantities, input)));

  EXPECT_EQ(lines["nw"].at("quantity"), 43);
  EXPECT_TRUE(lines["nw"].at("reason").is_null());
  EXPECT_EQ(lines["nw"].at("line_ref").at("contract_service_id"), 55120);
  EXPECT_EQ(lines["hb"].at("reason"), "ambiguous_contract_line");
  EXPECT_NE(json::value_to<std::string>(lines["hb"].at("message")).find("9102 'Security add-on'"),
            std::string::npos);
  EXPECT_EQ(lines["closed"].at("reason"), "account_inactive");
  EXPECT_EQ(lines["empty"].at("reason"), "no_contract_line");
  EXPECT_EQ(lines["ghost"].at("reason"), "not_found");
  EXPECT_EQ(lines["bad"].at("reason"), "not_found");

  for (const char* entity :
       {"Companies/", "Contracts/", "ContractServices/", "ContractServiceUnits/"})
    EXPECT_EQ(autotask_.requests_to(entity).size(), 1u) << entity;
  SeenRequest companies = autotask_.requests_to("Companies/").at(0);
  EXPECT_EQ(companies.body.at("Filter").at(0),
            json::parse(R"({"op":"in","field":"id","value":[412,977,500,700,1]})"));
  SeenRequest contracts = autotask_.requests_to("Contracts/").at(0);
  EXPECT_EQ(
      contracts.body.at("Filter"),
      json::parse(
          R"([{"op":"in","field":"companyID","value":[412,700,977]},)"
          R"({"op":"eq","field":"contractType","value":7},{"op":"eq","field":"status","value":1}])"));
  SeenRequest units = autotask_.requests_to("ContractServiceUnits/").at(0);
  EXPECT_EQ(units.body.at("Filter"),
            json::parse(R"([{"op":"in","field":"contractServiceID","value":[55120]},)"
                        R"({"op":"lte","field":"startDate","value":"2025-06-15T12:00:00Z"},)"
                        R"({"op":"gte","field":"endDate","value":"2025-06-14T12:00:00Z"}])"));
}

TEST_F(QuantitiesTest, SplitsLargeReadsIntoInFiltersOf500SentTogether) {
  std::string input = R"({"effective_date":"2025-06-15","lines":[)";
  for (int i = 0; i < 1200; ++i)
    input += (i ? "," : "") + line(std::to_string(i).c_str(), std::to_string(10000 + i).c_str());
  input += "]}";
  auto session = open();
  result_of(session.call(&mb_plugin_table::on_read_quantities, input));
  auto companies = autotask_.requests_to("Companies/");
  ASSERT_EQ(companies.size(), 3u);
  EXPECT_EQ(companies[0].body.at("Filter").at(0).at("value").as_array().size(), 500u);
  EXPECT_EQ(companies[2].body.at("Filter").at(0).at("value").as_array().size(), 200u);
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
    for (const auto& id : r.body.at("Filter").at(0).at("value").as_array())
      rows.push_back(json::object{{"id", id}, {"companyName", "Bulk"}, {"isActive", true}});
    return Reply{200, page_of(rows)};
  });
  autotask_.on("POST", "Contracts/query", [](const SeenRequest& r) {
    json::array rows;
    for (const auto& id : r.body.at("Filter").at(0).at("value").as_array())
      rows.push_back(contract(100000 + id.as_int64(), id.as_int64(), "Bulk contract"));
    return Reply{200, page_of(rows)};
  });
  std::string input = R"({"effective_date":"2025-06-15","lines":[)";
  for (int company = 0; company < 120; ++company) {
    for (int service = 31; service <= 40; ++service) {
      json::object o{{"key", std::to_string(company) + "/" + std::to_string(service)},
                     {"account_id", std::to_string(10000 + company)},
                     {"service_id", std::to_string(service)},
                     {"metric", "users"}};
      input += (company == 0 && service == 31 ? "" : ",") + json::serialize(o);
    }
  }
  input += "]}";
  auto session = open();
  result_of(session.call(&mb_plugin_table::on_read_quantities, input));

  auto queries = autotask_.requests_to("ContractServices/");
  ASSERT_EQ(queries.size(), 3u);
  for (const auto& query : queries) {
    EXPECT_EQ(query.body.at("Filter").at(0).at("field"), "contractID");
    EXPECT_LE(query.body.at("Filter").at(0).at("value").as_array().size(), 50u);
    EXPECT_EQ(query.body.at("Filter").at(1).at("value").as_array().size(), 10u);
  }
  size_t batches_with_contract_services = 0;
  for (const auto& batch : host_.http_batches())
    if (batch.find("ContractServices/query") != std::string::npos) ++batches_with_contract_services;
  EXPECT_EQ(batches_with_contract_services, 1u);
}

TEST_F(QuantitiesTest, AppliesTheDifferenceAsOneAdjustmentFromAFreshRead) {
  autotask_.on("POST", "ContractServiceAdjustments", [this](const SeenRequest& r) {
    units_ += r.body.at("unitChange").as_int64();
    return Reply{200, R"({"itemId":880311})"};
  });
  auto session = open();
  std::string input =
      R"({"idempotency_key":"k1","effective_date":"2025-06-15","final":true,"lines":[)" +
      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_EQ(lines["nw"].at("quantity"), 50);
  EXPECT_EQ(units_, 50);

  auto posts = autotask_.requests_to("ContractServiceAdjustments");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].idempotent);
  EXPECT_EQ(posts[0].endpoint, "ContractServiceAdjustments");
  EXPECT_EQ(posts[0].body,
            json::parse(R"({"contractID":9001,"contractServiceID":55120,"serviceID":31,)"
                        R"("effectiveDate":"2025-06-15T00:00:00Z","unitChange":7})"));

  // Unchanged usage: the rerun reads 50 and writes nothing.
  auto again = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(again["nw"].at("outcome"), "unchanged");
  EXPECT_EQ(autotask_.requests_to("ContractServiceAdjustments").size(), 1u);
}

TEST_F(QuantitiesTest, UsesTheLineRefOfTheReadAndStillReReadsTheUnits) {
  autotask_.on("POST", "ContractServiceAdjustments", Reply{200, R"({"itemId":1})"});
  auto session = open();
  std::string input =
      R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[{"key":"nw","account_id":"412",)"
      R"("service_id":"31","target":40,"expected_current":41,"line_ref":{"company_id":412,"service_id":31,)"
      R"("contract_id":9001,"contract_service_id":55120}}]})";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_TRUE(autotask_.requests_to("Companies/").empty());
  EXPECT_TRUE(autotask_.requests_to("Contracts/").empty());
  EXPECT_EQ(autotask_.requests_to("ContractServiceUnits/").size(), 1u);
  EXPECT_EQ(autotask_.requests_to("ContractServiceAdjustments").at(0).body.at("unitChange"), -3)
      << "the delta comes from the fresh 43, not from expected_current";
}

TEST_F(QuantitiesTest, ReportsLinesWithoutAUsableContractLineWithoutWriting) {
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("hb", "977", 5) + "," + line("closed", "500", 5) + "," +
                      line("empty", "700", 5) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["hb"].at("outcome"), "ambiguous_contract_line");
  EXPECT_EQ(lines["closed"].at("outcome"), "account_inactive");
  EXPECT_EQ(lines["empty"].at("outcome"), "no_contract_line");
  EXPECT_TRUE(autotask_.requests_to("ContractServiceAdjustments").empty());
}

TEST_F(QuantitiesTest, SettlesAConnectionLostAfterSendingByReReadingNotResending) {
  autotask_.on("POST", "ContractServiceAdjustments", [this](const SeenRequest& r) {
    units_ += r.body.at("unitChange").as_int64();  // Autotask applied it ...
    return Reply::lost_after_sending();            // ... but the answer never arrived
  });
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "updated");
  EXPECT_EQ(units_, 50);
  EXPECT_EQ(autotask_.requests_to("ContractServiceAdjustments").size(), 1u);
  EXPECT_EQ(autotask_.requests_to("ContractServiceUnits/").size(), 2u)
      << "one read before, one to settle";
}

TEST_F(QuantitiesTest, TurnsAutotasksRefusalIntoALineOutcomeWithItsMessage) {
  autotask_.on(
      "POST", "ContractServiceAdjustments",
      Reply{500, R"({"errors":["effectiveDate must be between 1/1/2025 and 12/31/2025"]})"});
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_EQ(lines["nw"].at("error_class"), "conflict");
  EXPECT_EQ(lines["nw"].at("quantity"), 43);
  EXPECT_NE(
      json::value_to<std::string>(lines["nw"].at("message")).find("effectiveDate must be between"),
      std::string::npos);
}

TEST_F(QuantitiesTest, ReportsAThreadLimitThatOutlastedTheHostsRetriesAsRateLimited) {
  autotask_.on(
      "POST", "ContractServiceAdjustments",
      Reply{500,
            R"({"errors":["Thread Threshold Exceeded - The Autotask API thread threshold of 3 )"
            R"(threads has been exceeded. Itgenatr005"]})"});
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_EQ(lines["nw"].at("error_class"), "rate_limited");
  EXPECT_EQ(autotask_.requests_to("ContractServiceUnits/").size(), 1u)
      << "a refusal needs no re-read";
}

TEST_F(QuantitiesTest, JournalsEveryAdjustmentBeforePostingIt) {
  autotask_.on("POST", "ContractServiceAdjustments", [this](const SeenRequest& r) {
    EXPECT_EQ(host_.journaled_intents().size(), 1u) << "posted before it was journaled";
    units_ += r.body.at("unitChange").as_int64();
    return Reply{200, R"({"itemId":880311})"};
  });
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
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
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_NE(json::value_to<std::string>(lines["nw"].at("message")).find("could not journal"),
            std::string::npos);
  EXPECT_TRUE(autotask_.requests_to("ContractServiceAdjustments").empty());
}

TEST_F(QuantitiesTest, APostWhoseAnswerWasLostAndIsNotVisibleYetStaysInDoubt) {
  autotask_.on("POST", "ContractServiceAdjustments",
               [](const SeenRequest&) { return Reply::lost_after_sending(); });  // still processing
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412", 50) + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_TRUE(lines["nw"].at("in_doubt").as_bool());
  EXPECT_EQ(autotask_.requests_to("ContractServiceAdjustments").size(), 1u) << "never resent";
}

TEST_F(QuantitiesTest, RefusesTargetsAutotaskCannotStore) {
  auto session = open();
  std::string input = R"({"idempotency_key":"k","effective_date":"2025-06-15","lines":[)" +
                      line("nw", "412") + "]}";
  auto lines = by_field(result_of(session.call(&mb_plugin_table::on_apply_quantities, input)));
  EXPECT_EQ(lines["nw"].at("outcome"), "failed");
  EXPECT_EQ(lines["nw"].at("error_class"), "config_invalid");
}

TEST_F(QuantitiesTest, RejectsAMalformedEffectiveDate) {
  auto session = open();
  CallResult r = session.call(&mb_plugin_table::on_read_quantities,
                              R"({"effective_date":"15/06/2025","lines":[]})");
  EXPECT_EQ(r.status, MB_STATUS_CONFIG_INVALID);
}

}  // namespace
