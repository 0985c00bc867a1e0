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
#include "internal/operations.h"

namespace meterbridge::connectwise {

class ConnectWiseSession : public meterbridge::TypedSession {
 public:
  explicit ConnectWiseSession(ConnectorConfig config) : client_(std::move(config)) {}

  AuthenticateResult authenticate(Call& call, const AuthenticateRequest&) override {
    return connectwise::authenticate(call, client_);
  }
  ListPage list_accounts(Call& call, const ListRequest& request) override {
    return connectwise::list_accounts(call, client_, request);
  }
  ListPage list_services(Call& call, const ListRequest& request) override {
    return connectwise::list_services(call, client_, request);
  }
  ReadResult read_quantities(Call& call, const ReadRequest& request) override {
    return connectwise::read_quantities(call, client_, request);
  }
  ApplyResult apply_quantities(Call& call, const ApplyRequest& request) override {
    return connectwise::apply_quantities(call, client_, request);
  }

 private:
  Client client_;
};

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_
