// The admin API of `meterbridge serve` (docs/admin-api.md, docs/admin-api.openapi.yaml): JSON in
// and out, a bearer token on every request, errors as {"error":{"code","message","details"}}.
// Every endpoint calls the same operations as the CLI.
#ifndef METERBRIDGE_HOST_SERVER_ADMIN_API_H_
#define METERBRIDGE_HOST_SERVER_ADMIN_API_H_

#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "host/cli/app.h"
#include "host/server/http_server.h"

namespace mb::server {

// One run at a time per connector, whoever asks (scheduler, API, approve, retry).
class RunGate {
 public:
  // A held lock, or an empty one when a run is already in progress.
  std::unique_lock<std::mutex> try_enter(const std::string& connector_id);
  std::unique_lock<std::mutex> enter(const std::string& connector_id);

 private:
  std::mutex& mutex_for(const std::string& connector_id);
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> per_connector_;
};

class AdminApi {
 public:
  AdminApi(cli::App& app, std::string token, RunGate& gate) : app_(app), token_(std::move(token)), gate_(gate) {}
  ApiResponse handle(const ApiRequest& request);

 private:
  ApiResponse route(const ApiRequest& request);
  // Every response is built here: secrets masked value by value before serialization, and the
  // config file named without the folder it lives in.
  ApiResponse json_response(int status, const boost::json::value& body) const;
  ApiResponse error_response(int status, std::string_view code, const std::string& message,
                             boost::json::object details = {}) const;
  ApiResponse error_response(const Status& s) const;
  cli::App& app_;
  std::string token_;
  RunGate& gate_;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_ADMIN_API_H_
