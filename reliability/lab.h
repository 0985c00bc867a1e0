// Lab: one platform ready for trials. Its simulator runs with a generated tenant; a template
// folder holds a config and a store in which, through the real CLI, usage was imported and the
// workspaces and services were mapped (`map auto`, `link`, `map service`, or Gradient's
// provisioning by identity); and the harness knows the lines the platform can hold and the
// simulator object holding each one.
//
// A trial starts from the simulator's seed and a copy of the template, so any trial can be run
// again on its own from its seed.
//
//   Lab lab(platform, tools, out / "autotask", {.companies = 12, .services = 2, .seed = 7});
//   lab.set_up();
//   WorkFolder work = lab.fresh_trial("fault-3");
//   lab.import_targets(work, targets);   // one value per lab.lines()
//   work.run({"sync", "rel", "--json"});
//   ObjectStates now = lab.read_objects();
#ifndef METERBRIDGE_RELIABILITY_LAB_H_
#define METERBRIDGE_RELIABILITY_LAB_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "reliability/harness.h"
#include "reliability/platform_model.h"

namespace mb::reliability {

struct LabOptions {
  int companies = 12;          // accounts, one workspace each
  int services = 2;            // services, each mapped
  uint64_t seed = 1;           // the template usage's values
  int http_timeout_ms = 1000;  // connector http.timeout_ms: faults go past it
  int grace_seconds = 2;       // policies.unconfirmed_write_grace_seconds
  // The same policy in the alerts trials: longer than the 0.3-4 s a killed run's create is
  // held, so that the next run, started at once, leaves it alone until it has landed.
  int alert_grace_seconds = 5;
  // Secrets the simulator accepts instead of its built-in ones (the audit's canaries; the
  // caller exports them, see export_secrets); empty: the built-in ones.
  std::vector<ConnectorSecret> secrets;
  std::string log_level;  // every command runs with --log-level <this> when set
  // The config's top-level "notifications" (the audit sends webhooks and e-mail); none when
  // empty.
  boost::json::object notifications;
  // Where every command's output is kept (the audit scans it); none when null.
  std::shared_ptr<Transcript> transcript;
};

class Lab {
 public:
  Lab(const PlatformModel& platform, Tools tools, std::filesystem::path dir, LabOptions options);

  // Starts the simulator and builds the template. Throws std::runtime_error naming the step
  // that failed.
  void set_up();

  const PlatformModel& platform() const { return platform_; }
  const LabOptions& options() const { return options_; }
  Simulator& sim() { return *sim_; }
  const std::filesystem::path& dir() const { return dir_; }
  // The lines the platform can hold, in a fixed order.
  const std::vector<TrackedLine>& lines() const { return lines_; }
  // Their objects' quantities in the simulator's seed (none: the platform holds no value).
  const std::vector<std::optional<int64_t>>& initial() const { return initial_; }
  // Every workspace and service the usage names.
  const std::vector<std::pair<std::string, std::string>>& workspaces() const { return workspaces_; }

  // The simulator back to its seed and a fresh copy of the template in <dir>/<name>.
  WorkFolder fresh_trial(const std::string& name);
  // The template folder itself.
  WorkFolder template_folder() const;
  // Imports usage in which tracked line i has targets[i]; other lines keep the template's.
  void import_targets(const WorkFolder& work, const std::vector<int64_t>& targets) const;
  // Gives the folder's connector the platform's alerts policy (platform().routes_alerts()) and
  // options().alert_grace_seconds, and maps every workspace to its account where only a sync
  // would have (Binding::kProvisioned).
  void route_alerts(const WorkFolder& work) const;
  // `alerts push` of {"alerts": alerts} in the folder; throws when it is refused.
  void push_alerts(const WorkFolder& work, const boost::json::array& alerts) const;
  // The tracked lines' objects now.
  std::vector<ObjectState> read_lines() const;
  // How long a first full sync takes with `latency_ms` on every answer, measured once (in a
  // folder of its own, from the seed) and remembered: where a kill at a random time may land.
  int64_t first_sync_ms(int latency_ms);
  // The admin API token `serve` uses (MB_REL_API_TOKEN).
  static constexpr const char* kApiToken = "reliability-api-token";

 private:
  void write_config(const std::filesystem::path& dir) const;
  std::string usage_document(const std::vector<int64_t>& targets) const;
  void bind_and_map(const WorkFolder& work);
  void learn_lines(const WorkFolder& work, const boost::json::value& state);

  const PlatformModel& platform_;
  Tools tools_;
  std::filesystem::path dir_;
  LabOptions options_;
  std::unique_ptr<Simulator> sim_;
  std::vector<std::pair<std::string, std::string>> workspaces_;  // id, name
  std::vector<std::string> accounts_;                            // each workspace's account
  struct Service {
    std::string id, name, psa_id, metric;
  };
  std::vector<Service> services_;
  std::vector<int64_t> base_values_;  // per (workspace, service), workspace-major
  std::vector<TrackedLine> lines_;
  std::vector<size_t> line_pair_;  // tracked line -> index into base_values_
  std::vector<std::optional<int64_t>> initial_;
  mutable int64_t imports_ = 0;
  std::optional<int64_t> first_sync_ms_;
};

// Puts the connectors' secrets and the admin API token in the environment the meterbridge
// processes inherit. Call it before any thread starts a process: the environment is not
// thread-safe.
void export_secrets(const std::vector<ConnectorSecret>& secrets, const std::string& api_token);

// A command that must succeed: throws std::runtime_error with its output otherwise.
CliRun must(const WorkFolder& work, const std::vector<std::string>& args);

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_LAB_H_
