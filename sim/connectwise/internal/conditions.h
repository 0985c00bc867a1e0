// The ConnectWise "conditions" language, as the platform's developer guide documents it:
//
//   name = "Northwind Dental"              strings in double or single quotes
//   company/id = 250                       numbers; "/" reaches into a reference
//   inactiveFlag = false                   booleans (true/false in any case)
//   cancelledDate = null                   null
//   lastUpdated > [2025-01-01T00:00:00Z]   date-times in square brackets
//   id in (1, 2, 3)   name contains "Dental"   name like "North%"   name not like "%Test%"
//   (a = 1 or b = 2) and not c = 3         and / or / not with parentheses
//
// Operators: = != < <= > >= like contains in, each of the last three optionally preceded by
// "not"; a leading "not" negates an expression. Keywords are case-insensitive. String
// comparisons ignore case, as the platform's SQL Server collation does. `like` follows SQL
// Server: % (or *) is any run of characters, _ one character, [abc] / [a-z] / [^a] a class, so
// a literal "[" is written "[[]".
//
// Quotes inside a quoted value: the platform documents no escape. Write the value in the other
// quote character ('Margie"s' or "Margie's"); a backslash also escapes the enclosing quote
// (\" or \') and itself (\\). A backslash before any other character is kept as it is.
//
// Literals are checked against the field's type, and a mismatch or a malformed literal is
// reported in the platform's words: "Expected a boolean value, not a numeric. String values
// should be enclosed with double or single quotes; ...".
//
//   RecordFilter filter = RecordFilter::parse(R"(company/id = 250 and agreementStatus = "Active")",
//                                             Entity::kAgreement, ConditionScope::kConditions);
//   if (filter.matches(record)) ...
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_CONDITIONS_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_CONDITIONS_H_

#include <boost/json/object.hpp>

#include <memory>
#include <stdexcept>
#include <string_view>

#include "sim/connectwise/internal/schema.h"

namespace mb::sim::connectwise {

// Which query parameter the text came from; they differ in what a field path may reach.
enum class ConditionScope {
  kConditions,             // scalar fields and references; collections are refused
  kChildConditions,        // may reach into collections (types/name = "Client"): any element
  kCustomFieldConditions,  // fields of one custom field (caption, value, ...): any custom field
};

// A condition the platform would refuse; the message is the one the API returns.
class ConditionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The guidance ConnectWise appends to literal errors.
extern const std::string_view kLiteralGuidance;

namespace condition_tree {
struct Node;
}  // namespace condition_tree

class RecordFilter {
 public:
  RecordFilter();  // matches every record
  ~RecordFilter();
  RecordFilter(RecordFilter&&) noexcept;
  RecordFilter& operator=(RecordFilter&&) noexcept;

  // Blank text gives a filter that matches every record. Throws ConditionError.
  static RecordFilter parse(std::string_view text, Entity entity, ConditionScope scope);

  bool matches(const boost::json::object& record) const;
  bool empty() const { return root_ == nullptr; }

 private:
  std::unique_ptr<const condition_tree::Node> root_;
  ConditionScope scope_ = ConditionScope::kConditions;
};

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_CONDITIONS_H_
