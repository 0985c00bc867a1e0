#include "sim/core/paging.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace mb::sim {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
  const size_t position = kBase64UrlAlphabet.find(c);
  return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

}  // namespace

PageSlice page_slice(size_t total, int64_t page, int64_t page_size) {
  PageSlice slice;
  slice.page = std::max<int64_t>(page, 1);
  slice.page_size = std::max<int64_t>(page_size, 1);
  slice.total = static_cast<int64_t>(total);
  slice.page_count = (slice.total + slice.page_size - 1) / slice.page_size;
  const uint64_t first =
      static_cast<uint64_t>(slice.page - 1) * static_cast<uint64_t>(slice.page_size);
  slice.begin = static_cast<size_t>(std::min<uint64_t>(first, total));
  slice.end = static_cast<size_t>(
      std::min<uint64_t>(first + static_cast<uint64_t>(slice.page_size), total));
  slice.has_previous = slice.page > 1;
  slice.has_next = slice.page < slice.page_count;
  return slice;
}

std::string url_with_query(const Request& request,
                           const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::pair<std::string, std::string>> query = request.query;
  for (const auto& [name, value] : overrides) {
    auto it = std::find_if(query.begin(), query.end(),
                           [&](const auto& parameter) { return parameter.first == name; });
    if (it == query.end()) {
      query.emplace_back(name, value);
    } else {
      it->second = value;
      // A repeated parameter would make the link ambiguous; keep the first only.
      query.erase(std::remove_if(it + 1, query.end(),
                                 [&](const auto& parameter) { return parameter.first == name; }),
                  query.end());
    }
  }
  std::string url = request.base_url;
  for (std::string_view segment : split_path(request.path)) {
    url += '/';
    url += url_encode_component(segment);
  }
  char separator = '?';
  for (const auto& [name, value] : query) {
    url += separator;
    url += url_encode_component(name);
    url += '=';
    url += url_encode_component(value);
    separator = '&';
  }
  return url;
}

std::string link_header(const std::vector<std::pair<std::string, std::string>>& rel_and_url) {
  std::string header;
  for (const auto& [rel, url] : rel_and_url) {
    if (!header.empty()) header += ", ";
    header += '<' + url + ">; rel=\"" + rel + '"';
  }
  return header;
}

std::string encode_cursor(const boost::json::value& position) {
  const std::string raw = boost::json::serialize(position);
  std::string encoded;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : raw) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      encoded.push_back(kBase64UrlAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) encoded.push_back(kBase64UrlAlphabet[(buffer << (6 - bits)) & 0x3F]);
  return encoded;
}

std::optional<boost::json::value> decode_cursor(std::string_view cursor) {
  std::string raw;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : cursor) {
    const int value = base64url_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  boost::system::error_code ec;
  boost::json::value position = boost::json::parse(raw, ec);
  if (ec) return std::nullopt;
  return position;
}

}  // namespace mb::sim
