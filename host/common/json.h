// JSON helpers shared by the host: parsing (strict for documents crossing the ABI and the API,
// lenient for human-written files), JSON Pointer building, and small typed accessors that do
// not throw.
//
// Both parsers accept a leading UTF-8 byte order mark and reject an object that names the same
// key twice, naming the key and its line: with a duplicate, which value wins is up to the
// parser, so a typo'd copy could silently override the real setting.
//
//   auto doc = json::parse_lenient(text);   // "invalid JSON at line 3, column 9: duplicate key
//   'id'"
#ifndef METERBRIDGE_HOST_COMMON_JSON_H_
#define METERBRIDGE_HOST_COMMON_JSON_H_

#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb::json {

// Parses strict JSON (documents crossing the ABI, API bodies, usage files).
Result<boost::json::value> parse(std::string_view text);
// Parses a human-written file: // and /* */ comments and trailing commas allowed.
Result<boost::json::value> parse_lenient(std::string_view text);

std::string serialize(const boost::json::value& v);

// Escapes one reference token for a JSON Pointer (RFC 6901: ~ -> ~0, / -> ~1).
std::string pointer_token(std::string_view token);

// Calls `f` on every string value inside `v`, depth first. Object keys are structure, not values,
// and are left alone.
void for_each_string(boost::json::value& v, const std::function<void(boost::json::string&)>& f);

// The integer a JSON number holds: an int64, a uint64 up to INT64_MAX, or a double with no
// fraction inside int64's range (1e2, 40.0). nullopt for anything else — a fraction, a number
// too large, a non-number — so no caller converts an out-of-range double (undefined behaviour).
std::optional<int64_t> whole_number(const boost::json::value& v);

// Typed reads that return nullopt for a missing key or a wrong type.
std::optional<std::string> get_string(const boost::json::value& v, std::string_view key);
std::optional<int64_t> get_int(const boost::json::value& v, std::string_view key);
std::optional<bool> get_bool(const boost::json::value& v, std::string_view key);
const boost::json::value* get(const boost::json::value& v, std::string_view key);

}  // namespace mb::json

#endif  // METERBRIDGE_HOST_COMMON_JSON_H_
