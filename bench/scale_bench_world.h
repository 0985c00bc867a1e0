// The scale benchmark's world: many MSP partners, one connector each, spread over every billing
// platform's simulator (one simulator process per platform, shared by that platform's
// connectors), with the state in one PostgreSQL database that every `meterbridge serve` worker
// uses.
//
// Connectors that share a simulator bill disjoint accounts: each partner's workspaces
// (`partner_id`) are mapped to accounts no other connector touches, so the simulator's own state
// (`GET /_sim/state`, read through the reliability harness's platform models, never through a
// plugin) tells per line what was written and how often.
//
//   ScaleWorld world(options);
//   world.set_up();                       // simulators, config, usage, mappings: not measured
//   world.import_window(1);               // usage whose every tracked line changes
//   Snapshot before = world.snapshot();
//   ... the workers run the window's jobs ...
//   WindowCheck check = world.check(before, world.snapshot(), 1);
#ifndef METERBRIDGE_BENCH_SCALE_BENCH_WORLD_H_
#define METERBRIDGE_BENCH_SCALE_BENCH_WORLD_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/app/app.h"
#include "host/http/policy.h"
#include "reliability/harness.h"
#include "reliability/platform_model.h"

namespace mb::bench {

struct ScaleOptions {
  int connectors = 300;        // spread round-robin over the platforms
  int companies = 5;           // accounts (one workspace each) per connector
  int services = 2;            // services, each mapped on every connector
  int latency_ms = 100;        // added by every simulator to every platform response
  int concurrency = 4;         // workers.concurrency: syncs one worker process runs at once
  int claim_ttl_seconds = 10;  // workers.claim_ttl_seconds
  std::vector<std::string> platforms{"autotask", "connectwise", "gradient", "external"};
  std::string state_url;      // the PostgreSQL database every process uses
  std::filesystem::path dir;  // config, simulator and worker logs
  reliability::Tools tools;
};

// One platform: its simulator and model, the connectors on it and their effective HTTP limits.
struct ScalePlatform {
  std::unique_ptr<reliability::PlatformModel> model;
  std::unique_ptr<reliability::Simulator> sim;
  std::vector<int> connectors;  // indexes into ScaleWorld::connectors()
  http::HttpPolicy policy;      // the manifest's limits under the connectors' own
  // Requests a second the platform admits across all its tenants (0: no such limit).
  double platform_rate = 0;
};

struct ScaleConnector {
  std::string id;
  size_t platform = 0;  // index into ScaleWorld::platforms()
  std::vector<std::pair<std::string, std::string>> workspaces;  // id, name
};

// A usage pair the platform holds, and the simulator object holding it.
struct ScaleLine {
  size_t connector = 0;
  std::string workspace_id;
  std::string service_id;
  std::string object;
  int64_t base = 0;  // its value before the first window; window w's target is base + w
};

// Every platform object's quantity and write counters, per platform.
using Snapshot = std::vector<reliability::ObjectStates>;

// Request counts per platform: total and per endpoint key (GET /_sim/stats).
struct RequestCounts {
  int64_t total = 0;
  int64_t throttled = 0;  // refused by a limit of the platform's (its 429s and the like)
  std::map<std::string, int64_t> endpoints;
};

// What the simulators say about one window.
struct WindowCheck {
  int64_t lines = 0;          // tracked lines checked
  int64_t mismatched = 0;     // quantity differs from the target after the window
  int64_t double_writes = 0;  // lines whose quantity changed more than once
  int64_t missed = 0;         // lines that should have changed and did not
  int64_t repeated = 0;       // writes of a value the object already held (idempotent resends)
  std::map<std::string, int64_t> repeated_by_platform;
  std::vector<std::string> problems;  // the first few, for the report
};

class ScaleWorld {
 public:
  explicit ScaleWorld(ScaleOptions options);
  ~ScaleWorld();

  // Starts the simulators (no latency), writes the config, imports usage, refreshes each
  // connector's accounts and services, maps them (or links them, or lets the first sync
  // provision them) and learns the lines the platforms hold. Throws std::runtime_error naming
  // the step that failed.
  void set_up();

  const ScaleOptions& options() const { return options_; }
  const std::vector<ScalePlatform>& platforms() const { return platforms_; }
  const std::vector<ScaleConnector>& connectors() const { return connectors_; }
  const std::vector<ScaleLine>& lines() const { return lines_; }
  std::filesystem::path config_path() const { return options_.dir / "config.json"; }
  Store& store();

  // Imports usage in which every tracked line's target is base + window.
  void import_window(int window);
  // Sets every simulator's latency.
  void set_latency(int latency_ms);
  Snapshot snapshot() const;
  std::vector<RequestCounts> request_counts() const;
  // Compares every tracked line with its target for `window`, and its write counters with
  // `before`.
  WindowCheck check(const Snapshot& before, const Snapshot& after, int window) const;
  // Waits until no simulator has a request in flight.
  void wait_idle() const;

 private:
  void write_config() const;
  void map_connector(const ScaleConnector& connector, const ScalePlatform& platform,
                     const std::vector<std::string>& accounts);
  void learn_lines(const ScaleConnector& connector, size_t index, const ScalePlatform& platform,
                   const std::vector<std::string>& accounts, const boost::json::value& state);
  std::string usage_document(int window) const;

  ScaleOptions options_;
  app::GlobalOptions app_options_;
  std::unique_ptr<app::App> app_;
  std::vector<ScalePlatform> platforms_;
  std::vector<ScaleConnector> connectors_;
  struct Service {
    std::string id, name;
  };
  std::vector<Service> services_;
  // Per platform: its first `services` platform services (id) and their metric.
  std::vector<std::vector<std::pair<std::string, std::string>>> psa_services_;
  std::vector<ScaleLine> lines_;
  int64_t as_of_base_ms_ = 0;
};

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SCALE_BENCH_WORLD_H_
