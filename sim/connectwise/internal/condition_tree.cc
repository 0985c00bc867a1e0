#include "sim/connectwise/internal/condition_tree.h"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "sim/connectwise/internal/value_order.h"
#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/http_types.h"

namespace mb::sim::connectwise::condition_tree {

namespace json = boost::json;

bool Node::evaluate(const json::object& record) const {
  switch (kind) {
    case kAnd:
      for (const auto& child : children) {
        if (!child->evaluate(record)) return false;
      }
      return true;
    case kOr:
      for (const auto& child : children) {
        if (child->evaluate(record)) return true;
      }
      return false;
    case kNot:
      return !children.front()->evaluate(record);
    case kCompare:
      return compare(record);
  }
  return false;
}

bool Node::compare(const json::object& record) const {
  std::vector<const json::value*> values;
  collect_values(record, field, values);
  bool any_present = false;
  for (const json::value* value : values) any_present = any_present || !value->is_null();
  if (literals.size() == 1 && literals.front().type == LiteralType::kNull) {
    // "x = null" holds when the field is missing or null; a collection field is tested as a
    // whole in childConditions ("any element is not null").
    return op == Operator::kEqual ? !any_present : any_present;
  }
  // SQL semantics: a comparison with a null field is never true, negated or not.
  for (const json::value* value : values) {
    if (value->is_null()) continue;
    if (matches_value(*value) != negated) return true;
  }
  return false;
}

bool Node::matches_value(const json::value& value) const {
  if (op == Operator::kIn) {
    for (const Literal& literal : literals) {
      if (compare_with(value, literal, Operator::kEqual)) return true;
    }
    return false;
  }
  return compare_with(value, literals.front(), op);
}

bool Node::compare_with(const json::value& value, const Literal& literal, Operator op) {
  std::optional<int> order;
  switch (literal.type) {
    case LiteralType::kString: {
      if (!value.is_string()) return false;
      const std::string lowered = to_lower_ascii(value.get_string());
      if (op == Operator::kLike) return literal.pattern->matches(value.get_string());
      if (op == Operator::kContains) return lowered.find(literal.lowered) != std::string::npos;
      order = three_way(std::string_view(lowered), std::string_view(literal.lowered));
      break;
    }
    case LiteralType::kNumber: {
      const std::optional<double> number = number_of(value);
      if (!number) return false;
      order = three_way(*number, literal.number);
      break;
    }
    case LiteralType::kBoolean:
      if (!value.is_bool()) return false;
      order = three_way(value.get_bool(), literal.boolean);
      break;
    case LiteralType::kDateTime: {
      if (!value.is_string()) return false;
      const std::optional<int64_t> time = parse_timestamp(value.get_string());
      if (!time) return false;
      order = three_way(*time, literal.time);
      break;
    }
    case LiteralType::kNull:
      return false;
  }
  switch (op) {
    case Operator::kEqual:
      return *order == 0;
    case Operator::kNotEqual:
      return *order != 0;
    case Operator::kLess:
      return *order < 0;
    case Operator::kLessEqual:
      return *order <= 0;
    case Operator::kGreater:
      return *order > 0;
    case Operator::kGreaterEqual:
      return *order >= 0;
    default:
      return false;
  }
}

}  // namespace mb::sim::connectwise::condition_tree
