#include "bench/scale_bench_world.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <stdexcept>

#include "host/app/operations.h"
#include "host/common/clock.h"
#include "host/sync/sync_engine.h"

namespace mb::bench {
namespace fs = std::filesystem;
namespace json = boost::json;
using reliability::Binding;
using reliability::ObjectStates;

namespace {

template <typename T>
T take(Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.status().to_string());
  return std::move(*r);
}

// Numeric ids by value, then text: the platform's own order.
bool id_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

template <typename T>
void sort_by_id(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return id_less(a.id, b.id); });
}

std::string connector_id(int i) {
  char id[32];
  std::snprintf(id, sizeof(id), "msp-%04d", i);
  return id;
}

// A value no line ever holds before the first window, for lines the platform holds no value of.
constexpr int64_t kUnheldBase = 10;

}  // namespace

ScaleWorld::ScaleWorld(ScaleOptions options) : options_(std::move(options)) {}
ScaleWorld::~ScaleWorld() = default;

Store& ScaleWorld::store() { return *take(app_->store(), "state store"); }

void ScaleWorld::write_config() const {
  json::array connectors;
  for (const auto& c : connectors_) {
    const ScalePlatform& p = platforms_[c.platform];
    json::object http;
    // Each partner is a tenant of its own, with the platform's hourly budget of its own.
    if (p.model->id() == "autotask") http["budget_key"] = "autotask-" + c.id;
    connectors.push_back(json::object{
        {"id", c.id},
        {"plugin", p.model->id()},
        {"partner", "Partner " + c.id},
        {"partner_id", c.id},
        {"config", p.model->plugin_config(p.sim->base_url())},
        // A write the killed worker journaled may or may not have landed: the run that takes the
        // connector over re-reads it once this grace has passed, within the same window (the
        // takeover waits for the claim to expire, workers.claim_ttl_seconds, far longer).
        {"policies",
         {{"decreases", "auto"},
          {"effective_date", "today"},
          {"max_decrease_share", 1},
          {"unconfirmed_write_grace_seconds", 2}}},
        {"http", std::move(http)},
        // The benchmark enqueues each window's jobs itself, as every node's scheduler would.
        {"schedule", {{"enabled", false}}}});
  }
  json::object config{{"state", options_.state_url},
                      {"plugins", {{"dir", options_.tools.plugins.string()}}},
                      {"workers",
                       {{"concurrency", options_.concurrency},
                        {"claim_ttl_seconds", options_.claim_ttl_seconds},
                        {"poll_seconds", 1}}},
                      {"serve", {{"shutdown_grace_seconds", 5}}},
                      {"api", {{"token", "${env:MB_SCALE_API_TOKEN}"}}},
                      {"connectors", std::move(connectors)}};
  reliability::write_text(config_path(), json::serialize(config) + "\n");
}

void ScaleWorld::set_up() {
  fs::create_directories(options_.dir);
  as_of_base_ms_ = SystemClock::instance().now_ms() - 3'600'000;

  // The simulators, each generating enough accounts for all of its connectors.
  std::map<std::string, int> per_platform;
  for (int i = 0; i < options_.connectors; ++i)
    ++per_platform[options_.platforms[static_cast<size_t>(i) % options_.platforms.size()]];
  auto models = reliability::all_platform_models();
  for (const auto& name : options_.platforms) {
    auto model = std::find_if(models.begin(), models.end(),
                              [&](const auto& m) { return m && m->id() == name; });
    if (model == models.end()) throw std::runtime_error("unknown platform '" + name + "'");
    ScalePlatform p;
    p.model = std::move(*model);
    json::object settings = p.model->simulator_settings();
    if (name == "autotask") {
      // Autotask's 3 threads per entity belong to one MSP's database; here every partner's
      // database is one simulator, so the limit would be shared by all of them.
      settings["thread_limit"] = 0;
    }
    if (name == "gradient") settings["rate_limit_retry_after"] = true;
    std::vector<std::string> args{
        "--generate",
        p.model->generate_spec(per_platform[name] * options_.companies, options_.services),
        "--latency-ms",
        "0",
        "--settings",
        json::serialize(settings)};
    p.sim = std::make_unique<reliability::Simulator>(
        reliability::Simulator::start(options_.tools, name, args, options_.dir));
    // Gradient's documented limit: requests a second across every partner of the vendor.
    if (name == "gradient") p.platform_rate = 100;
    for (const auto& s : p.model->secrets()) ::setenv(s.variable.c_str(), s.value.c_str(), 1);
    platforms_.push_back(std::move(p));
  }
  for (int i = 0; i < options_.connectors; ++i) {
    const size_t platform = static_cast<size_t>(i) % platforms_.size();
    connectors_.push_back({connector_id(i), platform, {}});
    platforms_[platform].connectors.push_back(i);
  }
  write_config();
  app_options_.config_path = config_path().string();
  app_ = std::make_unique<app::App>(app_options_, std::cout, std::cerr);
  store();  // creates the schema and records the connectors

  // Each platform's accounts, dealt out to its connectors; its first services, mapped on each.
  std::vector<std::vector<std::string>> accounts_of(connectors_.size());
  psa_services_.assign(platforms_.size(), {});
  for (size_t pi = 0; pi < platforms_.size(); ++pi) {
    ScalePlatform& p = platforms_[pi];
    const std::string& first = connectors_[static_cast<size_t>(p.connectors.front())].id;
    auto accounts = take(ops::list_accounts(*app_, first, "", true), first + ": list accounts");
    std::erase_if(accounts, [](const PsaAccount& a) { return !a.active || a.missing_since; });
    sort_by_id(accounts);
    const size_t needed = p.connectors.size() * static_cast<size_t>(options_.companies);
    if (accounts.size() < needed)
      throw std::runtime_error(p.model->id() + " lists " + std::to_string(accounts.size()) +
                               " active accounts, " + std::to_string(needed) + " needed");
    for (size_t k = 0; k < p.connectors.size(); ++k) {
      ScaleConnector& c = connectors_[static_cast<size_t>(p.connectors[k])];
      for (int a = 0; a < options_.companies; ++a) {
        const PsaAccount& account =
            accounts[k * static_cast<size_t>(options_.companies) + static_cast<size_t>(a)];
        accounts_of[static_cast<size_t>(p.connectors[k])].push_back(account.id);
        // Workspace ids are the vendor's, shared by every platform: ids of their own, except
        // where the platform finds the account by the workspace's id (provisioning, links).
        std::string workspace = p.model->binding() == Binding::kAutoMapByName
                                    ? p.model->id() + "-" + account.id
                                    : p.model->workspace_for(account.id);
        c.workspaces.emplace_back(workspace, account.name);
      }
    }
    auto services = take(ops::list_services(*app_, first, true), first + ": list services");
    sort_by_id(services);
    if (services.size() < static_cast<size_t>(options_.services))
      throw std::runtime_error(p.model->id() + " lists " + std::to_string(services.size()) +
                               " services, " + std::to_string(options_.services) + " needed");
    services.resize(static_cast<size_t>(options_.services));
    const json::value state = p.sim->state();
    for (const auto& s : services)
      psa_services_[pi].emplace_back(s.id, p.model->metric_for(s.id, s.name, state));
    // The vendor's services, named as the platform that finds services by name names them.
    if (services_.empty() || p.model->binding() == Binding::kProvisioned) {
      services_.clear();
      for (size_t i = 0; i < services.size(); ++i) {
        char id[32];
        std::snprintf(id, sizeof(id), "svc-%02zu", i + 1);
        services_.push_back({id, services[i].name});
      }
    }
    std::fprintf(stderr, "  %s: simulator at %s, %zu connectors\n", p.model->id().c_str(),
                 p.sim->base_url().c_str(), p.connectors.size());
  }

  import_window(0);
  for (size_t i = 0; i < connectors_.size(); ++i) {
    const ScaleConnector& c = connectors_[i];
    if (i % 50 == 0)
      std::fprintf(stderr, "  mapping connectors %zu-%zu of %zu\n", i + 1,
                   std::min(i + 50, connectors_.size()), connectors_.size());
    map_connector(c, platforms_[c.platform], accounts_of[i]);
  }
  std::vector<json::value> states;
  for (const auto& p : platforms_) states.push_back(p.sim->state());
  for (size_t i = 0; i < connectors_.size(); ++i) {
    const ScaleConnector& c = connectors_[i];
    learn_lines(c, i, platforms_[c.platform], accounts_of[i], states[c.platform]);
  }
  // Every line starts from what its platform holds now.
  const Snapshot now = snapshot();
  for (auto& line : lines_) {
    const ObjectStates& objects = now[connectors_[line.connector].platform];
    auto it = objects.find(line.object);
    line.base = it != objects.end() && it->second.quantity ? *it->second.quantity : kUnheldBase;
  }
  if (lines_.empty()) throw std::runtime_error("no line any platform can hold was found");

  // The HTTP limits every connector of a platform runs under, as App::open_session builds them.
  auto registry = take(app_->plugins(), "plugins");
  for (auto& p : platforms_) {
    auto plugin = registry->find(p.model->id());
    if (!plugin) throw std::runtime_error("plugin '" + p.model->id() + "' is not loaded");
    if (!plugin->manifest().http.is_null())
      if (Status s = http::apply_http_policy_json(plugin->manifest().http, &p.policy); !s.ok())
        throw std::runtime_error(p.model->id() + " manifest http: " + s.to_string());
    auto connector =
        take(app_->connector(connectors_[static_cast<size_t>(p.connectors[0])].id), "connector");
    if (Status s = http::apply_http_policy_json(json::value(connector->http), &p.policy); !s.ok())
      throw std::runtime_error(p.model->id() + " connector http: " + s.to_string());
  }
}

void ScaleWorld::map_connector(const ScaleConnector& c, const ScalePlatform& p,
                               const std::vector<std::string>& accounts) {
  if (p.model->binding() == Binding::kProvisioned) return;  // the first sync provisions
  take(ops::list_accounts(*app_, c.id, "", true), c.id + ": list accounts");
  take(ops::list_services(*app_, c.id, true), c.id + ": list services");
  for (size_t w = 0; w < c.workspaces.size(); ++w)
    take(ops::map_account(*app_, c.id, c.workspaces[w].first, accounts[w]),
         c.id + ": map " + c.workspaces[w].first);
  const auto& psa = psa_services_[c.platform];
  for (size_t s = 0; s < services_.size(); ++s)
    take(ops::map_service(*app_, c.id, services_[s].id, psa[s].first, psa[s].second),
         c.id + ": map service " + services_[s].id);
}

void ScaleWorld::learn_lines(const ScaleConnector& c, size_t index, const ScalePlatform& p,
                             const std::vector<std::string>& accounts, const json::value& state) {
  const auto& psa = psa_services_[c.platform];
  if (!p.model->learns_lines_from_dry_run()) {
    for (size_t w = 0; w < c.workspaces.size(); ++w)
      for (size_t s = 0; s < services_.size(); ++s) {
        reliability::TrackedLine line{c.workspaces[w].first, services_[s].id, accounts[w],
                                      psa[s].first,          psa[s].second,   ""};
        std::string object = p.model->object_from_state(line, state);
        if (!object.empty())
          lines_.push_back({index, line.workspace_id, line.service_id, std::move(object), 0});
      }
    return;
  }
  // A dry run finds each line's platform object; the store keeps it as the line's reference.
  auto session = take(app_->open_session(c.id), c.id + ": open session");
  auto config = take(app_->config(), "config");
  auto connector = take(app_->connector(c.id), "connector");
  SyncEngine engine(store(), app::sync_settings(*config));
  SyncOptions dry;
  dry.dry_run = true;
  SyncReport report = take(engine.sync(*connector, *session, dry), c.id + ": learning dry run");
  for (const auto& l : take(store().list_lines(report.run.id), c.id + ": dry run lines")) {
    if (l.outcome != "would_update" && l.outcome != "unchanged" && l.outcome != "held") continue;
    boost::system::error_code ec;
    json::value ref = json::parse(l.line_ref_json, ec);
    if (ec || !ref.is_object()) continue;
    std::string object = p.model->object_from_line_ref(ref.as_object());
    if (!object.empty()) lines_.push_back({index, l.workspace_id, l.service_id, object, 0});
  }
}

std::string ScaleWorld::usage_document(int window) const {
  std::map<std::pair<std::string, std::string>, int64_t> targets;
  for (const auto& line : lines_)
    targets[{line.workspace_id, line.service_id}] = line.base + window;
  json::array ws, sv, usage;
  for (const auto& s : services_) sv.push_back(json::object{{"id", s.id}, {"name", s.name}});
  for (const auto& c : connectors_) {
    const auto& psa = psa_services_[c.platform];
    for (const auto& [id, name] : c.workspaces) {
      ws.push_back(json::object{{"id", id}, {"name", name}, {"partner_id", c.id}});
      for (size_t s = 0; s < psa.size(); ++s) {
        auto it = targets.find({id, services_[s].id});
        const int64_t value = it != targets.end() ? it->second : kUnheldBase;
        usage.push_back(json::object{{"workspace_id", id},
                                     {"service_id", services_[s].id},
                                     {"users", value},
                                     {"devices", value}});
      }
    }
  }
  // Each window's snapshot is newer than the last (as_of has whole seconds).
  return json::serialize(
      json::object{{"as_of", format_iso8601_utc(as_of_base_ms_ + int64_t{window} * 60'000)},
                   {"workspaces", std::move(ws)},
                   {"services", std::move(sv)},
                   {"usage", std::move(usage)}});
}

void ScaleWorld::import_window(int window) {
  take(ops::import_usage(*app_, usage_document(window), "scale benchmark"),
       "usage import for window " + std::to_string(window));
}

void ScaleWorld::set_latency(int latency_ms) {
  for (auto& p : platforms_)
    p.sim->control("POST", "/_sim/latency", "{\"latency_ms\":" + std::to_string(latency_ms) + "}");
}

Snapshot ScaleWorld::snapshot() const {
  Snapshot out;
  for (const auto& p : platforms_) out.push_back(p.model->read_objects(p.sim->state()));
  return out;
}

std::vector<RequestCounts> ScaleWorld::request_counts() const {
  std::vector<RequestCounts> out;
  for (const auto& p : platforms_) {
    json::value stats = p.sim->control("GET", "/_sim/stats");
    RequestCounts counts;
    counts.total = stats.at("requests").to_number<int64_t>();
    counts.throttled = stats.at("throttled").to_number<int64_t>();
    for (const auto& [key, endpoint] : stats.at("endpoints").as_object())
      counts.endpoints[std::string(key)] = endpoint.at("requests").to_number<int64_t>();
    out.push_back(std::move(counts));
  }
  return out;
}

void ScaleWorld::wait_idle() const {
  for (const auto& p : platforms_)
    if (!p.sim->wait_idle(std::chrono::seconds(30)))
      throw std::runtime_error(p.model->id() + " still has requests in flight after 30 s");
}

WindowCheck ScaleWorld::check(const Snapshot& before, const Snapshot& after, int window) const {
  WindowCheck out;
  auto problem = [&](std::string text) {
    if (out.problems.size() < 10) out.problems.push_back(std::move(text));
  };
  for (const auto& line : lines_) {
    const ScaleConnector& c = connectors_[line.connector];
    auto state_of = [&](const Snapshot& s) {
      auto it = s[c.platform].find(line.object);
      return it == s[c.platform].end() ? reliability::ObjectState{} : it->second;
    };
    const reliability::ObjectState was = state_of(before), now = state_of(after);
    const int64_t target = line.base + window;
    ++out.lines;
    if (now.quantity != target) {
      ++out.mismatched;
      problem(c.id + " " + line.object + " holds " +
              (now.quantity ? std::to_string(*now.quantity) : std::string("nothing")) +
              ", target " + std::to_string(target));
    }
    const int64_t changes = now.changes - was.changes;
    if (changes > 1) {
      ++out.double_writes;
      problem(c.id + " " + line.object + " changed " + std::to_string(changes) +
              " times for one target");
    }
    if (changes == 0 && was.quantity != target) ++out.missed;
    if (const int64_t resent = now.writes - was.writes - changes; resent > 0) {
      out.repeated += resent;
      out.repeated_by_platform[platforms_[c.platform].model->id()] += resent;
    }
  }
  return out;
}

}  // namespace mb::bench
