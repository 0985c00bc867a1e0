// Shared set-up for the ConnectWise simulator's HTTP tests: start the simulator in-process,
// call it with the default API member's credentials, and read its state.
//
//   TEST_F(ConnectWiseSimTest, Something) {
//     start();
//     json::value companies = get_json(api("/company/companies"));
//   }
#ifndef METERBRIDGE_SIM_CONNECTWISE_CONNECTWISE_TEST_FIXTURE_H_
#define METERBRIDGE_SIM_CONNECTWISE_CONNECTWISE_TEST_FIXTURE_H_

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "sim/core/base64.h"
#include "sim/core/http_types.h"
#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "sim/core/testing/simulator_fixture.h"

namespace mb::sim::connectwise {

namespace json = boost::json;
using testing::Headers;
using testing::RawHttpConnection;
using testing::RawResponse;
using testing::RawResult;

inline std::string basic_auth(std::string_view company, std::string_view public_key,
                              std::string_view private_key) {
  return "Basic " + encode_base64(std::string(company) + "+" + std::string(public_key) + ":" +
                                  std::string(private_key));
}

// A query value as a careful client sends it: every reserved character percent-encoded.
inline std::string encode(std::string_view value) { return url_encode_component(value); }

class ConnectWiseSimTest : public testing::SimulatorFixture {
 protected:
  static constexpr std::string_view kClientId = "1f6c1d3e-6f2a-4c55-9a1b-4a2b7c9d0e11";

  ConnectWiseSimTest() : SimulatorFixture("connectwise") {}

  void start_with_seed(const std::string& seed_json) {
    SimOptions options;
    options.seed_json = seed_json;
    start(options);
  }

  // "/v2025_1/apis/3.0" + path.
  static std::string api(std::string_view path) { return "/v2025_1/apis/3.0" + std::string(path); }

  static Headers default_headers() {
    return {{"Authorization", basic_auth("northwind", "Pk7hQ2", "Sx9mR4")},
            {"clientId", std::string(kClientId)},
            {"Accept", "application/vnd.connectwise.com+json; version=2025.16"}};
  }

  RawResponse call(const std::string& method, const std::string& target,
                   const std::string& body = "", Headers headers = default_headers()) {
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    RawResult result = send(method, target, headers, body);
    if (!result.response) {
      ADD_FAILURE() << method << " " << target << ": " << result.error;
      return RawResponse{};
    }
    return *result.response;
  }

  RawResponse get(const std::string& target, Headers headers = default_headers()) {
    return call("GET", target, "", std::move(headers));
  }

  // The JSON body of a call that must answer `status`.
  json::value call_json(const std::string& method, const std::string& target, int status,
                        const std::string& body = "", Headers headers = default_headers()) {
    return json_of(call(method, target, body, std::move(headers)), status, method + " " + target);
  }

  json::value get_json(const std::string& target, int status = 200) {
    return call_json("GET", target, status);
  }

  void settings(const std::string& changes) { post_settings(changes); }

  // The ids of a list response, in order.
  static std::vector<int64_t> ids(const json::value& list) {
    std::vector<int64_t> out;
    for (const json::value& row : list.as_array()) out.push_back(row.at("id").as_int64());
    return out;
  }

  // The state's addition with this id.
  json::value addition_state(int64_t id) {
    const json::value current = state();
    for (const json::value& addition : current.at("additions").as_array()) {
      if (addition.at("id") == id) return addition;
    }
    return nullptr;
  }
};

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_CONNECTWISE_TEST_FIXTURE_H_
