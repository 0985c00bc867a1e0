// hello: an example meterbridge plugin, complete but tiny. Its "platform" is a toy ledger kept
// in the plugin's memory, so it needs no network: a tenant has N companies ("Hello Customer 1"
// ...), two services, and a quantity per (company, service) that apply_quantities sets.
// Everything else is what a real plugin does: a config schema with a secret, authenticate
// with a verdict, paged listings, per-line read/apply outcomes, errors as PluginError.
#include <meterbridge/plugin.hpp>

#include <boost/json/src.hpp>  // header-only Boost.JSON, compiled into this one TU

#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace {

namespace json = boost::json;
using meterbridge::Call;
using meterbridge::PluginError;

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

constexpr const char* kServices[][2] = {{"hello-email", "Hello Email Protection"},
                                        {"hello-endpoint", "Hello Endpoint Protection"}};

// The toy platform's data, shared by every session of this process: (tenant, account,
// service) -> quantity. Sessions may run on different threads, hence the mutex.
class Ledger {
 public:
  std::optional<int64_t> get(const std::string& tenant, const std::string& account,
                             const std::string& service) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = quantities_.find({tenant, account, service});
    if (it == quantities_.end()) return std::nullopt;
    return it->second;
  }
  void set(const std::string& tenant, const std::string& account, const std::string& service, int64_t q) {
    std::lock_guard<std::mutex> lock(mu_);
    quantities_[{tenant, account, service}] = q;
  }

 private:
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> quantities_;
};

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) throw PluginError(MB_STATUS_CONFIG_INVALID, "expected a JSON object");
  return v.get_object();
}

std::string string_field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

class HelloSession : public meterbridge::Session {
 public:
  HelloSession(Ledger& ledger, std::string tenant, std::string api_key, int64_t accounts)
      : ledger_(ledger), tenant_(std::move(tenant)), api_key_(std::move(api_key)), accounts_(accounts) {}

  std::string authenticate(Call& call, std::string_view) override {
    bool accepted = api_key_.rfind("hello-", 0) == 0;
    call.info(accepted ? "tenant " + tenant_ + " accepted the API key" : "tenant " + tenant_ + " rejected the API key");
    json::object out{{"status", accepted ? "ok" : "auth_failed"},
                     {"message", accepted ? "Hello tenant " + tenant_ : "API key rejected by tenant " + tenant_}};
    return json::serialize(out);
  }

  std::string list_accounts(Call&, std::string_view input) override {
    require_auth();
    json::object in = parse_object(input);
    int64_t start = in.contains("cursor") && in["cursor"].is_string() ? std::stoll(std::string(in["cursor"].get_string())) : 0;
    int64_t limit = in.contains("limit") && in["limit"].is_int64() ? in["limit"].get_int64() : 100;
    json::array items;
    int64_t i = start;
    for (; i < accounts_ && i < start + limit; ++i)
      items.push_back(json::object{{"id", account_id(i)}, {"name", "Hello Customer " + std::to_string(i + 1)},
                                   {"active", true}});
    json::object out{{"items", items}, {"next_cursor", i < accounts_ ? json::value(std::to_string(i)) : json::value(nullptr)}};
    return json::serialize(out);
  }

  std::string list_services(Call&, std::string_view) override {
    require_auth();
    json::array items;
    for (const auto& s : kServices) items.push_back(json::object{{"id", s[0]}, {"name", s[1]}});
    return json::serialize(json::object{{"items", items}, {"next_cursor", nullptr}});
  }

  std::string read_quantities(Call&, std::string_view input) override {
    require_auth();
    json::array out;
    for (const auto& line : lines(input)) {
      const json::object& l = line.as_object();
      std::string account = string_field(l, "account_id");
      std::string service = string_field(l, "service_id");
      json::object r{{"key", l.at("key")}};
      if (!known_account(account)) {
        r["quantity"] = nullptr;
        r["reason"] = "not_found";
        r["message"] = "no company " + account + " in tenant " + tenant_;
      } else {
        r["quantity"] = ledger_.get(tenant_, account, service).value_or(0);
        r["reason"] = nullptr;
      }
      out.push_back(std::move(r));
    }
    return json::serialize(json::object{{"lines", out}});
  }

  std::string apply_quantities(Call& call, std::string_view input) override {
    require_auth();
    json::array out;
    for (const auto& line : lines(input)) {
      const json::object& l = line.as_object();
      std::string account = string_field(l, "account_id");
      std::string service = string_field(l, "service_id");
      const json::value* target = l.if_contains("target");
      json::object r{{"key", l.at("key")}};
      if (!known_account(account)) {
        r["outcome"] = "failed";
        r["error_class"] = "not_found";
        r["message"] = "no company " + account + " in tenant " + tenant_;
      } else if (target == nullptr || !target->is_int64() || target->get_int64() < 0) {
        r["outcome"] = "failed";
        r["error_class"] = "config_invalid";
        r["message"] = "target must be a non-negative integer";
      } else {
        int64_t current = ledger_.get(tenant_, account, service).value_or(0);
        // The write is absolute, so replaying it is harmless: the platform is idempotent.
        ledger_.set(tenant_, account, service, target->get_int64());
        r["outcome"] = current == target->get_int64() ? "unchanged" : "updated";
        r["quantity"] = target->get_int64();
      }
      out.push_back(std::move(r));
    }
    call.debug("applied " + std::to_string(out.size()) + " lines");
    return json::serialize(json::object{{"lines", out}});
  }

  std::string disconnect(Call& call, std::string_view) override {
    call.info("tenant " + tenant_ + " disconnected");
    return "{}";
  }

 private:
  void require_auth() const {
    if (api_key_.rfind("hello-", 0) != 0) throw PluginError(MB_STATUS_AUTH_FAILED, "API key rejected by tenant " + tenant_);
  }
  static std::string account_id(int64_t i) { return "hc-" + std::to_string(i + 1); }
  bool known_account(const std::string& id) const {
    if (id.rfind("hc-", 0) != 0) return false;
    try {
      int64_t n = std::stoll(id.substr(3));
      return n >= 1 && n <= accounts_;
    } catch (...) {
      return false;
    }
  }
  static json::array lines(std::string_view input) {
    json::object in = parse_object(input);
    const json::value* l = in.if_contains("lines");
    if (l == nullptr || !l->is_array()) throw PluginError(MB_STATUS_CONFIG_INVALID, "input has no lines array");
    return l->get_array();
  }

  Ledger& ledger_;
  std::string tenant_;
  std::string api_key_;
  int64_t accounts_;
};

class HelloPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities caps;
    caps.disconnect = true;
    return caps;
  }
  std::unique_ptr<meterbridge::Session> open(Call&, std::string_view config) override {
    json::object c = parse_object(config);
    int64_t accounts = c.contains("accounts") && c["accounts"].is_int64() ? c["accounts"].get_int64() : 3;
    return std::make_unique<HelloSession>(ledger_, string_field(c, "tenant"), string_field(c, "api_key"), accounts);
  }

 private:
  Ledger ledger_;
};

}  // namespace

MB_PLUGIN(HelloPlugin)
