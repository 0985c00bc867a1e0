// Tolerant reads of the JSON a platform sends back, so that no plugin writes its own.
//
// A platform's answer is read, not trusted: a member may be missing, null, of another type, an
// id may come as 412, 412.0 or "412", and some platforms match member names in any letter case.
// Every accessor takes the member as a pointer (what boost::json::object::if_contains returns),
// so a missing member and a member of the wrong type both read as "nothing":
//
//   #include <meterbridge/json_fields.hpp>
//   std::optional<boost::json::object> row = parse_json_object(response.body);
//   if (!row) throw PluginError(MB_STATUS_RETRY, "list companies: not a JSON object");
//   std::optional<int64_t> id = whole_number(row->if_contains("id"));
//   std::string name = text(field_any_case(*row, "companyName")).value_or("");
//
// Header-only; needs Boost.JSON (the SDK's CMake package finds it).
#ifndef METERBRIDGE_JSON_FIELDS_HPP_
#define METERBRIDGE_JSON_FIELDS_HPP_

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge {

// The document, or nullopt when `text` is not JSON.
inline std::optional<boost::json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

// The document when it is a JSON object, else nullopt.
inline std::optional<boost::json::object> parse_json_object(std::string_view text) {
  std::optional<boost::json::value> value = parse_json(text);
  if (!value || !value->is_object()) return std::nullopt;
  return std::move(value->get_object());
}

// The elements of a JSON array whose elements are all objects, else nullopt.
inline std::optional<std::vector<boost::json::object>> parse_json_objects(std::string_view text) {
  std::optional<boost::json::value> value = parse_json(text);
  if (!value || !value->is_array()) return std::nullopt;
  std::vector<boost::json::object> objects;
  objects.reserve(value->get_array().size());
  for (boost::json::value& element : value->get_array()) {
    if (!element.is_object()) return std::nullopt;
    objects.push_back(std::move(element.get_object()));
  }
  return objects;
}

// The member called `name`, looked up exactly first and then in any ASCII letter case
// ("companyID" finds "CompanyID"); nullptr when there is none.
inline const boost::json::value* field_any_case(const boost::json::object& object,
                                                std::string_view name) {
  if (const boost::json::value* exact = object.if_contains(name)) return exact;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& member : object) {
    const std::string_view key = member.key();
    if (key.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; same && i < key.size(); ++i) same = lower(key[i]) == lower(name[i]);
    if (same) return &member.value();
  }
  return nullptr;
}

// A number holding a whole value that fits int64: 412, 412.0 (some serializers write ids as
// doubles), a uint64 up to INT64_MAX. A double counts only below 2^53, where every whole number
// is exact: beyond it, 1e16 may not be the number that was written. nullopt for nullptr,
// fractions, text and everything else.
inline std::optional<int64_t> whole_number(const boost::json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) {
    if (value->get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(value->get_uint64());
  }
  if (value->is_double()) {
    const double d = value->get_double();
    if (!(std::fabs(d) < 9007199254740992.0) || d != std::floor(d)) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// Any JSON number as a double; nullopt for nullptr and non-numbers.
inline std::optional<double> number(const boost::json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  if (value->is_double()) return value->get_double();
  return std::nullopt;
}

// A JSON string; nullopt for nullptr and everything else (a number is not text).
inline std::optional<std::string> text(const boost::json::value* value) {
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

// A JSON boolean; nullopt for nullptr and everything else.
inline std::optional<bool> boolean(const boost::json::value* value) {
  if (value == nullptr || !value->is_bool()) return std::nullopt;
  return value->get_bool();
}

// An id the platform may write as text or as a number: a string as it is, a whole number in
// decimal; "" for anything else.
inline std::string id_text(const boost::json::value* value) {
  if (value != nullptr && value->is_string()) return std::string(value->get_string());
  if (std::optional<int64_t> whole = whole_number(value)) return std::to_string(*whole);
  return {};
}

// A record id the host hands back as text ("412"): decimal digits only (no sign, no spaces),
// within int64; nullopt for anything else.
inline std::optional<int64_t> parse_whole_number(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(value);
}

}  // namespace meterbridge

#endif  // METERBRIDGE_JSON_FIELDS_HPP_
