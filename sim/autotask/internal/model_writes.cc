// The tenant's API writes: Companies, Services and Contracts, contract services, and
// the adjustments that change a contract service's units.
#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <utility>

#include "sim/autotask/internal/model.h"
#include "sim/autotask/internal/model_rules.h"
#include "sim/core/http_types.h"
#include "sim/core/seed.h"

namespace mb::sim::autotask {

namespace json = boost::json;
using namespace model_rules;  // the tenant's own shared rules

AdjustmentRequest parse_adjustment(const json::object& body) {
  const EntitySchema& schema = fields().adjustment;
  auto field = [&schema](std::string_view name) -> const FieldDef& {
    return schema.fields[schema.field_index(name)];
  };
  AdjustmentRequest request;
  request.contract_id = body_integer(body, field("contractID"));
  request.contract_service_id = body_integer(body, field("contractServiceID"));
  request.service_id = body_integer(body, field("serviceID"));
  request.adjusted_unit_price = body_double(body, field("adjustedUnitPrice"));
  request.adjusted_unit_cost = body_double(body, field("adjustedUnitCost"));
  request.quote_item_id = body_integer(body, field("quoteItemID"));
  if (const json::value* allow = member_any_case(body, "allowRepeatService");
      allow != nullptr && !allow->is_null()) {
    if (!allow->is_bool()) {
      throw business_error("Unable to convert value '" + describe_json(*allow) +
                           "' for field allowRepeatService to Boolean.");
    }
    request.allow_repeat_service = allow->get_bool();
  }
  const json::value* date = member_any_case(body, "effectiveDate");
  if (date == nullptr || date->is_null()) throw missing_field("effectiveDate");
  const std::optional<int64_t> millis =
      date->is_string() ? parse_iso_datetime(date->get_string()) : std::nullopt;
  if (!millis) {
    throw business_error("Unable to convert value '" + describe_json(*date) +
                         "' for field effectiveDate to DateTime.");
  }
  request.effective = day_of(*millis);
  const std::optional<int64_t> unit_change = body_integer(body, field("unitChange"));
  if (!unit_change) throw missing_field("unitChange");
  request.unit_change = *unit_change;
  return request;
}

// ---------------------------------------------------------------------------------------------
// API writes

void Tenant::apply_body(const EntitySchema& schema, const json::object& body,
                        Record& record) const {
  for (const auto& member : body) {
    const std::string_view key = member.key();
    if (schema.has_user_defined_fields && equals_ignore_case(key, kUserDefinedFieldsKey)) {
      try {
        merge_udfs(record.udfs, parse_udfs(member.value(), kUserDefinedFieldsKey));
      } catch (const SeedError& error) {
        throw business_error(error.what());
      }
      continue;
    }
    auto index = schema.find_field(key);
    if (!index || schema.fields[*index].read_only) continue;
    const FieldDef& def = schema.fields[*index];
    auto value = from_wire(def, member.value());
    if (!value) {
      throw business_error("Unable to convert value '" + describe_json(member.value()) +
                           "' for field " + def.name + " to " +
                           std::string(type_name_for_message(def.type)) + ".");
    }
    if (!picklist_allows(def, *value)) {
      throw business_error("Value " + describe_json(member.value()) +
                           " is not a valid picklist value for field " + def.name + ".");
    }
    record.values[*index] = std::move(*value);
  }
}

void Tenant::check_required(const EntitySchema& schema, const Record& record) const {
  for (size_t index = 0; index < schema.fields.size(); ++index) {
    const FieldDef& def = schema.fields[index];
    if (def.required && !def.read_only &&
        std::holds_alternative<std::monostate>(record.values[index])) {
      throw missing_field(def.name);
    }
  }
}

void Tenant::check_reference_values(const EntitySchema& schema, const Record& record) const {
  if (const std::optional<BrokenReference> broken = first_broken_reference(schema, record)) {
    throw reference_error(broken->field->name, broken->referenced ? broken->referenced->singular
                                                                  : broken->field->reference);
  }
}

int64_t Tenant::create(const EntitySchema& schema, const json::object& body) {
  const Fields& f = fields();
  RecordTable& target = table(schema);
  Record record(schema);
  apply_body(schema, body, record);
  if (&schema == &f.company) {
    default_value(record, f.company_is_active, true);
    record.values[f.company_create_date] = now_millis();
  } else if (&schema == &f.service) {
    default_value(record, f.service_is_active, true);
    record.values[f.service_create_date] = now_millis();
  } else if (&schema == &f.contract && record.integer(f.contract_type) == kRecurringService) {
    default_value(record, f.contract_period_type, int64_t{1});
  }
  check_required(schema, record);
  check_reference_values(schema, record);
  if (&schema == &f.contract &&
      day_of(*record.integer(f.contract_end)) < day_of(*record.integer(f.contract_start))) {
    throw business_error("endDate must be on or after startDate.");
  }
  record.values[0] = target.next_id();
  return target.insert(std::move(record)).id();
}

int64_t Tenant::update(const EntitySchema& schema, const json::object& body, bool replace) {
  const Fields& f = fields();
  const std::optional<int64_t> id = body_integer(body, schema.fields[0]);
  if (!id) throw missing_field("id");
  Record* existing = table(schema).find_mutable(*id);
  if (existing == nullptr) {
    throw HttpError(404, "No " + schema.singular + " with id " + std::to_string(*id) + " exists.");
  }
  Record updated = *existing;
  if (replace) {
    // PUT: every writable field not in the body becomes null.
    for (size_t index = 1; index < schema.fields.size(); ++index) {
      if (!schema.fields[index].read_only) updated.values[index] = std::monostate{};
    }
    updated.udfs.clear();
  }
  apply_body(schema, body, updated);
  check_required(schema, updated);
  check_reference_values(schema, updated);
  if (&schema == &f.contract) {
    const bool has_services = !contract_services_of(*id).empty();
    for (size_t field :
         {f.contract_start, f.contract_end, f.contract_period_type, f.contract_type}) {
      if (has_services && updated.values[field] != existing->values[field]) {
        throw business_error(
            "meterbridge-sim cannot change startDate, endDate, contractPeriodType or contractType "
            "of a contract that has services.");
      }
    }
    if (day_of(*updated.integer(f.contract_end)) < day_of(*updated.integer(f.contract_start))) {
      throw business_error("endDate must be on or after startDate.");
    }
  }
  *existing = std::move(updated);
  return *id;
}

std::vector<const Row*> Tenant::contract_services_of(int64_t contract_id) const {
  const Fields& f = fields();
  std::vector<const Row*> lines;
  for (const auto& [id, line] : contract_services_.rows()) {
    if (line.integer(f.line_contract) == contract_id) lines.push_back(&line);
  }
  return lines;
}

std::vector<const Row*> Tenant::unit_rows_of_contract(int64_t contract_id) const {
  std::vector<const Row*> rows;
  for (const Row* line : contract_services_of(contract_id)) {
    for (const UnitRow* row : units_.rows_of(line->id())) rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) { return a->id() < b->id(); });
  return rows;
}

int64_t Tenant::create_contract_service(int64_t contract_id, const json::object& body) {
  const Fields& f = fields();
  const Record* contract = contracts_.find(contract_id);
  if (contract == nullptr) throw reference_error("contractID", "Contract");
  if (auto body_contract = body_integer(body, f.line.fields[f.line_contract]);
      body_contract && *body_contract != contract_id) {
    throw business_error("contractID " + std::to_string(*body_contract) +
                         " does not match the parent contract " + std::to_string(contract_id) +
                         ".");
  }
  if (!is_recurring_service(*contract)) {
    throw business_error("Services can only be added to Recurring Service contracts.");
  }
  Record record(f.line);
  apply_body(f.line, body, record);
  record.values[f.line_contract] = contract_id;
  check_required(f.line, record);
  check_reference_values(f.line, record);
  const int64_t service_id = *record.integer(f.line_service);
  if (contract_service_for(contract_id, service_id) != nullptr) {
    throw business_error("Service " + std::to_string(service_id) + " is already on contract " +
                         std::to_string(contract_id) + ".");
  }
  record.values[0] = contract_services_.next_id();
  return add_contract_service(std::move(record)).id();
}

int64_t Tenant::update_contract_service(int64_t contract_id, const json::object& body,
                                        bool replace) {
  const Fields& f = fields();
  const std::optional<int64_t> id = body_integer(body, f.line.fields[0]);
  if (!id) throw missing_field("id");
  Record* existing = contract_services_.find_mutable(*id);
  if (existing == nullptr || existing->integer(f.line_contract) != contract_id) {
    throw HttpError(404, "No ContractService with id " + std::to_string(*id) +
                             " exists on contract " + std::to_string(contract_id) + ".");
  }
  Record updated = *existing;
  if (replace) {
    for (size_t index = 1; index < f.line.fields.size(); ++index) {
      if (!f.line.fields[index].read_only) updated.values[index] = std::monostate{};
    }
    updated.values[f.line_contract] = contract_id;
  }
  apply_body(f.line, body, updated);
  if (updated.values[f.line_contract] != existing->values[f.line_contract] ||
      updated.values[f.line_service] != existing->values[f.line_service]) {
    throw business_error("contractID and serviceID of a contract service cannot be changed.");
  }
  check_required(f.line, updated);
  updated.values[f.line_internal_unit_price] = updated.values[f.line_unit_price];
  updated.values[f.line_internal_adjusted_price] = updated.values[f.line_unit_price];
  *existing = std::move(updated);
  return *id;
}

int64_t Tenant::create_adjustment(std::optional<int64_t> parent_contract_id,
                                  const json::object& body, const AdjustmentRules& rules) {
  AdjustmentRequest request = parse_adjustment(body);
  if (parent_contract_id) {
    if (request.contract_id && *request.contract_id != *parent_contract_id) {
      throw business_error("contractID " + std::to_string(*request.contract_id) +
                           " does not match the parent contract " +
                           std::to_string(*parent_contract_id) + ".");
    }
    request.contract_id = parent_contract_id;
  }
  const Record& line = adjusted_contract_service(request);
  apply_unit_change(line, request.effective, request.unit_change, request.adjusted_unit_price,
                    request.adjusted_unit_cost, rules);

  const Fields& f = fields();
  Adjustment adjustment;
  adjustment.id = next_adjustment_id_++;
  adjustment.contract_id = *line.integer(f.line_contract);
  adjustment.contract_service_id = line.id();
  adjustment.service_id = *line.integer(f.line_service);
  adjustment.effective = request.effective;
  adjustment.unit_change = request.unit_change;
  adjustment.adjusted_unit_price = request.adjusted_unit_price;
  adjustment.adjusted_unit_cost = request.adjusted_unit_cost;
  adjustment.allow_repeat_service = request.allow_repeat_service;
  adjustment.quote_item_id = request.quote_item_id;
  adjusted_dates_.insert({adjustment.contract_service_id, adjustment.effective});
  adjustments_.push_back(adjustment);
  return adjustment.id;
}

const Record& Tenant::adjusted_contract_service(const AdjustmentRequest& request) {
  const Fields& f = fields();
  if (request.contract_service_id) {
    const Record* line = contract_services_.find(*request.contract_service_id);
    if (line == nullptr) throw reference_error("contractServiceID", "ContractService");
    if (request.contract_id && line->integer(f.line_contract) != *request.contract_id) {
      throw business_error("Contract service " + std::to_string(line->id()) +
                           " does not belong to contract " + std::to_string(*request.contract_id) +
                           ".");
    }
    if (request.service_id && line->integer(f.line_service) != *request.service_id) {
      throw business_error("Contract service " + std::to_string(line->id()) +
                           " is not for service " + std::to_string(*request.service_id) + ".");
    }
    return *line;
  }

  if (!request.contract_id) throw missing_field("contractID");
  if (!request.service_id) throw missing_field("serviceID");
  const Record* contract = contracts_.find(*request.contract_id);
  if (contract == nullptr) throw reference_error("contractID", "Contract");
  if (services_.find(*request.service_id) == nullptr) throw reference_error("serviceID", "Service");
  if (!is_recurring_service(*contract)) {
    throw business_error(
        "Contract service adjustments can only be made on Recurring Service contracts.");
  }
  if (const Record* line = contract_service_for(contract->id(), *request.service_id)) return *line;

  // Autotask creates the missing contract service. The rules are checked first, so a refused
  // adjustment leaves nothing behind.
  const ContractWindow window = window_of(*contract);
  if (request.effective < window.start || request.effective > window.end) {
    throw outside_contract_error(window.start, window.end, contract->id());
  }
  if (request.unit_change < 0) {
    throw business_error("The unit change of " + std::to_string(request.unit_change) +
                         " would make the units of the new contract service negative.");
  }
  Record record(f.line);
  record.values[0] = contract_services_.next_id();
  record.values[f.line_contract] = contract->id();
  record.values[f.line_service] = *request.service_id;
  if (request.adjusted_unit_price) record.values[f.line_unit_price] = *request.adjusted_unit_price;
  if (request.adjusted_unit_cost) record.values[f.line_unit_cost] = *request.adjusted_unit_cost;
  return add_contract_service(std::move(record));
}

}  // namespace mb::sim::autotask
