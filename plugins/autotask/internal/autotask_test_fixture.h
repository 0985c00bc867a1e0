// The autotask plugin through the SDK's fake host, against a scripted Autotask (the SDK's
// ScriptedPlatform): each test says what Autotask answers and checks what the plugin sent and
// concluded. The simulator tests (tests/platforms/autotask_sim_test.cc) cover the same ground
// against the real HTTP engine.
//
//   TEST_F(AutotaskPluginTest, ...) {
//     autotask_.on("GET", "ThresholdInformation", reply(200, "{}"));
//     json::object verdict = result_of(open().call(&mb_plugin_table::on_authenticate, "{}"));
//     EXPECT_EQ(autotask_.seen().size(), 2u);  // zoneInformation, then ThresholdInformation
//   }
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_AUTOTASK_TEST_FIXTURE_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_AUTOTASK_TEST_FIXTURE_H_

#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::autotask {

namespace json = boost::json;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::no_answer;
using meterbridge::testing::reply;
using meterbridge::testing::ScriptedPlatform;
using meterbridge::testing::SeenRequest;

inline constexpr char kDiscovery[] = "https://webservices.autotask.net/atservicesrest/";
inline constexpr char kZoneRoot[] = "https://webservices15.autotask.net/ATServicesRest/";
inline constexpr char kZoneBase[] = "https://webservices15.autotask.net/ATServicesRest/V1.0/";
inline constexpr char kConfig[] =
    R"({"username":"api@acme.example","secret":"s3cret-value","integration_code":"TRACKING-ID"})";

// A query answer holding `items`, linking to `next` when it is not empty.
inline std::string page_of(const json::array& items, const std::string& next = "") {
  json::object details{{"count", items.size()},
                       {"requestCount", 500},
                       {"prevPageUrl", nullptr},
                       {"nextPageUrl", next.empty() ? json::value(nullptr) : json::value(next)}};
  return json::serialize(json::object{{"items", items}, {"pageDetails", details}});
}

inline HttpResponse zone_answer(const std::string& root = kZoneRoot) {
  return reply(200, json::serialize(json::object{{"zoneName", "America East 3"},
                                                 {"url", root},
                                                 {"webUrl", "https://ww15.autotask.net/"},
                                                 {"ci", 5}}));
}

// Routes match a fragment of the URL, the latest matching route answering; requests are seen
// relative to the tenant's API base (kZoneBase).
class AutotaskPluginTest : public meterbridge::testing::PluginTest {
 protected:
  AutotaskPluginTest() {
    autotask_.set_matching(ScriptedPlatform::Matching::kUrlContains);
    autotask_.otherwise([](const SeenRequest&) {
      return reply(404, R"({"errors":["no route in the scripted Autotask"]})");
    });
    autotask_.attach(host_);
    autotask_.on("GET", "zoneInformation", zone_answer());
  }

  FakeHost::Session open(const std::string& config = kConfig) { return plugin_.open(config); }

  static json::object result_of(const CallResult& r) {
    json::value v = meterbridge::testing::ok_result(r);
    return v.is_object() ? v.as_object() : json::object{};
  }
  static std::string message_of(const json::object& result) {
    return json::value_to<std::string>(result.at("message"));
  }

  ScriptedPlatform autotask_{kZoneBase};
};

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_AUTOTASK_TEST_FIXTURE_H_
