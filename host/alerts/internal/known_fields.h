// The fields of a JSON object that a strict reader does not know, for an error naming each
// (alert documents, alerts policies). Private to host/alerts.
#ifndef METERBRIDGE_HOST_ALERTS_INTERNAL_KNOWN_FIELDS_H_
#define METERBRIDGE_HOST_ALERTS_INTERNAL_KNOWN_FIELDS_H_

#include <boost/json/object.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace mb::alerts_internal {

// The keys of `object` that are not in `known`, in the object's order.
inline std::vector<std::string> unknown_fields(const boost::json::object& object,
                                               std::initializer_list<std::string_view> known) {
  std::vector<std::string> unknown;
  for (const auto& field : object) {
    bool found = false;
    for (std::string_view name : known) found = found || field.key() == name;
    if (!found) unknown.emplace_back(field.key());
  }
  return unknown;
}

}  // namespace mb::alerts_internal

#endif  // METERBRIDGE_HOST_ALERTS_INTERNAL_KNOWN_FIELDS_H_
