// The demo's config (config/examples/demo.json, comments and all) for tests that run one of its
// connectors against a simulator of their own.
//
//   boost::json::object c = demo_connector("contoso-connectwise", sim->base_url());
#ifndef METERBRIDGE_TESTS_TESTING_DEMO_CONFIG_H_
#define METERBRIDGE_TESTS_TESTING_DEMO_CONFIG_H_

#include <boost/json.hpp>

#include <stdexcept>
#include <string>

#include "tests/testing/temp_dir.h"

namespace mb::testing {

// The demo's connector `id`, its config's base_url pointed at `base_url`, without its alerts
// policy.
inline boost::json::object demo_connector(const std::string& id, const std::string& base_url) {
  boost::json::parse_options lenient;
  lenient.allow_comments = true;
  lenient.allow_trailing_commas = true;
  boost::json::value demo =
      boost::json::parse(read_file(source_dir() / "config/examples/demo.json"), {}, lenient);
  for (const auto& c : demo.at("connectors").as_array()) {
    if (c.at("id").as_string() != id) continue;
    boost::json::object connector = c.as_object();
    connector["config"].as_object()["base_url"] = base_url;
    // Billing only: an alerts run after each sync would add requests these tests count, on a
    // simulator seeded without service boards.
    connector.erase("alerts");
    return connector;
  }
  throw std::runtime_error("the demo config has no connector " + id);
}

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_DEMO_CONFIG_H_
