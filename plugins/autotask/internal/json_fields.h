// Tolerant reads of the JSON Autotask sends back.
//
// Autotask's wire format is camelCase ("companyID", "nextPageUrl"), but its own field matching
// is case-insensitive and PascalCase turns up in older tools and in the swagger, so a lookup
// tries the exact name first and then any casing. Ids and counts are integers on the wire, yet
// some serializers write them as 412.0; both read as 412.
//
//   const boost::json::object& row = ...;
//   std::optional<int64_t> company = int_field(row, "companyID");
//   std::string name = string_field(row, "companyName").value_or("");
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_JSON_FIELDS_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_JSON_FIELDS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meterbridge::autotask {

// The member called `name` in any letter case, or nullptr.
const boost::json::value* find_field(const boost::json::object& object, std::string_view name);

// A JSON number that holds a whole value (int64, uint64 in range, or an integral double).
std::optional<int64_t> to_int64(const boost::json::value& value);

std::optional<int64_t> int_field(const boost::json::object& object, std::string_view name);
std::optional<std::string> string_field(const boost::json::object& object, std::string_view name);
std::optional<bool> bool_field(const boost::json::object& object, std::string_view name);

// An Autotask record id written as text by the host ("412"): decimal digits only, no sign,
// no spaces, within int64.
std::optional<int64_t> parse_record_id(std::string_view text);

// Parses a document that must be a JSON object; nullopt for anything else.
std::optional<boost::json::object> parse_object(std::string_view text);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_JSON_FIELDS_H_
