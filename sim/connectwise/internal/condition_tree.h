// The tree a parsed condition becomes (conditions.cc builds it) and how a record is tested
// against it. A named namespace: RecordFilter holds a pointer to its root.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_CONDITION_TREE_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_CONDITION_TREE_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/connectwise/internal/like_pattern.h"
#include "sim/connectwise/internal/schema.h"

namespace mb::sim::connectwise::condition_tree {

enum class LiteralType { kString, kNumber, kBoolean, kDateTime, kNull };

enum class Operator {
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kLike,
  kContains,
  kIn
};

struct Literal {
  LiteralType type = LiteralType::kNull;
  std::string text;  // kString: as written; lower-cased copy below for comparisons
  std::string lowered;
  double number = 0;
  bool boolean = false;
  int64_t time = 0;
  std::shared_ptr<const LikePattern> pattern;  // kLike only
};

struct Node {
  enum Kind { kAnd, kOr, kNot, kCompare } kind = kCompare;
  std::vector<std::unique_ptr<const Node>> children;  // kAnd, kOr (two or more), kNot (one)

  // kCompare
  FieldPath field;
  FieldType value_type = FieldType::kAny;  // the type compared (array elements for collections)
  Operator op = Operator::kEqual;
  bool negated = false;  // not like / not contains / not in
  std::vector<Literal> literals;

  bool evaluate(const boost::json::object& record) const;

 private:
  bool compare(const boost::json::object& record) const;
  bool matches_value(const boost::json::value& value) const;
  static bool compare_with(const boost::json::value& value, const Literal& literal, Operator op);
};

}  // namespace mb::sim::connectwise::condition_tree

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_CONDITION_TREE_H_
