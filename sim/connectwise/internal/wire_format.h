// The small formatting rules of ConnectWise's wire format that Boost.JSON does not follow by
// itself: decimals always carry a fractional part ("quantity": 40.0, as the .NET serializer
// writes a double) and timestamps are ISO-8601 UTC with a "Z" ("2025-01-01T00:00:00Z").
//
//   std::string body = to_wire_json(record);                  // {"id":77,"quantity":40.0}
//   std::optional<int64_t> t = parse_timestamp("2025-01-01");  // seconds since the epoch
//   std::string text = format_timestamp(*t);                   // "2025-01-01T00:00:00Z"
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_WIRE_FORMAT_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_WIRE_FORMAT_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/http_types.h"

namespace mb::sim::connectwise {

// Compact JSON in which a double is written with a fractional part even when it is integral
// (40.0, not Boost's 4E1), so clients see what the .NET platform sends.
std::string to_wire_json(const boost::json::value& value);

// Seconds since the Unix epoch for "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+hh:mm]";
// fractions of a second are dropped. nullopt for anything else.
std::optional<int64_t> parse_timestamp(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string format_timestamp(int64_t epoch_seconds);

// The current time, formatted as above.
std::string now_timestamp();

// A response with `body` in the wire format and ConnectWise's JSON content type.
Response wire_json(int status, const boost::json::value& body);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_WIRE_FORMAT_H_
