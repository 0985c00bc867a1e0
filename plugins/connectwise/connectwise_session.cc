#include "connectwise_session.h"

#include "internal/operations.h"
#include "internal/tickets.h"

namespace meterbridge::connectwise {

AuthenticateResult ConnectWiseSession::authenticate(Call& call, const AuthenticateRequest&) {
  return connectwise::authenticate(call, client_);
}

ListPage ConnectWiseSession::list_accounts(Call& call, const ListRequest& request) {
  return connectwise::list_accounts(call, client_, request);
}

ListPage ConnectWiseSession::list_services(Call& call, const ListRequest& request) {
  return connectwise::list_services(call, client_, request);
}

ReadResult ConnectWiseSession::read_quantities(Call& call, const ReadRequest& request) {
  return connectwise::read_quantities(call, client_, request);
}

ApplyResult ConnectWiseSession::apply_quantities(Call& call, const ApplyRequest& request) {
  return connectwise::apply_quantities(call, client_, request);
}

ListTicketBoardsResult ConnectWiseSession::list_ticket_boards(Call& call) {
  return connectwise::list_ticket_boards(call, client_);
}

TicketPermissions ConnectWiseSession::check_ticket_permissions(
    Call& call, const CheckTicketPermissionsRequest& request) {
  return connectwise::check_ticket_permissions(call, client_, request);
}

OpenTicketResult ConnectWiseSession::open_ticket(Call& call, const OpenTicketRequest& request) {
  return connectwise::open_ticket(call, client_, request);
}

TicketChangeResult ConnectWiseSession::add_ticket_note(Call& call,
                                                       const AddTicketNoteRequest& request) {
  return connectwise::add_ticket_note(call, client_, request);
}

TicketChangeResult ConnectWiseSession::close_ticket(Call& call, const CloseTicketRequest& request) {
  return connectwise::close_ticket(call, client_, request);
}

}  // namespace meterbridge::connectwise
