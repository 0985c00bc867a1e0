#include "sim/autotask/internal/tenant.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <limits>

#include "sim/core/http_types.h"
#include "sim/core/seed.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

// Positions of the fields the simulator itself reads or writes.
struct Fields {
  const EntitySchema& company = companies_schema();
  const EntitySchema& service = services_schema();
  const EntitySchema& contract = contracts_schema();
  const EntitySchema& line = contract_services_schema();
  const EntitySchema& adjustment = contract_service_adjustments_schema();

  size_t company_type = company.field_index("companyType");
  size_t company_is_active = company.field_index("isActive");
  size_t company_create_date = company.field_index("createDate");
  size_t service_is_active = service.field_index("isActive");
  size_t service_period_type = service.field_index("periodType");
  size_t service_unit_price = service.field_index("unitPrice");
  size_t service_unit_cost = service.field_index("unitCost");
  size_t service_vendor = service.field_index("vendorCompanyID");
  size_t service_create_date = service.field_index("createDate");
  size_t contract_company = contract.field_index("companyID");
  size_t contract_type = contract.field_index("contractType");
  size_t contract_status = contract.field_index("status");
  size_t contract_period_type = contract.field_index("contractPeriodType");
  size_t contract_start = contract.field_index("startDate");
  size_t contract_end = contract.field_index("endDate");
  size_t line_contract = line.field_index("contractID");
  size_t line_service = line.field_index("serviceID");
  size_t line_unit_price = line.field_index("unitPrice");
  size_t line_unit_cost = line.field_index("unitCost");
  size_t line_internal_unit_price = line.field_index("internalCurrencyUnitPrice");
  size_t line_internal_adjusted_price = line.field_index("internalCurrencyAdjustedPrice");
};

const Fields& fields() {
  static const Fields instance;
  return instance;
}

constexpr int64_t kRecurringService = 7;
constexpr int64_t kCustomer = 1;
constexpr int64_t kActive = 1;

// The seed keys that are not entity fields.
constexpr std::string_view kUnitsKey = "units";
constexpr std::string_view kUnitHistoryKey = "unitHistory";
constexpr std::string_view kUserDefinedFieldsKey = "userDefinedFields";

HttpError business_error(std::string message) { return HttpError(500, std::move(message)); }

HttpError reference_error(std::string_view field, std::string_view entity_singular) {
  // Autotask's wording (Autotask's REST API documentation).
  return business_error("Reference value on field: " + std::string(field) + " of type: " +
                        std::string(entity_singular) + " does not exist or is invalid.");
}

HttpError missing_field(std::string_view field) {
  return business_error("Missing Required Field: " + std::string(field));
}

std::string describe_json(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : json::serialize(value);
}

std::string_view type_name_for_message(FieldType type) {
  switch (type) {
    case FieldType::kInteger:
      return "Int32";
    case FieldType::kLong:
      return "Int64";
    case FieldType::kDouble:
      return "Double";
    case FieldType::kBoolean:
      return "Boolean";
    case FieldType::kDateTime:
      return "DateTime";
    case FieldType::kString:
      break;
  }
  return "String";
}

int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool picklist_allows(const FieldDef& def, const StoredValue& value) {
  if (def.picklist.empty() || std::holds_alternative<std::monostate>(value)) return true;
  const int64_t wanted = std::get<int64_t>(value);
  return std::any_of(def.picklist.begin(), def.picklist.end(),
                     [wanted](const PicklistValue& entry) { return entry.value == wanted; });
}

std::vector<UserDefinedField> parse_udfs(const json::value& value, std::string_view where) {
  std::vector<UserDefinedField> udfs;
  if (value.is_null()) return udfs;
  if (!value.is_array())
    throw SeedError(std::string(where) + ": userDefinedFields must be an array");
  for (const json::value& item : value.get_array()) {
    const json::object* object = item.if_object();
    const json::value* name = object ? find_member_any_case(*object, "name") : nullptr;
    const json::value* udf_value = object ? find_member_any_case(*object, "value") : nullptr;
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
      throw SeedError(std::string(where) + ": each user-defined field needs a name");
    }
    UserDefinedField udf{std::string(name->get_string()), std::nullopt};
    if (udf_value != nullptr && !udf_value->is_null()) udf.value = describe_json(*udf_value);
    udfs.push_back(std::move(udf));
  }
  return udfs;
}

void merge_udfs(std::vector<UserDefinedField>& into, std::vector<UserDefinedField> changes) {
  for (UserDefinedField& change : changes) {
    auto existing = std::find_if(into.begin(), into.end(), [&](const UserDefinedField& udf) {
      return equals_ignore_case(udf.name, change.name);
    });
    if (existing != into.end()) {
      existing->value = std::move(change.value);
    } else {
      into.push_back(std::move(change));
    }
  }
}

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

void default_value(Record& record, size_t field, StoredValue value) {
  if (std::holds_alternative<std::monostate>(record.values[field])) {
    record.values[field] = std::move(value);
  }
}

int64_t period_months(std::optional<int64_t> period_type) {
  switch (period_type.value_or(1)) {
    case 2:
      return 3;
    case 3:
      return 6;
    case 4:
      return 12;
    default:
      return 1;
  }
}

const json::value* member_any_case(const json::object& object, std::string_view name) {
  return find_member_any_case(object, name);
}

std::optional<int64_t> body_integer(const json::object& body, const FieldDef& def) {
  const json::value* value = member_any_case(body, def.name);
  if (value == nullptr || value->is_null()) return std::nullopt;
  auto stored = from_wire(def, *value);
  if (!stored) {
    throw business_error("Unable to convert value '" + describe_json(*value) + "' for field " +
                         def.name + " to " + std::string(type_name_for_message(def.type)) + ".");
  }
  return std::get<int64_t>(*stored);
}

std::optional<double> body_double(const json::object& body, const FieldDef& def) {
  const json::value* value = member_any_case(body, def.name);
  if (value == nullptr || value->is_null()) return std::nullopt;
  auto stored = from_wire(def, *value);
  if (!stored) {
    throw business_error("Unable to convert value '" + describe_json(*value) + "' for field " +
                         def.name + " to Double.");
  }
  return std::get<double>(*stored);
}

// Autotask's text starts "effectiveDate must be between" (Autotask's REST API documentation).
HttpError outside_contract_error(Day start, Day end, int64_t contract_id) {
  return business_error("effectiveDate must be between " + format_date(start) + " and " +
                        format_date(end) + ", the dates of contract " +
                        std::to_string(contract_id) + ".");
}

}  // namespace

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
// Rows and tables

Record::Record(const EntitySchema& schema)
    : values(schema.fields.size()), has_user_defined_fields(schema.has_user_defined_fields) {}

std::optional<int64_t> Record::integer(size_t field) const {
  if (const auto* value = std::get_if<int64_t>(&values[field])) return *value;
  return std::nullopt;
}

std::optional<double> Record::number(size_t field) const {
  if (const auto* value = std::get_if<double>(&values[field])) return *value;
  if (const auto* value = std::get_if<int64_t>(&values[field])) return static_cast<double>(*value);
  return std::nullopt;
}

void RecordTable::scan(int64_t after_id, const std::optional<EqualityHint>& /*hint*/,
                       const std::function<bool(const Row&)>& visit) const {
  for (auto it = rows_.upper_bound(after_id); it != rows_.end(); ++it) {
    if (!visit(it->second)) return;
  }
}

const Record* RecordTable::find(int64_t id) const {
  auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second;
}

Record* RecordTable::find_mutable(int64_t id) {
  auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second;
}

Record& RecordTable::insert(Record record) {
  const int64_t id = record.id();
  auto [it, inserted] = rows_.emplace(id, std::move(record));
  if (!inserted) throw SeedError(schema_->name + " id " + std::to_string(id) + " appears twice");
  return it->second;
}

FieldValue UnitRow::value(size_t field) const {
  switch (field) {
    case unit_field::kId:
      return row_id;
    case unit_field::kContractID:
      return contract_id;
    case unit_field::kContractServiceID:
      return contract_service_id;
    case unit_field::kServiceID:
      return service_id;
    case unit_field::kVendorCompanyID:
      if (vendor_company_id >= 0) return vendor_company_id;
      return std::monostate{};
    case unit_field::kStartDate:
      return start_of_day(start);
    case unit_field::kEndDate:
      return start_of_day(end);
    case unit_field::kUnits:
      return units;
    case unit_field::kPrice:
    case unit_field::kInternalCurrencyPrice:
      return price;
    case unit_field::kCost:
      return cost;
    default:
      // approveAndPostDate and organizationalLevelAssociationID: nothing is ever posted here.
      return std::monostate{};
  }
}

void UnitTable::scan(int64_t after_id, const std::optional<EqualityHint>& hint,
                     const std::function<bool(const Row&)>& visit) const {
  if (hint && hint->field == unit_field::kContractServiceID) {
    // rows_ is in id order, so visiting the matching indexes in ascending order keeps the
    // scan's id order across several contract services.
    std::vector<size_t> indexes;
    for (int64_t value : hint->values) {
      auto it = by_contract_service_.find(value);
      if (it != by_contract_service_.end()) {
        indexes.insert(indexes.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    for (size_t index : indexes) {
      if (rows_[index].row_id > after_id && !visit(rows_[index])) return;
    }
    return;
  }
  auto first = std::upper_bound(rows_.begin(), rows_.end(), after_id,
                                [](int64_t id, const UnitRow& row) { return id < row.row_id; });
  for (auto it = first; it != rows_.end(); ++it) {
    if (!visit(*it)) return;
  }
}

const UnitRow* UnitTable::find(int64_t id) const {
  auto it =
      std::lower_bound(rows_.begin(), rows_.end(), id,
                       [](const UnitRow& row, int64_t wanted) { return row.row_id < wanted; });
  return it != rows_.end() && it->row_id == id ? &*it : nullptr;
}

void UnitTable::append(UnitRow row) {
  row.row_id = next_id_++;
  by_contract_service_[row.contract_service_id].push_back(rows_.size());
  rows_.push_back(row);
}

std::vector<UnitRow*> UnitTable::rows_of(int64_t contract_service_id) {
  std::vector<UnitRow*> rows;
  auto it = by_contract_service_.find(contract_service_id);
  if (it == by_contract_service_.end()) return rows;
  for (size_t index : it->second) rows.push_back(&rows_[index]);
  std::sort(rows.begin(), rows.end(),
            [](const UnitRow* a, const UnitRow* b) { return a->start < b->start; });
  return rows;
}

std::vector<const UnitRow*> UnitTable::rows_of(int64_t contract_service_id) const {
  std::vector<const UnitRow*> rows;
  auto it = by_contract_service_.find(contract_service_id);
  if (it == by_contract_service_.end()) return rows;
  for (size_t index : it->second) rows.push_back(&rows_[index]);
  std::sort(rows.begin(), rows.end(),
            [](const UnitRow* a, const UnitRow* b) { return a->start < b->start; });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Loading a seed

Tenant::Tenant()
    : companies_(companies_schema()),
      services_(services_schema()),
      contracts_(contracts_schema()),
      contract_services_(contract_services_schema()) {}

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
                                                       "zoneName", "ci"};
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
    for (size_t index = 0; index < schema.fields.size(); ++index) {
      const FieldDef& def = schema.fields[index];
      const auto value = record.integer(index);
      if (def.reference.empty() || !value) continue;
      const EntitySchema* referenced = find_schema(def.reference);
      const RowSource* referenced_rows = referenced != nullptr ? source(*referenced) : nullptr;
      if (referenced_rows == nullptr || referenced_rows->find(*value) == nullptr) {
        throw SeedError(schema.name + " " + std::to_string(id) + ": " + def.name + " " +
                        std::to_string(*value) + " does not exist");
      }
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

// ---------------------------------------------------------------------------------------------
// Shared rules

RecordTable& Tenant::table(const EntitySchema& schema) {
  const Fields& f = fields();
  if (&schema == &f.company) return companies_;
  if (&schema == &f.service) return services_;
  if (&schema == &f.contract) return contracts_;
  if (&schema == &f.line) return contract_services_;
  throw std::logic_error(schema.name + " is not stored as records");
}

const RecordTable& Tenant::table(const EntitySchema& schema) const {
  const Fields& f = fields();
  if (&schema == &f.company) return companies_;
  if (&schema == &f.service) return services_;
  if (&schema == &f.contract) return contracts_;
  if (&schema == &f.line) return contract_services_;
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
  for (size_t index = 0; index < schema.fields.size(); ++index) {
    const FieldDef& def = schema.fields[index];
    const auto value = record.integer(index);
    if (def.reference.empty() || !value) continue;
    const EntitySchema* referenced = find_schema(def.reference);
    const RowSource* referenced_rows = referenced != nullptr ? source(*referenced) : nullptr;
    if (referenced_rows == nullptr || referenced_rows->find(*value) == nullptr) {
      throw reference_error(def.name, referenced ? referenced->singular : def.reference);
    }
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
      {"adjustments", std::move(adjustments)}, {"unitRowCount", units_.size()}};
}

}  // namespace mb::sim::autotask
