// Autotask's answers that are not data: {"errors": ["..."]} for the API's own refusals,
// ASP.NET Web API's {"Message": "..."} for requests no action serves, the thread-threshold
// error clients must recognise by its text, and IIS's HTML page for an over-long query string.
//
//   return errors_body(404, "No Company with id 7 was found.");
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_API_ERROR_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_API_ERROR_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/http_types.h"

namespace mb::sim::autotask {

// A JSON response written the way Autotask writes numbers (see serialize_wire_json).
Response wire_json(int status, const boost::json::value& body);

// {"errors": [message]}.
Response errors_body(int status, std::string_view message);

// ASP.NET Web API's own answers for requests no action serves (note the capital "M").
Response method_not_allowed(const std::string& method, const std::vector<std::string>& allowed);
Response not_found(const Request& request);

// The observed thread-threshold text and code; its status varies with the settings.
Response thread_threshold_exceeded(int status, int64_t thread_limit);

// IIS request filtering's 404.15, before the API sees the request.
Response query_string_too_long();

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_API_ERROR_H_
