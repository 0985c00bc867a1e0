// Shared fixture for the Gradient simulator's tests: starts the simulator in-process on loopback
// and talks to it over HTTP with the raw test client, as a vendor's integration would.
#ifndef METERBRIDGE_SIM_GRADIENT_GRADIENT_TEST_FIXTURE_H_
#define METERBRIDGE_SIM_GRADIENT_GRADIENT_TEST_FIXTURE_H_

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <string>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "sim/core/testing/simulator_fixture.h"
#include "sim/gradient/internal/token.h"

namespace mb::sim::gradient_testing {

namespace json = boost::json;
using mb::sim::testing::Headers;
using mb::sim::testing::RawHttpConnection;
using mb::sim::testing::RawResult;

// The built-in seed (sim/gradient/internal/seed_data.cc).
inline constexpr char kVendorKey[] = "vk_live_123";
inline constexpr char kNorthwindKey[] = "pk_456";
inline constexpr char kContosoKey[] = "pk_contoso_789";
inline constexpr char kNorthwindOrganization[] = "6650a1c2e4b0a1b2c3d4e5f6";
inline constexpr char kContosoOrganization[] = "6650a1c2e4b0a1b2c3d4e6a1";
inline constexpr char kEdrService[] = "6650a1c2e4b0a1b2c3d4e777";    // mapped for Northwind
inline constexpr char kEmailService[] = "6650a1c2e4b0a1b2c3d4e778";  // not mapped
inline constexpr char kMappedAccount[] = "cust-7f3a";                // Northwind Dental, mapped
inline constexpr char kUnmappedAccount[] = "cust-91c0";              // Harbor Legal LLP
inline constexpr char kNorthwindDentalClient[] = "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13";
// lastSyncedAt before the first sync.
inline constexpr char kNeverSynced[] = "1900-06-18T17:11:28.553Z";

inline Headers token_headers(const std::string& partner_key = kNorthwindKey,
                             const std::string& vendor_key = kVendorKey) {
  return {{"GRADIENT-TOKEN", mb::sim::gradient::encode_gradient_token(vendor_key, partner_key)},
          {"Accept", "application/json"},
          {"Content-Type", "application/json"}};
}

// "/api/vendor-api/organization" for "/organization".
inline std::string api(const std::string& relative) { return "/api/vendor-api" + relative; }

class GradientSimTest : public mb::sim::testing::SimulatorFixture {
 protected:
  GradientSimTest() : SimulatorFixture("gradient") {}

  // One request on the fixture's keep-alive connection (re-opened after a failure).
  RawResult call(const std::string& method, const std::string& target, const std::string& body = "",
                 const Headers& headers = token_headers()) {
    return send(method, target, headers, body);
  }

  // The parsed body of a call that must answer `expected_status` (null for an empty body).
  json::value call_json(const std::string& method, const std::string& target, int expected_status,
                        const std::string& body = "", const Headers& headers = token_headers()) {
    RawResult result = call(method, target, body, headers);
    EXPECT_TRUE(result.response) << result.error;
    if (!result.response) return nullptr;
    return json_of(*result.response, expected_status, method + " " + target);
  }

  // An API call as a given partner.
  json::value as_partner(const std::string& partner_key, const std::string& method,
                         const std::string& relative, int expected_status,
                         const std::string& body = "") {
    return call_json(method, api(relative), expected_status, body, token_headers(partner_key));
  }

  json::value push_count(const std::string& service_id, const std::string& body,
                         int expected_status, const std::string& partner_key = kNorthwindKey,
                         const std::string& query = "") {
    return as_partner(partner_key, "POST", "/service/" + service_id + "/count" + query,
                      expected_status, body);
  }

  void settings(const std::string& changes) { post_settings(changes); }

  // A /_sim/gradient/<name> hook that must succeed.
  json::value hook(const std::string& name, const std::string& body) {
    return mb::sim::testing::control_json(port(), "POST", "/_sim/gradient/" + name, body);
  }

  // A hook's raw answer, for the refusals.
  RawResult hook_result(const std::string& name, const std::string& body) {
    return mb::sim::testing::http_request(port(), "POST", "/_sim/gradient/" + name,
                                          {{"Content-Type", "application/json"}}, body);
  }

  // The partner's entry in /_sim/state.
  json::object partner_state(const std::string& organization_id = kNorthwindOrganization) {
    const json::value current = state();
    for (const json::value& partner : current.at("partners").as_array()) {
      if (partner.at("organizationId") == organization_id.c_str()) return partner.as_object();
    }
    ADD_FAILURE() << "no partner " << organization_id << " in /_sim/state";
    return {};
  }

  // The pushed-count entry for (account, service), or null.
  json::value pushed_count(const std::string& account_id, const std::string& service_id,
                           const std::string& organization_id = kNorthwindOrganization) {
    const json::object partner = partner_state(organization_id);
    for (const json::value& entry : partner.at("counts").as_array()) {
      if (entry.at("accountId") == account_id.c_str() &&
          entry.at("serviceId") == service_id.c_str()) {
        return entry;
      }
    }
    return nullptr;
  }
};

// The NestJS error body {"statusCode": status, "message": message}.
inline json::value nest_error(int status, const std::string& message) {
  return json::object{{"statusCode", status}, {"message", message}};
}

// True when a validation message list contains `text`.
inline bool has_message(const json::value& error, const std::string& text) {
  const json::value& message = error.at("message");
  if (message.is_string()) return std::string(message.get_string()).find(text) != std::string::npos;
  for (const json::value& item : message.as_array()) {
    if (item.as_string() == text.c_str()) return true;
  }
  return false;
}

}  // namespace mb::sim::gradient_testing

#endif  // METERBRIDGE_SIM_GRADIENT_GRADIENT_TEST_FIXTURE_H_
