// meterbridge-bench-link: linking many workspaces on the push protocol (`map auto` on the
// external platform), with the protocol 1.1 link batches and one call per workspace as a 1.0
// platform is linked, side by side.
//
// The external plugin, loaded from the build's plugin folder into the host's real HTTP engine
// with its manifest's HTTP defaults, links W workspaces to the simulator's W generated customers
// in one link_accounts call, as `map auto` does. Each mode runs against a fresh simulator in a
// child process (so the figures are the host's alone); the simulator's latency applies to every
// response. It prints wall time, workspaces per second and the link calls the engine sent.
// Nothing is asserted: it prints numbers.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/sim_control.h"
#include "bench/subprocess.h"
#include "host/http/engine.h"
#include "host/http/policy.h"
#include "host/plugin/loader.h"

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr char kApiKey[] = "ext-sim-key-0001";

void check(const mb::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.to_string());
}

// A simulator of the external platform with `customers` generated customers, in a child
// process writing into `dir`; stopped when the returned process goes.
mb::bench::ChildProcess start_simulator(const std::string& sim_binary, int customers,
                                        int latency_ms, const std::filesystem::path& dir,
                                        std::string* base_url) {
  mb::bench::ChildProcess::Options options;
  options.stdout_path = dir / "sim.out";
  options.stderr_path = dir / "sim.log";
  std::filesystem::remove(options.stdout_path);
  mb::bench::ChildProcess sim = mb::bench::ChildProcess::start(
      {sim_binary, "external", "--generate", "customers=" + std::to_string(customers),
       "--latency-ms", std::to_string(latency_ms)},
      options);
  *base_url = sim.wait_for_first_line(options.stdout_path, std::chrono::minutes(2));
  return sim;
}

struct LinkFigure {
  double seconds = 0;
  uint64_t link_calls = 0;
};

// {"link":[...]}: ws-<i> to the generated customer c-<i>, i from 1 to `workspaces`.
std::string link_everything(int workspaces) {
  json::array links;
  links.reserve(static_cast<size_t>(workspaces));
  for (int i = 1; i <= workspaces; ++i) {
    char customer[24];
    std::snprintf(customer, sizeof(customer), "c-%05d", i);
    links.push_back(
        json::object{{"account_id", "ws-" + std::to_string(i)}, {"platform_account_id", customer}});
  }
  return json::serialize(json::object{{"link", std::move(links)}});
}

// Links every workspace on a fresh simulator; `batches` false makes it a 1.0 platform.
LinkFigure measure(const mb::PluginRegistry& registry, const std::string& sim_binary,
                   const std::filesystem::path& dir, int workspaces, int latency_ms, bool batches) {
  std::string base_url;
  mb::bench::ChildProcess sim = start_simulator(sim_binary, workspaces, latency_ms, dir, &base_url);
  mb::bench::sim_control(base_url, "POST", "/_sim/settings",
                         batches ? R"({"link_batches":true})" : R"({"link_batches":false})");

  auto plugin = registry.find("external");
  if (!plugin) throw std::runtime_error("the external plugin is not in the plugin folder");
  mb::http::HttpPolicy policy;
  if (!plugin->manifest().http.is_null())
    check(mb::http::apply_http_policy_json(plugin->manifest().http, &policy), "HTTP defaults");
  static mb::http::HttpEngine engine;
  auto client = engine.make_client("bench-link", policy);
  check(client.status(), "HTTP client");
  mb::SessionContext context;
  context.plugin_id = "external";
  context.connector_id = "bench-link";
  context.http = *client;
  auto session = plugin->open(
      context, json::serialize(json::object{{"base_url", base_url}, {"api_key", kApiKey}}));
  check(session.status(), "open a session");

  const std::string input = link_everything(workspaces);
  const auto started = Clock::now();
  auto linked = (*session)->invoke(mb::Operation::kLinkAccounts, input);
  LinkFigure figure;
  figure.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  check(linked.status(), "link_accounts");
  figure.link_calls = (*client)->counters().endpoints["links"].requests;
  return figure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meterbridge-bench-link: link batches vs one call per workspace"};
  int workspaces = 100000;
  std::vector<int> latencies{0};
  std::string sim_binary = "meterbridge-sim", plugins = "plugins";
  bool skip_single = false;
  app.add_option("--workspaces", workspaces, "workspaces linked in one call")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--latency-ms", latencies, "simulator latency per response, one run each");
  app.add_option("--sim", sim_binary, "the meterbridge-sim binary");
  app.add_option("--plugins", plugins, "the folder holding the external plugin");
  app.add_flag("--batches-only", skip_single, "skip one call per workspace (slow at high latency)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  try {
    mb::LoaderOptions options;
    options.dir = plugins;
    auto registry = mb::load_plugins(options);
    check(registry.status(), "load the plugins");
    std::string dir_template =
        (std::filesystem::temp_directory_path() / "meterbridge-bench-link-XXXXXX").string();
    if (::mkdtemp(dir_template.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary folder");
    const std::filesystem::path dir = dir_template;
    std::printf("%-11s %-30s %10s %12s %12s\n", "latency", "mode", "seconds", "links/s",
                "link calls");
    for (int latency : latencies) {
      for (bool batches : {true, false}) {
        if (!batches && skip_single) continue;
        const LinkFigure f = measure(*registry, sim_binary, dir, workspaces, latency, batches);
        std::printf("%-11s %-30s %10.2f %12.0f %12llu\n", (std::to_string(latency) + " ms").c_str(),
                    batches ? "1.1 link batches" : "1.0 one PUT per workspace", f.seconds,
                    workspaces / f.seconds, static_cast<unsigned long long>(f.link_calls));
      }
    }
    std::filesystem::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meterbridge-bench-link: %s\n", e.what());
    return 1;
  }
  return 0;
}
