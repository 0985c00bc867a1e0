// What every platform's HTTP test fixture shares: the platform's simulator started in-process,
// one keep-alive connection to it (opened again after a failure), the JSON of an answer checked
// for its status, and the control endpoints. A platform's fixture
// (sim/<platform>/<platform>_test_fixture.h) derives from it and adds the platform's
// credentials and helpers.
//
//   class ExternalSimTest : public mb::sim::testing::SimulatorFixture {
//    protected:
//     ExternalSimTest() : SimulatorFixture("external") {}
//   };
//   TEST_F(ExternalSimTest, Something) {
//     start();
//     RawResult result = send("GET", "/v1/services", {{"Authorization", "Bearer ..."}});
//   }
#ifndef METERBRIDGE_SIM_CORE_TESTING_SIMULATOR_FIXTURE_H_
#define METERBRIDGE_SIM_CORE_TESTING_SIMULATOR_FIXTURE_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"

namespace mb::sim::testing {

class SimulatorFixture : public ::testing::Test {
 protected:
  explicit SimulatorFixture(std::string platform) : platform_(std::move(platform)) {}

  void start(const SimOptions& options = {}) {
    connection_.reset();
    simulator_ = Simulator::start(platform_, options);
  }

  void start_generated(const std::string& spec) {
    SimOptions options;
    options.generate = spec;
    start(options);
  }

  uint16_t port() const { return simulator_->port(); }
  std::string base_url() const { return simulator_->base_url(); }

  // One request on the fixture's keep-alive connection (opened again after a failure).
  RawResult send(const std::string& method, const std::string& target, const Headers& headers,
                 const std::string& body = "") {
    if (!connection_) connection_ = std::make_unique<RawHttpConnection>(port());
    RawResult result = connection_->send(method, target, headers, body);
    if (!result.response) connection_.reset();
    return result;
  }

  // The parsed body of an answer that must have `status` (null for an empty body); a failure
  // names `request`, e.g. "GET /v1/services".
  static boost::json::value json_of(const RawResponse& response, int status,
                                    const std::string& request) {
    EXPECT_EQ(response.status, status) << request << " -> " << response.body;
    if (response.body.empty()) return nullptr;
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(response.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << response.body;
    return parsed;
  }

  // The control endpoints (docs/simulators.md, "Control endpoints").
  boost::json::value state() { return control_json(port(), "GET", "/_sim/state"); }
  void post_settings(const std::string& changes) {
    control_json(port(), "POST", "/_sim/settings", changes);
  }
  void post_faults(const std::string& faults_json) {
    control_json(port(), "POST", "/_sim/faults", faults_json);
  }

  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<RawHttpConnection> connection_;

 private:
  std::string platform_;
};

}  // namespace mb::sim::testing

#endif  // METERBRIDGE_SIM_CORE_TESTING_SIMULATOR_FIXTURE_H_
