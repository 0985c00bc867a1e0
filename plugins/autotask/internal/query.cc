#include "internal/query.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

namespace meterbridge::autotask {

namespace {

boost::json::object condition(std::string_view op, std::string_view field,
                              boost::json::value value) {
  return boost::json::object{{"op", op}, {"field", field}, {"value", std::move(value)}};
}

}  // namespace

boost::json::object equals(std::string_view field, boost::json::value value) {
  return condition("eq", field, std::move(value));
}

boost::json::object greater_or_equal(std::string_view field, boost::json::value value) {
  return condition("gte", field, std::move(value));
}

boost::json::object less_or_equal(std::string_view field, boost::json::value value) {
  return condition("lte", field, std::move(value));
}

boost::json::object contains_text(std::string_view field, std::string_view text) {
  return condition("contains", field, boost::json::value(text));
}

boost::json::object in_list(std::string_view field, const std::vector<int64_t>& values) {
  boost::json::array list;
  list.reserve(values.size());
  for (int64_t v : values) list.push_back(v);
  return condition("in", field, std::move(list));
}

boost::json::object one_of(std::string_view field, const std::vector<int64_t>& values) {
  if (values.size() == 1) return equals(field, values.front());
  return in_list(field, values);
}

boost::json::object query_model(std::vector<boost::json::object> filter,
                                std::initializer_list<std::string_view> include_fields,
                                int64_t max_records) {
  if (filter.empty())
    throw std::logic_error("an Autotask query needs at least one filter condition");
  boost::json::array fields;
  bool has_id = false;
  for (std::string_view f : include_fields) {
    has_id = has_id || f == "id";
    fields.emplace_back(f);
  }
  if (!has_id) fields.emplace(fields.begin(), "id");
  boost::json::array conditions;
  for (auto& c : filter) conditions.emplace_back(std::move(c));
  return boost::json::object{{"MaxRecords", std::clamp<int64_t>(max_records, 1, kMaxPageSize)},
                             {"IncludeFields", std::move(fields)},
                             {"Filter", std::move(conditions)}};
}

std::vector<std::vector<int64_t>> in_chunks(const std::vector<int64_t>& ids, size_t chunk_size) {
  if (chunk_size == 0) throw std::logic_error("in_chunks: chunk size must be positive");
  std::vector<std::vector<int64_t>> chunks;
  std::set<int64_t> seen;
  for (int64_t id : ids) {
    if (!seen.insert(id).second) continue;
    if (chunks.empty() || chunks.back().size() == chunk_size) chunks.emplace_back();
    chunks.back().push_back(id);
  }
  return chunks;
}

}  // namespace meterbridge::autotask
