// Building ConnectWise list queries: `conditions` expressions and percent-encoded query strings.
//
// ConnectWise parses `conditions` itself, so values must be written in its syntax (strings in
// quotes, numbers bare, `in (1,2,3)` lists) and the whole value must then be URL-encoded, or a
// name with '&', '+', '"' or '%' breaks the query. ConnectWise documents no escape for a quote
// inside a quoted value: a string holding one kind of quote is written with the other kind, and
// text holding both is split into fragments that are each expressible (see contains_text).
//
//   Query q("company/companies");
//   q.set("conditions", all_of({"deletedFlag=false", contains_text({"name"}, "Smith & Sons")}));
//   q.set("pageSize", "1000");
//   q.target();  // company/companies?conditions=deletedFlag%3Dfalse%20and%20...&pageSize=1000
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONDITIONS_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONDITIONS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meterbridge::connectwise {

// A string literal for a condition: "value", or 'value' when the value holds a double quote.
// nullopt when it holds both quote characters, which ConnectWise cannot express.
std::optional<std::string> quote_literal(std::string_view value);

// `field in (1,2,3)`. Callers never pass an empty list.
std::string in_list(std::string_view field, std::span<const int64_t> ids);

// Rows where any of `fields` contains `text` (ConnectWise compares case-insensitively). Only
// plain fragments reach the server: the text is split at characters whose meaning inside a
// ConnectWise pattern is undocumented (% * _ [ ] \) and, when it holds both quote kinds, at
// double quotes; every fragment must match. The result can therefore match more rows than the
// text itself, so callers filter the rows again with contains_ignoring_case. Empty when no
// fragment remains (the caller then filters client-side only).
std::string contains_text(std::initializer_list<std::string_view> fields, std::string_view text);

// Joins the non-empty conditions with " and ", each in parentheses when it has an "or".
std::string all_of(std::initializer_list<std::string_view> conditions);

// Percent-encodes everything but RFC 3986 unreserved characters (so ' ', '&', '=', '+', '"',
// '\'', '%', '*', ',', '(', ')' and '/' are all encoded; a space becomes %20, never '+').
std::string encode_query_value(std::string_view value);

// A relative API target: a path under apis/3.0/ plus query parameters, encoded in order.
class Query {
 public:
  explicit Query(std::string path) : path_(std::move(path)) {}
  Query& set(std::string name, std::string value);
  const std::string& path() const { return path_; }
  // "path?name=value&..." with every value encoded.
  std::string target() const;
  // The target with `page=N` added (replacing an earlier page).
  std::string target_for_page(int64_t page) const;

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> params_;
};

// Splits ids into lists so that `field in (...)`, once encoded, is at most `max_encoded_chars`
// long. Each list holds at least one id even when one id alone is longer.
std::vector<std::vector<int64_t>> chunk_for_in_list(std::string_view field,
                                                    std::span<const int64_t> ids,
                                                    size_t max_encoded_chars);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONDITIONS_H_
