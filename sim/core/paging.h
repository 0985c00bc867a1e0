// Paging helpers shared by platform simulators. Each platform pages differently (page/pageSize
// with a Link header, opaque next-page URLs, id cursors); these are the common parts.
//
//   PageSlice slice = page_slice(items.size(), page, page_size);
//   for (size_t i = slice.begin; i < slice.end; ++i) out.push_back(items[i]);
//   if (slice.has_next) next = url_with_query(request, {{"page", std::to_string(page + 1)}});
#ifndef METERBRIDGE_SIM_CORE_PAGING_H_
#define METERBRIDGE_SIM_CORE_PAGING_H_

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/http_types.h"
#include "sim/core/router.h"

namespace mb::sim {

struct PageSlice {
  size_t begin = 0;  // first index on the page
  size_t end = 0;    // one past the last; begin == end for a page past the last
  int64_t page = 1;
  int64_t page_size = 0;
  int64_t total = 0;
  int64_t page_count = 0;  // 0 when total is 0
  bool has_previous = false;
  bool has_next = false;
};

// The window of a 1-based `page` of `page_size` over `total` items. page >= 1, page_size >= 1.
PageSlice page_slice(size_t total, int64_t page, int64_t page_size);

// An absolute URL to the same path with some query parameters replaced or added, the others kept
// in order: for next/previous links.
std::string url_with_query(const Request& request,
                           const std::vector<std::pair<std::string, std::string>>& overrides);

// An RFC 8288 Link header value: <url>; rel="next", <url>; rel="last".
std::string link_header(const std::vector<std::pair<std::string, std::string>>& rel_and_url);

// An opaque, URL-safe cursor holding JSON (base64url without padding), for platforms whose
// next-page token is meant to be meaningless to clients.
std::string encode_cursor(const boost::json::value& position);
// nullopt when the text is not a cursor this simulator made.
std::optional<boost::json::value> decode_cursor(std::string_view cursor);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_PAGING_H_
