// PluginHarness: loads the plugins the build produced (build/plugins) and opens sessions with
// the host's real HTTP engine, so a platform plugin's tests exercise exactly what production
// runs: ABI, manifest HTTP defaults, limits, retries — against a simulator on loopback.
//
//   mb::testing::PluginHarness harness;
//   auto sim = mb::sim::Simulator::start("autotask", {});
//   auto session = harness.open("autotask", R"({"base_url":")" + sim->base_url() + R"(", ...})");
//   auto r = (*session)->invoke(mb::Operation::kAuthenticate, "{}");
#ifndef METERBRIDGE_TESTS_TESTING_PLUGIN_HARNESS_H_
#define METERBRIDGE_TESTS_TESTING_PLUGIN_HARNESS_H_

#include <boost/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include "host/http/engine.h"
#include "host/http/policy.h"
#include "host/plugin/loader.h"
#include "tests/testing/temp_dir.h"

namespace mb::testing {

class PluginHarness {
 public:
  PluginHarness() {
    LoaderOptions options;
    options.dir = build_dir() / "plugins";
    auto registry = load_plugins(options);
    if (!registry) throw std::runtime_error(registry.status().message());
    registry_ = std::move(*registry);
  }

  std::shared_ptr<LoadedPlugin> plugin(const std::string& id) const {
    auto p = registry_.find(id);
    if (!p) {
      const PluginRecord* r = registry_.record(id);
      throw std::runtime_error("plugin " + id + " not loaded: " + (r ? r->reason : "not found"));
    }
    return p;
  }

  // Opens a session: the plugin's manifest HTTP defaults, then `http_overrides` (a JSON object
  // with the same keys as a connector's "http"), then the engine client.
  Result<std::unique_ptr<PluginSession>> open(const std::string& plugin_id, const std::string& config_json,
                                              const std::string& http_overrides = "{}",
                                              const std::string& connector_id = "test-connector",
                                              const Clock* clock = &SystemClock::instance()) {
    auto p = plugin(plugin_id);
    http::HttpPolicy policy;
    if (!p->manifest().http.is_null()) MB_RETURN_IF_ERROR(http::apply_http_policy_json(p->manifest().http, &policy));
    MB_RETURN_IF_ERROR(http::apply_http_policy_json(boost::json::parse(http_overrides), &policy));
    auto client = engine().make_client(connector_id, policy);
    if (!client) return client.status();
    last_client_ = *client;
    SessionContext context;
    context.connector_id = connector_id;
    context.http = *client;
    context.clock = clock;
    return p->open(std::move(context), config_json);
  }

  // The HTTP client of the last session opened (for its counters).
  std::shared_ptr<http::HttpClient> last_client() const { return last_client_; }

  static http::HttpEngine& engine() {
    static http::HttpEngine instance;
    return instance;
  }

 private:
  PluginRegistry registry_;
  std::shared_ptr<http::HttpClient> last_client_;
};

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_PLUGIN_HARNESS_H_
