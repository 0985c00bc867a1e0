#include "internal/json_fields.h"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace meterbridge::autotask {

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

const boost::json::value* find_field(const boost::json::object& object, std::string_view name) {
  if (const boost::json::value* exact = object.if_contains(name)) return exact;
  for (const auto& member : object) {
    if (equal_ignoring_case(member.key(), name)) return &member.value();
  }
  return nullptr;
}

std::optional<int64_t> to_int64(const boost::json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    uint64_t u = value.get_uint64();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_double()) {
    double d = value.get_double();
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if (!std::isfinite(d) || d != std::trunc(d) || d >= 9223372036854775808.0 ||
        d < -9223372036854775808.0)
      return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<int64_t> int_field(const boost::json::object& object, std::string_view name) {
  const boost::json::value* v = find_field(object, name);
  return v == nullptr ? std::nullopt : to_int64(*v);
}

std::optional<std::string> string_field(const boost::json::object& object, std::string_view name) {
  const boost::json::value* v = find_field(object, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<bool> bool_field(const boost::json::object& object, std::string_view name) {
  const boost::json::value* v = find_field(object, name);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::optional<int64_t> parse_record_id(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || text.front() == '-')
    return std::nullopt;
  return id;
}

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

}  // namespace meterbridge::autotask
