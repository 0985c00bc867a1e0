#include "host/app/tenant_budget.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <chrono>
#include <utility>

#include "host/common/json.h"

namespace mb::app {
namespace {

constexpr int64_t kHourMs = 3'600'000;

int64_t to_ms(http::RequestBudget::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

http::RequestBudget::Clock::time_point from_ms(int64_t ms) {
  return http::RequestBudget::Clock::time_point(std::chrono::milliseconds(ms));
}

// Hex of a 16-byte BLAKE2b hash: names a tenant without keeping what named it.
std::string short_hash(const std::string& text) {
  unsigned char out[16];
  crypto_generichash(out, sizeof(out), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned char b : out) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

class StoreRequestBudget final : public http::RequestBudget {
 public:
  StoreRequestBudget(Store& store, std::string key, int64_t limit, BudgetRefused on_refused)
      : store_(store), key_(std::move(key)), limit_(limit), on_refused_(std::move(on_refused)) {}

  int64_t limit() const override { return limit_; }

  Result<Reservation> try_reserve(int64_t n, Clock::time_point now) override {
    if (limit_ <= 0) return Reservation{true, 0, {}};
    auto r = store_.reserve_budget(key_, n, limit_, kHourMs, to_ms(now));
    if (!r) return r.status();
    Reservation out;
    out.reserved = r->reserved;
    out.used = r->used;
    if (!r->reserved) {
      out.resumes_at = from_ms(r->resumes_at_ms);
      if (on_refused_) on_refused_(r->resumes_at_ms);
    }
    return out;
  }

  Result<int64_t> used(Clock::time_point now) override {
    if (limit_ <= 0) return int64_t{0};
    return store_.budget_used(key_, kHourMs, to_ms(now));
  }

 private:
  Store& store_;
  const std::string key_;
  const int64_t limit_;
  const BudgetRefused on_refused_;
};

}  // namespace

Result<std::string> tenant_budget_key(const std::string& connector_id,
                                      const PluginManifest& manifest,
                                      const http::HttpPolicy& policy,
                                      const std::string& plugin_config_json) {
  if (!policy.budget_key.empty()) return policy.budget_key;
  if (manifest.tenant_fields.empty()) return manifest.id + ":connector:" + connector_id;
  auto doc = json::parse(plugin_config_json);
  if (!doc || !doc->is_object())
    return Status::ConfigInvalid("connector '" + connector_id +
                                 "': its plugin config is not a JSON object");
  // Every marked field, present or not, in pointer order: the same values, the same key.
  boost::json::array values;
  for (const auto& pointer : manifest.tenant_fields) {
    boost::system::error_code ec;
    const boost::json::value* v = doc->find_pointer(pointer, ec);
    values.push_back(boost::json::array{boost::json::string(pointer),
                                        v != nullptr ? *v : boost::json::value(nullptr)});
  }
  return manifest.id + ":tenant:" + short_hash(boost::json::serialize(values));
}

std::shared_ptr<http::RequestBudget> make_store_request_budget(Store& store, std::string budget_key,
                                                               int64_t limit,
                                                               BudgetRefused on_refused) {
  return std::make_shared<StoreRequestBudget>(store, std::move(budget_key), limit,
                                              std::move(on_refused));
}

Result<std::optional<TenantSlot>> TenantSlot::take(Store& store, const TenantSlots& tenant,
                                                   std::string worker_id, std::string connector_id,
                                                   int64_t ttl_ms, int64_t now_ms) {
  if (tenant.limit <= 0) return std::optional<TenantSlot>(TenantSlot(nullptr, "", "", ""));
  auto taken =
      store.acquire_tenant_slot(tenant.key, worker_id, connector_id, tenant.limit, now_ms, ttl_ms);
  if (!taken) return taken.status();
  if (!*taken) return std::optional<TenantSlot>();
  return std::optional<TenantSlot>(
      TenantSlot(&store, tenant.key, std::move(worker_id), std::move(connector_id)));
}

TenantSlot::TenantSlot(Store* store, std::string key, std::string worker_id,
                       std::string connector_id)
    : store_(store),
      key_(std::move(key)),
      worker_id_(std::move(worker_id)),
      connector_id_(std::move(connector_id)) {}

TenantSlot::TenantSlot(TenantSlot&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      key_(std::move(other.key_)),
      worker_id_(std::move(other.worker_id_)),
      connector_id_(std::move(other.connector_id_)) {}

TenantSlot::~TenantSlot() {
  if (store_ == nullptr) return;
  Status released = store_->release_tenant_slot(key_, worker_id_, connector_id_);
  // Not given back (the store unreachable), it stays this worker's until the connector's next
  // job here takes and gives it back, or the worker stops and it expires: logged, never thrown
  // from a destructor.
  if (!released.ok())
    spdlog::warn("connector {}: its platform tenant's slot was not given back: {}", connector_id_,
                 released.message());
}

std::string describe_full_tenant(Store& store, const TenantSlots& tenant, int64_t now_ms) {
  std::string holders;
  if (auto held = store.tenant_slot_holders(tenant.key, now_ms); held)
    for (const auto& holder : *held) holders += (holders.empty() ? "" : ", ") + holder;
  return "its platform tenant is full: " + std::to_string(tenant.limit) +
         (tenant.limit == 1 ? " sync" : " syncs") + " at once (http.tenant_concurrency)" +
         (holders.empty() ? "" : ", run by connectors " + holders);
}

}  // namespace mb::app
