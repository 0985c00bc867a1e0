// The query parameters every ConnectWise list and count GET accepts, parsed and checked the
// way the platform does: conditions, childConditions, customFieldConditions, orderBy, fields,
// page, pageSize, pageId, plus the "pagination-type: forward-only" header.
//
//   ListQuery query = ListQuery::parse(request, Entity::kCompany, limits);   // throws ApiError
//   for (const auto* record : records) if (query.matches(*record)) ...
//   std::sort(..., [&](auto* a, auto* b) { return query.before(*a, *b); });
//   json::object row = query.fields.project(*record);
//
// Parameter names are matched in any case, as the platform's ASP.NET model binding does.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_LIST_QUERY_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_LIST_QUERY_H_

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/connectwise/internal/conditions.h"
#include "sim/connectwise/internal/schema.h"
#include "sim/core/http_types.h"

namespace mb::sim::connectwise {

// fields=id,identifier,status/id: the members a partial response keeps.
class FieldSelection {
 public:
  // Blank text selects everything. Throws ApiError (400) for an unknown field.
  static FieldSelection parse(std::string_view text, Entity entity);

  bool empty() const { return root_.children.empty(); }
  // The record with only the selected members, in the record's own member order.
  boost::json::object project(const boost::json::object& record) const;

 private:
  struct Tree {
    std::map<std::string, Tree, std::less<>> children;
    bool whole = false;  // the member itself was named: keep all of it
  };
  static boost::json::object project_object(const boost::json::object& object, const Tree& tree);

  Tree root_;
};

struct SortKey {
  FieldPath field;
  bool descending = false;
};

struct PagingLimits {
  int64_t default_page_size = 25;
  int64_t max_page_size = 1000;
  // Above the maximum: true gives max_page_size rows, false answers 400 OutOfRange.
  bool clamp_over_max = false;
};

struct Paging {
  bool forward_only = false;  // "pagination-type: forward-only"
  int64_t page = 1;           // navigable paging, 1-based
  int64_t page_size = 25;
  int64_t page_id = 0;  // forward-only: only rows with id > page_id
};

struct ListQuery {
  RecordFilter conditions;
  RecordFilter child_conditions;
  RecordFilter custom_field_conditions;
  std::vector<SortKey> order_by;  // empty: by id
  bool has_order_by = false;
  FieldSelection fields;
  Paging paging;

  // Throws ApiError: 400 InvalidObject for a bad condition, field, order or paging value.
  static ListQuery parse(const Request& request, Entity entity, const PagingLimits& limits);

  bool matches(const boost::json::object& record) const;
  // Strict weak order for orderBy (then id, so pages are stable); nulls sort first.
  bool before(const boost::json::object& a, const boost::json::object& b) const;
};

// The orderBy list, e.g. "company/name asc, id desc". Throws ApiError.
std::vector<SortKey> parse_order_by(std::string_view text, Entity entity);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_LIST_QUERY_H_
