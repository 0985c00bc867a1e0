// The hello example's session: one connector of the toy platform, written on the SDK's typed
// session (<meterbridge/typed_session.hpp>), one thin method per hook taking and returning the
// typed documents, so the plugin never touches the ABI's JSON.
//
// The toy platform is a ledger in the plugin's memory, so the example needs no network: a tenant
// has N companies ("hc-1" ...), two services, and a quantity per (company, service) that
// apply_quantities sets. A real plugin reaches its platform with call.http(...) instead.
#ifndef HELLO_SESSION_H_
#define HELLO_SESSION_H_

#include <meterbridge/typed_session.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace hello {

// The toy platform's data, shared by every session of the plugin: (tenant, account, service) ->
// quantity. Sessions may run on different threads, hence the mutex.
class Ledger {
 public:
  std::optional<int64_t> get(const std::string& tenant, const std::string& account,
                             const std::string& service) const;
  void set(const std::string& tenant, const std::string& account, const std::string& service,
           int64_t quantity);

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> quantities_;
};

// The connector's config (the manifest's config_schema, validated by the host).
struct HelloConfig {
  std::string tenant;
  std::string api_key;  // a secret: never logged or put in a message
  int64_t accounts = 3;
};

class HelloSession : public meterbridge::TypedSession {
 public:
  HelloSession(Ledger& ledger, HelloConfig config) : ledger_(ledger), config_(std::move(config)) {}

  meterbridge::AuthenticateResult authenticate(meterbridge::Call& call,
                                               const meterbridge::AuthenticateRequest&) override;
  meterbridge::ListPage list_accounts(meterbridge::Call& call,
                                      const meterbridge::ListRequest& request) override;
  meterbridge::ListPage list_services(meterbridge::Call& call,
                                      const meterbridge::ListRequest& request) override;
  meterbridge::ReadResult read_quantities(meterbridge::Call& call,
                                          const meterbridge::ReadRequest& request) override;
  meterbridge::ApplyResult apply_quantities(meterbridge::Call& call,
                                            const meterbridge::ApplyRequest& request) override;
  std::string disconnect(meterbridge::Call& call, std::string_view input) override;

 private:
  bool key_accepted() const;
  void require_auth() const;
  bool known_account(const std::string& id) const;

  Ledger& ledger_;
  HelloConfig config_;
};

}  // namespace hello

#endif  // HELLO_SESSION_H_
