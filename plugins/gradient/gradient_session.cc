#include "gradient_session.h"

#include "internal/alerting.h"
#include "internal/operations.h"

namespace meterbridge::gradient {

AuthenticateResult GradientSession::authenticate(Call& call, const AuthenticateRequest& request) {
  return gradient::authenticate(call, client_, state_, request);
}

ListPage GradientSession::list_accounts(Call& call, const ListRequest& request) {
  return gradient::list_accounts(call, client_, state_, request);
}

ListPage GradientSession::list_services(Call& call, const ListRequest& request) {
  return gradient::list_services(call, client_, state_, request);
}

ProvisionAccountsResult GradientSession::provision_accounts(
    Call& call, const ProvisionAccountsRequest& request) {
  return gradient::provision_accounts(call, client_, state_, request);
}

ProvisionServicesResult GradientSession::provision_services(
    Call& call, const ProvisionServicesRequest& request) {
  return gradient::provision_services(call, client_, config_, state_, request);
}

ReadResult GradientSession::read_quantities(Call& call, const ReadRequest& request) {
  return gradient::read_quantities(call, client_, state_, request);
}

ApplyResult GradientSession::apply_quantities(Call& call, const ApplyRequest& request) {
  return gradient::apply_quantities(call, client_, state_, request);
}

SetStatusResult GradientSession::set_status(Call& call, const SetStatusRequest& request) {
  return gradient::set_status(call, client_, state_, request);
}

std::string GradientSession::disconnect(Call& call, std::string_view) {
  return gradient::disconnect(call, client_, state_);
}

ListTicketBoardsResult GradientSession::list_ticket_boards(Call&) { return list_alert_boards(); }

TicketPermissions GradientSession::check_ticket_permissions(
    Call& call, const CheckTicketPermissionsRequest& request) {
  return check_alert_permissions(call, client_, request);
}

OpenTicketResult GradientSession::open_ticket(Call& call, const OpenTicketRequest& request) {
  return send_alert(call, client_, config_.alerts, request);
}

TicketChangeResult GradientSession::add_ticket_note(Call& call,
                                                    const AddTicketNoteRequest& request) {
  return note_alert(call, client_, config_.alerts, request);
}

TicketChangeResult GradientSession::close_ticket(Call& call, const CloseTicketRequest& request) {
  return resolve_alert(call, client_, config_.alerts, request);
}

}  // namespace meterbridge::gradient
