#include "gradient_session.h"

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

}  // namespace meterbridge::gradient
