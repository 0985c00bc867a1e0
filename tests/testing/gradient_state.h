// Reading a Gradient simulator's state (GET /_sim/state) in tests.
#ifndef METERBRIDGE_TESTS_TESTING_GRADIENT_STATE_H_
#define METERBRIDGE_TESTS_TESTING_GRADIENT_STATE_H_

#include <boost/json.hpp>

#include <stdexcept>
#include <string_view>

namespace mb::testing {

// The partner with `organization_id` in the simulator's state; throws when it has none, which
// fails the test that asked.
inline boost::json::object gradient_partner(const boost::json::value& state,
                                            std::string_view organization_id) {
  for (const auto& p : state.at("partners").as_array())
    if (p.at("organizationId").as_string() == organization_id) return p.as_object();
  throw std::runtime_error("partner missing from /_sim/state");
}

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_GRADIENT_STATE_H_
