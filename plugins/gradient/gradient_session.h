// One Gradient MSP connector (one vendor's integration with one MSP partner): the meterbridge
// session hooks turned into Synthesize vendor-API calls. docs/platforms/gradient.md maps each
// hook to its calls.
//
//   GradientSession session(parse_config(config_json));
//   session.authenticate(call, {});            // GET organization: the keys and the status
//   session.provision_accounts(call, input);   // GET accounts; POST the missing; PATCH renames
//   session.provision_services(call, input);   // GET vendor; POST the missing services
//   session.read_quantities(call, input);      // no call: the last pushed count is current
//   session.apply_quantities(call, input);     // POST one count per line, no_build but the last
//
// Gradient cannot report counts, so what a session learns while provisioning (which accounts
// and services it just created, and which accounts exist) is what read_quantities uses to tell
// a stale "last pushed" count from a current one. Calls into one session are serialized by the
// host, so this state needs no lock.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_GRADIENT_SESSION_H_
#define METERBRIDGE_PLUGINS_GRADIENT_GRADIENT_SESSION_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/typed_session.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/counts.h"
#include "internal/wire.h"

namespace meterbridge::gradient {

class GradientSession : public meterbridge::TypedSession {
 public:
  explicit GradientSession(ConnectorConfig config) : config_(std::move(config)), client_(config_) {}

  AuthenticateResult authenticate(Call& call, const AuthenticateRequest& request) override;
  ListPage list_accounts(Call& call, const ListRequest& request) override;
  ListPage list_services(Call& call, const ListRequest& request) override;
  ReadResult read_quantities(Call& call, const ReadRequest& request) override;
  ApplyResult apply_quantities(Call& call, const ApplyRequest& request) override;
  ProvisionAccountsResult provision_accounts(Call& call,
                                             const ProvisionAccountsRequest& request) override;
  ProvisionServicesResult provision_services(Call& call,
                                             const ProvisionServicesRequest& request) override;
  SetStatusResult set_status(Call& call, const SetStatusRequest& request) override;
  std::string disconnect(Call& call, std::string_view input) override;

 private:
  ListPage list_psa_clients(Call& call, const std::string& search, const std::string& cursor);
  // Sends `lines` (all with no_build=true but `trigger`, sent last without it) and records each
  // line's result by key.
  void push(Call& call, const std::vector<CountLine>& lines, std::optional<size_t> trigger,
            std::map<std::string, LineResult>& results);
  void remember_accounts(const std::vector<Account>& accounts);
  // GET organization: the integration's status, cached for the session. Throws PluginError.
  const std::string& refresh_integration_status(Call& call);

  ConnectorConfig config_;
  Client client_;

  // The integration's status as last seen or set by this session. Gradient makes an integration
  // active when it accepts its first count; until then, and again after the MSP disconnects and
  // reconnects (which deletes the accounts and their counts), Gradient holds no count at all.
  std::optional<std::string> integration_status_;
  // This session authenticated for a connect: the host provisions, then sets the status.
  bool connecting_ = false;
  // Gradient's accounts (id -> name) as last seen by this session, and those it created.
  std::optional<std::map<std::string, std::string>> accounts_;
  std::set<std::string> created_accounts_;
  // The vendor's service ids as last seen by this session, and those it created.
  std::optional<std::set<std::string>> catalog_ids_;
  std::set<std::string> created_services_;
  // The accounts list_accounts pages through (fetched on its first page).
  std::vector<Account> listing_;

  // The run whose batches apply_quantities is receiving (from the host's idempotency key).
  std::string current_run_;
  // Set when Gradient refused this caller (403 anomaly, 429 after retries) during a run's
  // writes: later batches of the run send nothing.
  std::optional<Failure> stopped_;
  // The last count Gradient accepted in this run, and whether a Billing-view rebuild is owed
  // because every accepted count so far carried no_build=true.
  std::optional<CountLine> last_accepted_;
  bool rebuild_owed_ = false;
};

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_GRADIENT_SESSION_H_
