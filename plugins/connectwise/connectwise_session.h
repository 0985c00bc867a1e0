// One ConnectWise PSA connector: the five session hooks of the meterbridge ABI, turned into
// ConnectWise REST calls (see docs/platforms/connectwise.md for the call-by-call mapping).
//
//   ConnectWiseSession session(parse_config(config_json));
//   AuthenticateResult verdict = session.authenticate(call, {});  // status kOk, message ...
//
// The session caches the company's codebase (from companyinfo) for its whole life; calls into
// one session are serialized by the host, so it needs no lock.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/typed_session.hpp>

#include <string>
#include <string_view>

#include "internal/client.h"
#include "internal/config.h"

namespace meterbridge::connectwise {

class ConnectWiseSession : public meterbridge::TypedSession {
 public:
  explicit ConnectWiseSession(ConnectorConfig config) : client_(std::move(config)) {}

  AuthenticateResult authenticate(Call& call, const AuthenticateRequest& request) override;
  ListPage list_accounts(Call& call, const ListRequest& request) override;
  ListPage list_services(Call& call, const ListRequest& request) override;
  ReadResult read_quantities(Call& call, const ReadRequest& request) override;
  ApplyResult apply_quantities(Call& call, const meterbridge::ApplyRequest& request) override;

  // The "tickets" capability (internal/tickets.h).
  ListTicketBoardsResult list_ticket_boards(Call& call) override;
  TicketPermissions check_ticket_permissions(Call& call,
                                             const CheckTicketPermissionsRequest& request) override;
  OpenTicketResult open_ticket(Call& call, const OpenTicketRequest& request) override;
  TicketChangeResult add_ticket_note(Call& call, const AddTicketNoteRequest& request) override;
  TicketChangeResult close_ticket(Call& call, const CloseTicketRequest& request) override;

 private:
  Client client_;
};

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_
