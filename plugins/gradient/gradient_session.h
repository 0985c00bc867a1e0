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
//   session.open_ticket(call, input);          // POST alerting/{account}; poll its debug route
//
// What the session learns between hooks is in internal/session_state.h; each hook hands it to
// the operation in internal/ that does the work.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_GRADIENT_SESSION_H_
#define METERBRIDGE_PLUGINS_GRADIENT_GRADIENT_SESSION_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/typed_session.hpp>

#include <string>
#include <string_view>
#include <utility>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/session_state.h"

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

  // The "tickets" capability through Gradient's alerting API (internal/alerting.h).
  ListTicketBoardsResult list_ticket_boards(Call& call) override;
  TicketPermissions check_ticket_permissions(Call& call,
                                             const CheckTicketPermissionsRequest& request) override;
  OpenTicketResult open_ticket(Call& call, const OpenTicketRequest& request) override;
  TicketChangeResult add_ticket_note(Call& call, const AddTicketNoteRequest& request) override;
  TicketChangeResult close_ticket(Call& call, const CloseTicketRequest& request) override;

 private:
  ConnectorConfig config_;
  Client client_;
  SessionState state_;
};

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_GRADIENT_SESSION_H_
