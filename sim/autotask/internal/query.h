// The Autotask query engine: compiles a QueryModel ({"Filter":[...],"IncludeFields":[...],
// "MaxRecords":n}) against an entity schema and evaluates it over rows.
//
//   CompiledQuery query = compile_query(body, companies_schema(), limits);   // throws QueryError
//   QueryPage page = read_page(companies_table, query, /*after_id=*/-1, 500);
//
// Semantics (Autotask's REST API documentation):
// - Keys of the model and of filter items match in any case ("Filter" or "filter"); field names
//   too. The top-level Filter items are ANDed; {"op":"and"|"or","items":[...]} nest.
// - Operators: eq noteq gt gte lt lte beginsWith endsWith contains exist notExist in notIn.
//   An unknown operator is dropped silently, as Autotask does; a group left empty is dropped.
// - A missing or empty Filter, an unknown field, a value the field's type cannot take, and more
//   than QueryLimits::max_or_conditions conditions under "or" groups are QueryErrors.
// - String comparisons ignore case (SQL Server's default collation). A null field satisfies no
//   comparison, only notExist; a null operand matches nothing.
// - Rows come back in ascending id order, the order nextPageUrl paging relies on.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_QUERY_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_QUERY_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/autotask/internal/schema.h"

namespace mb::sim::autotask {

// A query Autotask would refuse; what() is the text of its {"errors":[...]} entry (status 500).
class QueryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What Autotask answers for a missing or empty Filter (its ArgumentNullException text).
inline constexpr std::string_view kMissingFilterMessage =
    "Value cannot be null.\r\nParameter name: filter";

struct QueryLimits {
  int64_t max_or_conditions = 500;  // 0: no limit
};

// A top-level "field eq integer" or "field in [integers]" condition: tables with an index on the
// field visit only the rows that can match (a client reading units for 500 contract services
// in one query must not cost a scan of every unit row per value). Purely an optimisation;
// every row visited is still fully evaluated.
struct EqualityHint {
  size_t field = 0;
  std::vector<int64_t> values;  // the row's field equals one of these
};

struct Condition;

struct CompiledQuery {
  std::shared_ptr<const std::vector<Condition>> filter;  // ANDed
  std::vector<size_t> include_fields;                    // schema order; empty: every field
  std::optional<int64_t> max_records;  // as given (the caller clamps it to the page size)
  std::optional<EqualityHint> hint;

  bool matches(const Row& row) const;
};

CompiledQuery compile_query(const boost::json::value& model, const EntitySchema& schema,
                            const QueryLimits& limits);

// A table the engine can read.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const EntitySchema& schema() const = 0;
  // Calls `visit` for rows with id > after_id in ascending id order until it returns false.
  // `hint`, when given, may be used to skip rows that cannot match.
  virtual void scan(int64_t after_id, const std::optional<EqualityHint>& hint,
                    const std::function<bool(const Row&)>& visit) const = 0;
  virtual const Row* find(int64_t id) const = 0;
};

struct QueryPage {
  std::vector<const Row*> rows;
  bool more = false;  // rows past this page match too
};

QueryPage read_page(const RowSource& source, const CompiledQuery& query, int64_t after_id,
                    size_t page_size);
int64_t count_matches(const RowSource& source, const CompiledQuery& query);

// Finds a member by name in any ASCII case (ASP.NET's model binding ignores case).
const boost::json::value* find_member_any_case(const boost::json::object& object,
                                               std::string_view name);

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_QUERY_H_
