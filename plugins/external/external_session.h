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

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/lines.h"
#include "internal/wire.h"

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

  // How long the integration and the service list are reused.
  static constexpr int64_t kCacheTtlMs = 5 * 60 * 1000;

 private:
  // Always built with both members. No default member initializer: clang (14 and 16) cannot
  // compile one in this nested template, and the fuzz build uses clang.
  template <typename T>
  struct Cached {
    T value;
    int64_t fetched_at_ms;
  };

  const IntegrationInfo& integration(Call& call);
  const std::map<std::string, ServiceInfo>& services(Call& call);
  bool fresh(Call& call, int64_t fetched_at_ms) const;

  // Every entry of a paged list (`target` without cursor), following next_cursor.
  std::vector<boost::json::object> fetch_all(Call& call, const std::string& target,
                                             const std::string& endpoint, std::string_view what);
  // GET /v1/counts for these customers: the linked ones, by customer id.
  std::map<std::string, CustomerCounts> linked_counts(Call& call,
                                                      const std::vector<std::string>& customers);

  // One POST /v1/count-batches of an apply call: its lines, their items, key and body.
  struct Part {
    std::vector<Line> lines;
    std::vector<CountItem> items;
    std::string key;
    std::string body;
  };
  // Appends the results of one pushed part's lines from the platform's answer. Returns true
  // when the platform applied the batch; a failure that stops the run also goes in *stop.
  bool settle_part(Call& call, const Part& part, const ApiResponse& r,
                   std::vector<ApplyLineResult>& results, std::optional<Failure>* stop);
  ApiResponse post_batch(Call& call, const std::string& key, const std::string& body);

  Client client_;
  std::optional<Cached<IntegrationInfo>> integration_;
  std::optional<Cached<std::map<std::string, ServiceInfo>>> services_;
};

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_EXTERNAL_SESSION_H_
