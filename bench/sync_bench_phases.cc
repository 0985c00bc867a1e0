#include "bench/sync_bench_phases.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "bench/resources.h"
#include "bench/splitmix64.h"
#include "host/app/app.h"
#include "host/app/operations.h"
#include "host/common/clock.h"
#include "host/http/policy.h"
#include "host/sync/planner.h"
#include "host/sync/sync_engine.h"

namespace mb::bench {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// Distinct streams of the scenario's seed, so changing one step's draws leaves the others alone.
constexpr uint64_t kUsageStream = 0x75736167;   // initial usage
constexpr uint64_t kFirstStream = 0x66697273;   // the first full sync's targets
constexpr uint64_t kChangeStream = 0x6368616e;  // which lines change, and by how much

template <typename T>
T take(Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.status().to_string());
  return std::move(*r);
}

void check(const Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.to_string());
}

// One App per step, as one CLI invocation would have.
class Step {
 public:
  explicit Step(const fs::path& dir) : app_(make_options(dir), std::cout, std::cerr) {}
  app::App& app() { return app_; }
  Store& store() { return *take(app_.store(), "state store"); }
  const Config& config() { return *take(app_.config(), "config"); }
  const ConnectorConfig& connector() { return *take(app_.connector(kConnectorId), "connector"); }

 private:
  const app::GlobalOptions& make_options(const fs::path& dir) {
    options_.config_path = (dir / "config.json").string();
    return options_;
  }
  app::GlobalOptions options_;
  app::App app_;
};

// The usage document (docs/usage-format.md) for these workspaces, services and counts.
std::string usage_document(const std::vector<Workspace>& workspaces,
                           const std::vector<VendorService>& services,
                           const std::vector<UsageCount>& counts) {
  json::array ws, sv, usage;
  for (const auto& w : workspaces) ws.push_back(json::object{{"id", w.id}, {"name", w.name}});
  for (const auto& s : services) sv.push_back(json::object{{"id", s.id}, {"name", s.name}});
  for (const auto& c : counts)
    usage.push_back(json::object{{"workspace_id", c.workspace_id},
                                 {"service_id", c.service_id},
                                 {"users", c.users},
                                 {"devices", c.devices}});
  return json::serialize(
      json::object{{"as_of", format_iso8601_utc(SystemClock::instance().now_ms())},
                   {"workspaces", std::move(ws)},
                   {"services", std::move(sv)},
                   {"usage", std::move(usage)}});
}

void import(app::App& app, const std::vector<Workspace>& workspaces,
            const std::vector<VendorService>& services, const std::vector<UsageCount>& counts) {
  take(ops::import_usage(app, usage_document(workspaces, services, counts), "benchmark"),
       "usage import");
}

int64_t& metric_value(UsageCount& c, const std::string& metric) {
  return metric == "devices" ? c.devices : c.users;
}

// The engine's run, the same way ops::sync_connector runs it, with the session kept so its
// HTTP counters can be read.
struct SessionRun {
  std::unique_ptr<PluginSession> session;
  SyncReport report;
  double peak_rss_mb = 0;       // of the process when the sync returned
  std::vector<SyncLine> lines;  // every line of the run, read back from the store afterwards
};

SessionRun run_sync(Step& step, const SyncOptions& options) {
  SessionRun out;
  out.session = take(step.app().open_session(kConnectorId), "open session");
  SyncEngine engine(step.store(), app::sync_settings(step.config()));
  out.report = take(engine.sync(step.connector(), *out.session, options), "sync");
  out.peak_rss_mb = megabytes(peak_rss_bytes());
  // A report keeps only the lines worth reading; the formulas need every line.
  out.lines = take(step.store().list_lines(out.report.run.id), "run lines");
  return out;
}

// ---- setup
// ---------------------------------------------------------------------------------------

json::object setup(const PlatformBench& platform, const fs::path& dir, const Scenario& s) {
  Step step(dir);
  app::App& app = step.app();
  auto accounts = take(ops::list_accounts(app, kConnectorId, "", true), "list accounts");
  auto psa_services = take(ops::list_services(app, kConnectorId, true), "list services");
  const size_t listed_accounts = accounts.size();
  std::erase_if(accounts, [](const PsaAccount& a) { return !a.active || a.missing_since; });
  // "The first N" in the platform's id order (numeric ids by value), not the cache's name order:
  // the generated platforms put their edge cases and foreign catalog items at known positions.
  auto by_id = [](const auto& a, const auto& b) {
    return a.id.size() != b.id.size() ? a.id.size() < b.id.size() : a.id < b.id;
  };
  std::sort(accounts.begin(), accounts.end(), by_id);
  std::sort(psa_services.begin(), psa_services.end(), by_id);
  if (accounts.size() > static_cast<size_t>(s.companies))
    accounts.resize(static_cast<size_t>(s.companies));
  if (psa_services.size() > static_cast<size_t>(s.services))
    psa_services.resize(static_cast<size_t>(s.services));
  if (accounts.empty() || psa_services.empty())
    throw std::runtime_error("the platform lists " + std::to_string(accounts.size()) +
                             " active accounts and " + std::to_string(psa_services.size()) +
                             " services");

  // One workspace per account under the account's own id and name: auto-mapping matches the
  // names, and provisioning platforms find the accounts they already hold by id.
  std::vector<Workspace> workspaces;
  for (const auto& a : accounts) workspaces.push_back(Workspace{a.id, a.name, false, ""});
  std::vector<VendorService> services;
  std::map<std::string, std::string> metric;  // vendor service -> users | devices
  for (size_t i = 0; i < psa_services.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "svc-%02zu", i + 1);
    services.push_back(VendorService{id, psa_services[i].name});  // Gradient finds services by name
    metric[id] = platform.metric_for(psa_services[i]);
  }
  SplitMix64 rng(s.seed ^ kUsageStream);
  std::vector<UsageCount> counts;
  for (const auto& w : workspaces)
    for (const auto& v : services) {
      int64_t users = rng.between(2, 250);
      counts.push_back(UsageCount{w.id, v.id, users, users + rng.between(0, users / 2)});
    }
  import(app, workspaces, services, counts);

  size_t mapped = 0;
  switch (platform.binding()) {
    case AccountBinding::kAutoMapByName:
      mapped = take(ops::map_auto(app, kConnectorId), "map auto").created_count;
      break;
    case AccountBinding::kLink:
      for (size_t i = 0; i < workspaces.size(); ++i) {
        take(ops::map_account(app, kConnectorId, workspaces[i].id, accounts[i].id),
             "link " + workspaces[i].id);
        ++mapped;
      }
      break;
    case AccountBinding::kProvisioned:
      break;
  }
  if (platform.binding() != AccountBinding::kProvisioned)
    for (size_t i = 0; i < services.size(); ++i)
      check(ops::map_service(app, kConnectorId, services[i].id, psa_services[i].id,
                             metric[services[i].id])
                .status(),
            "map service " + services[i].id);

  // Learn what the platform holds now, so the first measured sync changes every line it can
  // read. A push-only platform cannot say; there a run cancelled before its first read creates
  // the accounts and services (provisioning) without pushing anything.
  std::atomic<bool> cancelled{platform.push_only()};
  SyncOptions learn;
  learn.dry_run = !platform.push_only();
  learn.cancelled = &cancelled;
  SessionRun learned = run_sync(step, learn);
  if (platform.binding() == AccountBinding::kProvisioned)
    mapped = take(step.store().list_account_mappings(kConnectorId), "mappings").size();
  for (const auto& m : take(step.store().list_service_mappings(kConnectorId), "service mappings"))
    metric[m.service_id] = to_text(m.metric);

  std::map<std::pair<std::string, std::string>, UsageCount*> by_pair;
  for (auto& c : counts) by_pair[{c.workspace_id, c.service_id}] = &c;
  SplitMix64 targets(s.seed ^ kFirstStream);
  size_t lines = 0, readable = 0;
  for (const auto& line : learned.lines) {
    if (!line.target) continue;
    ++lines;
    auto it = by_pair.find({line.workspace_id, line.service_id});
    if (it == by_pair.end()) continue;
    if (line.current) ++readable;
    metric_value(*it->second, metric[line.service_id]) =
        line.current ? *line.current + targets.between(1, 3) : targets.between(1, 250);
  }
  import(app, workspaces, services, counts);
  return {{"accounts_listed", listed_accounts},
          {"workspaces", workspaces.size()},
          {"services", services.size()},
          {"mapped", mapped},
          {"lines", lines},
          {"readable", readable}};
}

// ---- change
// --------------------------------------------------------------------------------------

json::object change(const fs::path& dir, const Scenario& s) {
  Step step(dir);
  Store& store = step.store();
  auto runs = take(store.list_runs(kConnectorId, 1), "runs");
  if (runs.empty()) throw std::runtime_error("no run to change usage after");
  auto lines = take(store.list_lines(runs.front().id), "run lines");
  size_t planned = 0;
  std::vector<const SyncLine*> written;
  for (const auto& l : lines) {
    if (l.target) ++planned;
    if (l.outcome == outcome::kUpdated) written.push_back(&l);
  }
  std::sort(written.begin(), written.end(),
            [](const SyncLine* a, const SyncLine* b) { return a->key < b->key; });
  // The share is of all planned lines; the lines are drawn among those the platform took, so
  // each one is a real write.
  auto wanted =
      static_cast<size_t>(std::llround(static_cast<double>(planned) * s.change_percent / 100.0));
  wanted = std::min(wanted, written.size());
  SplitMix64 rng(s.seed ^ kChangeStream);
  for (size_t i = 0; i < wanted; ++i)
    std::swap(written[i], written[i + static_cast<size_t>(rng.next() % (written.size() - i))]);

  auto snapshot = take(store.latest_snapshot(), "latest usage");
  if (!snapshot) throw std::runtime_error("no usage imported");
  std::map<std::string, std::string> metric;
  for (const auto& m : take(store.list_service_mappings(kConnectorId), "service mappings"))
    metric[m.service_id] = to_text(m.metric);
  std::map<std::pair<std::string, std::string>, UsageCount*> by_pair;
  for (auto& c : snapshot->counts) by_pair[{c.workspace_id, c.service_id}] = &c;
  for (size_t i = 0; i < wanted; ++i) {
    auto it = by_pair.find({written[i]->workspace_id, written[i]->service_id});
    if (it == by_pair.end()) continue;
    int64_t& value = metric_value(*it->second, metric[written[i]->service_id]);
    int64_t delta = rng.between(1, 5);
    value =
        (rng.next() % 2 == 0 && value > delta) ? value - delta : value + delta;  // decreases too
  }
  import(step.app(), take(store.list_workspaces(), "workspaces"),
         take(store.list_services(), "services"), snapshot->counts);
  return {{"planned", planned}, {"changed", wanted}};
}

// ---- measured syncs ----------------------------------------------------------------------------

// The limits the engine applies to this connector: the manifest's defaults under the connector's
// overrides, exactly as App::open_session builds them.
http::HttpPolicy connector_policy(Step& step) {
  auto registry = take(step.app().plugins(), "plugins");
  auto plugin = registry->find(step.connector().plugin);
  if (!plugin) throw std::runtime_error("plugin '" + step.connector().plugin + "' is not loaded");
  http::HttpPolicy policy;
  if (!plugin->manifest().http.is_null())
    check(http::apply_http_policy_json(plugin->manifest().http, &policy), "manifest http");
  check(http::apply_http_policy_json(json::value(step.connector().http), &policy),
        "connector http");
  return policy;
}

// The fastest the calls could complete: every round of `allowed` concurrent calls costs one
// latency, and the per-endpoint limit (Autotask: 3 per entity) and the rate limit bound it too.
double bound_seconds(const http::HttpCounters& counters, const http::HttpPolicy& policy,
                     double latency_s) {
  auto total = static_cast<double>(counters.total().requests);
  double rounds = std::ceil(total / std::max(1, policy.max_concurrency));
  if (policy.per_endpoint_concurrency > 0)
    for (const auto& [endpoint, c] : counters.endpoints)
      rounds = std::max(
          rounds, std::ceil(static_cast<double>(c.requests) / policy.per_endpoint_concurrency));
  double bound = rounds * latency_s;
  if (policy.requests_per_second > 0)
    bound = std::max(bound, std::max(0.0, total - policy.burst) / policy.requests_per_second);
  return bound;
}

std::string concurrency_label(const http::HttpPolicy& policy) {
  std::string label = std::to_string(policy.max_concurrency);
  if (policy.per_endpoint_concurrency > 0 &&
      policy.per_endpoint_concurrency < policy.max_concurrency)
    label = std::to_string(policy.per_endpoint_concurrency) + "/endpoint";
  if (policy.requests_per_second > 0) {
    std::ostringstream rps;
    rps << policy.requests_per_second;
    label += ", " + rps.str() + "/s";
  }
  return label;
}

json::object measured_sync(const PlatformBench& platform, const fs::path& dir, const Scenario& s,
                           bool first) {
  Step step(dir);
  // Loading plugins, reading the config and opening the store happen once per process, not per
  // sync: keep them out of the measurement.
  take(step.app().plugins(), "plugins");
  step.store();
  http::HttpPolicy policy = connector_policy(step);

  double cpu_before = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  SyncOptions options;
  if (!first) options.trigger = s.steady_trigger;
  SessionRun run = run_sync(step, options);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_before;

  http::HttpCounters counters = run.session->context().http->counters();
  http::EndpointCounters total = counters.total();
  SyncFacts facts;
  facts.lines = &run.lines;
  facts.trigger = run.report.run.trigger;
  facts.notes = run.report.notes;
  MinimalCalls minimal = platform.minimal_calls(facts);

  size_t planned = 0, changed = 0;
  for (const auto& l : run.lines) {
    if (l.target) ++planned;
    if (l.action == LineAction::kUpdate) ++changed;
  }
  json::object outcomes;
  for (const auto& [name, n] : run.report.counts) outcomes[name] = n;
  // Per endpoint: calls, and the engine's own attempt latencies, which show when the platform
  // took longer than the injected latency (its own processing time).
  json::object endpoints;
  for (const auto& [name, c] : counters.endpoints)
    endpoints[name.empty() ? "(path)" : name] = json::object{
        {"calls", c.requests}, {"mean_ms", c.latency.mean_ms()}, {"max_ms", c.latency.max_ms()}};
  double lines = static_cast<double>(std::max<size_t>(1, run.lines.size()));
  return {{"lines", run.lines.size()},
          {"trigger", run.report.run.trigger},
          {"planned", planned},
          {"changed", changed},
          {"state", to_text(run.report.run.state)},
          {"message", run.report.run.message},
          {"outcomes", std::move(outcomes)},
          {"calls", total.requests},
          {"retries", total.retries},
          {"throttled", total.throttled},
          {"max_in_flight", counters.max_in_flight},
          {"endpoints", std::move(endpoints)},
          {"minimal", minimal.total},
          {"minimal_breakdown", minimal.breakdown},
          {"wall_s", wall},
          {"attempt_ms", total.latency.mean_ms()},
          {"bound_s", bound_seconds(counters, policy, s.latency_ms / 1000.0)},
          {"concurrency", concurrency_label(policy)},
          {"cpu_s", cpu},
          {"cpu_us_per_line", cpu * 1e6 / lines},
          {"peak_rss_mb", run.peak_rss_mb}};
}

}  // namespace

void write_bench_config(const fs::path& dir, const PlatformBench& platform,
                        const std::string& base_url, const fs::path& plugin_dir,
                        const std::string& isolation) {
  json::object connector = platform.connector(base_url);
  connector["id"] = kConnectorId;
  connector["isolation"] = isolation;
  connector["plugin"] = platform.id();
  connector["partner"] = "Benchmark MSP";
  connector["policies"] = json::object{{"decreases", "auto"}, {"effective_date", "today"}};
  json::object config{{"state", {{"path", "state.db"}, {"key_file", "secret.key"}}},
                      {"plugins", {{"dir", plugin_dir.string()}}},
                      {"connectors", json::array{std::move(connector)}}};
  std::ofstream out(dir / "config.json");
  out << json::serialize(config) << "\n";
  if (!out) throw std::runtime_error("cannot write " + (dir / "config.json").string());
}

json::object run_sync_phase(const std::string& phase, const PlatformBench& platform,
                            const fs::path& dir, const Scenario& scenario) {
  if (phase == "setup") return setup(platform, dir, scenario);
  if (phase == "change") return change(dir, scenario);
  if (phase == "first" || phase == "steady")
    return measured_sync(platform, dir, scenario, phase == "first");
  throw std::runtime_error("unknown phase '" + phase + "'");
}

}  // namespace mb::bench
