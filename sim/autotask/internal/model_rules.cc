#include "sim/autotask/internal/model_rules.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

#include "sim/core/seed.h"

namespace mb::sim::autotask::model_rules {

namespace json = boost::json;

const Fields& fields() {
  static const Fields instance;
  return instance;
}

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

HttpError outside_contract_error(Day start, Day end, int64_t contract_id) {
  return business_error("effectiveDate must be between " + format_date(start) + " and " +
                        format_date(end) + ", the dates of contract " +
                        std::to_string(contract_id) + ".");
}

}  // namespace mb::sim::autotask::model_rules
