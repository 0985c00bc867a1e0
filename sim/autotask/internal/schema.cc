#include "sim/autotask/internal/schema.h"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "sim/autotask/internal/dates.h"
#include "sim/core/http_types.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

constexpr unsigned kRequired = 1;
constexpr unsigned kReadOnly = 2;

using enum FieldType;

FieldDef field(std::string name, FieldType type, unsigned flags = 0, std::string reference = {},
               std::vector<PicklistValue> picklist = {}) {
  FieldDef def;
  def.name = std::move(name);
  def.type = type;
  def.required = (flags & kRequired) != 0;
  def.read_only = (flags & kReadOnly) != 0;
  def.reference = std::move(reference);
  def.picklist = std::move(picklist);
  return def;
}

// Picklist values are per tenant in Autotask; these are the ones integrations commonly assume
// (contractType 7 = Recurring Service, status 1 = Active, companyType 1 = Customer). Clients
// that read entityInformation/fields see exactly these.
std::vector<PicklistValue> company_types() {
  return {{1, "Customer"},     {2, "Lead"},   {3, "Prospect"}, {4, "Dead"},
          {6, "Cancellation"}, {7, "Vendor"}, {8, "Partner"}};
}
std::vector<PicklistValue> contract_types() {
  return {{1, "Time & Materials"}, {3, "Fixed Price"},       {4, "Block Hours"},
          {6, "Retainer"},         {7, "Recurring Service"}, {8, "Per Ticket"}};
}
std::vector<PicklistValue> contract_statuses() { return {{0, "Inactive"}, {1, "Active"}}; }
std::vector<PicklistValue> period_types() {
  return {{1, "Monthly"}, {2, "Quarterly"}, {3, "Semi-Annual"}, {4, "Yearly"}};
}
std::vector<PicklistValue> contract_categories() {
  return {{1, "Standard"}, {2, "Managed Services"}};
}

EntitySchema make_companies() {
  EntitySchema s;
  s.name = "Companies";
  s.singular = "Company";
  s.has_user_defined_fields = true;
  s.can_create = s.can_update = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("additionalAddressInformation", kString),
      field("address1", kString),
      field("address2", kString),
      field("alternatePhone1", kString),
      field("alternatePhone2", kString),
      field("apiVendorID", kInteger, kReadOnly),
      field("assetValue", kDouble),
      field("billToCompanyLocationID", kInteger),
      field("billToAdditionalAddressInformation", kString),
      field("billingAddress1", kString),
      field("billingAddress2", kString),
      field("billToAddressToUse", kInteger),
      field("billToAttention", kString),
      field("billToCity", kString),
      field("billToCountryID", kInteger),
      field("billToState", kString),
      field("billToZipCode", kString),
      field("city", kString),
      field("classification", kInteger),
      field("companyName", kString, kRequired),
      field("companyNumber", kString),
      field("companyType", kInteger, kRequired, {}, company_types()),
      field("competitorID", kInteger),
      field("countryID", kInteger),
      field("createDate", kDateTime, kReadOnly),
      field("createdByResourceID", kInteger, kReadOnly),
      field("currencyID", kInteger),
      field("fax", kString),
      field("impersonatorCreatorResourceID", kInteger, kReadOnly),
      field("invoiceEmailMessageID", kInteger),
      field("invoiceMethod", kInteger),
      field("invoiceNonContractItemsToParentCompany", kBoolean),
      field("invoiceTemplateID", kInteger),
      field("isActive", kBoolean),
      field("isClientPortalActive", kBoolean, kReadOnly),
      field("isEnabledForComanaged", kBoolean),
      field("isTaskFireActive", kBoolean, kReadOnly),
      field("isTaxExempt", kBoolean),
      field("lastActivityDate", kDateTime, kReadOnly),
      field("lastTrackedModifiedDateTime", kDateTime, kReadOnly),
      field("marketSegmentID", kInteger),
      field("ownerResourceID", kInteger, kRequired),
      field("parentCompanyID", kInteger, 0, "Companies"),
      field("phone", kString, kRequired),
      field("postalCode", kString),
      field("quoteEmailMessageID", kInteger),
      field("quoteTemplateID", kInteger),
      field("sicCode", kString),
      field("state", kString),
      field("stockMarket", kString),
      field("stockSymbol", kString),
      field("surveyCompanyRating", kDouble, kReadOnly),
      field("taxID", kString),
      field("taxRegionID", kInteger),
      field("territoryID", kInteger),
      field("webAddress", kString),
  };
  return s;
}

EntitySchema make_services() {
  EntitySchema s;
  s.name = "Services";
  s.singular = "Service";
  s.has_user_defined_fields = true;
  s.can_create = s.can_update = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("billingCodeID", kInteger, kRequired),
      field("catalogNumberPartNumber", kString),
      field("createDate", kDateTime, kReadOnly),
      field("creatorResourceID", kInteger, kReadOnly),
      field("description", kString),
      field("externalID", kString),
      field("invoiceDescription", kString),
      field("isActive", kBoolean),
      field("lastModifiedDate", kDateTime, kReadOnly),
      field("manufacturerServiceProviderProductNumber", kString),
      field("markupRate", kDouble),
      field("name", kString, kRequired),
      field("periodType", kInteger, kRequired, {}, period_types()),
      field("serviceLevelAgreementID", kLong),
      field("sku", kString),
      field("unitCost", kDouble),
      field("unitPrice", kDouble, kRequired),
      field("updateResourceID", kInteger, kReadOnly),
      field("vendorCompanyID", kInteger, 0, "Companies"),
  };
  return s;
}

EntitySchema make_contracts() {
  EntitySchema s;
  s.name = "Contracts";
  s.singular = "Contract";
  s.has_user_defined_fields = true;
  s.can_create = s.can_update = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("billingPreference", kInteger),
      field("billToCompanyContactID", kInteger),
      field("billToCompanyID", kInteger, 0, "Companies"),
      field("companyID", kInteger, kRequired, "Companies"),
      field("contactID", kInteger),
      field("contactName", kString),
      field("contractCategory", kInteger, 0, {}, contract_categories()),
      field("contractExclusionSetID", kInteger),
      field("contractName", kString, kRequired),
      field("contractNumber", kString),
      field("contractPeriodType", kInteger, 0, {}, period_types()),
      field("contractType", kInteger, kRequired, {}, contract_types()),
      field("description", kString),
      field("endDate", kDateTime, kRequired),
      field("estimatedCost", kDouble),
      field("estimatedHours", kDouble),
      field("estimatedRevenue", kDouble),
      field("exclusionContractID", kLong),
      field("internalCurrencyOverageBillingRate", kDouble),
      field("internalCurrencySetupFee", kDouble),
      field("isCompliant", kBoolean, kReadOnly),
      field("isDefaultContract", kBoolean),
      field("opportunityID", kInteger),
      field("organizationalLevelAssociationID", kInteger),
      field("overageBillingRate", kDouble),
      field("purchaseOrderNumber", kString),
      field("renewedContractID", kLong),
      field("serviceLevelAgreementID", kInteger),
      field("setupFee", kDouble),
      field("setupFeeBillingCodeID", kLong),
      field("startDate", kDateTime, kRequired),
      field("status", kInteger, kRequired, {}, contract_statuses()),
      field("timeReportingRequiresStartAndStopTimes", kInteger),
  };
  return s;
}

EntitySchema make_contract_services() {
  EntitySchema s;
  s.name = "ContractServices";
  s.singular = "ContractService";
  // Written only through Contracts/{parentId}/Services; the flags describe that child route.
  s.can_create = s.can_update = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("contractID", kInteger, kRequired, "Contracts"),
      field("internalCurrencyAdjustedPrice", kDouble, kReadOnly),
      field("internalCurrencyUnitPrice", kDouble, kReadOnly),
      field("internalDescription", kString),
      field("invoiceDescription", kString),
      field("quoteItemID", kLong),
      field("serviceID", kInteger, kRequired, "Services"),
      field("unitCost", kDouble),
      field("unitPrice", kDouble),
  };
  return s;
}

EntitySchema make_contract_service_units() {
  EntitySchema s;
  s.name = "ContractServiceUnits";
  s.singular = "ContractServiceUnit";
  // Order must match unit_field.
  s.fields = {
      field("id", kLong, kReadOnly),
      field("approveAndPostDate", kDateTime, kReadOnly),
      field("contractID", kInteger, kReadOnly, "Contracts"),
      field("contractServiceID", kInteger, kReadOnly, "ContractServices"),
      field("cost", kDouble, kReadOnly),
      field("endDate", kDateTime, kReadOnly),
      field("internalCurrencyPrice", kDouble, kReadOnly),
      field("organizationalLevelAssociationID", kInteger, kReadOnly),
      field("price", kDouble, kReadOnly),
      field("serviceID", kInteger, kReadOnly, "Services"),
      field("startDate", kDateTime, kReadOnly),
      field("units", kInteger, kReadOnly),
      field("vendorCompanyID", kInteger, kReadOnly, "Companies"),
  };
  return s;
}

EntitySchema make_contract_service_adjustments() {
  EntitySchema s;
  s.name = "ContractServiceAdjustments";
  s.singular = "ContractServiceAdjustment";
  s.can_query = false;  // create-only: never queried, updated or deleted
  s.can_create = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("adjustedUnitCost", kDouble),
      field("adjustedUnitPrice", kDouble),
      field("allowRepeatService", kBoolean),
      field("contractID", kInteger, 0, "Contracts"),
      field("contractServiceID", kInteger, 0, "ContractServices"),
      field("effectiveDate", kDateTime, kRequired),
      field("quoteItemID", kInteger),
      field("serviceID", kInteger, 0, "Services"),
      field("unitChange", kInteger, kRequired),
  };
  return s;
}

std::optional<int64_t> parse_integer_text(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> parse_double_text(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> integer_of(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    if (value.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    const double d = value.get_double();
    // 9.2e18 is the largest double below 2^63, so the cast below cannot overflow.
    if (std::trunc(d) != d || std::fabs(d) > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  if (value.is_string()) return parse_integer_text(value.get_string());
  return std::nullopt;
}

std::string number_text(const json::value& value) {
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  return json::serialize(value);
}

void append_wire_json(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(member.key()));
        out += ':';
        append_wire_json(member.value(), out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_wire_json(element, out);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      char text[64];
      auto [end, ec] = std::to_chars(text, text + sizeof text, value.get_double());
      std::string_view number(text, ec == std::errc() ? static_cast<size_t>(end - text) : 0);
      if (number.empty() || !std::isfinite(value.get_double())) {
        out += json::serialize(value);
        return;
      }
      out += number;
      // Keep it recognisably a decimal number, as .NET writes 12.0.
      if (number.find_first_of(".e") == std::string_view::npos) out += ".0";
      return;
    }
    default:
      out += json::serialize(value);
      return;
  }
}

}  // namespace

std::string serialize_wire_json(const json::value& value) {
  std::string out;
  append_wire_json(value, out);
  return out;
}

std::optional<size_t> EntitySchema::find_field(std::string_view field_name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (equals_ignore_case(fields[i].name, field_name)) return i;
  }
  return std::nullopt;
}

size_t EntitySchema::field_index(std::string_view exact_name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == exact_name) return i;
  }
  throw std::logic_error(name + " has no field " + std::string(exact_name));
}

FieldValue view_of(const StoredValue& value) {
  return std::visit(
      [](const auto& held) -> FieldValue {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return std::string_view(held);
        } else {
          return held;
        }
      },
      value);
}

const EntitySchema& companies_schema() {
  static const EntitySchema schema = make_companies();
  return schema;
}
const EntitySchema& services_schema() {
  static const EntitySchema schema = make_services();
  return schema;
}
const EntitySchema& contracts_schema() {
  static const EntitySchema schema = make_contracts();
  return schema;
}
const EntitySchema& contract_services_schema() {
  static const EntitySchema schema = make_contract_services();
  return schema;
}
const EntitySchema& contract_service_units_schema() {
  static const EntitySchema schema = make_contract_service_units();
  return schema;
}
const EntitySchema& contract_service_adjustments_schema() {
  static const EntitySchema schema = make_contract_service_adjustments();
  return schema;
}

const std::vector<const EntitySchema*>& all_schemas() {
  static const std::vector<const EntitySchema*> schemas = {&companies_schema(),
                                                           &services_schema(),
                                                           &contracts_schema(),
                                                           &contract_services_schema(),
                                                           &contract_service_units_schema(),
                                                           &contract_service_adjustments_schema()};
  return schemas;
}

const EntitySchema* find_schema(std::string_view entity_name) {
  for (const EntitySchema* schema : all_schemas()) {
    if (equals_ignore_case(schema->name, entity_name)) return schema;
  }
  return nullptr;
}

std::string_view data_type_name(FieldType type) {
  switch (type) {
    case kInteger:
      return "integer";
    case kLong:
      return "long";
    case kDouble:
      return "double";
    case kBoolean:
      return "boolean";
    case kString:
      return "string";
    case kDateTime:
      return "datetime";
  }
  return "string";
}

json::value to_wire(const FieldDef& def, const FieldValue& value) {
  return std::visit(
      [&def](const auto& held) -> json::value {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, std::string_view>) {
          return json::string(held);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          if (def.type == kDateTime) return json::string(format_iso_datetime(held));
          return held;
        } else {
          return held;
        }
      },
      value);
}

std::optional<StoredValue> from_wire(const FieldDef& def, const json::value& value) {
  if (value.is_null()) return StoredValue{};
  switch (def.type) {
    case kInteger:
    case kLong: {
      auto integer = integer_of(value);
      if (!integer) return std::nullopt;
      if (def.type == kInteger && (*integer < std::numeric_limits<int32_t>::min() ||
                                   *integer > std::numeric_limits<int32_t>::max())) {
        return std::nullopt;
      }
      return StoredValue{*integer};
    }
    case kDouble:
      if (value.is_number()) return StoredValue{value.to_number<double>()};
      if (value.is_string()) {
        auto parsed = parse_double_text(value.get_string());
        if (parsed) return StoredValue{*parsed};
      }
      return std::nullopt;
    case kBoolean:
      if (value.is_bool()) return StoredValue{value.get_bool()};
      return std::nullopt;
    case kString:
      if (value.is_string()) return StoredValue{std::string(value.get_string())};
      if (value.is_number()) return StoredValue{number_text(value)};
      if (value.is_bool()) return StoredValue{std::string(value.get_bool() ? "true" : "false")};
      return std::nullopt;
    case kDateTime:
      if (value.is_string()) {
        auto millis = parse_iso_datetime(value.get_string());
        if (millis) return StoredValue{*millis};
      }
      return std::nullopt;
  }
  return std::nullopt;
}

json::object row_to_wire(const EntitySchema& schema, const Row& row,
                         const std::vector<size_t>* include) {
  json::object object;
  if (include != nullptr) {
    for (size_t index : *include) {
      object[schema.fields[index].name] = to_wire(schema.fields[index], row.value(index));
    }
  } else {
    for (size_t index = 0; index < schema.fields.size(); ++index) {
      object[schema.fields[index].name] = to_wire(schema.fields[index], row.value(index));
    }
  }
  if (schema.has_user_defined_fields) {
    json::array udfs;
    if (const auto* fields = row.user_defined_fields()) {
      for (const UserDefinedField& udf : *fields) {
        json::value value = nullptr;
        if (udf.value) value = json::string(*udf.value);
        udfs.push_back(json::object{{"name", udf.name}, {"value", std::move(value)}});
      }
    }
    object["userDefinedFields"] = std::move(udfs);
  }
  return object;
}

json::object entity_information(const EntitySchema& schema) {
  auto access = [](bool allowed) { return allowed ? "All" : "None"; };
  return json::object{
      {"info", json::object{{"name", schema.singular},
                            {"canCreate", schema.can_create},
                            {"canDelete", false},
                            {"canQuery", schema.can_query},
                            {"canUpdate", schema.can_update},
                            {"userAccessForCreate", access(schema.can_create)},
                            {"userAccessForDelete", access(false)},
                            {"userAccessForQuery", access(schema.can_query)},
                            {"userAccessForUpdate", access(schema.can_update)},
                            {"hasUserDefinedFields", schema.has_user_defined_fields},
                            {"supportsWebhookCallouts", false}}}};
}

json::object field_information(const EntitySchema& schema) {
  json::array fields;
  for (const FieldDef& def : schema.fields) {
    json::value picklist = nullptr;
    if (!def.picklist.empty()) {
      json::array values;
      int sort_order = 0;
      for (const PicklistValue& entry : def.picklist) {
        values.push_back(json::object{{"value", std::to_string(entry.value)},
                                      {"label", entry.label},
                                      {"isDefaultValue", false},
                                      {"sortOrder", sort_order++},
                                      {"parentValue", ""},
                                      {"isActive", true},
                                      {"isSystem", true}});
      }
      picklist = std::move(values);
    }
    std::string reference_type;
    if (const EntitySchema* referenced =
            def.reference.empty() ? nullptr : find_schema(def.reference)) {
      reference_type = referenced->singular;
    }
    fields.push_back(json::object{
        {"name", def.name},
        {"dataType", data_type_name(def.type)},
        {"length", def.type == kString ? 100 : 0},
        {"isRequired", def.required},
        {"isReadOnly", def.read_only},
        {"isQueryable", schema.can_query},
        {"isReference", !def.reference.empty()},
        {"referenceEntityType", reference_type},
        {"isPickList", !def.picklist.empty()},
        {"picklistValues", std::move(picklist)},
        {"picklistParentValueField", ""},
        {"isSupportedWebhookField", false},
    });
  }
  return json::object{{"fields", std::move(fields)}};
}

}  // namespace mb::sim::autotask
