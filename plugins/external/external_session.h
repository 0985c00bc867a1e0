// One external connector's session: the operations of abi.h over the external push protocol v1
// (docs/external-protocol.md; the connector is described in docs/platforms/external.md).
//
//   authenticate     GET /v1/integration
//   list_accounts    GET /v1/customers (one page per call; search passed through)
//   list_services    GET /v1/services
//   read_quantities  GET /v1/counts?customer_id=.. for the lines' customers (bulk, concurrent),
//                    checked against GET /v1/services
//   apply_quantities POST /v1/count-batches, in parts of min(batch_size, max_batch_items) sent
//                    together, each with a deterministic Idempotency-Key from the host's key
//   link_accounts    DELETE then PUT /v1/links/{workspace}
//   disconnect       DELETE /v1/links/{..} for every link of the integration
//
// The integration (for max_batch_items) and the service list are cached for a few minutes of
// the host's clock, so a sync run reads each at most once.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_SESSION_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_SESSION_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/typed_session.hpp>

#include <string>
#include <string_view>
#include <utility>

#include "internal/cache.h"
#include "internal/client.h"
#include "internal/config.h"

namespace meterbridge::external {

class ExternalSession : public TypedSession {
 public:
  explicit ExternalSession(Config config) : client_(std::move(config)) {}

  AuthenticateResult authenticate(Call& call, const AuthenticateRequest& request) override;
  ListPage list_accounts(Call& call, const ListRequest& request) override;
  ListPage list_services(Call& call, const ListRequest& request) override;
  ReadResult read_quantities(Call& call, const ReadRequest& request) override;
  ApplyResult apply_quantities(Call& call, const ApplyRequest& request) override;
  LinkAccountsResult link_accounts(Call& call, const LinkAccountsRequest& request) override;
  std::string disconnect(Call& call, std::string_view input) override;

 private:
  Client client_;
  PlatformCache cache_;
};

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_SESSION_H_
