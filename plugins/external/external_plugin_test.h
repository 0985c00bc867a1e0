// The fixture of the external plugin's whole-plugin tests (external_plugin_test.cc and the
// internal/<operation>_test.cc that specify each hook): the plugin loaded into the SDK's fake
// host, a session open on kBase with the API key "k3y-s3cret", and the platform's answers
// scripted per test, including those a simulator of a correct platform rarely gives (a lost
// response, a reused key, a malformed result, a refused key mid-run).
//
//   TEST_F(ExternalPluginTest, ...) {
//     platform_.on("POST", "/v1/count-batches", applied_all);
//     auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(3)));
//   }
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_PLUGIN_TEST_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_PLUGIN_TEST_H_

#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace meterbridge::external {

namespace json = boost::json;
using meterbridge::testing::by_field;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::no_answer;
using meterbridge::testing::reply;
// One request as the plugin handed it to the host; `target` is the URL after kBase.
using Seen = meterbridge::testing::SeenRequest;

inline constexpr const char* kBase = "https://billing.example.com/vendor-api";

// The protocol's error body.
inline HttpResponse protocol_error(int status, const std::string& code,
                                   const std::string& message = "refused") {
  return reply(status, json::serialize(json::object{
                           {"error", {{"code", code}, {"message", message}, {"details", {}}}}}));
}

// GET /v1/integration's answer; from version 1.1 on it offers link batches of up to
// `max_link_batch_items`.
inline HttpResponse integration(int64_t max_batch_items = 100, const std::string& version = "1.0",
                                int64_t max_link_batch_items = 1000) {
  json::object doc = json::parse(R"({"integration":{"id":"int_7","name":"Coro for Acme"},
    "platform":{"name":"Example Distribution"},
    "limits":{"max_page_size":500,"max_customer_filter":100}})")
                         .as_object();
  doc["protocol_version"] = version;
  doc["limits"].as_object()["max_batch_items"] = max_batch_items;
  if (version != "1.0") doc["limits"].as_object()["max_link_batch_items"] = max_link_batch_items;
  return reply(200, json::serialize(doc));
}

// Results echoing every item of a pushed body, each "applied".
inline HttpResponse applied_all(const Seen& s) {
  json::array results;
  const json::value body = json::parse(s.body);
  for (const json::value& item : body.at("items").as_array()) {
    json::object result = item.as_object();
    result["index"] = results.size();
    result["status"] = "applied";
    result["previous_quantity"] = nullptr;
    results.push_back(std::move(result));
  }
  return reply(200, json::serialize(json::object{
                        {"batch_id", "b_1"}, {"results", results}, {"summary", json::object{}}}));
}

class ExternalPluginTest : public meterbridge::testing::PluginTest {
 protected:
  ExternalPluginTest() {
    platform_.attach(host_);
    platform_.otherwise([](const Seen&) { return protocol_error(404, "not_found", "unscripted"); });
    platform_.on("GET", "/v1/integration", integration());
  }

  CallResult call(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    return session_.call(hook, input);
  }

  json::value ok(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    return meterbridge::testing::ok_result(call(hook, input));
  }

  // An apply of `lines` lines l<i>: customer c-<i>'s coro-edr devices to i + 1.
  static std::string apply_input(size_t lines, const std::string& key = "ext:run-4:batch-1") {
    std::string text =
        R"({"idempotency_key":")" + key + R"(","effective_date":"2026-11-21","lines":[)";
    for (size_t i = 0; i < lines; ++i) {
      text += (i ? "," : "") + std::string(R"({"key":"l)") + std::to_string(i) +
              R"(","account_id":"c-)" + std::to_string(i) +
              R"(","service_id":"coro-edr","metric":"devices","target":)" + std::to_string(i + 1) +
              R"(,"expected_current":null,"line_ref":{}})";
    }
    return text + R"(],"final":true})";
  }

  meterbridge::testing::ScriptedPlatform platform_{kBase};
  FakeHost::Session session_ = plugin_.open(std::string(R"({"base_url":")") + kBase +
                                            R"(/","api_key":"k3y-s3cret","batch_size":100})");
  const std::vector<Seen>& seen_ = platform_.seen();
};

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_PLUGIN_TEST_H_
