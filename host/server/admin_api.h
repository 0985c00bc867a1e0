// The admin API of `meterbridge serve` (docs/admin-api.md, docs/admin-api.openapi.yaml): JSON in
// and out, a bearer token on every request but the health probes, errors as
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
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "host/app/app.h"
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

struct AdminApiOptions {
  std::string token;                  // resolved; empty refuses every authenticated request
  size_t max_body_bytes = 64 * 1024;  // every endpoint but POST /v1/usage
  size_t max_usage_body_bytes = 32 * 1024 * 1024;  // POST /v1/usage
  // Shared by every sync the API starts; serve sets it on SIGTERM so a run stops at its next
  // durable batch boundary. May be null.
  const std::atomic<bool>* stop_requested = nullptr;
};

class AdminApi {
 public:
  AdminApi(app::App& app, AdminApiOptions options, RunGate& gate)
      : app_(app), options_(std::move(options)), gate_(gate) {}

  // From the request's head alone, before any body byte is read: answers health probes and
  // unauthenticated requests at once, and sets the body limit and the lane of the rest.
  // Cheap and non-blocking (it runs on the server's I/O thread).
  Admission admit(const ApiRequest& head) const;
  // A whole request (on a worker thread).
  ApiResponse handle(const ApiRequest& request);
  // A new token takes effect for the next request (config reload).
  void set_token(std::string token);

 private:
  // An endpoint's handler and how its requests are admitted (admin_api.cc).
  struct Route;
  // Every endpoint: the one table admit() and handle() both match requests against.
  static const Router<Route>& routes();

  // Whether a route is answered without a token (health probes; /metrics when configured so).
  bool open(const Route& route) const;
  bool authorized(const ApiRequest& request) const;
  ApiResponse dispatch(const ApiRequest& request, const Route& route,
                       const PathParams& params) const;
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
  AdminApiOptions options_;  // token guarded by token_mu_
  mutable std::mutex token_mu_;
  RunGate& gate_;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_ADMIN_API_H_
