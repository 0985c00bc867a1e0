#include "autotask_session.h"

#include "internal/operations.h"

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

}  // namespace meterbridge::autotask
