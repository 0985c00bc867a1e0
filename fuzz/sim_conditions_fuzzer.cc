// Fuzz target: the ConnectWise simulator's query parsers — a request target decoded into its
// parameters (conditions, childConditions, customFieldConditions, orderBy, fields, paging) and
// evaluated against the built-in seed's records. A bad query must be a 400, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/conditions.h"
#include "sim/connectwise/internal/list_query.h"
#include "sim/connectwise/internal/seed_data.h"
#include "sim/core/http_types.h"

namespace cw = mb::sim::connectwise;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cw::Dataset dataset = cw::load_dataset(cw::default_seed_document());
  if (size == 0) return 0;
  static constexpr cw::Entity kEntities[] = {cw::Entity::kCompany, cw::Entity::kCatalogItem,
                                             cw::Entity::kAgreement, cw::Entity::kAddition};
  const cw::Entity entity = kEntities[data[0] % 4];
  const cw::RecordTable& records = entity == cw::Entity::kCompany       ? dataset.companies
                                   : entity == cw::Entity::kCatalogItem ? dataset.catalog
                                   : entity == cw::Entity::kAgreement   ? dataset.agreements
                                                                        : dataset.additions;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

  // The whole text as a condition in each scope.
  for (auto scope : {cw::ConditionScope::kConditions, cw::ConditionScope::kChildConditions,
                     cw::ConditionScope::kCustomFieldConditions}) {
    try {
      cw::RecordFilter filter = cw::RecordFilter::parse(text, entity, scope);
      for (const auto& [id, record] : records) (void)filter.matches(record);
    } catch (const cw::ConditionError&) {
    }
  }
  // The text as a request's query string.
  mb::sim::Request request;
  request.method = "GET";
  request.target = "/v2025_1/apis/3.0/list?" + text;
  if (!mb::sim::parse_request_target(request.target, request.path, request.query)) return 0;
  try {
    cw::ListQuery query = cw::ListQuery::parse(request, entity, cw::PagingLimits{});
    const boost::json::object* previous = nullptr;
    for (const auto& [id, record] : records) {
      (void)query.matches(record);
      if (previous != nullptr) (void)query.before(*previous, record);
      previous = &record;
    }
  } catch (const cw::ApiError&) {
  } catch (const mb::sim::HttpError&) {
  }
  return 0;
}
