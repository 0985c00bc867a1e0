// The external protocol's error body and the exception handlers throw to send one.
//
//   throw ApiError(409, "customer_already_linked", "customer c-1 is already linked to ws-2",
//                  {{"customer_id", "c-1"}, {"vendor_customer_id", "ws-2"}});
//
// Every error answer of the protocol is {"error":{"code","message","details"}} (see
// docs/external-protocol.md, section 5); the code is what clients act on.
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_API_ERROR_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_API_ERROR_H_

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/core/http_types.h"

namespace mb::sim::external {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message,
           boost::json::object details = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        details_(std::move(details)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const boost::json::object& details() const { return details_; }

 private:
  int status_;
  std::string code_;
  boost::json::object details_;
};

// The protocol's generic code for a status, for errors raised without one (a malformed request
// target, an injected fault): 400 invalid_request, 401 unauthorized, 429 rate_limited, ...
std::string_view code_for_status(int status);

// {"error":{"code":..,"message":..,"details":{..}}} with that status; 401 adds
// WWW-Authenticate: Bearer.
Response error_body(int status, std::string_view code, std::string_view message,
                    const boost::json::object& details = {});
Response error_body(const ApiError& error);

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_API_ERROR_H_
