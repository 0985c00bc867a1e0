// The request budgets of platform tenants, counted in the state store (docs/scale-out.md,
// "Budgets"). A platform's hourly budget belongs to its tenant, shared by every connector
// (and every node, and every restart) working on it; the HTTP engine only asks a
// RequestBudget, and this one asks the store, under the tenant's budget key.
//
//   auto key = tenant_budget_key(connector.id, manifest, policy, plugin_config_json);
//   auto budget = make_store_request_budget(store, *key, policy.hourly_budget,
//                                           [&](int64_t resumes_at_ms) { ... });
//   engine.make_client(connector.id, policy, secrets, budget);
#ifndef METERBRIDGE_HOST_APP_TENANT_BUDGET_H_
#define METERBRIDGE_HOST_APP_TENANT_BUDGET_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "host/common/status.h"
#include "host/http/http_client.h"
#include "host/http/request_budget.h"
#include "host/plugin/manifest.h"
#include "host/store/store.h"

namespace mb::app {

// The key a connector's requests are counted under:
//   - the connector's http.budget_key when it sets one (connectors naming the same key share
//     one budget, whatever their plugin);
//   - else, when the plugin's config schema marks the fields that name its tenant
//     ("x-meterbridge-tenant": true), "<plugin>:tenant:<hash of those fields' values>" — a
//     hash, so that a tenant field that is also a credential is never stored;
//   - else "<plugin>:connector:<connector id>": a budget of the connector's own, still counted
//     across nodes and restarts.
// ConfigInvalid when plugin_config_json is not a JSON object.
Result<std::string> tenant_budget_key(const std::string& connector_id,
                                      const PluginManifest& manifest,
                                      const http::HttpPolicy& policy,
                                      const std::string& plugin_config_json);

// Told when the budget refuses a batch: the earliest time (ms since the epoch) it would fit.
using BudgetRefused = std::function<void(int64_t resumes_at_ms)>;

// A RequestBudget counted by `store` under `budget_key` over a sliding hour. `store` must
// outlive it.
std::shared_ptr<http::RequestBudget> make_store_request_budget(Store& store, std::string budget_key,
                                                               int64_t limit,
                                                               BudgetRefused on_refused = {});

// A connector's share of its platform tenant's syncs at once (http.tenant_concurrency).
struct TenantSlots {
  std::string key;  // the tenant's key (tenant_budget_key); empty when unlimited
  int limit = 0;    // syncs at once on the tenant, across connectors and nodes; 0: unlimited
};

// One of a tenant's slots, held by a worker for one connector's job and given back when it is
// destroyed, however the job ended. The worker's heartbeat renews it with its claims
// (Store::renew_tenant_slots); a worker that dies stops renewing, and it expires.
//
//   auto slot = TenantSlot::take(store, tenant, worker_id, connector_id, ttl_ms, now_ms);
//   if (!slot) ...             // the store could not say
//   else if (!*slot) ...       // the tenant is full: try again later
//   else run();                // the slot goes back at the end of the scope
//
// A run started directly (the CLI, the admin API without "queue": App::take_tenant_slot) holds
// its slot under run_slot_holder(connector) (host/sync/lease.h), and the lease's heartbeat
// renews it.
class TenantSlot {
 public:
  // A slot of `tenant`, or nullopt (nothing taken) when `tenant.limit` slots are held by
  // others. Unlimited tenants always get one, which holds nothing.
  static Result<std::optional<TenantSlot>> take(Store& store, const TenantSlots& tenant,
                                                std::string worker_id, std::string connector_id,
                                                int64_t ttl_ms, int64_t now_ms);
  TenantSlot(TenantSlot&& other) noexcept;
  TenantSlot& operator=(TenantSlot&&) = delete;
  TenantSlot(const TenantSlot&) = delete;
  TenantSlot& operator=(const TenantSlot&) = delete;
  ~TenantSlot();

 private:
  TenantSlot(Store* store, std::string key, std::string worker_id, std::string connector_id);
  Store* store_;  // null: holds nothing
  std::string key_;
  std::string worker_id_;
  std::string connector_id_;
};

// Who takes a run's slot of its platform tenant.
enum class TenantSlotTaker {
  kTheRun,     // the run takes one for itself, and is refused while the tenant is full
  kTheCaller,  // the caller holds one for it (serve's job runner, for the whole job)
};

// Why a run of the tenant waits: "its platform tenant is full: 2 syncs at once
// (http.tenant_concurrency), run by connectors a, b". It names the connectors holding the
// slots, never the key: the key may be the operator's budget_key or a hash of the plugin's
// tenant fields (a user name), neither of which belongs in a status.
std::string describe_full_tenant(Store& store, const TenantSlots& tenant, int64_t now_ms);

}  // namespace mb::app

#endif  // METERBRIDGE_HOST_APP_TENANT_BUDGET_H_
