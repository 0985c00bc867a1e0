// JSON helpers shared by the host: lenient parsing for human-written files (comments and
// trailing commas allowed), JSON Pointer building, and small typed accessors that do not throw.
#ifndef METERBRIDGE_HOST_COMMON_JSON_H_
#define METERBRIDGE_HOST_COMMON_JSON_H_

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb::json {

// Parses strict JSON (documents crossing the ABI, API bodies).
Result<boost::json::value> parse(std::string_view text);
// Parses a human-written file: // and /* */ comments and trailing commas allowed.
Result<boost::json::value> parse_lenient(std::string_view text);

std::string serialize(const boost::json::value& v);

// Escapes one reference token for a JSON Pointer (RFC 6901: ~ -> ~0, / -> ~1).
std::string pointer_token(std::string_view token);

// Typed reads that return nullopt for a missing key or a wrong type.
std::optional<std::string> get_string(const boost::json::value& v, std::string_view key);
std::optional<int64_t> get_int(const boost::json::value& v, std::string_view key);
std::optional<bool> get_bool(const boost::json::value& v, std::string_view key);
const boost::json::value* get(const boost::json::value& v, std::string_view key);

}  // namespace mb::json

#endif  // METERBRIDGE_HOST_COMMON_JSON_H_
