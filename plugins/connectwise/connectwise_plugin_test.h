// The fixture of the operations' tests (internal/<operation>_test.cc): the whole plugin through
// the SDK's fake host, talking to a scripted ConnectWise. companyinfo names the fixture's
// codebase, every other codebase answers 404 as after a cloud upgrade, and each test adds the
// API routes it needs (the first matching route answers). These cover what a simulator cannot
// easily produce (an answer lost after the PATCH was sent, a false 200, a missing role
// permission); tests/platforms/connectwise_sim_test.cc runs the plugin against the simulator.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_PLUGIN_TEST_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_PLUGIN_TEST_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meterbridge::connectwise {

namespace json = boost::json;
using meterbridge::testing::CallResult;
using meterbridge::testing::no_answer;
using meterbridge::testing::SeenRequest;
using ::testing::HasSubstr;
using ::testing::Not;

inline constexpr char kBase[] = "http://cw.test";
inline constexpr char kClientId[] = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
// base64("northwind+Pk7hQ2:Sx9mR4")
inline constexpr char kAuthorization[] = "Basic bm9ydGh3aW5kK1BrN2hRMjpTeDltUjQ=";

// An answer with a JSON body.
inline HttpResponse reply(int status, const json::value& body,
                          std::map<std::string, std::string> headers = {}) {
  return meterbridge::testing::reply(status, json::serialize(body), std::move(headers));
}

// ConnectWise's error body: {"code","message","errors":null}.
inline HttpResponse error_reply(int status, std::string code, std::string message) {
  return reply(status, json::object{{"code", code}, {"message", message}, {"errors", nullptr}});
}

// ConnectWise's 429: its own body shape, and the wait.
inline HttpResponse throttled() {
  return reply(429, json::object{{"error", "ConnectWiseAPI"}, {"message", "Too many requests."}},
               {{"retry-after", "30"}});
}

// A JSON string's text.
inline std::string str(const json::value& v) { return std::string(v.as_string()); }

// A query parameter of a request, decoded; empty when absent.
inline std::string param(const SeenRequest& s, std::string_view name) {
  auto params = boost::urls::parse_uri(s.url).value().params();
  auto it = params.find(name);
  return it == params.end() ? std::string() : std::string((*it).value);
}

class ConnectWiseTest : public meterbridge::testing::PluginTest {
 protected:
  ConnectWiseTest() {
    platform_.attach(host_);
    set_codebase("v2025_1/");
    platform_.intercept([this](const SeenRequest& s) -> std::optional<HttpResponse> {
      if (s.path.starts_with("/login/companyinfo/")) {
        ++company_info_calls_;
        if (unknown_company_ || s.path != "/login/companyinfo/northwind")
          return reply(200, nullptr);
        return reply(200, json::object{{"CompanyName", "Northwind IT"},
                                       {"Codebase", codebase_},
                                       {"VersionCode", "v2025.1"},
                                       {"CompanyID", "northwind"},
                                       {"IsCloud", "True"}});
      }
      if (s.url.find("/" + codebase_ + "apis/3.0/") == std::string::npos)
        return error_reply(404, "NotFound", "stale codebase");
      return std::nullopt;
    });
    platform_.otherwise(
        [](const SeenRequest& s) { return error_reply(404, "NotFound", "no route " + s.path); });
  }

  // The codebase companyinfo names; paths of routes are relative to its API base.
  void set_codebase(std::string codebase) {
    codebase_ = std::move(codebase);
    platform_.set_base_url(std::string(kBase) + "/" + codebase_ + "apis/3.0/");
  }

  json::value call(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    last_ = session_.call(hook, input);
    return meterbridge::testing::ok_result(last_);
  }

  // Every request but companyinfo, with this method (any when empty).
  std::vector<SeenRequest> api_requests(const std::string& method = "") const {
    std::vector<SeenRequest> out;
    for (const SeenRequest& s : platform_.seen(method))
      if (s.endpoint != "companyinfo") out.push_back(s);
    return out;
  }

  // GET company/companies, procurement/catalog and finance/agreements all answer `answer`.
  void answer_probes(const HttpResponse& answer) {
    for (const char* path : {"company/companies", "procurement/catalog", "finance/agreements"})
      platform_.on("GET", path, answer);
  }

  // Company 250 with agreement 9001 holding addition 77 of product 55 (quantity `q`).
  void one_addition(double q) {
    quantity77_ = q;
    platform_.on("GET", "finance/agreements/9001/additions/77",
                 [this](const SeenRequest&) { return reply(200, addition77()); });
    platform_.on("GET", "finance/agreements/9001/additions",
                 [this](const SeenRequest&) { return reply(200, json::array{addition77()}); });
    platform_.on("GET", "finance/agreements",
                 reply(200, json::array{json::object{{"id", 9001},
                                                     {"name", "Managed Services"},
                                                     {"company", json::object{{"id", 250}}},
                                                     {"agreementStatus", "Active"}}}));
  }

  json::object addition77() const {
    return json::object{{"id", 77},
                        {"product", json::object{{"id", 55}, {"identifier", "EPP-DEVICE"}}},
                        {"quantity", quantity77_},
                        {"cancelledDate", nullptr},
                        {"agreementId", 9001}};
  }

  // Sets addition 77 to the quantity a PATCH of it asks for.
  void take_patch(const SeenRequest& s) {
    quantity77_ = json::parse(s.body).as_array().at(0).at("value").to_number<double>();
  }

  // A PATCH handler that applies the replace to addition 77 and answers the record.
  void patch_applies() {
    platform_.on("PATCH", "finance/agreements/9001/additions/77", [this](const SeenRequest& s) {
      take_patch(s);
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

  meterbridge::testing::ScriptedPlatform platform_{
      "", meterbridge::testing::ScriptedPlatform::Precedence::kFirstRoute};
  meterbridge::testing::FakeHost::Session session_ = plugin_.open(
      R"({"company_id":"northwind","site":"na.myconnectwise.net","public_key":"Pk7hQ2",)"
      R"("private_key":"Sx9mR4","client_id":"3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",)"
      R"("base_url":"http://cw.test"})");
  std::string codebase_;
  bool unknown_company_ = false;  // companyinfo answers JSON null
  int company_info_calls_ = 0;
  CallResult last_;
  double quantity77_ = 0;
};

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_PLUGIN_TEST_H_
