#include "sim/external/internal/listing.h"

#include <boost/json.hpp>

#include <charconv>
#include <cstdio>

#include "sim/core/paging.h"
#include "sim/external/internal/api_error.h"

namespace mb::sim::external {

namespace json = boost::json;

std::string fingerprint(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

PageRequest parse_page_request(const Request& request, std::string_view list,
                               std::string_view filter, int64_t max_page_size) {
  PageRequest page;
  page.list = std::string(list);
  page.filter = std::string(filter);
  if (auto limit = request.query_param("limit")) {
    int64_t value = 0;
    const char* end = limit->data() + limit->size();
    auto [ptr, ec] = std::from_chars(limit->data(), end, value);
    if (limit->empty() || ec != std::errc() || ptr != end || value < 1) {
      throw ApiError(400, "invalid_request", "limit must be a positive integer",
                     {{"parameter", "limit"}});
    }
    page.limit = std::min(value, max_page_size);
  } else {
    page.limit = std::min(kDefaultPageSize, max_page_size);
  }
  if (auto cursor = request.query_param("cursor")) {
    std::optional<json::value> position = decode_cursor(*cursor);
    const json::object* o = position ? position->if_object() : nullptr;
    const json::value* l = o ? o->if_contains("l") : nullptr;
    const json::value* f = o ? o->if_contains("f") : nullptr;
    const json::value* a = o ? o->if_contains("a") : nullptr;
    if (l == nullptr || !l->is_string() || l->get_string() != list || f == nullptr ||
        !f->is_string() || f->get_string() != filter || a == nullptr || !a->is_string()) {
      throw ApiError(400, "invalid_cursor",
                     "the cursor was not issued for this list and these filters",
                     {{"parameter", "cursor"}});
    }
    page.after = std::string(a->get_string());
  }
  return page;
}

std::string next_cursor(const PageRequest& page, const std::string& last_key) {
  return encode_cursor(json::object{{"l", page.list}, {"f", page.filter}, {"a", last_key}});
}

}  // namespace mb::sim::external
