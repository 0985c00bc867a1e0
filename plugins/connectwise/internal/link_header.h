// ConnectWise's navigable pagination: every list page carries an RFC 8288 `Link` header with
// first/prev/next/last targets, and the next page exists exactly when rel="next" is present.
//
//   auto links = parse_link_header(R"(<https://h/x?page=2>; rel="next", <https://h/x?page=9>;
//   rel="last")"); links["next"];                 // "https://h/x?page=2"
//   page_parameter(links["next"]); // 2
//
// The plugin reads only the page number from the next link and rebuilds the URL itself, so a
// link naming another host or an old codebase can never redirect a request with credentials.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_LINK_HEADER_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_LINK_HEADER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace meterbridge::connectwise {

// rel -> target URL. A link with several space-separated rels ("next last") appears under each;
// the first link naming a rel wins. Malformed entries are skipped.
std::map<std::string, std::string> parse_link_header(std::string_view header);

// The positive integer `page` query parameter of a URL or relative reference, if any.
std::optional<int64_t> page_parameter(std::string_view url);

// What follows a page that returned `rows` rows of a requested `page_size`:
//  - a Link header was sent: its rel="next" page, or none;
//  - no Link header: page + 1 when the page was full, none when it was short.
std::optional<int64_t> next_page(std::optional<std::string_view> link_header, int64_t page,
                                 size_t rows, size_t page_size);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_LINK_HEADER_H_
