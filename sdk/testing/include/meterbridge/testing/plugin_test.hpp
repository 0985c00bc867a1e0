// GoogleTest helpers for testing a whole plugin through the fake host (fake_host.hpp) against a
// scripted platform (scripted_platform.hpp, included too): a fixture that loads the plugin whose
// entry point is linked into the test, and the checks most tests of a hook's JSON result make.
// Needs GoogleTest and Boost.JSON: link meterbridge::sdk_testing with meterbridge::sdk_json and
// GTest.
#ifndef METERBRIDGE_TESTING_PLUGIN_TEST_HPP_
#define METERBRIDGE_TESTING_PLUGIN_TEST_HPP_

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>

#include "meterbridge/testing/fake_host.hpp"
#include "meterbridge/testing/scripted_platform.hpp"

// The plugin's entry point, linked into the test binary with the plugin's sources.
extern "C" mb_status meterbridge_plugin_negotiate(const mb_host_offer*, const mb_plugin_table**);

namespace meterbridge::testing {

// The parsed result of a call the test expects to succeed; a failed expectation naming the
// plugin's message, and null, when it did not.
inline boost::json::value ok_result(const CallResult& r) {
  EXPECT_TRUE(r.ok()) << r.error_message;
  return r.ok() ? boost::json::parse(r.result) : boost::json::value();
}

// The objects of `doc[list]` by their string `field`, e.g. an apply result's lines by key.
inline std::map<std::string, boost::json::object> by_field(const boost::json::value& doc,
                                                           const char* list = "lines",
                                                           const char* field = "key") {
  std::map<std::string, boost::json::object> out;
  for (const auto& item : doc.at(list).as_array())
    out[std::string(item.at(field).as_string())] = item.as_object();
  return out;
}

// A fixture whose host_ has loaded the plugin linked into the test (plugin_).
class PluginTest : public ::testing::Test {
 protected:
  // Expects the plugin to describe itself, as `id`, exactly as its sidecar manifest says.
  void expect_described_by(const std::string& manifest_path, const char* id) {
    CallResult r = plugin_.describe();
    ASSERT_TRUE(r.ok()) << r.error_message;
    EXPECT_EQ(boost::json::parse(r.result), boost::json::parse(read_file(manifest_path)));
    EXPECT_EQ(boost::json::parse(r.result).at("id"), id);
  }

  FakeHost host_;
  FakeHost::LoadedPlugin plugin_ = host_.load(&meterbridge_plugin_negotiate);
};

}  // namespace meterbridge::testing

#endif  // METERBRIDGE_TESTING_PLUGIN_TEST_HPP_
