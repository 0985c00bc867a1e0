#include "sim/autotask/internal/model.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "sim/autotask/internal/model_rules.h"
#include "sim/core/http_types.h"
#include "sim/core/seed.h"

namespace mb::sim::autotask {

namespace json = boost::json;
using namespace model_rules;  // the tenant's own shared rules

Tenant::Tenant()
    : companies_(companies_schema()),
      services_(services_schema()),
      contracts_(contracts_schema()),
      contract_services_(contract_services_schema()),
      tickets_(tickets_schema()),
      ticket_notes_(ticket_notes_schema()) {}

const EntityAccess& ApiUser::access_to(const EntitySchema& schema) const {
  static const EntityAccess kAll;
  std::string key = schema.name;
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = access.find(key);
  return it == access.end() ? kAll : it->second;
}

// ---------------------------------------------------------------------------------------------
// Shared rules

RecordTable& Tenant::table(const EntitySchema& schema) {
  return const_cast<RecordTable&>(std::as_const(*this).table(schema));
}

const RecordTable& Tenant::table(const EntitySchema& schema) const {
  const Fields& f = fields();
  if (&schema == &f.company) return companies_;
  if (&schema == &f.service) return services_;
  if (&schema == &f.contract) return contracts_;
  if (&schema == &f.line) return contract_services_;
  if (&schema == &tickets_schema()) return tickets_;
  if (&schema == &ticket_notes_schema()) return ticket_notes_;
  throw std::logic_error(schema.name + " is not stored as records");
}

const RowSource* Tenant::source(const EntitySchema& schema) const {
  if (&schema == &contract_service_units_schema()) return &units_;
  if (&schema == &contract_service_adjustments_schema()) return nullptr;
  return &table(schema);
}

const ApiUser* Tenant::find_user(std::string_view user_name) const {
  for (const ApiUser& user : users_) {
    if (equals_ignore_case(user.user_name, user_name)) return &user;
  }
  return nullptr;
}

std::optional<Tenant::BrokenReference> Tenant::first_broken_reference(const EntitySchema& schema,
                                                                      const Record& record) const {
  for (size_t index = 0; index < schema.fields.size(); ++index) {
    const FieldDef& def = schema.fields[index];
    const auto value = record.integer(index);
    if (def.reference.empty() || !value) continue;
    const EntitySchema* referenced = find_schema(def.reference);
    const RowSource* referenced_rows = referenced != nullptr ? source(*referenced) : nullptr;
    if (referenced_rows == nullptr || referenced_rows->find(*value) == nullptr) {
      return BrokenReference{&def, referenced, *value};
    }
  }
  return std::nullopt;
}

Tenant::ContractWindow Tenant::window_of(const Record& contract) const {
  const Fields& f = fields();
  return ContractWindow{day_of(contract.integer(f.contract_start).value_or(0)),
                        day_of(contract.integer(f.contract_end).value_or(0)),
                        period_months(contract.integer(f.contract_period_type))};
}

bool Tenant::is_recurring_service(const Record& contract) const {
  return contract.integer(fields().contract_type) == kRecurringService;
}

const Record* Tenant::contract_service_for(int64_t contract_id, int64_t service_id) const {
  auto it = line_by_contract_and_service_.find({contract_id, service_id});
  return it == line_by_contract_and_service_.end() ? nullptr : contract_services_.find(it->second);
}

Record& Tenant::add_contract_service(Record record) {
  const Fields& f = fields();
  const Record& contract = *contracts_.find(*record.integer(f.line_contract));
  const Record& service = *services_.find(*record.integer(f.line_service));
  if (!record.number(f.line_unit_price)) {
    record.values[f.line_unit_price] = service.number(f.service_unit_price).value_or(0.0);
  }
  if (!record.number(f.line_unit_cost)) {
    record.values[f.line_unit_cost] = service.number(f.service_unit_cost).value_or(0.0);
  }
  record.values[f.line_internal_unit_price] = record.values[f.line_unit_price];
  record.values[f.line_internal_adjusted_price] = record.values[f.line_unit_price];
  Record& line = contract_services_.insert(std::move(record));
  line_by_contract_and_service_[{contract.id(), service.id()}] = line.id();

  const ContractWindow window = window_of(contract);
  for (int64_t period = 0;; ++period) {
    const Day start = add_months(window.start, period * window.period_months);
    if (start > window.end) break;
    UnitRow row;
    row.contract_id = contract.id();
    row.contract_service_id = line.id();
    row.service_id = service.id();
    row.vendor_company_id = service.integer(f.service_vendor).value_or(-1);
    row.start = start;
    row.end =
        std::min(add_months(window.start, (period + 1) * window.period_months) - 1, window.end);
    row.price = *line.number(f.line_unit_price);
    row.cost = *line.number(f.line_unit_cost);
    units_.append(row);
  }
  return line;
}

void Tenant::apply_unit_change(const Record& contract_service, Day effective, int64_t unit_change,
                               std::optional<double> adjusted_price,
                               std::optional<double> adjusted_cost, const AdjustmentRules& rules) {
  const Fields& f = fields();
  const Record& contract = *contracts_.find(*contract_service.integer(f.line_contract));
  const ContractWindow window = window_of(contract);
  if (effective < window.start || effective > window.end) {
    throw outside_contract_error(window.start, window.end, contract.id());
  }
  if (rules.reject_same_day_duplicates) {
    if (adjusted_dates_.contains({contract_service.id(), effective})) {
      throw business_error("Attempt to insert duplicate data into contract_service_period");
    }
  }

  std::vector<UnitRow*> rows = units_.rows_of(contract_service.id());
  auto target = std::find_if(rows.begin(), rows.end(), [effective](const UnitRow* row) {
    return row->start <= effective && effective <= row->end;
  });
  if (target == rows.end()) {
    throw business_error("No contract service period covers " + format_date(effective) + ".");
  }
  for (auto it = target; it != rows.end(); ++it) {
    const int64_t result = (*it)->units + unit_change;
    if (result < 0) {
      throw business_error("The unit change of " + std::to_string(unit_change) +
                           " would make the units of contract service " +
                           std::to_string(contract_service.id()) + " negative from " +
                           format_date(std::max((*it)->start, effective)) + ".");
    }
    if (result > std::numeric_limits<int32_t>::max()) {
      throw business_error("The unit change of " + std::to_string(unit_change) +
                           " would exceed the largest number of units.");
    }
  }

  auto adjust = [&](UnitRow& row) {
    row.units += unit_change;
    if (adjusted_price) row.price = *adjusted_price;
    if (adjusted_cost) row.cost = *adjusted_cost;
  };
  // Later rows first: appending the split row may reallocate the table under the pointers.
  for (auto it = target + 1; it != rows.end(); ++it) adjust(**it);
  UnitRow& current = **target;
  if (current.start == effective) {
    adjust(current);
    return;
  }
  UnitRow split = current;
  split.start = effective;
  current.end = effective - 1;
  adjust(split);
  units_.append(split);
}

// ---------------------------------------------------------------------------------------------
// State

json::value Tenant::state(Day today) const {
  auto records = [](const RecordTable& source_table) {
    json::array items;
    for (const auto& [id, record] : source_table.rows()) {
      items.push_back(row_to_wire(source_table.schema(), record));
    }
    return items;
  };

  json::array users;
  for (const ApiUser& user : users_) {
    users.push_back(json::object{{"userName", user.user_name},
                                 {"integrationCode", user.integration_code},
                                 {"zoneName", user.zone_name},
                                 {"ci", user.ci}});
  }

  json::array lines;
  for (const auto& [id, line] : contract_services_.rows()) {
    json::object object = row_to_wire(contract_services_schema(), line);
    json::array timeline;
    int64_t current_units = 0;
    int64_t final_units = 0;
    for (const UnitRow* row : units_.rows_of(id)) {
      if (row->start <= today && today <= row->end) current_units = row->units;
      final_units = row->units;
      // Consecutive periods with the same count read as one segment.
      if (!timeline.empty() && timeline.back().as_object().at("units") == row->units) {
        timeline.back().as_object()["endDate"] = format_date(row->end);
        continue;
      }
      timeline.push_back(json::object{{"startDate", format_date(row->start)},
                                      {"endDate", format_date(row->end)},
                                      {"units", row->units}});
    }
    object["currentUnits"] = current_units;
    object["finalUnits"] = final_units;
    object["unitTimeline"] = std::move(timeline);
    lines.push_back(std::move(object));
  }

  json::array adjustments;
  for (const Adjustment& adjustment : adjustments_) {
    json::value price = nullptr;
    json::value cost = nullptr;
    if (adjustment.adjusted_unit_price) price = *adjustment.adjusted_unit_price;
    if (adjustment.adjusted_unit_cost) cost = *adjustment.adjusted_unit_cost;
    adjustments.push_back(
        json::object{{"id", adjustment.id},
                     {"contractID", adjustment.contract_id},
                     {"contractServiceID", adjustment.contract_service_id},
                     {"serviceID", adjustment.service_id},
                     {"effectiveDate", format_iso_datetime(start_of_day(adjustment.effective))},
                     {"unitChange", adjustment.unit_change},
                     {"adjustedUnitPrice", std::move(price)},
                     {"adjustedUnitCost", std::move(cost)},
                     {"allowRepeatService", adjustment.allow_repeat_service},
                     {"fromSeed", adjustment.from_seed}});
  }

  return json::object{
      {"today", format_date(today)},           {"users", std::move(users)},
      {"companies", records(companies_)},      {"services", records(services_)},
      {"contracts", records(contracts_)},      {"contractServices", std::move(lines)},
      {"adjustments", std::move(adjustments)}, {"unitRowCount", units_.size()},
      {"tickets", records(tickets_)},          {"ticketNotes", records(ticket_notes_)}};
}

}  // namespace mb::sim::autotask
