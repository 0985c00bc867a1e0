#include "host/common/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

namespace mb::json {
namespace {

// Parses with a stream parser so a syntax error can name its line and column.
Result<boost::json::value> parse_with(std::string_view text, const boost::json::parse_options& opt) {
  boost::json::stream_parser parser({}, opt);
  boost::system::error_code ec;
  size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Status::ConfigInvalid("invalid JSON at line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + ec.message());
  }
  return parser.release();
}

}  // namespace

Result<boost::json::value> parse(std::string_view text) { return parse_with(text, {}); }

Result<boost::json::value> parse_lenient(std::string_view text) {
  boost::json::parse_options opt;
  opt.allow_comments = true;
  opt.allow_trailing_commas = true;
  return parse_with(text, opt);
}

std::string serialize(const boost::json::value& v) { return boost::json::serialize(v); }

std::string pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

const boost::json::value* get(const boost::json::value& v, std::string_view key) {
  const auto* obj = v.if_object();
  if (obj == nullptr) return nullptr;
  return obj->if_contains(key);
}

std::optional<std::string> get_string(const boost::json::value& v, std::string_view key) {
  const auto* f = get(v, key);
  if (f == nullptr || !f->is_string()) return std::nullopt;
  return std::string(f->get_string());
}

std::optional<int64_t> get_int(const boost::json::value& v, std::string_view key) {
  const auto* f = get(v, key);
  if (f == nullptr) return std::nullopt;
  if (f->is_int64()) return f->get_int64();
  if (f->is_uint64() && f->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(f->get_uint64());
  return std::nullopt;
}

std::optional<bool> get_bool(const boost::json::value& v, std::string_view key) {
  const auto* f = get(v, key);
  if (f == nullptr || !f->is_bool()) return std::nullopt;
  return f->get_bool();
}

}  // namespace mb::json
