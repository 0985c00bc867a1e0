// The processes a reliability trial drives: a platform simulator (`meterbridge-sim`) and the
// real `meterbridge` CLI (and `serve`) working in a folder of their own. Nothing here runs
// meterbridge code in the harness's process: a trial sees what an operator would see.
//
//   Simulator sim = Simulator::start(tools, "autotask", {"--generate", "companies=20"}, dir);
//   WorkFolder work(tools, dir / "trial-1");
//   CliRun run = work.run({"sync", "rel", "--json"});
//   if (run.exit_code == 6) ...   // partial
#ifndef METERBRIDGE_RELIABILITY_HARNESS_H_
#define METERBRIDGE_RELIABILITY_HARNESS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bench/subprocess.h"

namespace mb::reliability {

// Where the programs under test are.
struct Tools {
  std::filesystem::path meterbridge;  // the CLI
  std::filesystem::path simulator;    // meterbridge-sim
  std::filesystem::path plugins;      // the plugin folder
};

// The connector id every trial's config uses.
inline constexpr const char* kConnectorId = "rel";

// One finished `meterbridge` process.
struct CliRun {
  int exit_code = -1;      // its exit code, or 128 + the signal that ended it
  bool timed_out = false;  // it did not end within its time limit and was killed
  std::string out;
  std::string err;
  double seconds = 0;
};

// A meterbridge-sim child process and its control endpoints (docs/simulators.md).
class Simulator {
 public:
  // Starts `meterbridge-sim <platform> <args...>` with its output in `dir`. Throws
  // std::runtime_error when it does not print its address.
  static Simulator start(const Tools& tools, const std::string& platform,
                         const std::vector<std::string>& args, const std::filesystem::path& dir);

  const std::string& base_url() const { return base_url_; }
  uint16_t port() const;
  // A control call that must answer 2xx; its JSON body (null when empty).
  boost::json::value control(const std::string& method, const std::string& path,
                             const std::string& body = "") const;
  boost::json::value state() const { return control("GET", "/_sim/state"); }
  void reset() const { control("POST", "/_sim/reset"); }
  void set_faults(const boost::json::object& plan) const;
  void clear_faults() const { control("DELETE", "/_sim/faults"); }
  // Total faults fired since the last reset.
  int64_t faults_injected() const;
  // Waits until no platform request is in flight (a delayed write has been processed). Returns
  // false when some still are after `limit`.
  bool wait_idle(std::chrono::milliseconds limit) const;
  // Whether the simulator process is still running.
  bool alive();

 private:
  bench::ChildProcess process_;
  std::string base_url_;
};

// Everything the meterbridge processes of a folder printed, kept for the secret audit.
struct Transcript {
  std::mutex lock;
  std::vector<std::pair<std::string, std::string>> entries;  // what printed it, the text

  void add(std::string label, std::string text);
};

// A folder holding a config file and a state store, and the `meterbridge` processes run in it.
class WorkFolder {
 public:
  WorkFolder(const Tools& tools, std::filesystem::path dir) : tools_(tools), dir_(std::move(dir)) {}

  // Options given to every command (e.g. --log-level trace), and where their output is kept;
  // both carry over to copies.
  void set_global_args(std::vector<std::string> args) { global_args_ = std::move(args); }
  void record_to(std::shared_ptr<Transcript> transcript) { transcript_ = std::move(transcript); }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config() const { return dir_ / "config.json"; }
  // `meterbridge --config <dir>/config.json <args...>`, killed after `limit`.
  CliRun run(const std::vector<std::string>& args,
             std::chrono::seconds limit = std::chrono::seconds(180)) const;
  // The same, started in the background with its output in <dir>/<name>.out and .err.
  bench::ChildProcess start(const std::vector<std::string>& args, const std::string& name) const;
  // Waits for a process start() started, killing it after `limit`; reads its output.
  CliRun finish(bench::ChildProcess& process, const std::string& name,
                std::chrono::seconds limit = std::chrono::seconds(180)) const;
  // A copy of this folder's config and store in `to` (replaced when it exists).
  WorkFolder copy_to(const std::filesystem::path& to) const;

 private:
  std::vector<std::string> argv(const std::vector<std::string>& args) const;

  Tools tools_;
  std::filesystem::path dir_;
  std::vector<std::string> global_args_;
  std::shared_ptr<Transcript> transcript_;
};

// The JSON document a `--json` command printed, or null when it printed none.
boost::json::value parse_output(const std::string& out);

std::string read_text(const std::filesystem::path& file);
void write_text(const std::filesystem::path& file, const std::string& text);

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_HARNESS_H_
