#include "reliability/lab.h"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <map>
#include <stdexcept>

#include "bench/splitmix64.h"
#include "host/store/store.h"

namespace mb::reliability {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Numeric ids by value, then text: the platform's own order.
bool id_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

std::string text_of(const json::value& v, std::string_view key) {
  const json::value* m = v.as_object().if_contains(key);
  if (m == nullptr) return "";
  if (m->is_string()) return std::string(m->get_string());
  if (m->is_int64()) return std::to_string(m->get_int64());
  return "";
}

bool flag_of(const json::value& v, std::string_view key) {
  const json::value* m = v.as_object().if_contains(key);
  return m != nullptr && m->is_bool() && m->get_bool();
}

json::array listed(const WorkFolder& work, const std::vector<std::string>& args) {
  CliRun run = must(work, args);
  json::value doc = parse_output(run.out);
  if (!doc.is_array()) throw std::runtime_error("meterbridge printed no JSON list: " + run.out);
  return doc.get_array();
}

}  // namespace

CliRun must(const WorkFolder& work, const std::vector<std::string>& args) {
  CliRun run = work.run(args);
  if (run.exit_code != 0) {
    std::string command;
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error("meterbridge" + command + " exited with " +
                             std::to_string(run.exit_code) + ": " + run.err + run.out);
  }
  return run;
}

Lab::Lab(const PlatformModel& platform, Tools tools, fs::path dir, LabOptions options)
    : platform_(platform),
      tools_(std::move(tools)),
      dir_(std::move(dir)),
      options_(std::move(options)) {}

void Lab::write_config(const fs::path& dir) const {
  json::object http{{"timeout_ms", options_.http_timeout_ms},
                    {"connect_timeout_ms", 2000},
                    {"backoff_base_ms", 10},
                    {"backoff_max_ms", 100}};
  // Hundreds of trials run against one simulator: no hourly budget, and no client-side rate
  // limit that only slows the trials down (the simulator's own limits stay on).
  if (platform_.id() == "autotask") http["hourly_budget"] = 0;
  if (platform_.id() == "connectwise") http["requests_per_second"] = 0;
  json::object connector{
      {"id", kConnectorId},
      {"plugin", platform_.id()},
      {"partner", "Reliability MSP"},
      {"config", platform_.plugin_config(sim_->base_url())},
      {"policies",
       {{"decreases", "auto"},
        {"effective_date", "today"},
        {"unconfirmed_write_grace_seconds", options_.grace_seconds},
        // The trials change many lines at once, up and down; the mass-decrease hold is not
        // what they measure. Drops to 0 stay held (the approval races use them).
        {"max_decrease_share", 1}}},
      {"http", std::move(http)}};
  json::object config{{"state", {{"path", "state.db"}, {"key_file", "secret.key"}}},
                      {"plugins", {{"dir", tools_.plugins.string()}}},
                      {"api", {{"listen", "127.0.0.1:8470"}, {"token", "${env:MB_REL_API_TOKEN}"}}},
                      {"serve", {{"shutdown_grace_seconds", 2}}},
                      {"connectors", json::array{std::move(connector)}}};
  if (!options_.notifications.empty()) config["notifications"] = options_.notifications;
  fs::create_directories(dir);
  write_text(dir / "config.json", json::serialize(config) + "\n");
}

std::string Lab::usage_document(const std::vector<int64_t>& targets) const {
  std::vector<int64_t> values = base_values_;
  for (size_t i = 0; i < targets.size() && i < line_pair_.size(); ++i)
    values[line_pair_[i]] = targets[i];
  json::array ws, sv, usage;
  for (const auto& [id, name] : workspaces_) ws.push_back(json::object{{"id", id}, {"name", name}});
  for (const auto& s : services_) sv.push_back(json::object{{"id", s.id}, {"name", s.name}});
  size_t k = 0;
  for (const auto& w : workspaces_)
    for (const auto& s : services_) {
      usage.push_back(json::object{{"workspace_id", w.first},
                                   {"service_id", s.id},
                                   {"users", values[k]},
                                   {"devices", values[k]}});
      ++k;
    }
  return json::serialize(json::object{{"as_of", now_iso8601()},
                                      {"workspaces", std::move(ws)},
                                      {"services", std::move(sv)},
                                      {"usage", std::move(usage)}});
}

void Lab::import_targets(const WorkFolder& work, const std::vector<int64_t>& targets) const {
  const fs::path file = work.dir() / ("usage-" + std::to_string(++imports_) + ".json");
  write_text(file, usage_document(targets));
  must(work, {"usage", "import", file.string()});
  fs::remove(file);
}

void Lab::route_alerts(const WorkFolder& work) const {
  json::object config = json::parse(read_text(work.config())).as_object();
  json::object& connector = config["connectors"].as_array().at(0).as_object();
  connector["alerts"] = platform_.alerts_policy();
  connector["policies"].as_object()["unconfirmed_write_grace_seconds"] =
      options_.alert_grace_seconds;
  write_text(work.config(), json::serialize(config) + "\n");
  // Where a sync would map each workspace to its account (it has not run in a fresh trial), the
  // mappings are made directly: an alert on an unmapped workspace is only `not_routed`.
  if (platform_.binding() == Binding::kProvisioned)
    for (size_t i = 0; i < workspaces_.size(); ++i)
      must(work, {"map", "account", kConnectorId, workspaces_[i].first, accounts_[i]});
}

void Lab::push_alerts(const WorkFolder& work, const json::array& alerts) const {
  const fs::path file = work.dir() / ("alerts-" + std::to_string(++imports_) + ".json");
  write_text(file, json::serialize(json::object{{"alerts", alerts}}));
  must(work, {"alerts", "push", file.string()});
  fs::remove(file);
}

void export_secrets(const std::vector<ConnectorSecret>& secrets, const std::string& api_token) {
  for (const auto& s : secrets) ::setenv(s.variable.c_str(), s.value.c_str(), 1);
  ::setenv("MB_REL_API_TOKEN", api_token.c_str(), 1);
}

void Lab::set_up() {
  std::error_code ec;
  fs::remove_all(dir_, ec);  // what an earlier run left
  std::vector<std::string> args;
  json::object settings = platform_.simulator_settings();
  const std::string spec = platform_.generate_spec(options_.companies, options_.services);
  if (options_.secrets.empty() && !platform_.routes_alerts()) {
    args = {"--generate", spec};
  } else {
    // The canaries replace the built-in credentials in the generated seed; tickets need
    // boards the generator does not make.
    fs::create_directories(dir_);
    bench::ChildProcess printer = bench::ChildProcess::start(
        {tools_.simulator.string(), platform_.id(), "--generate", spec, "--print-seed"},
        {.stdout_path = dir_ / "seed.json", .stderr_path = dir_ / "seed.err"});
    if (printer.wait_and_read(nullptr) != 0)
      throw std::runtime_error("meterbridge-sim --print-seed failed: " +
                               read_text(dir_ / "seed.err"));
    json::object seed = json::parse(read_text(dir_ / "seed.json")).as_object();
    if (!options_.secrets.empty()) platform_.set_credentials(options_.secrets, seed, settings);
    if (platform_.routes_alerts()) platform_.add_ticket_setup(seed);
    write_text(dir_ / "seed.json", json::serialize(seed));
    args = {"--seed", (dir_ / "seed.json").string()};
  }
  if (!settings.empty()) {
    args.push_back("--settings");
    args.push_back(json::serialize(settings));
  }
  sim_ = std::make_unique<Simulator>(Simulator::start(tools_, platform_.id(), args, dir_));

  write_config(dir_ / "template");
  WorkFolder work = template_folder();
  const json::value state = sim_->state();

  json::array accounts = listed(work, {"accounts", "list", kConnectorId, "--refresh", "--json"});
  json::array psa_services =
      listed(work, {"services", "list", kConnectorId, "--refresh", "--json"});
  std::vector<std::pair<std::string, std::string>> chosen;
  for (const auto& a : accounts)
    if (flag_of(a, "active") && !flag_of(a, "missing"))
      chosen.emplace_back(text_of(a, "id"), text_of(a, "name"));
  std::sort(chosen.begin(), chosen.end(),
            [](const auto& a, const auto& b) { return id_less(a.first, b.first); });
  if (chosen.size() > static_cast<size_t>(options_.companies))
    chosen.resize(static_cast<size_t>(options_.companies));
  std::vector<std::pair<std::string, std::string>> psa;
  for (const auto& s : psa_services) psa.emplace_back(text_of(s, "id"), text_of(s, "name"));
  std::sort(psa.begin(), psa.end(),
            [](const auto& a, const auto& b) { return id_less(a.first, b.first); });
  if (psa.size() > static_cast<size_t>(options_.services))
    psa.resize(static_cast<size_t>(options_.services));
  if (chosen.empty() || psa.empty())
    throw std::runtime_error("the platform lists " + std::to_string(chosen.size()) +
                             " active accounts and " + std::to_string(psa.size()) + " services");

  // One workspace per account, under the account's id and name: auto-mapping matches the names,
  // and Gradient's provisioning finds the accounts it already holds by id.
  workspaces_.clear();
  for (const auto& [account, name] : chosen)
    workspaces_.emplace_back(platform_.workspace_for(account), name);
  accounts_.clear();
  for (const auto& a : chosen) accounts_.push_back(a.first);
  services_.clear();
  for (size_t i = 0; i < psa.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "svc-%02zu", i + 1);
    services_.push_back({id, psa[i].second, psa[i].first,
                         platform_.metric_for(psa[i].first, psa[i].second, state)});
  }
  bench::SplitMix64 rng(options_.seed ^ 0x1ab5eedULL);
  base_values_.clear();
  for (size_t i = 0; i < workspaces_.size() * services_.size(); ++i)
    base_values_.push_back(rng.between(5, 60));
  import_targets(work, {});
  bind_and_map(work);
  learn_lines(work, sim_->state());

  initial_.clear();
  ObjectStates objects = platform_.read_objects(sim_->state());
  for (const auto& line : lines_) {
    auto it = objects.find(line.object);
    initial_.push_back(it == objects.end() ? std::nullopt : it->second.quantity);
  }
}

void Lab::bind_and_map(const WorkFolder& work) {
  switch (platform_.binding()) {
    case Binding::kAutoMapByName:
      must(work, {"map", "auto", kConnectorId});
      break;
    case Binding::kLink:
      for (size_t i = 0; i < workspaces_.size(); ++i)
        must(work, {"link", kConnectorId, workspaces_[i].first, accounts_[i]});
      break;
    case Binding::kProvisioned:
      return;  // the first sync creates or finds the accounts and services and maps them
  }
  for (const auto& s : services_)
    must(work, {"map", "service", kConnectorId, s.id, s.psa_id, "--metric", s.metric});
}

void Lab::learn_lines(const WorkFolder& work, const json::value& state) {
  lines_.clear();
  line_pair_.clear();
  std::map<std::pair<std::string, std::string>, size_t> pair_index;
  for (size_t w = 0; w < workspaces_.size(); ++w)
    for (size_t s = 0; s < services_.size(); ++s)
      pair_index[{workspaces_[w].first, services_[s].id}] = w * services_.size() + s;

  if (!platform_.learns_lines_from_dry_run()) {
    for (size_t w = 0; w < workspaces_.size(); ++w)
      for (const auto& s : services_) {
        TrackedLine line{workspaces_[w].first, s.id, accounts_[w], s.psa_id, s.metric, ""};
        line.object = platform_.object_from_state(line, state);
        if (line.object.empty()) continue;
        line_pair_.push_back(pair_index[{line.workspace_id, line.service_id}]);
        lines_.push_back(std::move(line));
      }
  } else {
    // A dry run finds each line's platform object; the store keeps it as the line's reference.
    CliRun dry = work.run({"sync", kConnectorId, "--dry-run", "--json"});
    json::value report = parse_output(dry.out);
    if (!report.is_array() || report.as_array().empty())
      throw std::runtime_error("the learning dry run printed no report: " + dry.err);
    const int64_t run_id = report.as_array()[0].at("id").to_number<int64_t>();
    auto store =
        open_sqlite_store({.path = work.dir() / "state.db", .key_file = work.dir() / "secret.key"});
    if (!store)
      throw std::runtime_error("cannot open the template store: " + store.status().message());
    auto lines = (*store)->list_lines(run_id);
    if (!lines)
      throw std::runtime_error("cannot read the dry run's lines: " + lines.status().message());
    for (const auto& l : *lines) {
      if (l.outcome != "would_update" && l.outcome != "unchanged" && l.outcome != "held") continue;
      boost::system::error_code ec;
      json::value ref = json::parse(l.line_ref_json, ec);
      if (ec || !ref.is_object()) continue;
      std::string object = platform_.object_from_line_ref(ref.as_object());
      auto pair = pair_index.find({l.workspace_id, l.service_id});
      if (object.empty() || pair == pair_index.end()) continue;
      line_pair_.push_back(pair->second);
      lines_.push_back(
          {l.workspace_id, l.service_id, l.account_id, l.psa_service_id, l.metric, object});
    }
  }
  if (lines_.empty()) throw std::runtime_error("no line the platform can hold was found");
}

WorkFolder Lab::template_folder() const {
  WorkFolder work(tools_, dir_ / "template");
  if (!options_.log_level.empty()) work.set_global_args({"--log-level", options_.log_level});
  work.record_to(options_.transcript);
  return work;
}

WorkFolder Lab::fresh_trial(const std::string& name) {
  sim_->reset();
  return template_folder().copy_to(dir_ / name);
}

int64_t Lab::first_sync_ms(int latency_ms) {
  if (first_sync_ms_) return *first_sync_ms_;
  WorkFolder work = fresh_trial("calibration");
  std::vector<int64_t> targets;
  for (const auto& initial : initial_) targets.push_back(initial.value_or(0) + 1);
  import_targets(work, targets);
  sim_->control("POST", "/_sim/latency", "{\"latency_ms\":" + std::to_string(latency_ms) + "}");
  CliRun run = work.run({"sync", kConnectorId, "--json"});
  sim_->control("POST", "/_sim/latency", R"({"latency_ms":0})");
  first_sync_ms_ = static_cast<int64_t>(run.seconds * 1000);
  std::error_code ec;
  fs::remove_all(work.dir(), ec);
  return *first_sync_ms_;
}

std::vector<ObjectState> Lab::read_lines() const {
  ObjectStates objects = platform_.read_objects(sim_->state());
  std::vector<ObjectState> out;
  for (const auto& line : lines_) {
    auto it = objects.find(line.object);
    out.push_back(it == objects.end() ? ObjectState{} : it->second);
  }
  return out;
}

}  // namespace mb::reliability
