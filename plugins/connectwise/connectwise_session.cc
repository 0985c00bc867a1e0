#include "connectwise_session.h"

#include "internal/operations.h"

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

}  // namespace meterbridge::connectwise
