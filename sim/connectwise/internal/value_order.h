// How the conditions language and orderBy compare JSON values: numbers of any JSON kind as
// doubles, and a three-way order for anything with operator<.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_VALUE_ORDER_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_VALUE_ORDER_H_

#include <boost/json/value.hpp>

#include <optional>

namespace mb::sim::connectwise {

// The value as a double when it is a JSON number (int64, uint64 or double); nullopt otherwise.
inline std::optional<double> number_of(const boost::json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return std::nullopt;
}

// -1, 0 or 1 as a is less than, equivalent to or greater than b.
template <typename V>
int three_way(const V& a, const V& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_VALUE_ORDER_H_
