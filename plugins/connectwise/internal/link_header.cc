#include "internal/link_header.h"

#include <meterbridge/documents.hpp>
#include <meterbridge/json_fields.hpp>

#include <boost/url/parse.hpp>

namespace meterbridge::connectwise {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of the `rel` parameter in "; rel=\"next\"; title=..." (quoted or bare).
std::optional<std::string> rel_value(std::string_view params) {
  size_t pos = 0;
  while (pos < params.size()) {
    size_t semi = params.find(';', pos);
    std::string_view param =
        trim(params.substr(pos, semi == std::string_view::npos ? semi : semi - pos));
    pos = semi == std::string_view::npos ? params.size() : semi + 1;
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (ascii_lower(trim(param.substr(0, eq))) != "rel") continue;
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return ascii_lower(value);
  }
  return std::nullopt;
}

}  // namespace

std::map<std::string, std::string> parse_link_header(std::string_view header) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t open = header.find('<', pos);
    if (open == std::string_view::npos) break;
    size_t close = header.find('>', open + 1);
    if (close == std::string_view::npos) break;
    std::string_view target = header.substr(open + 1, close - open - 1);
    // Parameters run to the next link; a quoted rel value may contain a comma.
    size_t end = close + 1;
    bool quoted = false;
    while (end < header.size() && (quoted || header[end] != ',')) {
      if (header[end] == '"') quoted = !quoted;
      ++end;
    }
    std::optional<std::string> rels = rel_value(header.substr(close + 1, end - close - 1));
    if (rels) {
      size_t r = 0;
      while (r < rels->size()) {
        size_t space = rels->find(' ', r);
        std::string rel =
            rels->substr(r, space == std::string::npos ? std::string::npos : space - r);
        if (!rel.empty()) out.emplace(rel, std::string(target));
        r = space == std::string::npos ? rels->size() : space + 1;
      }
    }
    pos = end + 1;
  }
  return out;
}

std::optional<int64_t> page_parameter(std::string_view url) {
  auto parsed = boost::urls::parse_uri_reference(url);
  if (!parsed) return std::nullopt;
  for (const auto& param : parsed->params()) {
    if (param.key != "page" || !param.has_value) continue;
    std::optional<int64_t> n =
        param.value.size() > 12 ? std::nullopt : parse_whole_number(param.value);
    return n && *n > 0 ? n : std::nullopt;
  }
  return std::nullopt;
}

std::optional<int64_t> next_page(std::optional<std::string_view> link_header, int64_t page,
                                 size_t rows, size_t page_size) {
  if (rows == 0) return std::nullopt;  // an empty page ends the listing whatever the links say
  bool full = rows >= page_size;
  if (!link_header) return full ? std::optional<int64_t>(page + 1) : std::nullopt;
  auto links = parse_link_header(*link_header);
  auto next = links.find("next");
  if (next == links.end()) return std::nullopt;
  // A next link whose page we cannot read (or that does not move forward) is not followed
  // blindly: fall back to the page's fullness.
  std::optional<int64_t> target = page_parameter(next->second);
  if (target && *target > page) return target;
  return full ? std::optional<int64_t>(page + 1) : std::nullopt;
}

}  // namespace meterbridge::connectwise
