// What one Gradient session learns and carries between hooks. Gradient cannot report counts, so
// what a session learns while provisioning (which accounts and services it just created, and
// which accounts exist) is what read_quantities uses to tell a stale "last pushed" count from a
// current one. Calls into one session are serialized by the host, so this state needs no lock.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_SESSION_STATE_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_SESSION_STATE_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "internal/client.h"
#include "internal/counts.h"
#include "internal/wire.h"

namespace meterbridge::gradient {

struct SessionState {
  // The integration's status as last seen or set by this session. Gradient makes an integration
  // active when it accepts its first count; until then, and again after the MSP disconnects and
  // reconnects (which deletes the accounts and their counts), Gradient holds no count at all.
  std::optional<std::string> integration_status;
  // This session authenticated for a connect: the host provisions, then sets the status.
  bool connecting = false;
  // Gradient's accounts (id -> name) as last seen by this session, and those it created.
  std::optional<std::map<std::string, std::string>> accounts;
  std::set<std::string> created_accounts;
  // The vendor's service ids as last seen by this session, and those it created.
  std::optional<std::set<std::string>> catalog_ids;
  std::set<std::string> created_services;
  // The accounts list_accounts pages through (fetched on its first page).
  std::vector<Account> listing;

  // The run whose batches apply_quantities is receiving (from the host's idempotency key).
  std::string current_run;
  // Set when Gradient refused this caller (403 anomaly, 429 after retries) during a run's
  // writes: later batches of the run send nothing.
  std::optional<Failure> stopped;
  // The last count Gradient accepted in this run, and whether a Billing-view rebuild is owed
  // because every accepted count so far carried no_build=true.
  std::optional<CountLine> last_accepted;
  bool rebuild_owed = false;

  void remember_accounts(const std::vector<Account>& seen) {
    accounts.emplace();
    for (const Account& a : seen) (*accounts)[a.id] = a.name;
  }
};

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_SESSION_STATE_H_
