#include "autotask_session.h"

#include "internal/operations.h"
#include "internal/tickets.h"

namespace meterbridge::autotask {

AuthenticateResult AutotaskSession::authenticate(Call& call, const AuthenticateRequest&) {
  return autotask::authenticate(client_, call);
}

ListPage AutotaskSession::list_accounts(Call& call, const ListRequest& request) {
  return autotask::list_accounts(client_, call, request);
}

ListPage AutotaskSession::list_services(Call& call, const ListRequest& request) {
  return autotask::list_services(client_, call, request);
}

ReadResult AutotaskSession::read_quantities(Call& call, const ReadRequest& request) {
  return autotask::read_quantities(client_, call, request);
}

ApplyResult AutotaskSession::apply_quantities(Call& call, const ApplyRequest& request) {
  return autotask::apply_quantities(client_, ledger_, call, request);
}

ListTicketBoardsResult AutotaskSession::list_ticket_boards(Call& call) {
  return autotask::list_ticket_boards(client_, call);
}

TicketPermissions AutotaskSession::check_ticket_permissions(
    Call& call, const CheckTicketPermissionsRequest& request) {
  return autotask::check_ticket_permissions(client_, call, request);
}

OpenTicketResult AutotaskSession::open_ticket(Call& call, const OpenTicketRequest& request) {
  return autotask::open_ticket(client_, call, request);
}

TicketChangeResult AutotaskSession::add_ticket_note(Call& call,
                                                    const AddTicketNoteRequest& request) {
  return autotask::add_ticket_note(client_, call, request);
}

TicketChangeResult AutotaskSession::close_ticket(Call& call, const CloseTicketRequest& request) {
  return autotask::close_ticket(client_, call, request);
}

}  // namespace meterbridge::autotask
