// A contract's child routes (Contracts/{parentId}/Services, ServiceUnits, ServiceAdjustments)
// and ContractServiceAdjustments.
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "sim/autotask/internal/api_error.h"
#include "sim/autotask/internal/routes.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

Response child_items(const EntitySchema& schema, const std::vector<const Row*>& rows) {
  json::array items;
  for (const Row* row : rows) items.push_back(row_to_wire(schema, *row));
  return wire_json(200, json::object{{"items", std::move(items)},
                                     {"pageDetails", json::object{{"count", rows.size()},
                                                                  {"requestCount", rows.size()},
                                                                  {"prevPageUrl", nullptr},
                                                                  {"nextPageUrl", nullptr}}}});
}

template <typename RowsOfContract>
Response child_item(const Request& request, const EntitySchema& schema,
                    RowsOfContract rows_of_contract) {
  auto contract_id = parse_id(request.path_param("parentId"));
  auto id = parse_id(request.path_param("id"));
  if (!contract_id || !id) return not_found(request);
  for (const Row* row : rows_of_contract(*contract_id)) {
    if (row->id() == *id) {
      return wire_json(200, json::object{{"item", row_to_wire(schema, *row)}});
    }
  }
  return errors_body(404, "No " + schema.singular + " with id " + std::to_string(*id) +
                              " was found on contract " + std::to_string(*contract_id) + ".");
}

}  // namespace

void Api::add_contract_child_routes(Router& router, const std::string& parent) {
  router.add("GET", parent + "/Services", api([this](const Request& r, const ApiUser&) {
               auto contract_id = parse_id(r.path_param("parentId"));
               if (!contract_id) return not_found(r);
               return child_items(contract_services_schema(),
                                  tenant_.contract_services_of(*contract_id));
             }));
  router.add("GET", parent + "/Services/{id}", api([this](const Request& r, const ApiUser&) {
               return child_item(r, contract_services_schema(), [this](int64_t contract_id) {
                 return tenant_.contract_services_of(contract_id);
               });
             }));
  router.add("POST", parent + "/Services", api([this](const Request& r, const ApiUser&) {
               auto contract_id = parse_id(r.path_param("parentId"));
               if (!contract_id) return not_found(r);
               return item_id_response(
                   tenant_.create_contract_service(*contract_id, body_object(parse_body(r.body))));
             }));
  for (const char* method : {"PATCH", "PUT"}) {
    const bool replace = std::string_view(method) == "PUT";
    router.add(method, parent + "/Services", api([this, replace](const Request& r, const ApiUser&) {
                 auto contract_id = parse_id(r.path_param("parentId"));
                 if (!contract_id) return not_found(r);
                 return item_id_response(tenant_.update_contract_service(
                     *contract_id, body_object(parse_body(r.body)), replace));
               }));
  }
  router.add("GET", parent + "/ServiceUnits", api([this](const Request& r, const ApiUser&) {
               auto contract_id = parse_id(r.path_param("parentId"));
               if (!contract_id) return not_found(r);
               return child_items(contract_service_units_schema(),
                                  tenant_.unit_rows_of_contract(*contract_id));
             }));
  router.add("GET", parent + "/ServiceUnits/{id}", api([this](const Request& r, const ApiUser&) {
               return child_item(r, contract_service_units_schema(), [this](int64_t contract_id) {
                 return tenant_.unit_rows_of_contract(contract_id);
               });
             }));
  router.add("POST", parent + "/ServiceAdjustments", api([this](const Request& r, const ApiUser&) {
               auto contract_id = parse_id(r.path_param("parentId"));
               if (!contract_id) return not_found(r);
               return create_adjustment(r, contract_id);
             }));
}

Response Api::create_adjustment(const Request& request, std::optional<int64_t> contract_id) {
  AdjustmentRules rules;
  rules.reject_same_day_duplicates = settings_.reject_duplicate_adjustments;
  return item_id_response(
      tenant_.create_adjustment(contract_id, body_object(parse_body(request.body)), rules));
}

}  // namespace mb::sim::autotask
