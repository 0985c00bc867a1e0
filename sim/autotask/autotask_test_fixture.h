// Shared fixture for the Autotask simulator's tests: starts the simulator in-process on
// loopback and talks to it over HTTP with the raw test client, as any Autotask client would.
#ifndef METERBRIDGE_SIM_AUTOTASK_AUTOTASK_TEST_FIXTURE_H_
#define METERBRIDGE_SIM_AUTOTASK_AUTOTASK_TEST_FIXTURE_H_

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "sim/core/http_types.h"
#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "sim/core/testing/simulator_fixture.h"

namespace mb::sim::autotask_testing {

namespace json = boost::json;
using mb::sim::testing::Headers;
using mb::sim::testing::RawHttpConnection;
using mb::sim::testing::RawResult;

// The API users of the built-in and generated tenants.
inline constexpr char kUserName[] = "meterbridge-api@acme-it.example";
inline constexpr char kSecret[] = "sim-secret";
inline constexpr char kIntegrationCode[] = "MBSIMINTEGRATIONCODE";
inline constexpr char kSecondUserName[] = "second-api@acme-it.example";  // same integration code
inline constexpr char kSecondSecret[] = "second-secret";
inline constexpr char kOtherUserName[] = "other-integration@acme-it.example";
inline constexpr char kOtherSecret[] = "other-secret";
inline constexpr char kOtherIntegrationCode[] = "OTHERVENDORCODE";

inline Headers auth_headers(const std::string& user = kUserName,
                            const std::string& secret = kSecret,
                            const std::string& code = kIntegrationCode) {
  return {{"ApiIntegrationCode", code},
          {"UserName", user},
          {"Secret", secret},
          {"Content-Type", "application/json"}};
}

// "/ATServicesRest/V1.0/Companies/query" for "Companies/query".
inline std::string api(const std::string& relative) { return "/ATServicesRest/V1.0/" + relative; }

class AutotaskSimTest : public mb::sim::testing::SimulatorFixture {
 protected:
  AutotaskSimTest() : SimulatorFixture("autotask") {}

  void start_with_settings(const std::string& settings_json) {
    mb::sim::SimOptions options;
    options.settings_json = settings_json;
    start(options);
  }

  // One request on the fixture's keep-alive connection (re-opened after a failure).
  RawResult call(const std::string& method, const std::string& target, const std::string& body = "",
                 const Headers& headers = auth_headers()) {
    return send(method, target, headers, body);
  }

  // The parsed body of a call that must answer `expected_status` (null for an empty body).
  json::value call_json(const std::string& method, const std::string& target, int expected_status,
                        const std::string& body = "", const Headers& headers = auth_headers()) {
    RawResult result = call(method, target, body, headers);
    EXPECT_TRUE(result.response) << result.error;
    if (!result.response) return nullptr;
    return json_of(*result.response, expected_status, method + " " + target);
  }

  // POST {entity}/query expecting 200.
  json::value query(const std::string& entity, const std::string& body) {
    return call_json("POST", api(entity + "/query"), 200, body);
  }

  // The ids a query returns, in order.
  std::vector<int64_t> query_ids(const std::string& entity, const std::string& body) {
    return ids_of(query(entity, body));
  }

  static std::vector<int64_t> ids_of(const json::value& page) {
    std::vector<int64_t> ids;
    if (!page.is_object()) return ids;
    for (const json::value& item : page.at("items").as_array()) {
      ids.push_back(item.at("id").to_number<int64_t>());
    }
    return ids;
  }

  // The single error message of an {"errors":[...]} body.
  static std::string error_text(const json::value& body) {
    if (!body.is_object() || !body.as_object().contains("errors")) return "<no errors member>";
    const json::array& errors = body.at("errors").as_array();
    if (errors.size() != 1 || !errors[0].is_string()) return json::serialize(body);
    return std::string(errors[0].as_string());
  }

  // The target part of an absolute URL this simulator produced.
  std::string target_of(const json::value& absolute_url) const {
    const std::string url(absolute_url.as_string());
    EXPECT_EQ(url.rfind(base_url(), 0), 0u) << url << " is not on " << base_url();
    return url.substr(base_url().size());
  }

  void set_settings(const std::string& settings_json) { post_settings(settings_json); }
  void set_faults(const std::string& faults_json) { post_faults(faults_json); }

  // The contract service's entry in /_sim/state.
  json::object state_of_contract_service(int64_t id) {
    const json::value current = state();
    for (const json::value& line : current.at("contractServices").as_array()) {
      if (line.at("id") == id) return line.as_object();
    }
    ADD_FAILURE() << "contract service " << id << " not in state";
    return {};
  }
};

}  // namespace mb::sim::autotask_testing

#endif  // METERBRIDGE_SIM_AUTOTASK_AUTOTASK_TEST_FIXTURE_H_
