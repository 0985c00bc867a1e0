// meterbridge-reliability: the fault matrix, kill trials, concurrency trials and alerts trials
// against every platform's simulator, with the real CLI and `serve` (docs/reliability.md). Prints
// one table of figures and writes them to a JSON file; exits 1 when a figure misses its goal.
//
//   meterbridge-reliability --quick                       # the size `make test` runs
//   meterbridge-reliability                               # the full size (make reliability)
//   meterbridge-reliability --platforms autotask --seed 42 --trial fault:17   # one trial again
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "bench/subprocess.h"
#include "reliability/lab.h"
#include "reliability/report.h"
#include "reliability/secret_audit.h"
#include "reliability/trials.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace mb::reliability;

struct Sizes {
  int fault_runs = 200;  // faulted syncs per platform: two per fault trial
  int kills = 100;
  int races = 20;
  int approve_races = 10;
  int alert_trials = 40;  // on platforms whose plugin routes alerts to tickets
  int companies = 12;
  int services = 2;
};

struct Options {
  Sizes sizes;
  bool quick = false;
  std::string platforms = "autotask,connectwise,gradient,external";
  uint64_t seed = 0;
  bool seed_given = false;
  std::string trial;  // KIND:INDEX
  fs::path out;
  fs::path json_file;
  bool keep = false;
  bool secret_audit = true;
  int jobs = 1;
  Tools tools;
};

std::vector<std::string> split(const std::string& s, char by) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(by, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The trials one platform runs: every kind at its size, or the one --trial names.
std::vector<TrialSpec> planned_trials(const Options& o, const std::string& platform,
                                      bool routes_alerts) {
  std::vector<TrialSpec> specs;
  auto add = [&](const std::string& kind, int n) {
    for (int i = 1; i <= n; ++i) specs.push_back({kind, i, trial_seed(o.seed, platform, kind, i)});
  };
  if (o.trial.rfind("audit", 0) == 0) return specs;  // the audit alone
  if (!o.trial.empty()) {
    auto parts = split(o.trial, ':');
    if (parts.size() != 2) throw std::runtime_error("--trial takes KIND:INDEX, e.g. fault:17");
    const int index = std::stoi(parts[1]);
    specs.push_back({parts[0], index, trial_seed(o.seed, platform, parts[0], index)});
    return specs;
  }
  add("fault", (o.sizes.fault_runs + 1) / 2);
  add("kill", o.sizes.kills);
  add("race", o.sizes.races);
  add("approve", o.sizes.approve_races);
  if (routes_alerts) add("alerts", o.sizes.alert_trials);
  return specs;
}

PlatformResult run_platform(const Options& o, const PlatformModel& platform, std::mutex& print) {
  PlatformResult result;
  result.platform = platform.id();
  const auto start = std::chrono::steady_clock::now();
  LabOptions lab_options;
  lab_options.companies = o.sizes.companies;
  lab_options.services = o.sizes.services;
  lab_options.seed = o.seed;
  Lab lab(platform, o.tools, o.out / platform.id(), lab_options);
  try {
    lab.set_up();
    result.lines = static_cast<int64_t>(lab.lines().size());
    std::vector<TrialSpec> specs = planned_trials(o, platform.id(), platform.routes_alerts());
    int last_kill = o.trial.empty() ? o.sizes.kills : 0;
    for (size_t next = 0; next < specs.size(); ++next) {
      const TrialSpec spec = specs[next];
      Tally t = run_trial(lab, spec);
      {
        std::lock_guard<std::mutex> lock(print);
        for (const auto& p : t.problems) std::cerr << "PROBLEM " << p << "\n";
        if (!t.problems.empty())
          std::cerr << "  rerun: meterbridge-reliability --platforms " << platform.id()
                    << " --seed " << o.seed << " --trial " << spec.kind << ":" << spec.index
                    << " --keep\n";
      }
      if (t.problems.empty() && !o.keep) {
        std::error_code ec;
        fs::remove_all(lab.dir() / (spec.kind + "-" + std::to_string(spec.index)), ec);
      } else if (!t.problems.empty()) {
        result.failed_trials.push_back(spec.kind + ":" + std::to_string(spec.index));
      }
      result.tally.add(t);
      // A kill whose signal came after the run had ended is no kill: draw more kill trials (each
      // seeded by its index like the others) until --kills landed, at most three times as many.
      if (spec.kind == "kill" && spec.index == last_kill &&
          result.tally["kills"] < o.sizes.kills && last_kill < 3 * o.sizes.kills) {
        ++last_kill;
        specs.insert(specs.begin() + static_cast<std::ptrdiff_t>(next) + 1,
                     {"kill", last_kill, trial_seed(o.seed, platform.id(), "kill", last_kill)});
      }
    }
    if (!lab.sim().alive()) result.error = "the simulator died during the trials";
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"meterbridge-reliability: fault matrix, kill and concurrency trials"};
  app.add_flag("--quick", o.quick, "the size `make test` runs: a few trials per platform");
  app.add_option("--platforms", o.platforms, "autotask,connectwise,gradient,external");
  app.add_option("--seed", o.seed, "base seed (default: from the clock; always printed)");
  app.add_option("--trial", o.trial,
                 "run one trial again: KIND:INDEX (fault, kill, race, approve, alerts)");
  app.add_option("--fault-runs", o.sizes.fault_runs, "faulted syncs per platform (two per trial)");
  app.add_option("--kills", o.sizes.kills, "kill trials per platform");
  app.add_option("--races", o.sizes.races, "races of 2 or 4 syncing processes per platform");
  app.add_option("--approve-races", o.sizes.approve_races, "approval races per platform");
  app.add_option("--alert-trials", o.sizes.alert_trials,
                 "alerts trials per platform that routes alerts to tickets");
  app.add_option("--companies", o.sizes.companies, "accounts in each platform's tenant");
  app.add_option("--services", o.sizes.services, "services in each platform's tenant");
  app.add_option("--out", o.out, "work folder (default: a new one under the temp folder)");
  app.add_option("--json", o.json_file, "where the figures go (default <out>/reliability.json)");
  app.add_flag("!--no-secret-audit", o.secret_audit, "skip the secret audit");
  app.add_flag("--keep", o.keep, "keep every trial's folder, not only those with problems");
  app.add_option("--jobs", o.jobs, "platforms run at once")->check(CLI::Range(1, 4));
  app.add_option("--meterbridge", o.tools.meterbridge, "the meterbridge CLI");
  app.add_option("--sim", o.tools.simulator, "meterbridge-sim");
  app.add_option("--plugins", o.tools.plugins, "the plugin folder");
  CLI11_PARSE(app, argc, argv);

  try {
    const fs::path bin = mb::bench::self_executable().parent_path();
    if (o.tools.meterbridge.empty()) o.tools.meterbridge = bin / "meterbridge";
    if (o.tools.simulator.empty()) o.tools.simulator = bin / "meterbridge-sim";
    if (o.tools.plugins.empty()) o.tools.plugins = bin.parent_path() / "plugins";
    o.tools.meterbridge = fs::absolute(o.tools.meterbridge);
    o.tools.simulator = fs::absolute(o.tools.simulator);
    o.tools.plugins = fs::absolute(o.tools.plugins);
    o.seed_given = app.count("--seed") > 0;
    if (!o.seed_given)
      o.seed = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) %
               1'000'000'000;
    if (!o.trial.empty() && !o.seed_given)
      throw std::runtime_error("--trial needs the --seed it was run with");
    if (o.quick) {
      if (app.count("--fault-runs") == 0) o.sizes.fault_runs = 2;
      if (app.count("--kills") == 0) o.sizes.kills = 2;
      if (app.count("--races") == 0) o.sizes.races = 1;
      if (app.count("--approve-races") == 0) o.sizes.approve_races = 1;
      if (app.count("--alert-trials") == 0) o.sizes.alert_trials = 2;
      if (app.count("--companies") == 0) o.sizes.companies = 6;
    }
    bool remove_out = false;
    if (o.out.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "meterbridge-reliability-XXXXXX").string();
      if (::mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("cannot create a work folder");
      o.out = tmpl;
      remove_out = !o.keep;
    }
    o.out = fs::absolute(o.out);
    fs::create_directories(o.out);
    if (o.json_file.empty()) o.json_file = o.out / "reliability.json";

    std::vector<std::unique_ptr<PlatformModel>> platforms;
    const std::vector<std::string> wanted = split(o.platforms, ',');
    for (auto& p : all_platform_models())
      if (std::find(wanted.begin(), wanted.end(), p->id()) != wanted.end())
        platforms.push_back(std::move(p));
    if (platforms.empty())
      throw std::runtime_error("no known platform in --platforms " + o.platforms);

    for (const auto& p : platforms) export_secrets(p->secrets(), Lab::kApiToken);

    std::cout << "meterbridge-reliability: seed " << o.seed << ", " << (o.quick ? "quick" : "full")
              << " size: " << o.sizes.fault_runs << " fault runs, " << o.sizes.kills << " kills, "
              << o.sizes.races << " races, " << o.sizes.approve_races << " approval races, "
              << o.sizes.alert_trials << " alerts trials per platform; " << o.sizes.companies
              << " companies x " << o.sizes.services << " services\n"
              << std::flush;

    std::vector<PlatformResult> results(platforms.size());
    std::mutex print;
    std::vector<std::thread> workers;
    size_t next = 0;
    std::mutex next_lock;
    auto worker = [&] {
      for (;;) {
        size_t i;
        {
          std::lock_guard<std::mutex> lock(next_lock);
          if (next >= platforms.size()) return;
          i = next++;
        }
        results[i] = run_platform(o, *platforms[i], print);
        std::lock_guard<std::mutex> lock(print);
        std::cout << platforms[i]->id() << ": done in " << static_cast<int>(results[i].seconds)
                  << " s" << (results[i].error.empty() ? "" : " — " + results[i].error) << "\n"
                  << std::flush;
      }
    };
    for (int j = 0; j < o.jobs; ++j) workers.emplace_back(worker);
    for (auto& w : workers) w.join();

    // The audit sets the process's environment (canaries, the sealing key): one platform at a
    // time, after every other process-starting thread has ended.
    const bool audit_wanted = o.trial.empty() ? o.secret_audit : o.trial.rfind("audit", 0) == 0;
    if (audit_wanted)
      for (size_t i = 0; i < platforms.size(); ++i) {
        const auto start = std::chrono::steady_clock::now();
        results[i].audited = true;
        results[i].audit = run_secret_audit(*platforms[i], o.tools,
                                            o.out / ("audit-" + platforms[i]->id()), o.seed);
        for (const auto& p : results[i].audit.problems)
          std::cerr << "PROBLEM " << platforms[i]->id() << " secret audit: " << p << "\n";
        results[i].seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << platforms[i]->id() << ": secret audit done" << std::endl;
      }

    RunInfo info{o.seed,
                 o.quick,
                 o.trial,
                 {{"fault_runs", o.sizes.fault_runs},
                  {"kills", o.sizes.kills},
                  {"races", o.sizes.races},
                  {"approve_races", o.sizes.approve_races},
                  {"alert_trials", o.sizes.alert_trials},
                  {"companies", o.sizes.companies},
                  {"services", o.sizes.services}}};
    std::cout << "\n" << format_table(results);
    write_text(o.json_file, json::serialize(results_to_json(info, results)) + "\n");
    std::cout << "figures written to " << o.json_file.string() << "\n";
    const bool ok = goals_met(results);
    std::cout << (ok ? "every goal holds" : "GOALS MISSED: see the problems above") << "\n";
    if (remove_out && ok) {
      std::error_code ec;
      for (const auto& p : platforms) {
        fs::remove_all(o.out / p->id(), ec);
        fs::remove_all(o.out / ("audit-" + p->id()), ec);
      }
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "meterbridge-reliability: " << e.what() << "\n";
    return 2;
  }
}
