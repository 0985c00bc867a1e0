// The admin API of `meterbridge serve` (docs/admin-api.md, docs/admin-api.openapi.yaml): JSON in
// and out, a bearer token or a console session (docs/console.md) on every request but the
// health probes, the sign-in and the console's files, errors as
// {"error":{"code","message","details"}}. Every endpoint calls the same operations as the CLI.
// The endpoints are one table in admin_api.cc, (method, path pattern) -> a small handler each;
// a path with another method is 405 with `Allow`, an unknown path 404.
//
//   AdminApi api(app, {.token = token}, gate);
//   HttpServer::start(options, [&](auto& head) { return api.admit(head); },
//                     [&](auto& request) { return api.handle(request); });
#ifndef METERBRIDGE_HOST_SERVER_ADMIN_API_H_
#define METERBRIDGE_HOST_SERVER_ADMIN_API_H_

#include <boost/json/value.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/app/app.h"
#include "host/config/config.h"
#include "host/server/auth.h"
#include "host/server/console_review.h"
#include "host/server/http_server.h"
#include "host/server/router.h"

namespace mb::server {

// Scheduled runs of one connector in this process wait for each other here; across processes
// and machines the connector's lease (host/sync/lease.h) decides who runs.
class RunGate {
 public:
  std::unique_lock<std::mutex> enter(const std::string& connector_id);

 private:
  std::mutex& mutex_for(const std::string& connector_id);
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> per_connector_;
};

// What the console's endpoints share: sessions, the sign-in limiter, the progress of the runs
// the API is running, and where its files are.
struct ConsoleAccess {
  ConsoleAccess(const Clock& clock, SessionTimes times)
      : sessions(clock, times), limiter(clock, {}), progress(clock) {}
  SessionKeeper sessions;
  SignInLimiter limiter;
  RunProgressBoard progress;
  bool secure = false;  // the listener has TLS: cookies are Secure
  bool scheduler_on = true;
  std::filesystem::path console_dir;
  std::function<void()> connectors_changed;  // may be empty
};

struct AdminApiOptions {
  std::string token;  // the vendor's token, resolved; empty: no vendor-wide bearer token
  // Resolved; each reaches only its partner's connectors.
  std::vector<PartnerToken> partner_tokens = {};
  SessionTimes session_times = {};
  bool tls = false;                        // the listener has TLS: session cookies are Secure
  bool scheduler_on = true;                // serve schedules runs (the console shows the next one)
  std::filesystem::path console_dir = {};  // empty: beside the binary (console_dir())
  const Clock* clock = &SystemClock::instance();
  size_t max_body_bytes = 64 * 1024;               // every endpoint but POST /v1/usage
  size_t max_usage_body_bytes = 32 * 1024 * 1024;  // POST /v1/usage
  // Shared by every sync the API starts; serve sets it on SIGTERM so a run stops at its next
  // durable batch boundary. May be null.
  const std::atomic<bool>* stop_requested = nullptr;
  // Called after a connector was added or removed in the console: serve schedules it (or stops
  // scheduling it) at once. May be empty.
  std::function<void()> connectors_changed = {};
};

class AdminApi {
 public:
  AdminApi(app::App& app, AdminApiOptions options, RunGate& gate);

  // From the request's head alone, before any body byte is read: answers health probes and
  // unauthenticated requests at once, and sets the body limit and the lane of the rest.
  // Cheap and non-blocking (it runs on the server's I/O thread).
  Admission admit(const ApiRequest& head) const;
  // A whole request (on a worker thread).
  ApiResponse handle(const ApiRequest& request);
  // New tokens take effect for the next request (config reload).
  void set_tokens(std::string token, std::vector<PartnerToken> partner_tokens);
  void set_session_times(SessionTimes times);
  bool tls() const { return options_.tls; }
  // Where runs report their live progress for the console: the API's own runs, and those
  // this node's job workers run (scheduled, queued), so the console shows those live too.
  RunProgressBoard& progress() { return console_->progress; }

 private:
  // An endpoint's handler and how its requests are admitted (admin_api.cc).
  struct Route;
  // Every endpoint: the one table admit() and handle() both match requests against.
  static const Router<Route>& routes();

  // Whether a route is answered without a token (health probes; /metrics when configured so).
  bool open(const Route& route) const;
  // The principal of a valid bearer token (vendor or partner); nullopt for none.
  std::optional<Principal> bearer_principal(const ApiRequest& request) const;
  // From the head, without the store: a valid bearer token or a session cookie to check later.
  bool may_be_authenticated(const ApiRequest& head) const;
  // Token or session; nullopt when neither is valid.
  Result<std::optional<Principal>> authenticate(const ApiRequest& request) const;
  // The answer that refuses a partner-scoped caller a connector or run not theirs.
  std::optional<ApiResponse> refusal_by_scope(const ApiRequest& request, const Route& route,
                                              const PathParams& params,
                                              const Principal& principal) const;
  Status check_run_reach(const Principal& principal, const std::string& run) const;
  ApiResponse dispatch(const ApiRequest& request, const Route& route, const PathParams& params,
                       const Principal& principal) const;
  // 405 with `Allow` when the path has other methods; else 404.
  ApiResponse no_such_endpoint(const ApiRequest& request,
                               const std::vector<std::string>& allowed_methods) const;
  // Every response is built here: secrets masked value by value before serialization, and the
  // config file named without the folder it lives in.
  ApiResponse json_response(int status, const boost::json::value& body) const;
  ApiResponse error_response(int status, std::string_view code, const std::string& message,
                             boost::json::object details = {}) const;
  ApiResponse error_response(const Status& s) const;
  app::App& app_;
  AdminApiOptions options_;  // tokens guarded by token_mu_
  mutable std::mutex token_mu_;
  RunGate& gate_;
  std::unique_ptr<ConsoleAccess> console_;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_ADMIN_API_H_
