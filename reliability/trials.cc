#include "reliability/trials.h"

#include <signal.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/sim_control.h"
#include "bench/splitmix64.h"
#include "reliability/fault_plan.h"

namespace mb::reliability {
namespace json = boost::json;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr std::chrono::seconds kDrainLimit{30};

void sleep_ms(int64_t ms) { std::this_thread::sleep_for(milliseconds(ms)); }

// ---- Reading what a run reported -------------------------------------------------------------

// A run report (`sync --json` prints a list of them; the API and `runs approve --json` one).
struct Report {
  bool present = false;
  std::string state;
  std::map<std::string, int64_t> counts;
  int64_t id = 0;

  int64_t count(const std::string& outcome) const {
    auto it = counts.find(outcome);
    return it == counts.end() ? 0 : it->second;
  }
};

Report report_of(const json::value& doc) {
  const json::value* run = &doc;
  if (doc.is_array()) {
    if (doc.as_array().empty()) return {};
    run = &doc.as_array()[0];
  }
  if (!run->is_object() || !run->as_object().contains("state")) return {};
  Report r;
  r.present = true;
  r.state = std::string(run->at("state").as_string());
  r.id = run->at("id").to_number<int64_t>();
  if (const json::value* counts = run->as_object().if_contains("counts");
      counts && counts->is_object())
    for (const auto& [k, v] : counts->as_object())
      if (v.is_int64()) r.counts[std::string(k)] = v.as_int64();
  return r;
}

bool is_busy_refusal(const CliRun& run) {
  return run.exit_code == 1 && run.err.find("is busy") != std::string::npos;
}

// ---- One trial's context ----------------------------------------------------------------------

class Trial {
 public:
  Trial(Lab& lab, const TrialSpec& spec) : lab_(lab), spec_(spec), rng_(spec.seed) {}

  Tally& tally() { return tally_; }
  bench::SplitMix64& rng() { return rng_; }
  Lab& lab() { return lab_; }

  void problem(const std::string& what) {
    std::ostringstream s;
    s << lab_.platform().id() << " " << spec_.kind << ":" << spec_.index << " (seed " << spec_.seed
      << "): " << what;
    tally_.problems.push_back(s.str());
  }
  void count(const std::string& figure, int64_t n = 1) { tally_.counts[figure] += n; }

  // A meterbridge run that must not crash or hang; counts it when it does.
  void check_process(const CliRun& run, const std::string& what) {
    if (run.timed_out) {
      count("hangs");
      problem(what + " did not end within its time limit and was killed");
    } else if (run.exit_code != 0 && run.exit_code != 1 && run.exit_code != 6) {
      count("crashes");
      problem(what + " exited with " + std::to_string(run.exit_code) + ": " +
              run.err.substr(0, 400));
    }
  }

  // A sync that must end with a report whose state agrees with its exit code.
  Report sync(const WorkFolder& work, const std::string& what) {
    CliRun run = work.run({"sync", kConnectorId, "--json"});
    check_process(run, what);
    Report r = report_of(parse_output(run.out));
    if (!run.timed_out && !r.present && !is_busy_refusal(run) &&
        (run.exit_code == 0 || run.exit_code == 6 || run.exit_code == 8)) {
      problem(what + " printed no run report: " + run.out.substr(0, 200));
    }
    if (r.present) {
      const int expected = r.state == "ok"                ? 0
                           : r.state == "partial"         ? 6
                           : r.state == "needs_attention" ? 8
                                                          : 1;
      if (run.exit_code != expected) {
        count("exit_code_disagrees");
        problem(what + " ended " + r.state + " with exit code " + std::to_string(run.exit_code));
      }
    }
    return r;
  }

  // Clean runs until no line waits for an earlier write's confirmation: each one waits out the
  // journal's grace period first when the previous one left lines pending.
  Report settle(const WorkFolder& work) {
    Report r;
    for (int attempt = 0; attempt < 3; ++attempt) {
      r = sync(work, "clean run");
      if (!r.present || r.count("pending_confirmation") == 0) break;
      count("grace_waits");
      sleep_ms(lab_.options().grace_seconds * 1000 + 300);
    }
    if (!r.present || r.state != "ok") {
      count("clean_runs_not_ok");
      problem("the last clean run ended " +
              (r.present ? r.state : std::string("without a report")));
    }
    return r;
  }

  void drain() {
    lab_.sim().clear_faults();
    if (!lab_.sim().wait_idle(kDrainLimit)) problem("requests still in flight after 30 s");
  }

  // Compares every tracked line with its target; counts lines that differ and lines changed more
  // often than their target required since `before`.
  void read_back(const std::vector<ObjectState>& before, const std::vector<int64_t>& targets,
                 const std::string& prefix) {
    std::vector<ObjectState> after = lab_.read_lines();
    for (size_t i = 0; i < targets.size(); ++i) {
      const TrackedLine& line = lab_.lines()[i];
      count(prefix + "lines_checked");
      if (after[i].quantity != targets[i]) {
        count(prefix + "mismatched_lines");
        problem(line.object + " holds " +
                (after[i].quantity ? std::to_string(*after[i].quantity) : std::string("nothing")) +
                ", target " + std::to_string(targets[i]));
      }
      const int64_t changes = after[i].changes - before[i].changes;
      const int64_t expected = before[i].quantity != targets[i] ? 1 : 0;
      if (changes > expected) {
        count(prefix + "double_writes");
        problem(line.object + " changed " + std::to_string(changes) + " times for one target (" +
                (before[i].quantity ? std::to_string(*before[i].quantity) : std::string("none")) +
                " -> " + std::to_string(targets[i]) + ")");
      }
      count(prefix + "repeated_writes",
            std::max<int64_t>(0, after[i].writes - before[i].writes - changes));
    }
  }

  // Targets for every line that differ from what the platform holds (a first full sync).
  std::vector<int64_t> first_targets() {
    std::vector<int64_t> targets;
    for (const auto& initial : lab_.initial()) {
      if (!initial) {
        targets.push_back(rng_.between(1, 250));
        continue;
      }
      int64_t t = *initial + (rng_.between(0, 1) == 1 ? 1 : -1) * rng_.between(1, 20);
      if (t < 1 || t == *initial) t = *initial + rng_.between(1, 20);
      targets.push_back(t);
    }
    return targets;
  }

  // About a third of the lines changed up or down by a few units (a daily sync).
  std::vector<int64_t> changed_targets(std::vector<int64_t> targets) {
    for (auto& t : targets) {
      if (rng_.between(0, 2) != 0) continue;
      int64_t next = t + (rng_.between(0, 1) == 1 ? 1 : -1) * rng_.between(1, 5);
      t = next < 1 ? t + rng_.between(1, 5) : next;
    }
    return targets;
  }

  WorkFolder fresh() { return lab_.fresh_trial(spec_.kind + "-" + std::to_string(spec_.index)); }

  const TrialSpec& spec() const { return spec_; }

 private:
  Lab& lab_;
  TrialSpec spec_;
  bench::SplitMix64 rng_;
  Tally tally_;
};

// ---- Fault matrix -----------------------------------------------------------------------------

void faulted_phase(Trial& t, const WorkFolder& work, const std::vector<int64_t>& targets,
                   const std::string& phase) {
  Lab& lab = t.lab();
  Simulator& sim = lab.sim();
  const std::vector<ObjectState> before = lab.read_lines();
  lab.import_targets(work, targets);

  FaultPlan plan = random_fault_plan(t.rng(), lab.platform(), lab.options().http_timeout_ms);
  const int64_t injected_before = sim.faults_injected();
  sim.set_faults(plan.document);
  Report faulted = t.sync(work, phase + " sync under faults");
  t.count("fault_runs");
  json::value fired = sim.control("GET", "/_sim/faults");
  t.drain();
  t.count("faults_injected", sim.faults_injected() - injected_before);
  const json::array& rules = fired.at("rules").as_array();
  for (size_t i = 0; i < rules.size() && i < plan.rule_names.size(); ++i)
    t.count("fault:" + plan.rule_names[i], rules[i].at("fired").to_number<int64_t>());

  if (faulted.present) {
    t.count("runs_" + faulted.state);
    const int64_t succeeded = faulted.count("updated") + faulted.count("unchanged");
    if (faulted.state == "failed" && succeeded > 0) {
      t.count("failed_where_partial_was_right");
      t.problem(phase + " sync ended failed with " + std::to_string(succeeded) +
                " lines updated or unchanged");
    }
    if (faulted.state == "failed") {
      // Lines the platform took during the run although the run says nothing succeeded: writes
      // whose answer was lost (the run cannot know), reported for information.
      std::vector<ObjectState> now = lab.read_lines();
      for (size_t i = 0; i < targets.size(); ++i)
        if (now[i].quantity == targets[i] && before[i].quantity != targets[i])
          t.count("failed_runs_with_writes_landed");
    }
  }
  t.settle(work);
  t.drain();
  t.read_back(before, targets, "");
}

void fault_trial(Trial& t) {
  WorkFolder work = t.fresh();
  std::vector<int64_t> first = t.first_targets();
  faulted_phase(t, work, first, "first");
  faulted_phase(t, work, t.changed_targets(first), "changed");
}

// ---- Kill trials ------------------------------------------------------------------------------

// A `serve` process with its admin API address.
struct Serve {
  bench::ChildProcess process;
  std::string base_url;
};

Serve start_serve(const WorkFolder& work, const std::string& name) {
  Serve serve;
  serve.process = work.start({"serve", "--no-schedule", "--listen", "127.0.0.1:0"}, name);
  serve.base_url =
      serve.process.wait_for_first_line(work.dir() / (name + ".out"), std::chrono::seconds(30));
  // The first line may carry words before the address.
  const size_t at = serve.base_url.find("http://");
  if (at != std::string::npos) serve.base_url = serve.base_url.substr(at);
  while (!serve.base_url.empty() &&
         (serve.base_url.back() == '/' ||
          std::isspace(static_cast<unsigned char>(serve.base_url.back()))))
    serve.base_url.pop_back();
  return serve;
}

bench::SimResponse api_call(const std::string& base_url, const std::string& method,
                            const std::string& path, const std::string& body) {
  return bench::sim_request(base_url, method, path, body,
                            {{"Authorization", std::string("Bearer ") + Lab::kApiToken}});
}

// Waits until `ready` or `limit`; true when ready.
template <typename Ready>
bool wait_until(Ready ready, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    sleep_ms(5);
  }
  return true;
}

int64_t rule_fired(const Simulator& sim) {
  json::value faults = sim.control("GET", "/_sim/faults");
  int64_t fired = 0;
  for (const auto& rule : faults.at("rules").as_array())
    fired += rule.at("fired").to_number<int64_t>();
  return fired;
}

void kill_trial(Trial& t) {
  Lab& lab = t.lab();
  Simulator& sim = lab.sim();
  constexpr int kLatencyMs = 8;
  const int64_t run_ms = lab.first_sync_ms(kLatencyMs);
  WorkFolder work = t.fresh();
  const std::vector<ObjectState> before = lab.read_lines();
  const std::vector<int64_t> targets = t.first_targets();
  lab.import_targets(work, targets);

  // Where the kill lands: while some writes are being processed (held by the simulator, their
  // handlers run before or after the delay), or at a random time into the run.
  const bool during_writes = t.rng().between(0, 1) == 1;
  const bool via_serve = t.rng().between(0, 3) == 0;
  int64_t writes_in_flight = 0;
  if (during_writes) {
    writes_in_flight = t.rng().between(1, 3);
    json::object delay{{"kind", "delay"},
                       {"delay_ms", t.rng().between(300, 1500)},
                       {"handled", t.rng().between(0, 1) == 1},
                       {"method", lab.platform().write_method()},
                       {"path", lab.platform().write_path()},
                       {"count", writes_in_flight}};
    sim.set_faults({{"seed", 1}, {"rules", json::array{delay}}});
  }
  // A little latency on every answer stretches the run, so a kill at a random time lands in
  // start-up, planning, reading or writing alike.
  const int64_t kill_after_ms = t.rng().between(10, std::max<int64_t>(100, run_ms * 11 / 10));
  sim.control("POST", "/_sim/latency", "{\"latency_ms\":" + std::to_string(kLatencyMs) + "}");

  std::optional<Serve> serve;
  bench::ChildProcess victim;
  std::future<void> api_sync;
  if (via_serve) {
    serve = start_serve(work, "victim-serve");
    const std::string url = serve->base_url;
    api_sync = std::async(std::launch::async, [url] {
      try {
        api_call(url, "POST", std::string("/v1/connectors/") + kConnectorId + "/sync", "{}");
      } catch (const std::exception&) {  // the connection dies with the process
      }
    });
  } else {
    victim = work.start({"sync", kConnectorId, "--json"}, "victim");
  }
  bench::ChildProcess& process = via_serve ? serve->process : victim;
  const auto started = std::chrono::steady_clock::now();
  if (during_writes) {
    // Some writes are held by the simulator: kill while they are (their delay is 300 ms or more).
    wait_until([&] { return process.poll().has_value() || rule_fired(sim) >= 1; },
               milliseconds(30000));
    sleep_ms(t.rng().between(0, 150));
  } else {
    wait_until(
        [&] {
          return process.poll().has_value() ||
                 std::chrono::steady_clock::now() - started > milliseconds(kill_after_ms);
        },
        milliseconds(kill_after_ms + 1000));
  }
  const bool still_running =
      !process.poll().has_value() &&
      (!via_serve || api_sync.wait_for(milliseconds(0)) != std::future_status::ready);
  ::kill(process.pid(), SIGKILL);
  process.wait_and_read(nullptr);
  if (api_sync.valid()) api_sync.wait();
  if (still_running) {
    t.count("kills");
    t.count(during_writes ? "kills_during_writes" : "kills_at_random_time");
    if (via_serve) t.count("kills_of_serve");
  } else {
    t.count("kills_after_the_run_ended");
  }

  sim.control("POST", "/_sim/latency", R"({"latency_ms":0})");
  // At once: whatever may still land is not written again.
  t.sync(work, "rerun at once");
  // The held writes land; after the grace period the lines are completed.
  t.drain();
  sleep_ms(lab.options().grace_seconds * 1000 + 300);
  t.settle(work);
  t.drain();
  t.read_back(before, targets, "kill_");

  CliRun runs = work.run({"runs", "list", kConnectorId, "--json"});
  t.check_process(runs, "runs list");
  json::value history = parse_output(runs.out);
  if (history.is_array())
    for (const auto& r : history.as_array()) {
      const std::string state(r.at("state").as_string());
      if (state == "planned" || state == "applying") {
        t.count("runs_left_open");
        t.problem("run " + std::to_string(r.at("id").to_number<int64_t>()) + " left " + state);
      }
    }
}

// ---- Concurrency ------------------------------------------------------------------------------

// A racing participant's report: CLI or API, refused as busy or ran.
struct Outcome {
  bool refused_busy = false;
  Report report;
  std::string failure;  // neither ran nor was refused as busy
};

Outcome cli_outcome(Trial& t, const WorkFolder& work, bench::ChildProcess& process,
                    const std::string& name) {
  CliRun run = work.finish(process, name);
  t.check_process(run, name);
  Outcome o;
  o.refused_busy = is_busy_refusal(run);
  o.report = report_of(parse_output(run.out));
  if (!o.refused_busy && !o.report.present)
    o.failure = "exit " + std::to_string(run.exit_code) + ": " + run.err.substr(0, 300);
  return o;
}

Outcome api_outcome(const bench::SimResponse& response) {
  Outcome o;
  o.refused_busy = response.status == 409 && response.body.find("is busy") != std::string::npos;
  if (response.status == 200) o.report = report_of(parse_output(response.body));
  if (!o.refused_busy && !o.report.present)
    o.failure = "API " + std::to_string(response.status) + ": " + response.body.substr(0, 300);
  return o;
}

// Starts `participants` syncs at once, each through the CLI or `serve`'s API.
std::vector<Outcome> race(Trial& t, const WorkFolder& work, int participants,
                          const std::vector<std::string>& approve_run) {
  std::vector<bool> via_api;
  bool any_api = false;
  for (int i = 0; i < participants; ++i) {
    via_api.push_back(t.rng().between(0, 1) == 1);
    any_api = any_api || via_api.back();
  }
  std::optional<Serve> serve;
  if (any_api) serve = start_serve(work, "race-serve");
  std::vector<bench::ChildProcess> cli(static_cast<size_t>(participants));
  std::vector<std::future<bench::SimResponse>> api(static_cast<size_t>(participants));
  for (int i = 0; i < participants; ++i) {
    const auto k = static_cast<size_t>(i);
    const bool approve = i == 0 && !approve_run.empty();
    if (via_api[k]) {
      const std::string url = serve->base_url;
      const std::string path = approve ? "/v1/runs/" + approve_run[0] + "/approve"
                                       : std::string("/v1/connectors/") + kConnectorId + "/sync";
      api[k] =
          std::async(std::launch::async, [url, path] { return api_call(url, "POST", path, "{}"); });
    } else {
      // In an approval race the other racer is the daily run, as cron or the scheduler starts it.
      std::vector<std::string> args =
          approve ? std::vector<std::string>{"runs", "approve", approve_run[0], "--json"}
                  : std::vector<std::string>{"sync", kConnectorId, "--json"};
      if (!approve && !approve_run.empty()) args.push_back("--scheduled");
      cli[k] = work.start(args, "racer-" + std::to_string(i));
    }
  }
  std::vector<Outcome> outcomes;
  for (int i = 0; i < participants; ++i) {
    const auto k = static_cast<size_t>(i);
    if (via_api[k]) {
      try {
        outcomes.push_back(api_outcome(api[k].get()));
      } catch (const std::exception& e) {
        Outcome o;
        o.failure = e.what();
        outcomes.push_back(o);
      }
    } else {
      outcomes.push_back(cli_outcome(t, work, cli[k], "racer-" + std::to_string(i)));
    }
  }
  if (serve) {
    const int code = serve->process.terminate();
    if (code != 0) {
      t.count("crashes");
      t.problem("serve exited with " + std::to_string(code) + " on SIGTERM");
    }
  }
  return outcomes;
}

void race_trial(Trial& t) {
  Lab& lab = t.lab();
  WorkFolder work = t.fresh();
  const std::vector<ObjectState> before = lab.read_lines();
  const std::vector<int64_t> targets = t.first_targets();
  lab.import_targets(work, targets);
  // Every platform answer 20 ms late, so the racers' runs overlap.
  lab.sim().control("POST", "/_sim/latency", R"({"latency_ms":20})");
  const int participants = t.rng().between(0, 1) == 1 ? 4 : 2;
  std::vector<Outcome> outcomes = race(t, work, participants, {});
  lab.sim().control("POST", "/_sim/latency", R"({"latency_ms":0})");

  t.count("races");
  t.count(participants == 4 ? "races_of_4" : "races_of_2");
  int applied = 0;
  for (const auto& o : outcomes) {
    if (!o.failure.empty()) t.problem("a racer neither ran nor was refused: " + o.failure);
    if (o.report.present && o.report.count("updated") > 0) ++applied;
  }
  if (applied != 1) {
    t.count("races_not_applied_once");
    t.problem(std::to_string(applied) + " of " + std::to_string(participants) +
              " racing runs applied writes");
  }
  t.settle(work);
  t.drain();
  t.read_back(before, targets, "race_");
}

// Held drops to 0, then `runs approve` of that run racing a sync: the held lines are applied
// at most once, by the approval; a sync holds them again.
void approve_trial(Trial& t) {
  Lab& lab = t.lab();
  WorkFolder work = t.fresh();
  std::vector<int64_t> targets = t.first_targets();
  lab.import_targets(work, targets);
  t.settle(work);
  t.drain();
  const std::vector<ObjectState> settled = lab.read_lines();

  std::vector<bool> dropped(targets.size(), false);
  std::vector<int64_t> next = targets;
  int drops = 0;
  for (size_t i = 0; i < next.size(); ++i)
    if (t.rng().between(0, 3) == 0 || (i + 1 == next.size() && drops == 0)) {
      next[i] = 0;
      dropped[i] = true;
      ++drops;
    }
  lab.import_targets(work, next);
  Report held = t.sync(work, "sync holding drops to 0");
  if (!held.present || held.count("held") == 0) {
    t.problem("the sync held no drop to 0");
    return;
  }
  lab.sim().control("POST", "/_sim/latency", R"({"latency_ms":20})");
  std::vector<Outcome> outcomes = race(t, work, 2, {std::to_string(held.id)});
  lab.sim().control("POST", "/_sim/latency", R"({"latency_ms":0})");
  t.count("approve_races");
  const Outcome& approval = outcomes[0];
  const bool approved = approval.report.present && approval.report.count("updated") > 0;
  if (approved) t.count("approvals_applied");
  for (const auto& o : outcomes)
    if (!o.failure.empty() && o.failure.find("409") == std::string::npos &&
        o.failure.find("exit 1") == std::string::npos)
      t.problem("an approve racer failed: " + o.failure);

  t.drain();
  std::vector<ObjectState> after = lab.read_lines();
  for (size_t i = 0; i < next.size(); ++i) {
    const int64_t changes = after[i].changes - settled[i].changes;
    const bool ok_value = dropped[i]
                              ? (after[i].quantity == settled[i].quantity || after[i].quantity == 0)
                              : after[i].quantity == next[i];
    if (!ok_value) {
      t.count("approve_mismatched_lines");
      t.problem(lab.lines()[i].object + " holds " +
                (after[i].quantity ? std::to_string(*after[i].quantity) : std::string("nothing")) +
                " after the approval race");
    }
    if (changes > 1) {
      t.count("approve_double_writes");
      t.problem(lab.lines()[i].object + " changed " + std::to_string(changes) +
                " times in the approval race");
    }
  }
}

// ---- Alerts to tickets ------------------------------------------------------------------------

// An `alerts sync` of the trial's connector, checked like a sync: it must not crash or hang, and
// its exit code must agree with its report (0 when nothing failed, 6 when some alert failed).
// The run's counts by outcome; none when no run was recorded (it failed whole, e.g. the boards
// could not be read under faults, or it was refused as busy).
std::optional<std::map<std::string, int64_t>> alerts_sync(Trial& t, const WorkFolder& work,
                                                          const std::string& what) {
  CliRun run = work.run({"alerts", "sync", "--connector", kConnectorId, "--json"});
  t.check_process(run, what);
  t.count("alert_runs");
  json::value doc = parse_output(run.out);
  if (!doc.is_object() || !doc.as_object().contains("counts")) {
    if (run.exit_code == 0 || run.exit_code == 6)
      t.problem(what + " printed no alerts run: " + run.out.substr(0, 200));
    return std::nullopt;
  }
  std::map<std::string, int64_t> counts;
  for (const auto& [outcome, n] : doc.at("counts").as_object())
    counts[std::string(outcome)] = n.to_number<int64_t>();
  // Alerts whose earlier create had no known outcome and was left alone within the grace.
  if (const json::value* lines = doc.as_object().if_contains("lines"); lines && lines->is_array())
    for (const auto& line : lines->get_array())
      if (const json::value* m = line.as_object().if_contains("message");
          m && m->is_string() && m->get_string().find("may still land") != json::string::npos)
        t.count("alert_creates_in_grace");
  const int expected = counts.count("failed") ? 6 : 0;
  if (run.exit_code != expected) {
    t.count("exit_code_disagrees");
    t.problem(what + " exited " + std::to_string(run.exit_code) + " for a run with " +
              (counts.count("failed") ? "failed alerts" : "no failure"));
  }
  return counts;
}

// Clean alerts runs until one ends without a failed alert (at most three). A failed alert may
// be a create whose outcome is unknown and which is left alone for the grace (docs/alerts.md),
// so a run after a failed one waits the grace out first. Then in-flight requests drain.
void settle_alerts(Trial& t, const WorkFolder& work) {
  bool clean = false;
  for (int attempt = 0; attempt < 3 && !clean; ++attempt) {
    if (attempt > 0) {
      t.count("alert_grace_waits");
      // The stored time is whole seconds, so the grace ends up to a second after it.
      sleep_ms(t.lab().options().alert_grace_seconds * 1000 + 1300);
    }
    auto counts = alerts_sync(t, work, "clean alerts run");
    clean = counts && !counts->count("failed");
  }
  t.drain();
  if (!clean) {
    t.count("alert_clean_runs_not_ok");
    t.problem("the last clean alerts run failed, or failed some alert");
  }
}

// Every alert has exactly one ticket carrying its reference, open or closed as expected.
void check_tickets(Trial& t, const std::vector<std::string>& alert_ids, bool closed) {
  Lab& lab = t.lab();
  TicketsByReference tickets = lab.platform().read_tickets(lab.sim().state());
  for (const auto& id : alert_ids) {
    t.count("alert_tickets_checked");
    auto it = tickets.find("mb-alert:" + id);
    const size_t n = it == tickets.end() ? 0 : it->second.size();
    if (n == 0) {
      t.count("alert_tickets_missing");
      t.problem("alert " + id + " has no ticket");
      continue;
    }
    if (n > 1) {
      t.count("alert_tickets_duplicated", static_cast<int64_t>(n - 1));
      t.problem("alert " + id + " has " + std::to_string(n) + " tickets");
    }
    if (it->second.front().closed != closed) {
      t.count(closed ? "alert_tickets_not_closed" : "alert_tickets_closed_early");
      t.problem("alert " + id + "'s ticket " + it->second.front().id +
                (closed ? " is still open after the alert resolved" : " is closed, alert open"));
    }
  }
}

// An alerts run under a random fault plan aimed at `target` (the ticket creates or updates).
void faulted_alerts_run(Trial& t, const WorkFolder& work,
                        const std::pair<std::string, std::string>& target,
                        const std::string& phase) {
  Lab& lab = t.lab();
  Simulator& sim = lab.sim();
  FaultPlan plan = random_fault_plan_at(t.rng(), lab.platform(), lab.options().http_timeout_ms,
                                        target.first, target.second);
  const int64_t injected_before = sim.faults_injected();
  sim.set_faults(plan.document);
  auto counts = alerts_sync(t, work, phase + " alerts run under faults");
  t.count("alert_fault_runs");
  if (!counts || counts->count("failed")) t.count("alert_fault_runs_not_ok");
  json::value fired = sim.control("GET", "/_sim/faults");
  t.drain();
  t.count("alert_faults_injected", sim.faults_injected() - injected_before);
  const json::array& rules = fired.at("rules").as_array();
  for (size_t i = 0; i < rules.size() && i < plan.rule_names.size(); ++i)
    t.count("fault:" + plan.rule_names[i].substr(0, plan.rule_names[i].find('@')) + "@tickets",
            rules[i].at("fired").to_number<int64_t>());
}

// An alerts run SIGKILLed while 1-2 ticket creates are held by the simulator (processed before
// or after their delay): the create was sent, its answer never read.
void killed_alerts_run(Trial& t, const WorkFolder& work) {
  Lab& lab = t.lab();
  Simulator& sim = lab.sim();
  const auto [method, path] = lab.platform().ticket_create();
  json::object delay{{"kind", "delay"},
                     {"delay_ms", t.rng().between(300, 4000)},
                     {"handled", t.rng().between(0, 1) == 1},
                     {"method", method},
                     {"path", path},
                     {"count", t.rng().between(1, 2)}};
  sim.set_faults({{"seed", 1}, {"rules", json::array{delay}}});
  bench::ChildProcess victim =
      work.start({"alerts", "sync", "--connector", kConnectorId, "--json"}, "alerts-victim");
  wait_until([&] { return victim.poll().has_value() || rule_fired(sim) >= 1; },
             milliseconds(30000));
  sleep_ms(t.rng().between(0, 150));
  const bool still_running = !victim.poll().has_value();
  ::kill(victim.pid(), SIGKILL);
  victim.wait_and_read(nullptr);
  t.count(still_running ? "alert_kills" : "alert_kills_after_the_run_ended");
  // No drain: the next run starts at once (as serve's next alerts job may), while the killed
  // run's create can still be held. Only the grace keeps that run from searching before the
  // create lands and creating a second ticket.
  sim.clear_faults();
}

// Alerts pushed, an alerts run faulted or killed while it creates their tickets, clean runs;
// then every alert resolved, a faulted run while it closes them, clean runs. After each phase
// every alert has exactly one ticket (read from the simulator), closed once resolved.
void alerts_trial(Trial& t) {
  Lab& lab = t.lab();
  if (!lab.platform().routes_alerts()) return;
  WorkFolder work = t.fresh();
  lab.route_alerts(work);
  static const char* kSeverities[] = {"low", "medium", "high", "critical"};
  const int64_t n = t.rng().between(2, 6);
  json::array open, resolved;
  std::vector<std::string> ids;
  for (int64_t i = 0; i < n; ++i) {
    const std::string id = "rel-" + std::to_string(t.spec().index) + "-" + std::to_string(i);
    const auto& workspace = lab.workspaces()[static_cast<size_t>(
        t.rng().between(0, static_cast<int64_t>(lab.workspaces().size()) - 1))];
    json::object alert{{"id", id},
                       {"workspace_id", workspace.first},
                       {"title", "Suspicious activity " + id},
                       {"severity", kSeverities[static_cast<size_t>(t.rng().between(0, 3))]},
                       {"status", "open"},
                       {"time", "2026-12-05T10:00:00Z"}};
    open.push_back(alert);
    alert["status"] = "resolved";
    alert["time"] = "2026-12-05T12:00:00Z";
    resolved.push_back(std::move(alert));
    ids.push_back(id);
  }
  t.count("alerts_pushed", n);
  lab.push_alerts(work, open);
  if (t.rng().between(0, 1) == 1)
    killed_alerts_run(t, work);
  else
    faulted_alerts_run(t, work, lab.platform().ticket_create(), "opening");
  settle_alerts(t, work);
  check_tickets(t, ids, /*closed=*/false);

  lab.push_alerts(work, resolved);
  faulted_alerts_run(t, work, lab.platform().ticket_update(), "closing");
  settle_alerts(t, work);
  check_tickets(t, ids, /*closed=*/true);
  t.count("alert_trials");
}

}  // namespace

void Tally::add(const Tally& other) {
  for (const auto& [k, v] : other.counts) counts[k] += v;
  problems.insert(problems.end(), other.problems.begin(), other.problems.end());
}

int64_t Tally::operator[](const std::string& figure) const {
  auto it = counts.find(figure);
  return it == counts.end() ? 0 : it->second;
}

const std::vector<std::string>& trial_kinds() {
  static const std::vector<std::string> kinds{"fault", "kill", "race", "approve", "alerts"};
  return kinds;
}

uint64_t trial_seed(uint64_t base_seed, const std::string& platform, const std::string& kind,
                    int index) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over the names, mixed with the numbers
  for (char c : platform + "/" + kind) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  bench::SplitMix64 mix(base_seed ^ h ^ (static_cast<uint64_t>(index) << 32));
  return mix.next() >> 1;  // stays a positive signed number in JSON
}

Tally run_trial(Lab& lab, const TrialSpec& spec) {
  Trial t(lab, spec);
  if (spec.kind == "fault")
    fault_trial(t);
  else if (spec.kind == "kill")
    kill_trial(t);
  else if (spec.kind == "race")
    race_trial(t);
  else if (spec.kind == "approve")
    approve_trial(t);
  else if (spec.kind == "alerts")
    alerts_trial(t);
  else
    throw std::runtime_error("unknown trial kind '" + spec.kind + "'");
  return t.tally();
}

}  // namespace mb::reliability
