#include "external_session.h"

#include "internal/operations.h"

namespace meterbridge::external {

AuthenticateResult ExternalSession::authenticate(Call& call, const AuthenticateRequest&) {
  return external::authenticate(call, client_, cache_);
}

ListPage ExternalSession::list_accounts(Call& call, const ListRequest& request) {
  return external::list_accounts(call, client_, request);
}

ListPage ExternalSession::list_services(Call& call, const ListRequest& request) {
  return external::list_services(call, client_, request);
}

ReadResult ExternalSession::read_quantities(Call& call, const ReadRequest& request) {
  return external::read_quantities(call, client_, cache_, request);
}

ApplyResult ExternalSession::apply_quantities(Call& call, const ApplyRequest& request) {
  return external::apply_quantities(call, client_, cache_, request);
}

LinkAccountsResult ExternalSession::link_accounts(Call& call, const LinkAccountsRequest& request) {
  return external::link_accounts(call, client_, cache_, request);
}

std::string ExternalSession::disconnect(Call& call, std::string_view) {
  return external::disconnect(call, client_);
}

}  // namespace meterbridge::external
