// Autotask QueryModel documents: the body of POST {Entity}/query.
//
// Operators are spelled exactly as Autotask documents them. A misspelt one ("ne" for "noteq")
// is silently dropped by Autotask and the query returns unfiltered rows, so the builders below
// are the only place operator names are written. Booleans stay JSON booleans, and every query
// carries "id" in IncludeFields because Autotask needs it to page past 500 rows.
//
//   boost::json::object q = query_model(
//       {equals("isActive", true), in_list("id", {412, 977})},
//       {"id", "companyName", "isActive"});
//   // {"MaxRecords":500,"IncludeFields":["id","companyName","isActive"],
//   //  "Filter":[{"op":"eq","field":"isActive","value":true},
//   //            {"op":"in","field":"id","value":[412,977]}]}
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_QUERY_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_QUERY_H_

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace meterbridge::autotask {

// Autotask's page size: the default and the largest MaxRecords it accepts.
inline constexpr int64_t kMaxPageSize = 500;
// The most values one `in` condition carries. Autotask caps a query at 500 `or` conditions
// and an `in` list is evaluated as one; larger sets are split into several queries.
inline constexpr size_t kMaxInValues = 500;

boost::json::object equals(std::string_view field, boost::json::value value);
boost::json::object greater_or_equal(std::string_view field, boost::json::value value);
boost::json::object less_or_equal(std::string_view field, boost::json::value value);
boost::json::object contains_text(std::string_view field, std::string_view text);
boost::json::object in_list(std::string_view field, const std::vector<int64_t>& values);
// `field` equals `values[0]` when there is one value, else `field in values`.
boost::json::object one_of(std::string_view field, const std::vector<int64_t>& values);

// The QueryModel. `include_fields` always gains "id" if it lacks it. `filter` must not be
// empty: Autotask rejects a query without conditions (select everything with id >= 0).
boost::json::object query_model(std::vector<boost::json::object> filter,
                                std::initializer_list<std::string_view> include_fields,
                                int64_t max_records = kMaxPageSize);

// Splits `ids` (duplicates removed, order kept) into runs of at most kMaxInValues.
std::vector<std::vector<int64_t>> in_chunks(const std::vector<int64_t>& ids,
                                            size_t chunk_size = kMaxInValues);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_QUERY_H_
