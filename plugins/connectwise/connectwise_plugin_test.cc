// The ConnectWise plugin through the SDK's fake host: each test scripts what "ConnectWise"
// answers and checks the requests the plugin built and the documents it returned. These cover
// what a simulator cannot easily produce (an answer lost after the PATCH was sent, a false 200,
// a missing role permission); tests/platforms/connectwise_sim_test.cc runs the plugin against
// the simulator.
#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using meterbridge::HttpResponse;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::ScriptedPlatform;
using meterbridge::testing::SeenRequest;

constexpr char kBase[] = "http://cw.test";
constexpr char kClientId[] = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
// base64("northwind+Pk7hQ2:Sx9mR4")
constexpr char kAuthorization[] = "Basic bm9ydGh3aW5kK1BrN2hRMjpTeDltUjQ=";

std::string config() {
  return std::string(
             R"({"company_id":"northwind","site":"na.myconnectwise.net","public_key":"Pk7hQ2",)") +
         R"("private_key":"Sx9mR4","client_id":")" + kClientId + R"(","base_url":")" + kBase +
         "\"}";
}

// One request as the plugin handed it to the host.
struct Seen {
  std::string method;
  std::string url;
  std::string path;  // after the API base, or the full path for companyinfo
  std::map<std::string, std::string> params;  // decoded
  std::string body;
  json::object headers;
  bool idempotent = true;
  std::string endpoint;
};

HttpResponse reply(int status, const json::value& body, const json::object& headers = {}) {
  std::map<std::string, std::string> names;
  for (const auto& [name, value] : headers) names[std::string(name)] = value.as_string().c_str();
  return meterbridge::testing::reply(status, json::serialize(body), std::move(names));
}
HttpResponse raw_reply(int status, std::string body) {
  return meterbridge::testing::reply(status, std::move(body));
}
HttpResponse no_answer(bool sent) { return meterbridge::testing::no_answer(sent); }

// A scripted ConnectWise on the SDK's ScriptedPlatform: routes each request of a batch to the
// first handler whose method and path prefix match; companyinfo answers with `codebase`.
// Everything seen is kept.
class ScriptedConnectWise {
 public:
  using Handler = std::function<HttpResponse(const Seen&)>;

  std::string codebase = "v2025_1/";
  bool unknown_company = false;  // companyinfo answers JSON null
  std::vector<Seen> seen;
  int company_info_calls = 0;

  ScriptedConnectWise() {
    platform_.intercept([this](const SeenRequest& s) { return before_routes(record(s)); });
    platform_.otherwise([](const SeenRequest& s) {
      return reply(404, json::object{{"code", "NotFound"},
                                     {"message", "no route " + path_of(s)},
                                     {"errors", nullptr}});
    });
  }

  void on(std::string method, std::string path_prefix, Handler h) {
    platform_.on(std::move(method), std::move(path_prefix),
                 [this, h](const SeenRequest&) { return h(seen.back()); });
  }

  std::string handle(std::string_view batch) {
    platform_.set_base_url(std::string(kBase) + "/" + codebase + "apis/3.0/");
    return platform_.handle(batch);
  }

  std::vector<Seen> api_requests(const std::string& method = "") const {
    std::vector<Seen> out;
    for (const Seen& s : seen)
      if (s.endpoint != "companyinfo" && (method.empty() || s.method == method)) out.push_back(s);
    return out;
  }

 private:
  // The path after the API base, or the URL's path for companyinfo and stale codebases.
  static std::string path_of(const SeenRequest& s) { return s.path; }

  Seen record(const SeenRequest& r) {
    Seen s;
    s.method = r.method;
    s.url = r.url;
    for (const auto& [name, value] : r.headers) s.headers[name] = value;
    s.body = r.body;
    s.idempotent = r.idempotent;
    s.endpoint = r.endpoint;
    auto url = boost::urls::parse_uri(s.url).value();
    for (const auto& p : url.params()) s.params[p.key] = p.value;
    s.path = r.path;
    seen.push_back(s);
    return s;
  }

  std::optional<HttpResponse> before_routes(const Seen& s) {
    if (s.path.rfind("/login/companyinfo/", 0) == 0) {
      ++company_info_calls;
      if (unknown_company || s.path != "/login/companyinfo/northwind") return reply(200, nullptr);
      return reply(200, json::object{{"CompanyName", "Northwind IT"},
                                     {"Codebase", codebase},
                                     {"VersionCode", "v2025.1"},
                                     {"CompanyID", "northwind"},
                                     {"IsCloud", "True"}});
    }
    if (s.url.find("/" + codebase + "apis/3.0/") == std::string::npos)
      return reply(
          404,
          json::object{{"code", "NotFound"}, {"message", "stale codebase"}, {"errors", nullptr}});
    return std::nullopt;
  }

  ScriptedPlatform platform_{"", ScriptedPlatform::Precedence::kFirstRoute};
};

class ConnectWisePluginTest : public meterbridge::testing::PluginTest {
 protected:
  ConnectWisePluginTest() {
    host_.set_http_handler([this](std::string_view batch) { return cw_.handle(batch); });
  }

  json::value call(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    last_ = session_.call(hook, input);
    return meterbridge::testing::ok_result(last_);
  }

  // Answers GET company/companies, procurement/catalog and finance/agreements with one row.
  void allow_probes() {
    for (const char* path : {"company/companies", "procurement/catalog", "finance/agreements"})
      cw_.on("GET", path, [](const Seen&) {
        return reply(200, json::array{json::object{{"id", 1}}});
      });
  }

  // Company 250 with agreement 9001 holding addition 77 of product 55 (quantity `q`).
  void one_addition(double q) {
    cw_.on("GET", "finance/agreements/9001/additions/77",
           [this](const Seen&) { return reply(200, addition77()); });
    cw_.on("GET", "finance/agreements/9001/additions",
           [this](const Seen&) { return reply(200, json::array{addition77()}); });
    cw_.on("GET", "finance/agreements", [](const Seen&) {
      return reply(200, json::array{json::object{{"id", 9001},
                                                 {"name", "Managed Services"},
                                                 {"company", json::object{{"id", 250}}},
                                                 {"agreementStatus", "Active"}}});
    });
    quantity77_ = q;
  }

  json::object addition77() const {
    return json::object{{"id", 77},
                        {"product", json::object{{"id", 55}, {"identifier", "EPP-DEVICE"}}},
                        {"quantity", quantity77_},
                        {"cancelledDate", nullptr},
                        {"agreementId", 9001}};
  }

  // A PATCH handler that applies the replace to addition 77 and answers the record.
  void patch_applies() {
    cw_.on("PATCH", "finance/agreements/9001/additions/77", [this](const Seen& s) {
      quantity77_ = json::parse(s.body).as_array().at(0).at("value").to_number<double>();
      return reply(200, addition77());
    });
  }

  // Applies line "a" (account 250, service 55) from 40 to 43 through the addition `addition_id`.
  json::value apply_a_to_43(int addition_id = 77) {
    return call(
        &mb_plugin_table::on_apply_quantities,
        apply_input(R"({"key":"a","account_id":"250","service_id":"55","target":43,)"
                    R"("expected_current":40,"line_ref":{"agreement_id":9001,"addition_id":)" +
                    std::to_string(addition_id) + "}}"));
  }
  static std::string apply_input(const std::string& lines) {
    return R"({"idempotency_key":"k1","effective_date":"2026-01-01","final":true,"lines":[)" +
           lines + "]}";
  }

  FakeHost::Session session_ = plugin_.open(config());
  ScriptedConnectWise cw_;
  CallResult last_;
  double quantity77_ = 0;
};

// ---- Manifest ---------------------------------------------------------------------------------

// The host's own checks of the manifest (secret fields, config schema) are in
// tests/platforms/plugin_manifests_test.cc; the plugin must describe itself exactly as its
// sidecar says.
TEST_F(ConnectWisePluginTest, DescribesItselfWithTheSidecarManifest) {
  expect_described_by(MB_CONNECTWISE_MANIFEST, "connectwise");
}

// ---- authenticate -----------------------------------------------------------------------------

TEST_F(ConnectWisePluginTest, AuthenticateDiscoversTheCodebaseThenProbesWithEveryHeader) {
  allow_probes();
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "ok") << v;
  EXPECT_NE(std::string(v.at("message").as_string()).find("v2025_1/"), std::string::npos);

  ASSERT_GE(cw_.seen.size(), 4u);
  const Seen& info = cw_.seen[0];
  EXPECT_EQ(info.url, std::string(kBase) + "/login/companyinfo/northwind");
  EXPECT_FALSE(info.headers.contains("Authorization")) << "companyinfo needs no credentials";
  EXPECT_EQ(info.headers.at("clientId").as_string(), kClientId);

  auto api = cw_.api_requests();
  ASSERT_EQ(api.size(), 3u);
  for (const Seen& s : api) {
    EXPECT_EQ(s.url.rfind(std::string(kBase) + "/v2025_1/apis/3.0/", 0), 0u) << s.url;
    EXPECT_EQ(s.headers.at("Authorization").as_string(), kAuthorization);
    EXPECT_EQ(s.headers.at("clientId").as_string(), kClientId);
    EXPECT_EQ(s.headers.at("Accept").as_string(),
              "application/vnd.connectwise.com+json; version=2025.16");
    EXPECT_EQ(s.params.at("pageSize"), "1");
  }
  EXPECT_EQ(host_.http_batches().size(), 2u) << "the three probes go in one concurrent batch";
}

TEST_F(ConnectWisePluginTest, AuthenticateCallsAnUnknownCompanyAConfigProblem) {
  cw_.unknown_company = true;
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "config_invalid");
  EXPECT_NE(std::string(v.at("message").as_string()).find("does not know the company 'northwind'"),
            std::string::npos)
      << v;
  EXPECT_TRUE(cw_.api_requests().empty());
}

TEST_F(ConnectWisePluginTest, AuthenticateReportsRejectedKeysWithConnectWisesReason) {
  for (const char* path : {"company/companies", "procurement/catalog", "finance/agreements"})
    cw_.on("GET", path, [](const Seen&) {
      return reply(401, json::object{{"code", "Unauthorized"},
                                     {"message", "Public key or private key is invalid"}});
    });
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "auth_failed");
  EXPECT_NE(std::string(v.at("message").as_string()).find("Public key or private key is invalid"),
            std::string::npos)
      << v;
  EXPECT_EQ(std::string(v.at("message").as_string()).find("Sx9mR4"), std::string::npos);
}

TEST_F(ConnectWisePluginTest, AuthenticateNamesTheMissingRolePermission) {
  cw_.on("GET", "company/companies", [](const Seen&) { return reply(200, json::array{}); });
  cw_.on("GET", "procurement/catalog", [](const Seen&) { return reply(200, json::array{}); });
  cw_.on("GET", "finance/agreements", [](const Seen&) {
    return reply(
        403, json::object{{"code", "Forbidden"}, {"message", "not allowed"}, {"errors", nullptr}});
  });
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "auth_failed");
  EXPECT_NE(std::string(v.at("message").as_string()).find("Finance > Agreements"),
            std::string::npos)
      << v;
}

TEST_F(ConnectWisePluginTest, AuthenticateTreatsA400AsConfiguration) {
  for (const char* path : {"company/companies", "procurement/catalog", "finance/agreements"})
    cw_.on("GET", path, [](const Seen&) { return raw_reply(400, "clientId header is required"); });
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "config_invalid");
  EXPECT_NE(std::string(v.at("message").as_string()).find("clientId"), std::string::npos) << v;
}

TEST_F(ConnectWisePluginTest, AuthenticateSaysUnreachableWhenCompanyInfoGetsNoAnswer) {
  host_.set_http_handler(
      [](std::string_view) { return meterbridge::encode_array(std::vector{no_answer(false)}); });
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "unreachable");
}

// ---- codebase ---------------------------------------------------------------------------------

TEST_F(ConnectWisePluginTest, A404AfterAnUpgradeRediscoversTheCodebaseOnceAndRepeatsTheRequest) {
  cw_.on("GET", "company/companies", [](const Seen&) {
    return reply(200, json::array{json::object{
                          {"id", 250}, {"identifier", "NWD"}, {"name", "Northwind Dental"}}});
  });
  json::value first =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":500})");
  EXPECT_EQ(first.at("items").as_array().size(), 1u);
  EXPECT_EQ(cw_.company_info_calls, 1);

  cw_.codebase = "v2025_2/";  // the cloud upgraded: the old codebase now answers 404
  json::value second =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":500})");
  EXPECT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_EQ(cw_.company_info_calls, 2);
  EXPECT_NE(cw_.seen.back().url.find("/v2025_2/apis/3.0/company/companies"), std::string::npos);

  call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":500})");
  EXPECT_EQ(cw_.company_info_calls, 2) << "the codebase stays cached";
}

TEST_F(ConnectWisePluginTest, A404ThatIsNotACodebaseChangeIsReportedAfterOneRediscovery) {
  cw_.on("GET", "company/companies", [](const Seen&) {
    return reply(404, json::object{{"code", "NotFound"}, {"message", "gone"}, {"errors", nullptr}});
  });
  CallResult r = session_.call(&mb_plugin_table::on_list_accounts, "{}");
  EXPECT_EQ(r.status, MB_STATUS_NOT_FOUND);
  EXPECT_EQ(cw_.company_info_calls, 2);
  EXPECT_EQ(cw_.api_requests().size(), 1u);
}

// ---- listings ---------------------------------------------------------------------------------

TEST_F(ConnectWisePluginTest,
       ListAccountsAsksForNonDeletedCompaniesInPagesOfAThousandAndFollowsLink) {
  cw_.on("GET", "company/companies", [](const Seen& s) {
    json::object headers;
    if (s.params.at("page") == "1")
      headers["link"] =
          "<http://elsewhere.example/v2025_1/apis/3.0/company/companies?pageSize=1000&page=2>; "
          "rel=\"next\"";
    return reply(200,
                 json::array{json::object{
                     {"id", s.params.at("page") == "1" ? 250 : 251},
                     {"identifier", "NWD"},
                     {"name", "Northwind Dental"},
                     {"status", json::object{{"id", 1}, {"name", "Active"}}},
                     {"types", json::array{json::object{{"id", 1}, {"name", "Client"}}}}}},
                 headers);
  });
  json::value page1 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":500})");
  const Seen s = cw_.api_requests().back();
  EXPECT_EQ(s.path, "company/companies");
  EXPECT_EQ(s.params.at("conditions"), "deletedFlag=false");
  EXPECT_EQ(s.params.at("pageSize"), "1000");
  EXPECT_EQ(s.params.at("orderBy"), "id asc");
  EXPECT_EQ(page1.at("items").at(0).at("id").as_string(), "250");
  EXPECT_TRUE(page1.at("items").at(0).at("active").as_bool());
  ASSERT_EQ(page1.at("next_cursor").as_string(), "2");

  json::value page2 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":"2","search":null,"limit":500})");
  EXPECT_EQ(cw_.api_requests().back().params.at("page"), "2");
  EXPECT_EQ(cw_.api_requests().back().url.rfind(kBase, 0), 0u) << "the Link host is never used";
  EXPECT_EQ(page2.at("items").at(0).at("id").as_string(), "251");
  EXPECT_TRUE(page2.at("next_cursor").is_null());
}

TEST_F(ConnectWisePluginTest, SearchQuotesAndEncodesNamesThenFiltersExactly) {
  cw_.on("GET", "company/companies", [](const Seen&) {
    return reply(
        200,
        json::array{
            json::object{{"id", 1}, {"identifier", "SA"}, {"name", "Smith & O'Neil \"Best\" IT"}},
            json::object{{"id", 2}, {"identifier", "SB"}, {"name", "Smith & O'Neil Best"}}});
  });
  json::value v = call(&mb_plugin_table::on_list_accounts, R"({"search":"O'Neil \"Best\""})");
  const Seen s = cw_.api_requests().back();
  EXPECT_EQ(
      s.params.at("conditions"),
      "deletedFlag=false and (name contains \"O'Neil \" or identifier contains \"O'Neil \") and "
      "(name contains \"Best\" or identifier contains \"Best\")");
  EXPECT_EQ(s.url.find('"'), std::string::npos) << "quotes travel percent-encoded: " << s.url;
  EXPECT_EQ(s.url.find('\''), std::string::npos) << s.url;
  ASSERT_EQ(v.at("items").as_array().size(), 1u);
  EXPECT_EQ(v.at("items").at(0).at("id").as_string(), "1");
}

TEST_F(ConnectWisePluginTest, ListServicesReadsActiveCatalogItems) {
  cw_.on("GET", "procurement/catalog", [](const Seen&) {
    return reply(200, json::array{json::object{{"id", 55},
                                               {"identifier", "EPP-DEVICE"},
                                               {"description", "Endpoint protection per device"},
                                               {"productClass", "Service"},
                                               {"recurringFlag", true}}});
  });
  json::value v = call(&mb_plugin_table::on_list_services, "{}");
  EXPECT_EQ(cw_.api_requests().back().params.at("conditions"), "inactiveFlag=false");
  EXPECT_EQ(cw_.api_requests().back().params.at("pageSize"), "1000");
  EXPECT_EQ(v.at("items").at(0).at("id").as_string(), "55");
  EXPECT_EQ(v.at("items").at(0).at("name").as_string(), "Endpoint protection per device");
  EXPECT_EQ(v.at("items").at(0).at("details").at("identifier").as_string(), "EPP-DEVICE");
}

// ---- read_quantities --------------------------------------------------------------------------

TEST_F(ConnectWisePluginTest,
       ReadsAllCompaniesInOneAgreementQueryAndEachAgreementsAdditionsTogether) {
  cw_.on("GET", "finance/agreements/9001/additions", [](const Seen&) {
    return reply(
        200,
        json::array{
            json::object{{"id", 77}, {"product", json::object{{"id", 55}}}, {"quantity", 40.0}},
            json::object{{"id", 78}, {"product", json::object{{"id", 56}}}, {"quantity", 3}}});
  });
  cw_.on("GET", "finance/agreements/9002/additions", [](const Seen&) {
    return reply(200, json::array{json::object{
                          {"id", 79}, {"product", json::object{{"id", 55}}}, {"quantity", 7}}});
  });
  cw_.on("GET", "finance/agreements", [](const Seen&) {
    return reply(
        200,
        json::array{
            json::object{{"id", 9001}, {"name", "MSP"}, {"company", json::object{{"id", 250}}}},
            json::object{{"id", 9002}, {"name", "MSP"}, {"company", json::object{{"id", 251}}}}});
  });
  cw_.on("GET", "company/companies", [](const Seen&) {
    return reply(
        200, json::array{json::object{
                 {"id", 252}, {"name", "Idle Co"}, {"status", json::object{{"name", "Active"}}}}});
  });
  json::value v =
      call(&mb_plugin_table::on_read_quantities, R"({"effective_date":"2026-01-01","lines":[
      {"key":"a","account_id":"250","service_id":"55","metric":"devices","last_pushed":null},
      {"key":"b","account_id":"250","service_id":"56","metric":"users","last_pushed":2},
      {"key":"c","account_id":"251","service_id":"55","metric":"devices","last_pushed":null},
      {"key":"d","account_id":"252","service_id":"55","metric":"devices","last_pushed":null},
      {"key":"e","account_id":"acme","service_id":"55","metric":"devices","last_pushed":null}]})");

  auto api = cw_.api_requests();
  ASSERT_EQ(api.size(), 4u);
  EXPECT_EQ(api[0].path, "finance/agreements");
  EXPECT_EQ(api[0].params.at("conditions"),
            "company/id in (250,251,252) and agreementStatus=\"Active\"");
  EXPECT_EQ(api[0].params.at("pageSize"), "1000");
  EXPECT_EQ(api[1].params.at("conditions"), "cancelledDate=null and product/id in (55,56)");
  EXPECT_EQ(api[2].params.at("conditions"), "cancelledDate=null and product/id in (55)");
  EXPECT_EQ(api[3].params.at("conditions"), "id in (252)");
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

TEST_F(ConnectWisePluginTest, AFractionalQuantityIsReportedAsUnknownSoTheSyncWritesIt) {
  one_addition(2.5);
  json::value v =
      call(&mb_plugin_table::on_read_quantities,
           R"({"lines":[{"key":"a","account_id":"250","service_id":"55","last_pushed":null}]})");
  EXPECT_TRUE(v.at("lines").at(0).at("quantity").is_null());
  EXPECT_TRUE(v.at("lines").at(0).at("reason").is_null());
  EXPECT_NE(std::string(v.at("lines").at(0).at("message").as_string()).find("fractional"),
            std::string::npos);
}

// ---- apply_quantities -------------------------------------------------------------------------

TEST_F(ConnectWisePluginTest, ApplyPatchesAJsonPatchReplaceAndChecksTheReturnedQuantity) {
  one_addition(40);
  patch_applies();
  json::value v =
      call(&mb_plugin_table::on_apply_quantities,
           apply_input(
               R"({"key":"a","account_id":"250","service_id":"55","target":43,"expected_current":40,
                                       "metric":"devices","line_ref":{"agreement_id":9001,"addition_id":77}})"));
  const json::value& line = v.at("lines").at(0);
  EXPECT_EQ(line.at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(line.at("quantity").as_int64(), 43);
  EXPECT_TRUE(line.at("error_class").is_null());

  auto patches = cw_.api_requests("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].path, "finance/agreements/9001/additions/77");
  EXPECT_EQ(json::parse(patches[0].body),
            json::parse(R"([{"op":"replace","path":"quantity","value":43}])"));
  EXPECT_FALSE(patches[0].idempotent) << "the engine must not resend a PATCH after a 5xx";
  EXPECT_EQ(patches[0].headers.at("Content-Type").as_string(), "application/json");
  EXPECT_EQ(cw_.api_requests("PUT").size(), 0u);
  EXPECT_EQ(cw_.api_requests("GET").size(), 0u) << "the line_ref saves a read";
}

TEST_F(ConnectWisePluginTest, AFalse200FailsTheLineWithAClearMessage) {
  one_addition(40);
  cw_.on("PATCH", "finance/agreements/9001/additions/77",
         [this](const Seen&) { return reply(200, addition77()); });
  json::value v = apply_a_to_43();
  const json::value& line = v.at("lines").at(0);
  EXPECT_EQ(line.at("outcome").as_string(), "failed");
  EXPECT_EQ(line.at("error_class").as_string(), "fatal");
  EXPECT_NE(std::string(line.at("message").as_string()).find("false 200"), std::string::npos)
      << line;
  EXPECT_NE(std::string(line.at("message").as_string()).find("has 40, not 43"), std::string::npos)
      << line;
}

TEST_F(ConnectWisePluginTest, AnUnansweredPatchThatLandedIsConfirmedByReReading) {
  one_addition(40);
  cw_.on("PATCH", "finance/agreements/9001/additions/77", [this](const Seen& s) {
    quantity77_ = json::parse(s.body).as_array().at(0).at("value").to_number<double>();
    return no_answer(/*sent=*/true);
  });
  json::value v = apply_a_to_43();
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(cw_.api_requests("PATCH").size(), 1u) << "never replayed blindly";
  auto gets = cw_.api_requests("GET");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].path, "finance/agreements/9001/additions/77");
}

TEST_F(ConnectWisePluginTest, AnUnansweredPatchThatDidNotLandIsSentOnceMore) {
  one_addition(40);
  int patches = 0;
  cw_.on("PATCH", "finance/agreements/9001/additions/77", [this, &patches](const Seen& s) {
    if (++patches == 1)
      return reply(503, json::object{{"code", "ServiceUnavailable"}, {"message", "busy"}});
    quantity77_ = json::parse(s.body).as_array().at(0).at("value").to_number<double>();
    return reply(200, addition77());
  });
  json::value v = apply_a_to_43();
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(patches, 2);
  EXPECT_EQ(quantity77_, 43);
}

TEST_F(ConnectWisePluginTest, AStaleLineRefIsResolvedAgainAndTheNewAdditionWritten) {
  // Addition 70 (the line_ref) was removed; 77 is the live addition now.
  one_addition(40);
  patch_applies();
  cw_.on("PATCH", "finance/agreements/9001/additions/70", [](const Seen&) {
    return reply(
        404,
        json::object{{"code", "NotFound"}, {"message", "Addition not found"}, {"errors", nullptr}});
  });
  json::value v = apply_a_to_43(70);
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(quantity77_, 43);
}

TEST_F(ConnectWisePluginTest, ApplyWithoutLineRefResolvesInBulkAndSkipsLinesAlreadyAtTarget) {
  one_addition(43);
  patch_applies();
  json::value v = call(
      &mb_plugin_table::on_apply_quantities,
      apply_input(
          R"({"key":"a","account_id":"250","service_id":"55","target":43,"expected_current":null},
                                      {"key":"b","account_id":"250","service_id":"99","target":5,"expected_current":null})"));
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "unchanged") << v;
  EXPECT_EQ(v.at("lines").at(0).at("quantity").as_int64(), 43);
  EXPECT_EQ(v.at("lines").at(1).at("outcome").as_string(), "no_contract_line") << v;
  EXPECT_EQ(cw_.api_requests("PATCH").size(), 0u);
}

TEST_F(ConnectWisePluginTest, LinesThatWantDifferentQuantitiesForOneAdditionConflict) {
  one_addition(40);
  patch_applies();
  json::value v = call(&mb_plugin_table::on_apply_quantities,
                       apply_input(R"({"key":"a","account_id":"250","service_id":"55","target":43,
                                       "line_ref":{"agreement_id":9001,"addition_id":77}},
                                      {"key":"b","account_id":"250","service_id":"55","target":44,
                                       "line_ref":{"agreement_id":9001,"addition_id":77}})"));
  for (const json::value& line : v.at("lines").as_array()) {
    EXPECT_EQ(line.at("outcome").as_string(), "failed");
    EXPECT_EQ(line.at("error_class").as_string(), "conflict");
  }
  EXPECT_EQ(cw_.api_requests("PATCH").size(), 0u);
}

TEST_F(ConnectWisePluginTest, AThrottledPatchAfterTheEnginesRetriesFailsAsRateLimited) {
  one_addition(40);
  cw_.on("PATCH", "finance/agreements/9001/additions/77", [](const Seen&) {
    return reply(429, json::object{{"error", "ConnectWiseAPI"}, {"message", "Too many requests."}},
                 json::object{{"retry-after", "30"}});
  });
  json::value v = apply_a_to_43();
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "failed");
  EXPECT_EQ(v.at("lines").at(0).at("error_class").as_string(), "rate_limited");
}

TEST_F(ConnectWisePluginTest, ReadsFailAsRateLimitedWithTheServersWait) {
  cw_.on("GET", "finance/agreements", [](const Seen&) {
    return reply(429, json::object{{"error", "ConnectWiseAPI"}, {"message", "Too many requests."}},
                 json::object{{"retry-after", "30"}});
  });
  CallResult r = session_.call(&mb_plugin_table::on_read_quantities,
                               R"({"lines":[{"key":"a","account_id":"250","service_id":"55"}]})");
  EXPECT_EQ(r.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(r.retry_after_ms, 30000u);
}

TEST_F(ConnectWisePluginTest, CancellationStopsAListingBetweenBatches) {
  cw_.on("GET", "finance/agreements", [](const Seen&) { return reply(200, json::array{}); });
  host_.set_cancelled(true);
  CallResult r = session_.call(&mb_plugin_table::on_read_quantities,
                               R"({"lines":[{"key":"a","account_id":"250","service_id":"55"}]})");
  EXPECT_EQ(r.status, MB_STATUS_RETRY);
}

}  // namespace
