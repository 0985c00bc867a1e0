// Tenant::load: reading a seed document into the tenant, every record checked.
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "sim/autotask/internal/model.h"
#include "sim/autotask/internal/model_rules.h"
#include "sim/core/http_types.h"
#include "sim/core/seed.h"

namespace mb::sim::autotask {

namespace json = boost::json;
using namespace model_rules;  // the tenant's own shared rules

namespace {

// The seed keys that are not entity fields.
constexpr std::string_view kUnitsKey = "units";
constexpr std::string_view kUnitHistoryKey = "unitHistory";

bool is_extra_key(std::string_view key, std::initializer_list<std::string_view> extras) {
  return std::any_of(extras.begin(), extras.end(),
                     [key](std::string_view extra) { return equals_ignore_case(key, extra); });
}

// A seed record: every member must be a field of the entity (typos are errors, not ignored).
Record parse_seed_record(const EntitySchema& schema, const json::value& item,
                         std::string_view where,
                         std::initializer_list<std::string_view> extras = {}) {
  const json::object* object = item.if_object();
  if (object == nullptr) throw SeedError(std::string(where) + " must be an object");
  Record record(schema);
  for (const auto& member : *object) {
    const std::string_view key = member.key();
    if (is_extra_key(key, extras)) continue;
    if (schema.has_user_defined_fields && equals_ignore_case(key, kUserDefinedFieldsKey)) {
      record.udfs = parse_udfs(member.value(), where);
      continue;
    }
    auto index = schema.find_field(key);
    if (!index) {
      throw SeedError(std::string(where) + ": " + schema.name + " has no field '" +
                      std::string(key) + "'");
    }
    const FieldDef& def = schema.fields[*index];
    auto value = from_wire(def, member.value());
    if (!value) {
      throw SeedError(std::string(where) + "." + def.name + ": expected " +
                      std::string(data_type_name(def.type)) + ", got " +
                      json::serialize(member.value()));
    }
    if (!picklist_allows(def, *value)) {
      throw SeedError(std::string(where) + "." + def.name + ": " + json::serialize(member.value()) +
                      " is not one of its picklist values");
    }
    record.values[*index] = std::move(*value);
  }
  const auto* id = std::get_if<int64_t>(&record.values[0]);
  if (id == nullptr || *id < 0) {
    throw SeedError(std::string(where) + ": id is required and must be an integer >= 0");
  }
  return record;
}

void require_seed_field(const Record& record, size_t field, const EntitySchema& schema,
                        std::string_view where) {
  if (std::holds_alternative<std::monostate>(record.values[field])) {
    throw SeedError(std::string(where) + ": " + schema.fields[field].name + " is required");
  }
}

// "access": {"Tickets": {"create": "None", "update": "Restricted"}, ...}: the user's security
// level per entity; what is not named is All.
void load_access(const json::value& access, const std::string& where, ApiUser& user) {
  if (!access.is_object()) throw SeedError(where + ".access must be an object");
  for (const auto& [entity, levels] : access.get_object()) {
    const EntitySchema* schema = find_schema(entity);
    const std::string at = where + ".access." + std::string(entity);
    if (schema == nullptr) throw SeedError(at + ": no such entity");
    if (!levels.is_object()) throw SeedError(at + " must be an object");
    EntityAccess granted;
    for (const auto& [verb, level] : levels.get_object()) {
      const std::string_view text = level.is_string() ? std::string_view(level.get_string()) : "";
      if (text != "All" && text != "Restricted" && text != "None")
        throw SeedError(at + "." + std::string(verb) + " must be All, Restricted or None");
      if (verb == "query")
        granted.query = text;
      else if (verb == "create")
        granted.create = text;
      else if (verb == "update")
        granted.update = text;
      else
        throw SeedError(at + ": unknown key '" + std::string(verb) + "' (query, create, update)");
    }
    std::string key = schema->name;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    user.access[key] = granted;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Loading a seed

void Tenant::load(const json::value& seed) {
  const json::object* root = seed.if_object();
  if (root == nullptr) {
    throw SeedError(
        "autotask seed must be an object: {\"users\":[...],\"companies\":[...],\"services\":[...],"
        "\"contracts\":[...],\"contractServices\":[...]}");
  }
  static constexpr std::string_view kKeys[] = {
      "users", "companies", "services", "contracts", "contractServices", "settings", "description"};
  for (const auto& member : *root) {
    if (std::find(std::begin(kKeys), std::end(kKeys), member.key()) == std::end(kKeys)) {
      throw SeedError("unknown seed key '" + std::string(member.key()) +
                      "' (expected users, companies, services, contracts, contractServices, "
                      "settings, description)");
    }
  }
  load_users(root->if_contains("users"));
  load_records(companies_schema(), root->if_contains("companies"));
  load_records(services_schema(), root->if_contains("services"));
  load_records(contracts_schema(), root->if_contains("contracts"));
  check_references(companies_schema());
  check_references(services_schema());
  check_references(contracts_schema());
  load_contract_services(root->if_contains("contractServices"));
  if (const json::value* settings = root->if_contains("settings")) {
    if (!settings->is_object()) throw SeedError("settings must be an object");
    seed_settings_ = settings->get_object();
  }
}

void Tenant::load_users(const json::value* users) {
  if (users == nullptr) return;
  if (!users->is_array()) throw SeedError("users must be an array");
  for (const json::value& item : users->get_array()) {
    const std::string where = "users[" + std::to_string(users_.size()) + "]";
    const json::object* object = item.if_object();
    if (object == nullptr) throw SeedError(where + " must be an object");
    auto text = [&](std::string_view key, bool required) -> std::string {
      const json::value* value = object->if_contains(key);
      if (value == nullptr && !required) return {};
      if (value == nullptr || !value->is_string() || value->get_string().empty()) {
        throw SeedError(where + "." + std::string(key) + " must be a non-empty string");
      }
      return std::string(value->get_string());
    };
    for (const auto& member : *object) {
      static constexpr std::string_view kUserKeys[] = {"userName", "secret", "integrationCode",
                                                       "zoneName", "ci",     "access"};
      if (std::find(std::begin(kUserKeys), std::end(kUserKeys), member.key()) ==
          std::end(kUserKeys)) {
        throw SeedError(where + ": unknown key '" + std::string(member.key()) + "'");
      }
    }
    ApiUser user;
    user.user_name = text("userName", true);
    user.secret = text("secret", true);
    user.integration_code = text("integrationCode", true);
    if (std::string zone = text("zoneName", false); !zone.empty()) user.zone_name = zone;
    if (const json::value* ci = object->if_contains("ci")) {
      if (!ci->is_int64()) throw SeedError(where + ".ci must be an integer");
      user.ci = ci->get_int64();
    }
    if (const json::value* access = object->if_contains("access"))
      load_access(*access, where, user);
    if (find_user(user.user_name) != nullptr) {
      throw SeedError(where + ": userName " + user.user_name + " appears twice");
    }
    users_.push_back(std::move(user));
  }
}

void Tenant::load_records(const EntitySchema& schema, const json::value* items) {
  if (items == nullptr) return;
  if (!items->is_array()) throw SeedError(schema.name + " must be an array");
  const Fields& f = fields();
  RecordTable& target = table(schema);
  size_t position = 0;
  // Seed keys are the entity's name with a lower-case first letter ("companies").
  std::string key = schema.name;
  key[0] = static_cast<char>(key[0] - 'A' + 'a');
  for (const json::value& item : items->get_array()) {
    const std::string where = key + "[" + std::to_string(position++) + "]";
    Record record = parse_seed_record(schema, item, where);
    if (&schema == &f.company) {
      require_seed_field(record, schema.field_index("companyName"), schema, where);
      default_value(record, f.company_type, kCustomer);
      default_value(record, f.company_is_active, true);
    } else if (&schema == &f.service) {
      require_seed_field(record, schema.field_index("name"), schema, where);
      default_value(record, f.service_is_active, true);
      default_value(record, f.service_period_type, int64_t{1});
    } else if (&schema == &f.contract) {
      for (size_t field : {f.contract_company, f.contract_start, f.contract_end}) {
        require_seed_field(record, field, schema, where);
      }
      default_value(record, schema.field_index("contractName"),
                    "Contract " + std::to_string(record.id()));
      default_value(record, f.contract_type, kRecurringService);
      default_value(record, f.contract_status, kActive);
      if (record.integer(f.contract_type) == kRecurringService) {
        default_value(record, f.contract_period_type, int64_t{1});
      }
      if (day_of(*record.integer(f.contract_end)) < day_of(*record.integer(f.contract_start))) {
        throw SeedError(where + ": endDate is before startDate");
      }
    }
    target.insert(std::move(record));
  }
}

void Tenant::check_references(const EntitySchema& schema) const {
  for (const auto& [id, record] : table(schema).rows()) {
    if (const std::optional<BrokenReference> broken = first_broken_reference(schema, record)) {
      throw SeedError(schema.name + " " + std::to_string(id) + ": " + broken->field->name + " " +
                      std::to_string(broken->value) + " does not exist");
    }
  }
}

void Tenant::load_contract_services(const json::value* items) {
  if (items == nullptr) return;
  if (!items->is_array()) throw SeedError("contractServices must be an array");
  const Fields& f = fields();
  size_t position = 0;
  for (const json::value& item : items->get_array()) {
    const std::string where = "contractServices[" + std::to_string(position++) + "]";
    Record record = parse_seed_record(f.line, item, where, {kUnitsKey, kUnitHistoryKey});
    require_seed_field(record, f.line_contract, f.line, where);
    require_seed_field(record, f.line_service, f.line, where);
    const Record* contract = contracts_.find(*record.integer(f.line_contract));
    const Record* service = services_.find(*record.integer(f.line_service));
    if (contract == nullptr || service == nullptr) {
      throw SeedError(where + ": contractID and serviceID must name a seeded contract and service");
    }
    if (!is_recurring_service(*contract)) {
      throw SeedError(where + ": contract " + std::to_string(contract->id()) +
                      " is not a Recurring Service contract (contractType 7)");
    }
    if (contract_service_for(contract->id(), service->id()) != nullptr) {
      throw SeedError(where + ": contract " + std::to_string(contract->id()) +
                      " already has service " + std::to_string(service->id()));
    }
    if (contract_services_.find(record.id()) != nullptr) {
      throw SeedError(where + ": ContractServices id " + std::to_string(record.id()) +
                      " appears twice");
    }

    const json::object& object = item.get_object();
    int64_t initial_units = 0;
    if (const json::value* units = find_member_any_case(object, kUnitsKey)) {
      if (!units->is_int64() || units->get_int64() < 0 ||
          units->get_int64() > std::numeric_limits<int32_t>::max()) {
        throw SeedError(where + ".units must be an integer >= 0");
      }
      initial_units = units->get_int64();
    }
    const Record& line = add_contract_service(std::move(record));
    for (UnitRow* row : units_.rows_of(line.id())) row->units = initial_units;

    const json::value* history = find_member_any_case(object, kUnitHistoryKey);
    if (history == nullptr) continue;
    if (!history->is_array()) throw SeedError(where + ".unitHistory must be an array");
    size_t step = 0;
    for (const json::value& change : history->get_array()) {
      const std::string change_where = where + ".unitHistory[" + std::to_string(step++) + "]";
      const json::object* change_object = change.if_object();
      const json::value* date =
          change_object ? change_object->if_contains("effectiveDate") : nullptr;
      const json::value* delta = change_object ? change_object->if_contains("unitChange") : nullptr;
      const json::value* id = change_object ? change_object->if_contains("id") : nullptr;
      std::optional<int64_t> millis =
          date && date->is_string() ? parse_iso_datetime(date->get_string()) : std::nullopt;
      if (!millis || delta == nullptr || !delta->is_int64() || (id && !id->is_int64())) {
        throw SeedError(change_where +
                        " must be {\"effectiveDate\":\"YYYY-MM-DD\",\"unitChange\":n[,\"id\":n]}");
      }
      try {
        apply_unit_change(line, day_of(*millis), delta->get_int64(), std::nullopt, std::nullopt,
                          AdjustmentRules{});
      } catch (const HttpError& error) {
        throw SeedError(change_where + ": " + error.what());
      }
      Adjustment adjustment;
      adjustment.id = id ? id->get_int64() : next_adjustment_id_;
      adjustment.contract_id = *line.integer(f.line_contract);
      adjustment.contract_service_id = line.id();
      adjustment.service_id = *line.integer(f.line_service);
      adjustment.effective = day_of(*millis);
      adjustment.unit_change = delta->get_int64();
      adjustment.from_seed = true;
      next_adjustment_id_ = std::max(next_adjustment_id_, adjustment.id + 1);
      adjusted_dates_.insert({adjustment.contract_service_id, adjustment.effective});
      adjustments_.push_back(adjustment);
    }
  }
}

}  // namespace mb::sim::autotask
