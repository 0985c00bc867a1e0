// Shared set-up for the external simulator's HTTP tests: start the simulator in-process, call
// it with the integration's API key, and read its state.
//
//   TEST_F(ExternalSimTest, Something) {
//     start();
//     json::value page = get_json("/v1/customers?limit=2");
//   }
#ifndef METERBRIDGE_SIM_EXTERNAL_EXTERNAL_TEST_FIXTURE_H_
#define METERBRIDGE_SIM_EXTERNAL_EXTERNAL_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "sim/core/http_types.h"
#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "sim/core/testing/simulator_fixture.h"

namespace mb::sim::external {

namespace json = boost::json;
using testing::Headers;
using testing::RawHttpConnection;
using testing::RawResponse;
using testing::RawResult;

inline constexpr const char* kApiKey = "ext-sim-key-0001";

class ExternalSimTest : public testing::SimulatorFixture {
 protected:
  ExternalSimTest() : SimulatorFixture("external") {}

  static Headers auth() { return {{"Authorization", std::string("Bearer ") + kApiKey}}; }

  RawResponse call(const std::string& method, const std::string& target,
                   const std::string& body = "", Headers headers = auth()) {
    const bool typed = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
      return equals_ignore_case(h.first, "content-type");
    });
    if (!body.empty() && !typed) headers.emplace_back("Content-Type", "application/json");
    RawResult result = send(method, target, headers, body);
    if (!result.response) {
      ADD_FAILURE() << method << " " << target << ": " << result.error;
      return RawResponse{};
    }
    return *result.response;
  }

  // The JSON body of a call that must answer `status` (null for an empty body).
  json::value call_json(const std::string& method, const std::string& target, int status,
                        const std::string& body = "", Headers headers = auth()) {
    return json_of(call(method, target, body, std::move(headers)), status, method + " " + target);
  }

  json::value get_json(const std::string& target, int status = 200) {
    return call_json("GET", target, status);
  }

  // The error code of a call that must fail with `status`.
  std::string error_code(const std::string& method, const std::string& target, int status,
                         const std::string& body = "", Headers headers = auth()) {
    json::value v = call_json(method, target, status, body, std::move(headers));
    const json::value* error = v.is_object() ? v.as_object().if_contains("error") : nullptr;
    if (error == nullptr || !error->is_object() || !error->as_object().contains("code") ||
        !error->as_object().contains("message") || !error->as_object().contains("details")) {
      ADD_FAILURE() << "not a protocol error body: " << v;
      return "";
    }
    return std::string(error->at("code").as_string());
  }

  json::value link(const std::string& vendor_customer_id, const std::string& customer_id,
                   int status = 201) {
    return call_json("PUT", "/v1/links/" + vendor_customer_id, status,
                     R"({"customer_id":")" + customer_id + R"("})");
  }

  RawResponse push(const std::string& key, const std::string& body) {
    Headers headers = auth();
    headers.emplace_back("Idempotency-Key", key);
    return call("POST", "/v1/count-batches", body, headers);
  }

  void settings(const std::string& changes) { post_settings(changes); }
  // Fault rules in the string form of docs/simulators.md.
  void faults(const std::string& spec) {
    post_faults(json::serialize(json::object{{"spec", spec}}));
  }
};

// {"items":[{customer, service, metric, quantity}]} with one item.
inline std::string one_item(const std::string& customer, const std::string& service,
                            const std::string& metric, int64_t quantity) {
  return R"({"items":[{"customer_id":")" + customer + R"(","service_id":")" + service +
         R"(","metric":")" + metric + R"(","quantity":)" + std::to_string(quantity) + "}]}";
}

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_EXTERNAL_TEST_FIXTURE_H_
