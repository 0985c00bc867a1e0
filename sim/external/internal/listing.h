// Cursor paging as the external protocol specifies it: `limit` (default 100, lowered to the
// platform's max_page_size, 400 when not a positive integer) and an opaque `cursor` that is
// valid only for the list and the filters it was issued for. Lists are ordered by key.
//
//   PageRequest page = parse_page_request(request, "customers", search, max_page_size);
//   json::object body = page_of(customers_by_id, page, matches, to_json);
//   // {"data":[...],"next_cursor":"..."|null}
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_LISTING_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_LISTING_H_

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/http_types.h"

namespace mb::sim::external {

inline constexpr int64_t kDefaultPageSize = 100;

struct PageRequest {
  std::string list;    // "customers", "links", ...
  std::string filter;  // a fingerprint of the filters the cursor is bound to
  int64_t limit = kDefaultPageSize;
  std::optional<std::string> after;  // the last key of the previous page
};

// Throws ApiError 400 invalid_request (bad limit) or invalid_cursor.
PageRequest parse_page_request(const Request& request, std::string_view list,
                               std::string_view filter, int64_t max_page_size);

// The cursor that continues `page` after `last_key`.
std::string next_cursor(const PageRequest& page, const std::string& last_key);

// A short, deterministic fingerprint of filter values (FNV-1a 64, hex).
std::string fingerprint(std::string_view text);

// One page over an ordered map: entries (key-value pairs) after page.after that `matches`, at
// most page.limit, each turned into JSON by `to_json`.
template <typename Map, typename Matches, typename ToJson>
boost::json::object page_of(const Map& map, const PageRequest& page, Matches matches,
                            ToJson to_json) {
  boost::json::array data;
  auto it = page.after ? map.upper_bound(*page.after) : map.begin();
  std::string last_key;
  for (; it != map.end(); ++it) {
    if (!matches(*it)) continue;
    if (static_cast<int64_t>(data.size()) == page.limit) break;
    data.push_back(to_json(*it));
    last_key = it->first;
  }
  boost::json::value next = nullptr;
  if (it != map.end()) next = boost::json::value(next_cursor(page, last_key));
  return boost::json::object{{"data", std::move(data)}, {"next_cursor", std::move(next)}};
}

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_LISTING_H_
