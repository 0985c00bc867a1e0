// One Autotask PSA connector: the session hooks of the meterbridge ABI, each handed to the
// operation in internal/ that does the work (docs/platforms/autotask.md maps them to calls).
//
//   AutotaskSession session(parse_connector_config(config_json));
//   AuthenticateResult verdict = session.authenticate(call, {});  // zone lookup, then a probe
//
// The host serializes calls into a session, so nothing here is locked: the zone cache (in the
// client) and the ledger of adjustments made are the session's own.
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_AUTOTASK_SESSION_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_AUTOTASK_SESSION_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/typed_session.hpp>

#include <utility>

#include "internal/adjustments.h"
#include "internal/client.h"
#include "internal/config.h"

namespace meterbridge::autotask {

class AutotaskSession : public TypedSession {
 public:
  explicit AutotaskSession(ConnectorConfig config) : client_(std::move(config)) {}

  AuthenticateResult authenticate(Call& call, const AuthenticateRequest& request) override;
  ListPage list_accounts(Call& call, const ListRequest& request) override;
  ListPage list_services(Call& call, const ListRequest& request) override;
  ReadResult read_quantities(Call& call, const ReadRequest& request) override;
  ApplyResult apply_quantities(Call& call, const ApplyRequest& request) override;

  // The "tickets" capability (internal/tickets.h).
  ListTicketBoardsResult list_ticket_boards(Call& call) override;
  TicketPermissions check_ticket_permissions(Call& call,
                                             const CheckTicketPermissionsRequest& request) override;
  OpenTicketResult open_ticket(Call& call, const OpenTicketRequest& request) override;
  TicketChangeResult add_ticket_note(Call& call, const AddTicketNoteRequest& request) override;
  TicketChangeResult close_ticket(Call& call, const CloseTicketRequest& request) override;

 private:
  AutotaskClient client_;
  AdjustmentLedger ledger_;
};

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_AUTOTASK_SESSION_H_
