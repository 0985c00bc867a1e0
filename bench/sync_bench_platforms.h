// What the sync benchmark needs to know about each billing platform: how to start its
// simulator with a large MSP's data, the connector to point at it, how workspaces get bound to
// the platform's accounts, and the minimal number of API calls a sync's plan needs — each
// platform's documented formula (docs/platforms/<platform>.md, "API calls per sync") evaluated
// on the counts of the run's own lines. bench/README.md restates every formula.
#ifndef METERBRIDGE_BENCH_SYNC_BENCH_PLATFORMS_H_
#define METERBRIDGE_BENCH_SYNC_BENCH_PLATFORMS_H_

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/store/model.h"
#include "host/sync/sync_engine.h"

namespace mb::bench {

// The benchmark's scenario: a large MSP's data and the platform's latency.
struct Scenario {
  int companies = 2000;       // workspaces, one per platform account
  int services = 10;          // vendor services, each mapped to one platform service
  double change_percent = 5;  // share of lines whose usage changes before the steady sync
  // The steady sync's trigger: "schedule" runs it as the daily scheduled run, on which plugins
  // that declare resend_unchanged (Gradient) send every line again.
  std::string steady_trigger = "manual";
  int latency_ms = 50;        // added by the simulator to every platform response
  uint64_t seed = 42;         // every random choice of the benchmark derives from it
};

// The connector id every platform's benchmark config uses.
inline constexpr const char* kConnectorId = "bench";

// How workspaces become bound to the platform's accounts.
enum class AccountBinding {
  kAutoMapByName,  // ops::map_auto: exact names (Autotask, ConnectWise)
  kLink,           // ops::map_account per workspace, which links it on the platform (external)
  kProvisioned,    // the sync creates the accounts and maps them by identity (Gradient)
};

// A sync's run as the minimal-call formulas see it.
struct SyncFacts {
  const std::vector<SyncLine>* lines = nullptr;  // every line of the run, in key order (as read)
  size_t read_batch_size = SyncOptions{}.read_batch_size;    // lines per read_quantities call
  size_t apply_batch_size = SyncOptions{}.apply_batch_size;  // lines per apply_quantities call
  std::string trigger = SyncOptions{}.trigger;  // manual, schedule, ...: the run's trigger
  std::vector<std::string> notes;     // the run report's notes
};

struct MinimalCalls {
  int64_t total = 0;
  std::string breakdown;  // e.g. "1 zone + 160 read + 20040 apply"
};

class PlatformBench {
 public:
  virtual ~PlatformBench() = default;

  // Plugin id and simulator platform name.
  virtual std::string id() const = 0;
  // Simulator arguments after the platform name (data and settings), sized so that at least
  // `companies` accounts are listed; the caller adds --latency-ms.
  virtual std::vector<std::string> simulator_args(const Scenario& s) const = 0;
  // A seed document the caller writes to a file and passes with --seed; empty when the
  // arguments generate the data.
  virtual std::string seed_document(const Scenario&) const { return ""; }
  // The connector entry of the config file ("config", "policies", "http").
  virtual boost::json::object connector(const std::string& base_url) const = 0;
  // Where the benchmark departs from production defaults, printed with the results.
  virtual std::vector<std::string> deviations() const { return {}; }
  virtual AccountBinding binding() const { return AccountBinding::kAutoMapByName; }
  // The platform cannot report quantities: no dry run can learn them.
  virtual bool push_only() const { return false; }
  // Control calls (path, body) that play the MSP's part once the accounts exist.
  virtual std::vector<std::pair<std::string, std::string>> after_setup() const { return {}; }
  // users or devices for a platform service, from how the platform names it.
  virtual std::string metric_for(const PsaService& service) const;
  virtual MinimalCalls minimal_calls(const SyncFacts& facts) const = 0;
};

// Every platform the benchmark knows, in the order it runs them.
std::vector<std::unique_ptr<PlatformBench>> all_platforms();

// The lines read_quantities received, in the engine's batches: lines with a target, plan order.
std::vector<std::vector<const SyncLine*>> read_batches(const SyncFacts& facts);
// The lines apply_quantities received, in the engine's batches: lines the diff marked "update".
std::vector<std::vector<const SyncLine*>> apply_batches(const SyncFacts& facts);

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SYNC_BENCH_PLATFORMS_H_
