#include "internal/conditions.h"

#include <meterbridge/documents.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>

namespace meterbridge::connectwise {
namespace {

// Characters whose meaning inside a `contains`/`like` pattern ConnectWise does not document.
constexpr std::string_view kPatternSpecials = "%*_[]\\";

std::vector<std::string> split_at(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (separators.find(c) != std::string_view::npos) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

}  // namespace

std::optional<std::string> quote_literal(std::string_view value) {
  bool has_double = value.find('"') != std::string_view::npos;
  bool has_single = value.find('\'') != std::string_view::npos;
  if (has_double && has_single) return std::nullopt;
  char q = has_double ? '\'' : '"';
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back(q);
  out.append(value);
  out.push_back(q);
  return out;
}

std::string in_list(std::string_view field, std::span<const int64_t> ids) {
  std::string out(field);
  out += " in (";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  out += ')';
  return out;
}

std::string contains_text(std::initializer_list<std::string_view> fields, std::string_view text) {
  std::vector<std::string> fragments;
  for (std::string& piece : split_at(text, kPatternSpecials)) {
    if (quote_literal(piece)) {
      fragments.push_back(std::move(piece));
    } else {
      for (std::string& sub : split_at(piece, "\"")) fragments.push_back(std::move(sub));
    }
  }
  std::string out;
  for (const std::string& fragment : fragments) {
    if (is_blank(fragment)) continue;
    std::string literal = *quote_literal(fragment);
    std::string any;
    for (std::string_view field : fields) {
      if (!any.empty()) any += " or ";
      any += std::string(field) + " contains " + literal;
    }
    if (fields.size() > 1) any = "(" + any + ")";
    if (!out.empty()) out += " and ";
    out += any;
  }
  return out;
}

std::string all_of(std::initializer_list<std::string_view> conditions) {
  std::string out;
  for (std::string_view c : conditions) {
    if (c.empty()) continue;
    if (!out.empty()) out += " and ";
    bool wrap = c.find(" or ") != std::string_view::npos && !(c.front() == '(' && c.back() == ')');
    if (wrap) out += '(';
    out += c;
    if (wrap) out += ')';
  }
  return out;
}

std::string encode_query_value(std::string_view value) {
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

Query& Query::set(std::string name, std::string value) {
  for (auto& [n, v] : params_) {
    if (n == name) {
      v = std::move(value);
      return *this;
    }
  }
  params_.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string Query::target() const {
  std::string out = path_;
  char sep = '?';
  for (const auto& [name, value] : params_) {
    out += sep;
    out += encode_query_value(name);
    out += '=';
    out += encode_query_value(value);
    sep = '&';
  }
  return out;
}

std::string Query::target_for_page(int64_t page) const {
  Query copy = *this;
  copy.set("page", std::to_string(page));
  return copy.target();
}

std::vector<std::vector<int64_t>> chunk_for_in_list(std::string_view field,
                                                    std::span<const int64_t> ids,
                                                    size_t max_encoded_chars) {
  // Digits pass through the encoder unchanged and each ',' becomes "%2C", so the encoded
  // length grows by a known amount per id.
  const size_t empty_list = encode_query_value(in_list(field, {})).size();
  const size_t separator = encode_query_value(",").size();
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> current;
  size_t length = empty_list;
  for (int64_t id : ids) {
    size_t add = std::to_string(id).size() + (current.empty() ? 0 : separator);
    if (!current.empty() && length + add > max_encoded_chars) {
      out.push_back(std::move(current));
      current.clear();
      length = empty_list;
      add = std::to_string(id).size();
    }
    current.push_back(id);
    length += add;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace meterbridge::connectwise
