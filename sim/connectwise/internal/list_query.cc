#include "sim/connectwise/internal/list_query.h"

#include <boost/json.hpp>

#include <charconv>
#include <limits>
#include <optional>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/value_order.h"
#include "sim/connectwise/internal/wire_format.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  while (true) {
    const size_t comma = text.find(',');
    items.push_back(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

ApiError invalid_parameter(const std::string& parameter, std::string code, std::string message) {
  return ApiError::invalid_object(parameter,
                                  {std::move(code), std::move(message), parameter, parameter});
}

ApiError out_of_range(const std::string& parameter, int64_t low, int64_t high) {
  return invalid_parameter(parameter, "OutOfRange",
                           "The field " + parameter + " must be between " + std::to_string(low) +
                               " and " + std::to_string(high) + ".");
}

// An integer query parameter; ASP.NET answers 400 for text it cannot bind to an int32.
std::optional<int64_t> integer_parameter(const Request& request, const std::string& name) {
  const std::optional<std::string_view> raw = request.query_param_any_case(name);
  if (!raw || trim(*raw).empty()) return std::nullopt;
  const std::string_view text = trim(*raw);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > kInt32Max ||
      value < -kInt32Max - 1) {
    throw invalid_parameter(name, "InvalidField",
                            "The value '" + std::string(text) + "' is not valid for " + name + ".");
  }
  return value;
}

RecordFilter parse_filter(const Request& request, std::string_view name, Entity entity,
                          ConditionScope scope) {
  const std::string_view text = request.query_param_any_case(name).value_or("");
  try {
    return RecordFilter::parse(text, entity, scope);
  } catch (const ConditionError& error) {
    throw ApiError(400, "InvalidObject", error.what());
  }
}

int kind_rank(const json::value& value) {
  if (value.is_bool()) return 1;
  if (number_of(value)) return 2;
  if (value.is_string()) return 3;
  return 4;
}

// Orders two field values as SQL Server would: nulls first, strings ignoring case.
int compare_values(const json::value* a, const json::value* b, FieldType type) {
  const bool a_null = a == nullptr || a->is_null();
  const bool b_null = b == nullptr || b->is_null();
  if (a_null || b_null) return three_way(!a_null, !b_null);
  if (kind_rank(*a) != kind_rank(*b)) return three_way(kind_rank(*a), kind_rank(*b));
  if (a->is_bool()) return three_way(a->get_bool(), b->get_bool());
  if (const std::optional<double> number = number_of(*a)) return three_way(*number, *number_of(*b));
  if (a->is_string()) {
    if (type == FieldType::kDateTime) {
      const auto a_time = parse_timestamp(a->get_string());
      const auto b_time = parse_timestamp(b->get_string());
      if (a_time && b_time) return three_way(*a_time, *b_time);
    }
    return three_way(to_lower_ascii(a->get_string()), to_lower_ascii(b->get_string()));
  }
  return 0;
}

int64_t record_id(const json::object& record) {
  const json::value* id = record.if_contains("id");
  return id != nullptr && id->is_int64() ? id->get_int64() : 0;
}

}  // namespace

FieldSelection FieldSelection::parse(std::string_view text, Entity entity) {
  FieldSelection selection;
  if (trim(text).empty()) return selection;
  for (std::string_view item : split_list(text)) {
    if (item.empty()) continue;
    FieldPath path;
    try {
      path = resolve_field_path(entity, item);
    } catch (const FieldPathError& error) {
      throw invalid_parameter("fields", "InvalidField", error.what());
    }
    Tree* node = &selection.root_;
    for (const std::string& segment : path.segments) {
      if (node->whole) break;  // "status" already keeps all of status
      node = &node->children[segment];
    }
    node->whole = true;
    node->children.clear();
  }
  return selection;
}

json::object FieldSelection::project(const json::object& record) const {
  if (empty()) return record;
  return project_object(record, root_);
}

json::object FieldSelection::project_object(const json::object& object, const Tree& tree) {
  json::object projected;
  for (const auto& [key, value] : object) {
    auto it = tree.children.find(std::string_view(key));
    if (it == tree.children.end()) continue;
    const Tree& child = it->second;
    if (child.whole) {
      projected.emplace(key, value);
    } else if (const json::object* member = value.if_object()) {
      json::object inner = project_object(*member, child);
      if (!inner.empty()) projected.emplace(key, std::move(inner));
    } else if (const json::array* elements = value.if_array()) {
      json::array inner;
      for (const json::value& element : *elements) {
        if (element.is_object()) inner.push_back(project_object(element.get_object(), child));
      }
      projected.emplace(key, std::move(inner));
    }
  }
  return projected;
}

std::vector<SortKey> parse_order_by(std::string_view text, Entity entity) {
  std::vector<SortKey> keys;
  if (trim(text).empty()) return keys;
  for (std::string_view item : split_list(text)) {
    if (item.empty()) continue;
    SortKey key;
    std::string_view name = item;
    const size_t space = item.find_first_of(" \t");
    if (space != std::string_view::npos) {
      name = item.substr(0, space);
      const std::string_view direction = trim(item.substr(space + 1));
      if (equals_ignore_case(direction, "desc")) {
        key.descending = true;
      } else if (!equals_ignore_case(direction, "asc")) {
        throw invalid_parameter(
            "orderBy", "InvalidField",
            "'" + std::string(direction) + "' is not a sort direction; use asc or desc");
      }
    }
    try {
      key.field = resolve_field_path(entity, name);
    } catch (const FieldPathError& error) {
      throw invalid_parameter("orderBy", "InvalidField", error.what());
    }
    const FieldType type = key.field.type;
    if (key.field.through_collection || is_collection(type) || type == FieldType::kReference ||
        type == FieldType::kInfo) {
      throw invalid_parameter(
          "orderBy", "InvalidField",
          "Cannot order by '" + std::string(name) + "'; order by one of its fields");
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

ListQuery ListQuery::parse(const Request& request, Entity entity, const PagingLimits& limits) {
  ListQuery query;
  query.conditions = parse_filter(request, "conditions", entity, ConditionScope::kConditions);
  query.child_conditions =
      parse_filter(request, "childConditions", entity, ConditionScope::kChildConditions);
  query.custom_field_conditions = parse_filter(request, "customFieldConditions", entity,
                                               ConditionScope::kCustomFieldConditions);
  const std::string_view order_by = request.query_param_any_case("orderBy").value_or("");
  query.order_by = parse_order_by(order_by, entity);
  query.has_order_by = !trim(order_by).empty();
  query.fields = FieldSelection::parse(request.query_param_any_case("fields").value_or(""), entity);

  Paging& paging = query.paging;
  const std::optional<std::string_view> pagination_type = request.header("pagination-type");
  paging.forward_only =
      pagination_type && equals_ignore_case(trim(*pagination_type), "forward-only");

  paging.page_size = integer_parameter(request, "pageSize").value_or(limits.default_page_size);
  if (paging.page_size < 1) throw out_of_range("pageSize", 1, limits.max_page_size);
  if (paging.page_size > limits.max_page_size) {
    if (!limits.clamp_over_max) throw out_of_range("pageSize", 1, limits.max_page_size);
    paging.page_size = limits.max_page_size;
  }
  if (paging.forward_only) {
    // The guide: page is ignored, results come by id, and orderBy cannot be combined.
    if (query.has_order_by) {
      throw invalid_parameter("orderBy", "InvalidField",
                              "orderBy cannot be used with forward-only pagination");
    }
    paging.page_id = integer_parameter(request, "pageId").value_or(0);
    if (paging.page_id < 0) throw out_of_range("pageId", 0, kInt32Max);
  } else {
    paging.page = integer_parameter(request, "page").value_or(1);
    if (paging.page < 1) throw out_of_range("page", 1, kInt32Max);
  }
  return query;
}

bool ListQuery::matches(const json::object& record) const {
  if (paging.forward_only && record_id(record) <= paging.page_id) return false;
  return conditions.matches(record) && child_conditions.matches(record) &&
         custom_field_conditions.matches(record);
}

bool ListQuery::before(const json::object& a, const json::object& b) const {
  for (const SortKey& key : order_by) {
    const int order =
        compare_values(value_at(a, key.field), value_at(b, key.field), key.field.type);
    if (order != 0) return key.descending ? order > 0 : order < 0;
  }
  return record_id(a) < record_id(b);
}

}  // namespace mb::sim::connectwise
