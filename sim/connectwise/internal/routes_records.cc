// The read-only lists: companies, the product catalog and agreements, each as a list, a count
// and a single record.
#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/routes.h"
#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/paging.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

std::vector<const json::object*> all_of(const RecordTable& table) {
  std::vector<const json::object*> rows;
  rows.reserve(table.size());
  for (const auto& [id, record] : table) rows.push_back(&record);
  return rows;
}

}  // namespace

PagingLimits Api::paging_limits() const {
  PagingLimits limits;
  limits.max_page_size = settings_.max_page_size;
  limits.clamp_over_max = settings_.clamp_page_size;
  return limits;
}

Response Api::list(const ApiCall& call, Entity entity,
                   std::vector<const json::object*> rows) const {
  const ListQuery query = ListQuery::parse(call.request, entity, paging_limits());
  std::erase_if(rows, [&](const json::object* row) { return !query.matches(*row); });
  // Rows arrive in id order; orderBy re-sorts them (ties by id, so pages stay stable).
  if (!query.order_by.empty()) {
    std::stable_sort(rows.begin(), rows.end(), [&](const json::object* a, const json::object* b) {
      return query.before(*a, *b);
    });
  }
  const Paging& paging = query.paging;
  size_t begin = 0, end = 0;
  std::vector<std::pair<std::string, std::string>> links;
  if (paging.forward_only) {
    end = std::min(rows.size(), static_cast<size_t>(paging.page_size));
    if (end < rows.size()) {
      const int64_t last_id = rows[end - 1]->at("id").get_int64();
      links.emplace_back("next",
                         url_with_query(call.request, {{"pageId", std::to_string(last_id)}}));
    }
  } else {
    const PageSlice slice = page_slice(rows.size(), paging.page, paging.page_size);
    begin = slice.begin;
    end = slice.end;
    if (slice.has_previous) {
      links.emplace_back("first", url_with_query(call.request, {{"page", "1"}}));
      links.emplace_back("prev",
                         url_with_query(call.request, {{"page", std::to_string(paging.page - 1)}}));
    }
    if (slice.has_next) {
      links.emplace_back("next",
                         url_with_query(call.request, {{"page", std::to_string(paging.page + 1)}}));
      links.emplace_back(
          "last", url_with_query(call.request, {{"page", std::to_string(slice.page_count)}}));
    }
  }
  json::array body;
  body.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) body.push_back(query.fields.project(*rows[i]));
  Response response = wire_json(200, body);
  // Forward-only always carries Link, empty on the last page: that is how clients know the
  // endpoint supports it and when to stop. Navigable paging omits it when nothing links.
  if (paging.forward_only || !links.empty()) response.set_header("Link", link_header(links));
  return response;
}

Response Api::count(const ApiCall& call, Entity entity,
                    const std::vector<const json::object*>& rows) const {
  const ListQuery query = ListQuery::parse(call.request, entity, paging_limits());
  int64_t matching = 0;
  for (const json::object* row : rows) matching += query.matches(*row) ? 1 : 0;
  return wire_json(200, json::object{{"count", matching}});
}

Response Api::single(const ApiCall& call, Entity entity, const json::object& record) {
  const FieldSelection fields =
      FieldSelection::parse(call.request.query_param_any_case("fields").value_or(""), entity);
  return wire_json(200, fields.project(record));
}

Response Api::list_companies(const ApiCall& call) {
  return list(call, Entity::kCompany, all_of(model_.data().companies));
}

Response Api::count_companies(const ApiCall& call) {
  return count(call, Entity::kCompany, all_of(model_.data().companies));
}

Response Api::get_company(const ApiCall& call) {
  return single(call, Entity::kCompany,
                find_record(model_.data().companies, id_parameter(call.request, "id"), "Company"));
}

Response Api::list_catalog(const ApiCall& call) {
  return list(call, Entity::kCatalogItem, all_of(model_.data().catalog));
}

Response Api::count_catalog(const ApiCall& call) {
  return count(call, Entity::kCatalogItem, all_of(model_.data().catalog));
}

Response Api::get_catalog_item(const ApiCall& call) {
  return single(
      call, Entity::kCatalogItem,
      find_record(model_.data().catalog, id_parameter(call.request, "id"), "Catalog item"));
}

Response Api::list_agreements(const ApiCall& call) {
  return list(call, Entity::kAgreement, all_of(model_.data().agreements));
}

Response Api::count_agreements(const ApiCall& call) {
  return count(call, Entity::kAgreement, all_of(model_.data().agreements));
}

Response Api::get_agreement(const ApiCall& call) {
  return single(
      call, Entity::kAgreement,
      find_record(model_.data().agreements, id_parameter(call.request, "id"), "Agreement"));
}

}  // namespace mb::sim::connectwise
