// What the simulator core's end-to-end tests (simulator_test.cc, simulator_control_test.cc)
// share: the "test" platform started with options, its credentials, and readers for the
// request log and a result's status.
#ifndef METERBRIDGE_SIM_CORE_SIMULATOR_TEST_HELPERS_H_
#define METERBRIDGE_SIM_CORE_SIMULATOR_TEST_HELPERS_H_

#include <boost/json.hpp>

#include <cstdint>
#include <memory>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"

namespace mb::sim::testing {

inline const Headers kTestPlatformAuth = {{"Authorization", "Bearer test-token"}};

inline std::unique_ptr<Simulator> start_test_platform(SimOptions options = {}) {
  return Simulator::start("test", options);
}

inline boost::json::array logged_requests(uint16_t port) {
  return control_json(port, "GET", "/_sim/requests").at("requests").as_array();
}

// The response's status; 0 when no response came.
inline int status_of(const RawResult& result) {
  return result.response ? result.response->status : 0;
}

}  // namespace mb::sim::testing

#endif  // METERBRIDGE_SIM_CORE_SIMULATOR_TEST_HELPERS_H_
