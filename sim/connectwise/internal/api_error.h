// ApiError: an answer in ConnectWise's ErrorResponseMessage shape,
//
//   {"code": "InvalidObject", "message": "pageSize object is invalid",
//    "errors": [{"code": "OutOfRange", "message": "...", "resource": "pageSize",
//                "field": "pageSize"}]}
//
// or with "errors": null. Handlers throw it; the platform turns it into the response. The
// simulator's own HttpError carries only a status and a message, which is not enough for the
// validation details ConnectWise returns.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_API_ERROR_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_API_ERROR_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/http_types.h"

namespace mb::sim::connectwise {

// One item of "errors": ConnectWise's ValidationError.
struct ValidationError {
  std::string code;  // e.g. "OutOfRange", "NullValue", "NotFound"
  std::string message;
  std::string resource;  // the object being validated, e.g. "addition" or "pageSize"
  std::string field;     // e.g. "product/id"
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string message,
           std::vector<ValidationError> errors = {});

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<ValidationError>& errors() const { return errors_; }

  // {"code","message","errors"}; "errors" is null when there are none, as ConnectWise sends.
  boost::json::value body() const;

  // 400 InvalidObject "<resource> object is invalid" with one validation error.
  static ApiError invalid_object(const std::string& resource, ValidationError error);

 private:
  int status_;
  std::string code_;
  std::vector<ValidationError> errors_;
};

// The error as the platform sends it.
Response api_error_response(const ApiError& error);

// The core's errors (HttpError, fault statuses) in ConnectWise's shape, the code chosen by status.
Response error_for_status(int status, std::string_view message);

// The documented 429 differs from every other error: {"error": ..., "message": ...}, with
// Retry-After.
Response too_many_requests(int64_t retry_after_seconds);

// 404 for a path the platform has no route for, naming the whole URI as ASP.NET does.
ApiError no_resource(const Request& request);

// 404 NotFound "<what> <id> not found".
ApiError record_not_found(std::string_view what, int64_t id);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_API_ERROR_H_
