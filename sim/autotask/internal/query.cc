#include "sim/autotask/internal/query.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "sim/autotask/internal/dates.h"
#include "sim/core/http_types.h"

namespace mb::sim::autotask {

namespace json = boost::json;

enum class Op {
  kEq,
  kNotEq,
  kGt,
  kGte,
  kLt,
  kLte,
  kBeginsWith,
  kEndsWith,
  kContains,
  kExist,
  kNotExist,
  kIn,
  kNotIn,
  kAnd,
  kOr,
};

// An operand already converted to what the field holds: int64_t (integers and datetimes),
// double, bool, or a lower-cased string (strings, UDFs, and the text operators).
using Operand = std::variant<std::monostate, bool, int64_t, double, std::string>;

struct Condition {
  Op op = Op::kEq;
  size_t field = 0;
  FieldType type = FieldType::kString;
  std::optional<std::string> udf_name;  // set for {"udf":true} conditions
  std::vector<Operand> operands;        // one; the list for in/notIn; none for exist/notExist
  std::vector<Condition> children;      // and/or
  // in/notIn whose every operand is an integer: the operands sorted, so a row is matched by a
  // binary search rather than one comparison per operand (bulk reads send 500).
  std::vector<int64_t> sorted_integers;
};

namespace {

std::optional<Op> parse_op(std::string_view text) {
  static constexpr std::pair<std::string_view, Op> kOps[] = {
      {"eq", Op::kEq},
      {"noteq", Op::kNotEq},
      {"gt", Op::kGt},
      {"gte", Op::kGte},
      {"lt", Op::kLt},
      {"lte", Op::kLte},
      {"beginswith", Op::kBeginsWith},
      {"endswith", Op::kEndsWith},
      {"contains", Op::kContains},
      {"exist", Op::kExist},
      {"notexist", Op::kNotExist},
      {"in", Op::kIn},
      {"notin", Op::kNotIn},
      {"and", Op::kAnd},
      {"or", Op::kOr},
  };
  for (const auto& [name, op] : kOps) {
    if (equals_ignore_case(name, text)) return op;
  }
  return std::nullopt;
}

bool is_text_op(Op op) {
  return op == Op::kBeginsWith || op == Op::kEndsWith || op == Op::kContains;
}

std::string value_text(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  if (value.is_bool()) return value.get_bool() ? "true" : "false";
  return json::serialize(value);
}

QueryError bad_value(const json::value& value, const FieldDef& def, std::string_view expected) {
  return QueryError("Unable to convert value '" + value_text(value) + "' for field " + def.name +
                    " to " + std::string(expected) + ".");
}

std::optional<double> parse_number(std::string_view text) {
  double parsed = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return parsed;
}

// Integers stay exact; a fractional number still compares numerically (id gt 3.5).
Operand numeric_operand(const json::value& value, const FieldDef& def) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  if (value.is_string()) {
    const std::string_view text = value.get_string();
    int64_t integer = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) return integer;
    if (auto number = parse_number(text)) return *number;
  }
  throw bad_value(value, def, "a number");
}

Operand convert_operand(const json::value& value, const FieldDef& def, FieldType type, Op op) {
  if (value.is_null()) return std::monostate{};
  if (is_text_op(op) || type == FieldType::kString) return to_lower_ascii(value_text(value));
  switch (type) {
    case FieldType::kInteger:
    case FieldType::kLong:
    case FieldType::kDouble:
      return numeric_operand(value, def);
    case FieldType::kBoolean:
      // Autotask documents that booleans must be real JSON booleans.
      if (value.is_bool()) return value.get_bool();
      throw bad_value(value, def, "Boolean (a JSON true or false)");
    case FieldType::kDateTime:
      if (value.is_string()) {
        if (auto millis = parse_iso_datetime(value.get_string())) return *millis;
      }
      throw bad_value(value, def, "DateTime");
    case FieldType::kString:
      break;
  }
  return to_lower_ascii(value_text(value));
}

class Compiler {
 public:
  Compiler(const EntitySchema& schema, const QueryLimits& limits)
      : schema_(schema), limits_(limits) {}

  std::vector<Condition> compile_list(const json::array& items) {
    std::vector<Condition> conditions;
    for (const json::value& item : items) {
      if (auto condition = compile(item)) conditions.push_back(std::move(*condition));
    }
    return conditions;
  }

 private:
  // nullopt: the item is dropped (unknown operator, or a group with nothing left in it).
  std::optional<Condition> compile(const json::value& item) {
    const json::object* object = item.if_object();
    if (object == nullptr) return std::nullopt;
    const json::value* op_value = find_member_any_case(*object, "op");
    std::optional<Op> op =
        op_value && op_value->is_string() ? parse_op(op_value->get_string()) : std::nullopt;
    if (!op) return std::nullopt;

    Condition condition;
    condition.op = *op;
    if (*op == Op::kAnd || *op == Op::kOr) {
      const json::value* items = find_member_any_case(*object, "items");
      if (items == nullptr || !items->is_array()) return std::nullopt;
      condition.children = compile_list(items->get_array());
      if (condition.children.empty()) return std::nullopt;
      if (*op == Op::kOr) count_or_conditions(condition.children.size());
      return condition;
    }

    const json::value* field_value = find_member_any_case(*object, "field");
    const std::string field_name =
        field_value && field_value->is_string() ? std::string(field_value->get_string()) : "";
    const json::value* udf = find_member_any_case(*object, "udf");
    FieldDef def;
    if (udf != nullptr && udf->is_bool() && udf->get_bool()) {
      if (field_name.empty()) throw unknown_field(field_name);
      condition.udf_name = field_name;
      condition.type = FieldType::kString;
      def.name = field_name;
    } else {
      auto index = schema_.find_field(field_name);
      if (!index) throw unknown_field(field_name);
      condition.field = *index;
      condition.type = schema_.fields[*index].type;
      def = schema_.fields[*index];
    }

    if (*op == Op::kExist || *op == Op::kNotExist) return condition;
    const json::value* value = find_member_any_case(*object, "value");
    if (*op == Op::kIn || *op == Op::kNotIn) {
      if (value == nullptr || !value->is_array()) {
        throw QueryError("The '" + std::string(op_value->get_string()) + "' operator on field " +
                         def.name + " needs an array value.");
      }
      for (const json::value& element : value->get_array()) {
        condition.operands.push_back(convert_operand(element, def, condition.type, *op));
      }
      for (const Operand& operand : condition.operands) {
        const auto* integer = std::get_if<int64_t>(&operand);
        if (integer == nullptr) {
          condition.sorted_integers.clear();
          break;
        }
        condition.sorted_integers.push_back(*integer);
      }
      std::sort(condition.sorted_integers.begin(), condition.sorted_integers.end());
      return condition;
    }
    condition.operands.push_back(value ? convert_operand(*value, def, condition.type, *op)
                                       : Operand{});
    return condition;
  }

  QueryError unknown_field(const std::string& name) const {
    return QueryError("Unable to find " + name + " in the " + schema_.singular + " Entity");
  }

  void count_or_conditions(size_t count) {
    or_conditions_ += static_cast<int64_t>(count);
    if (limits_.max_or_conditions > 0 && or_conditions_ > limits_.max_or_conditions) {
      throw QueryError("The query exceeds the maximum of " +
                       std::to_string(limits_.max_or_conditions) + " or conditions.");
    }
  }

  const EntitySchema& schema_;
  const QueryLimits& limits_;
  int64_t or_conditions_ = 0;
};

std::vector<size_t> compile_include_fields(const json::value* include, const EntitySchema& schema) {
  std::vector<size_t> indices;
  if (include == nullptr || include->is_null()) return indices;
  if (!include->is_array()) throw QueryError("IncludeFields must be an array of field names.");
  for (const json::value& name : include->get_array()) {
    const std::string text = name.is_string() ? std::string(name.get_string()) : value_text(name);
    // User-defined fields always come back on entities that have them; naming them is harmless.
    if (schema.has_user_defined_fields && equals_ignore_case(text, "userDefinedFields")) continue;
    auto index = schema.find_field(text);
    if (!index) {
      throw QueryError("Unable to find " + text + " in the " + schema.singular + " Entity");
    }
    if (std::find(indices.begin(), indices.end(), *index) == indices.end()) {
      indices.push_back(*index);
    }
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

int compare_text(std::string_view field, std::string_view lowered_operand) {
  const size_t common = std::min(field.size(), lowered_operand.size());
  for (size_t i = 0; i < common; ++i) {
    char c = field[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowered_operand[i]) {
      return static_cast<unsigned char>(c) < static_cast<unsigned char>(lowered_operand[i]) ? -1
                                                                                            : 1;
    }
  }
  if (field.size() == lowered_operand.size()) return 0;
  return field.size() < lowered_operand.size() ? -1 : 1;
}

template <typename T>
int three_way(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// -1/0/1, or nullopt when either side is null or the two cannot be compared.
std::optional<int> compare(const FieldValue& field, const Operand& operand) {
  if (std::holds_alternative<std::monostate>(field) ||
      std::holds_alternative<std::monostate>(operand)) {
    return std::nullopt;
  }
  if (const auto* text = std::get_if<std::string_view>(&field)) {
    if (const auto* lowered = std::get_if<std::string>(&operand)) {
      return compare_text(*text, *lowered);
    }
    return std::nullopt;
  }
  if (const auto* flag = std::get_if<bool>(&field)) {
    if (const auto* wanted = std::get_if<bool>(&operand)) return three_way(*flag, *wanted);
    return std::nullopt;
  }
  const bool field_is_integer = std::holds_alternative<int64_t>(field);
  const bool operand_is_integer = std::holds_alternative<int64_t>(operand);
  if (field_is_integer && operand_is_integer) {
    return three_way(std::get<int64_t>(field), std::get<int64_t>(operand));
  }
  const double left = field_is_integer ? static_cast<double>(std::get<int64_t>(field))
                      : std::holds_alternative<double>(field) ? std::get<double>(field)
                                                              : std::nan("");
  const double right = operand_is_integer ? static_cast<double>(std::get<int64_t>(operand))
                       : std::holds_alternative<double>(operand) ? std::get<double>(operand)
                                                                 : std::nan("");
  if (std::isnan(left) || std::isnan(right)) return std::nullopt;
  return three_way(left, right);
}

// The field's value as text, lower-cased, for beginsWith/endsWith/contains.
std::optional<std::string> lowered_text(const FieldValue& value, FieldType type) {
  return std::visit(
      [type](const auto& held) -> std::optional<std::string> {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, std::string_view>) {
          return to_lower_ascii(held);
        } else if constexpr (std::is_same_v<T, bool>) {
          return std::string(held ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return type == FieldType::kDateTime ? to_lower_ascii(format_iso_datetime(held))
                                              : std::to_string(held);
        } else {
          return to_lower_ascii(json::serialize(json::value(held)));
        }
      },
      value);
}

FieldValue read_field(const Condition& condition, const Row& row) {
  if (!condition.udf_name) return row.value(condition.field);
  const auto* udfs = row.user_defined_fields();
  if (udfs == nullptr) return std::monostate{};
  for (const UserDefinedField& udf : *udfs) {
    if (equals_ignore_case(udf.name, *condition.udf_name)) {
      if (!udf.value) return std::monostate{};
      return std::string_view(*udf.value);
    }
  }
  return std::monostate{};
}

bool evaluate(const Condition& condition, const Row& row);

bool evaluate_all(const std::vector<Condition>& conditions, const Row& row) {
  return std::all_of(conditions.begin(), conditions.end(),
                     [&row](const Condition& c) { return evaluate(c, row); });
}

bool evaluate(const Condition& condition, const Row& row) {
  switch (condition.op) {
    case Op::kAnd:
      return evaluate_all(condition.children, row);
    case Op::kOr:
      return std::any_of(condition.children.begin(), condition.children.end(),
                         [&row](const Condition& c) { return evaluate(c, row); });
    default:
      break;
  }
  const FieldValue value = read_field(condition, row);
  const bool is_null = std::holds_alternative<std::monostate>(value);
  switch (condition.op) {
    case Op::kExist:
      return !is_null;
    case Op::kNotExist:
      return is_null;
    case Op::kIn:
    case Op::kNotIn: {
      if (is_null) return false;
      const auto* integer = std::get_if<int64_t>(&value);
      const bool found = integer != nullptr && !condition.sorted_integers.empty()
                             ? std::binary_search(condition.sorted_integers.begin(),
                                                  condition.sorted_integers.end(), *integer)
                             : std::any_of(condition.operands.begin(), condition.operands.end(),
                                           [&value](const Operand& operand) {
                                             return compare(value, operand) == 0;
                                           });
      return condition.op == Op::kIn ? found : !found;
    }
    case Op::kBeginsWith:
    case Op::kEndsWith:
    case Op::kContains: {
      const auto* needle = std::get_if<std::string>(&condition.operands.front());
      auto text = lowered_text(value, condition.type);
      if (needle == nullptr || !text) return false;
      if (condition.op == Op::kBeginsWith) return text->starts_with(*needle);
      if (condition.op == Op::kEndsWith) return text->ends_with(*needle);
      return text->find(*needle) != std::string::npos;
    }
    default:
      break;
  }
  const std::optional<int> order = compare(value, condition.operands.front());
  if (!order) return false;
  switch (condition.op) {
    case Op::kEq:
      return *order == 0;
    case Op::kNotEq:
      return *order != 0;
    case Op::kGt:
      return *order > 0;
    case Op::kGte:
      return *order >= 0;
    case Op::kLt:
      return *order < 0;
    case Op::kLte:
      return *order <= 0;
    default:
      return false;
  }
}

std::optional<EqualityHint> find_hint(const std::vector<Condition>& conditions) {
  for (const Condition& condition : conditions) {
    if ((condition.op != Op::kEq && condition.op != Op::kIn) || condition.udf_name) continue;
    if (condition.type != FieldType::kInteger && condition.type != FieldType::kLong) continue;
    EqualityHint hint{condition.field, {}};
    bool all_integers = true;
    for (const Operand& operand : condition.operands) {
      const auto* value = std::get_if<int64_t>(&operand);
      if (value == nullptr) {
        all_integers = false;
        break;
      }
      hint.values.push_back(*value);
    }
    if (all_integers) return hint;
  }
  return std::nullopt;
}

}  // namespace

const json::value* find_member_any_case(const json::object& object, std::string_view name) {
  if (const json::value* exact = object.if_contains(name)) return exact;
  for (const auto& member : object) {
    if (equals_ignore_case(member.key(), name)) return &member.value();
  }
  return nullptr;
}

bool CompiledQuery::matches(const Row& row) const { return evaluate_all(*filter, row); }

CompiledQuery compile_query(const json::value& model, const EntitySchema& schema,
                            const QueryLimits& limits) {
  const json::object* object = model.if_object();
  const json::value* filter = object ? find_member_any_case(*object, "filter") : nullptr;
  if (filter == nullptr || !filter->is_array() || filter->get_array().empty()) {
    throw QueryError(std::string(kMissingFilterMessage));
  }
  CompiledQuery query;
  Compiler compiler(schema, limits);
  auto conditions =
      std::make_shared<std::vector<Condition>>(compiler.compile_list(filter->get_array()));
  query.hint = find_hint(*conditions);
  query.filter = std::move(conditions);
  query.include_fields =
      compile_include_fields(find_member_any_case(*object, "includeFields"), schema);
  const json::value* max_records = find_member_any_case(*object, "maxRecords");
  if (max_records != nullptr && !max_records->is_null()) {
    if (!max_records->is_int64()) throw QueryError("MaxRecords must be an integer.");
    query.max_records = max_records->get_int64();
  }
  return query;
}

QueryPage read_page(const RowSource& source, const CompiledQuery& query, int64_t after_id,
                    size_t page_size) {
  QueryPage page;
  source.scan(after_id, query.hint, [&](const Row& row) {
    if (!query.matches(row)) return true;
    if (page.rows.size() == page_size) {
      page.more = true;
      return false;
    }
    page.rows.push_back(&row);
    return true;
  });
  return page;
}

int64_t count_matches(const RowSource& source, const CompiledQuery& query) {
  int64_t count = 0;
  source.scan(-1, query.hint, [&](const Row& row) {
    if (query.matches(row)) ++count;
    return true;
  });
  return count;
}

}  // namespace mb::sim::autotask
