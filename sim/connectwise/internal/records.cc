#include "sim/connectwise/internal/records.h"

#include <boost/json.hpp>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>

#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/http_types.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

json::object named_reference(int64_t id, std::string_view name) {
  return json::object{{"id", id}, {"name", name}, {"_info", json::object{}}};
}

json::object seed_info() {
  return json::object{{"lastUpdated", kSeedTimestamp},
                      {"updatedBy", "Admin"},
                      {"dateEntered", kSeedTimestamp},
                      {"enteredBy", "Admin"}};
}

[[noreturn]] void fail(Entity entity, std::string code, std::string message, std::string field) {
  throw RecordError(ValidationError{std::move(code), std::move(message),
                                    std::string(entity_resource(entity)), std::move(field)});
}

[[noreturn]] void fail_required(Entity entity, std::string_view field) {
  fail(entity, "NullValue", "The " + std::string(field) + " field is required.",
       std::string(field));
}

const json::value* find_member(const json::object& record, std::string_view name) {
  if (const json::value* value = record.if_contains(name)) return value;
  for (const auto& [key, value] : record) {
    if (equals_ignore_case(key, name)) return &value;
  }
  return nullptr;
}

// The record with canonical member names in the model's order, every value checked against its
// type, nulls dropped. Unknown members are refused so a typo in a seed cannot go unnoticed.
json::object canonical_record(Entity entity, const json::object& record) {
  for (const auto& [key, value] : record) {
    if (find_field(entity, key) == nullptr) {
      fail(entity, "InvalidField",
           "'" + std::string(key) + "' is not a field of " + std::string(entity_resource(entity)),
           std::string(key));
    }
  }
  json::object canonical;
  for (const FieldSpec& field : entity_fields(entity)) {
    const json::value* value = find_member(record, field.name);
    if (value == nullptr) continue;
    json::value copy = *value;
    if (normalize_member(entity, field, copy)) canonical.emplace(field.name, std::move(copy));
  }
  return canonical;
}

// Puts the members back in the model's order after defaults were added at the end.
void reorder(Entity entity, json::object& record) {
  json::object ordered;
  ordered.reserve(record.size());
  for (const FieldSpec& field : entity_fields(entity)) {
    if (json::value* value = record.if_contains(field.name))
      ordered.emplace(field.name, std::move(*value));
  }
  record = std::move(ordered);
}

void set_default(json::object& record, std::string_view name, json::value value) {
  if (!record.contains(name)) record.emplace(name, std::move(value));
}

std::string required_string(Entity entity, const json::object& record, std::string_view name) {
  const json::value* value = record.if_contains(name);
  if (value == nullptr || value->get_string().empty()) fail_required(entity, name);
  return std::string(value->get_string());
}

// Enum members: the .NET platform parses them ignoring case and writes them canonically.
void canonical_enum(Entity entity, json::object& record, std::string_view name,
                    std::initializer_list<std::string_view> allowed) {
  json::value* value = record.if_contains(name);
  if (value == nullptr) return;
  for (std::string_view candidate : allowed) {
    if (equals_ignore_case(value->get_string(), candidate)) {
      *value = candidate;
      return;
    }
  }
  std::string list;
  for (std::string_view candidate : allowed)
    list += (list.empty() ? "" : ", ") + std::string(candidate);
  fail(entity, "InvalidField",
       "'" + std::string(value->get_string()) + "' is not a valid " + std::string(name) +
           "; expected one of " + list,
       std::string(name));
}

// A reference given by id or identifier, looked up in `table`. The identifier compares
// ignoring case, as the platform's lookups do.
const json::object* resolve_reference(Entity entity, const json::object& record,
                                      std::string_view name, const RecordTable& table,
                                      std::string_view target) {
  const json::value* reference = record.if_contains(name);
  if (reference == nullptr) fail_required(entity, name);
  const json::object& given = reference->get_object();
  if (const json::value* id = given.if_contains("id")) {
    auto it = id->is_int64() ? table.find(id->get_int64()) : table.end();
    if (it == table.end()) {
      fail(entity, "NotFound", std::string(target) + " " + json::serialize(*id) + " not found",
           std::string(name) + "/id");
    }
    return &it->second;
  }
  if (const json::value* identifier = given.if_contains("identifier");
      identifier && identifier->is_string()) {
    for (const auto& [id, candidate] : table) {
      const json::value* candidate_identifier = candidate.if_contains("identifier");
      if (candidate_identifier &&
          equals_ignore_case(candidate_identifier->get_string(), identifier->get_string())) {
        return &candidate;
      }
    }
    fail(entity, "NotFound",
         std::string(target) + " '" + std::string(identifier->get_string()) + "' not found",
         std::string(name) + "/identifier");
  }
  fail_required(entity, std::string(name) + "/id");
}

double decimal_or(const json::object& record, std::string_view name, double fallback) {
  const json::value* value = record.if_contains(name);
  return value != nullptr && value->is_double() ? value->get_double() : fallback;
}

}  // namespace

bool normalize_member(Entity entity, const FieldSpec& field, json::value& value) {
  if (value.is_null()) return false;
  const std::string name(field.name);
  auto wrong_type = [&](std::string_view expected) {
    fail(entity, "InvalidField", "The field " + name + " must be " + std::string(expected) + ".",
         name);
  };
  switch (field.type) {
    case FieldType::kString:
      if (!value.is_string()) wrong_type("a string");
      break;
    case FieldType::kInteger: {
      std::optional<int64_t> integer;
      if (value.is_int64()) integer = value.get_int64();
      if (value.is_uint64() && value.get_uint64() <= std::numeric_limits<int32_t>::max()) {
        integer = static_cast<int64_t>(value.get_uint64());
      }
      if (value.is_double() && std::floor(value.get_double()) == value.get_double() &&
          std::fabs(value.get_double()) <= std::numeric_limits<int32_t>::max()) {
        integer = static_cast<int64_t>(value.get_double());
      }
      if (!integer || *integer > std::numeric_limits<int32_t>::max() ||
          *integer < std::numeric_limits<int32_t>::min()) {
        wrong_type("a 32-bit integer");
      }
      value = *integer;
      break;
    }
    case FieldType::kDecimal:
      if (value.is_int64()) {
        value = static_cast<double>(value.get_int64());
      } else if (value.is_uint64()) {
        value = static_cast<double>(value.get_uint64());
      } else if (!value.is_double()) {
        wrong_type("a number");
      }
      break;
    case FieldType::kBoolean:
      if (!value.is_bool()) wrong_type("true or false");
      break;
    case FieldType::kDateTime: {
      const std::optional<int64_t> time =
          value.is_string() ? parse_timestamp(value.get_string()) : std::nullopt;
      if (!time) wrong_type("a date-time such as 2025-01-01T00:00:00Z");
      value = format_timestamp(*time);
      break;
    }
    case FieldType::kReference:
      if (!value.is_object()) wrong_type("an object such as {\"id\": 1}");
      if (!value.get_object().contains("_info"))
        value.get_object().emplace("_info", json::object{});
      break;
    case FieldType::kReferenceArray:
      if (!value.is_array()) wrong_type("an array");
      for (json::value& element : value.get_array()) {
        if (!element.is_object()) wrong_type("an array of objects");
        if (!element.get_object().contains("_info"))
          element.get_object().emplace("_info", json::object{});
      }
      break;
    case FieldType::kStringArray:
      if (!value.is_array()) wrong_type("an array");
      for (const json::value& element : value.get_array()) {
        if (!element.is_string()) wrong_type("an array of strings");
      }
      break;
    case FieldType::kCustomFieldArray:
      if (!value.is_array()) wrong_type("an array");
      for (const json::value& element : value.get_array()) {
        if (!element.is_object()) wrong_type("an array of custom field objects");
      }
      break;
    case FieldType::kInfo:
      if (!value.is_object()) wrong_type("an object");
      break;
    case FieldType::kAny:
      break;
  }
  return true;
}

void complete_company(json::object& company) {
  constexpr Entity kEntity = Entity::kCompany;
  company = canonical_record(kEntity, company);
  required_string(kEntity, company, "identifier");
  required_string(kEntity, company, "name");
  set_default(company, "status", named_reference(1, "Active"));
  set_default(company, "types", json::array{named_reference(1, "Client")});
  set_default(company, "leadFlag", false);
  set_default(company, "unsubscribeFlag", false);
  set_default(company, "deletedFlag", false);
  set_default(company, "isVendorFlag", false);
  set_default(company, "_info", seed_info());
  reorder(kEntity, company);
}

void complete_catalog_item(json::object& item) {
  constexpr Entity kEntity = Entity::kCatalogItem;
  item = canonical_record(kEntity, item);
  required_string(kEntity, item, "identifier");
  const std::string description = required_string(kEntity, item, "description");
  canonical_enum(kEntity, item, "productClass",
                 {"Agreement", "Bundle", "Inventory", "NonInventory", "Service"});
  set_default(item, "inactiveFlag", false);
  set_default(item, "subcategory", named_reference(1, "Security"));
  set_default(item, "type", named_reference(1, "Subscription"));
  set_default(item, "productClass", "Service");
  set_default(item, "serializedFlag", false);
  set_default(item, "unitOfMeasure", named_reference(1, "Each"));
  set_default(item, "price", 0.0);
  set_default(item, "cost", 0.0);
  set_default(item, "taxableFlag", false);
  set_default(item, "customerDescription", json::string(description));
  set_default(item, "category", named_reference(1, "Managed Services"));
  set_default(item, "recurringFlag", false);
  set_default(item, "billableOption", "Billable");
  set_default(item, "_info", seed_info());
  reorder(kEntity, item);
}

void complete_agreement(json::object& agreement, const Dataset& data) {
  constexpr Entity kEntity = Entity::kAgreement;
  agreement = canonical_record(kEntity, agreement);
  required_string(kEntity, agreement, "name");
  const json::object& company =
      *resolve_reference(kEntity, agreement, "company", data.companies, "Company");
  agreement["company"] = json::object{{"id", company.at("id")},
                                      {"identifier", company.at("identifier")},
                                      {"name", company.at("name")},
                                      {"_info", json::object{}}};
  canonical_enum(kEntity, agreement, "agreementStatus",
                 {"Active", "Cancelled", "Expired", "Inactive"});
  const json::value* cancelled = agreement.if_contains("cancelledFlag");
  set_default(agreement, "agreementStatus",
              cancelled != nullptr && cancelled->get_bool() ? "Cancelled" : "Active");
  set_default(agreement, "cancelledFlag",
              agreement.at("agreementStatus").get_string() == "Cancelled");
  set_default(agreement, "type", named_reference(1, "Managed Services"));
  set_default(agreement, "startDate", kSeedTimestamp);
  set_default(agreement, "noEndingDateFlag", !agreement.contains("endDate"));
  set_default(agreement, "billingCycle", named_reference(1, "Monthly"));
  set_default(agreement, "_info", seed_info());
  reorder(kEntity, agreement);
}

void complete_addition(json::object& addition, const Dataset& data, AdditionDefaults defaults) {
  constexpr Entity kEntity = Entity::kAddition;
  addition = canonical_record(kEntity, addition);
  const json::value* agreement_id = addition.if_contains("agreementId");
  if (agreement_id == nullptr) fail_required(kEntity, "agreementId");
  auto agreement_it = data.agreements.find(agreement_id->get_int64());
  if (agreement_it == data.agreements.end()) {
    fail(kEntity, "NotFound",
         "Agreement " + std::to_string(agreement_id->get_int64()) + " not found", "agreementId");
  }
  const json::object& agreement = agreement_it->second;
  const json::object& product =
      *resolve_reference(kEntity, addition, "product", data.catalog, "Product");
  addition["product"] = json::object{{"id", product.at("id")},
                                     {"identifier", product.at("identifier")},
                                     {"_info", json::object{}}};
  if (!addition.contains("billCustomer")) {
    if (defaults == AdditionDefaults::kForCreate) fail_required(kEntity, "billCustomer");
    addition["billCustomer"] = "Billable";
  }
  canonical_enum(kEntity, addition, "billCustomer", {"Billable", "DoNotBill", "NoCharge"});

  set_default(addition, "quantity", 0.0);
  set_default(addition, "lessIncluded", 0.0);
  set_default(addition, "unitPrice", decimal_or(product, "price", 0.0));
  set_default(addition, "unitCost", decimal_or(product, "cost", 0.0));
  const json::value* start = agreement.if_contains("startDate");
  set_default(addition, "effectiveDate", start != nullptr ? *start : json::value(kSeedTimestamp));
  const json::value* taxable = product.if_contains("taxableFlag");
  set_default(addition, "taxableFlag", taxable != nullptr ? *taxable : json::value(false));
  set_default(addition, "purchaseItemFlag", false);
  set_default(addition, "specialOrderFlag", false);
  set_default(addition, "description", product.at("description"));
  const json::value* unit = product.if_contains("unitOfMeasure");
  set_default(addition, "uom",
              unit != nullptr && unit->get_object().contains("name") ? unit->get_object().at("name")
                                                                     : json::value("Each"));
  set_default(addition, "_info", seed_info());
  refresh_computed_addition_fields(addition, data);
}

void refresh_computed_addition_fields(json::object& addition, const Dataset& data) {
  auto agreement = data.agreements.find(addition.at("agreementId").get_int64());
  if (agreement != data.agreements.end()) {
    if (const json::value* status = agreement->second.if_contains("agreementStatus")) {
      addition["agreementStatus"] = *status;
    }
  }
  const json::value* quantity = addition.if_contains("quantity");
  const double units = quantity != nullptr && quantity->is_double() ? quantity->get_double() : 0.0;
  const double ext_price = units * decimal_or(addition, "unitPrice", 0.0);
  const double ext_cost = units * decimal_or(addition, "unitCost", 0.0);
  addition["extPrice"] = ext_price;
  addition["extCost"] = ext_cost;
  addition["margin"] = ext_price - ext_cost;
  reorder(Entity::kAddition, addition);
}

namespace {

// A member that must be a string of at most `limit` characters (UTF-8 code points).
void limit_length(Entity entity, const json::object& record, std::string_view name, size_t limit) {
  const json::value* value = record.if_contains(name);
  if (value == nullptr) return;
  const json::string& text = value->get_string();
  size_t code_points = 0;
  for (char c : text) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  if (code_points > limit) {
    fail(entity, "InvalidField",
         "The " + std::string(name) + " field is limited to " + std::to_string(limit) +
             " characters.",
         std::string(name));
  }
}

// A reference to a record of `table` by id, or by name (ignoring case) when no id is given;
// nullptr when the record has no such member.
const json::object* by_id_or_name(Entity entity, const json::object& record, std::string_view name,
                                  const RecordTable& table, std::string_view target,
                                  const std::function<bool(const json::object&)>& eligible) {
  const json::value* reference = record.if_contains(name);
  if (reference == nullptr) return nullptr;
  const json::object& given = reference->get_object();
  if (const json::value* id = given.if_contains("id")) {
    auto it = id->is_int64() ? table.find(id->get_int64()) : table.end();
    if (it == table.end() || !eligible(it->second)) {
      fail(entity, "InvalidField",
           std::string(target) + " " + json::serialize(*id) + " is not valid here",
           std::string(name) + "/id");
    }
    return &it->second;
  }
  if (const json::value* wanted = given.if_contains("name"); wanted && wanted->is_string()) {
    for (const auto& [id, candidate] : table) {
      const json::value* candidate_name = candidate.if_contains("name");
      if (candidate_name && eligible(candidate) &&
          equals_ignore_case(candidate_name->get_string(), wanted->get_string())) {
        return &candidate;
      }
    }
    fail(entity, "InvalidField",
         std::string(target) + " '" + std::string(wanted->get_string()) + "' is not valid here",
         std::string(name) + "/name");
  }
  fail_required(entity, std::string(name) + "/id");
}

json::object short_reference(const json::object& record) {
  return json::object{
      {"id", record.at("id")}, {"name", record.at("name")}, {"_info", json::object{}}};
}

int64_t board_of(const json::object& status) {
  return status.at("board").get_object().at("id").get_int64();
}

}  // namespace

void complete_board(json::object& board) {
  constexpr Entity kEntity = Entity::kBoard;
  board = canonical_record(kEntity, board);
  required_string(kEntity, board, "name");
  limit_length(kEntity, board, "name", 50);
  set_default(board, "location", named_reference(1, "Main"));
  set_default(board, "department", named_reference(1, "Services"));
  set_default(board, "inactiveFlag", false);
  set_default(board, "projectFlag", false);
  set_default(board, "_info", seed_info());
  reorder(kEntity, board);
}

void complete_board_status(json::object& status, const Dataset& data) {
  constexpr Entity kEntity = Entity::kBoardStatus;
  status = canonical_record(kEntity, status);
  required_string(kEntity, status, "name");
  limit_length(kEntity, status, "name", 50);
  const json::object& board = *resolve_reference(kEntity, status, "board", data.boards, "Board");
  status["board"] = short_reference(board);
  set_default(status, "sortOrder", int64_t{0});
  set_default(status, "displayOnBoard", true);
  set_default(status, "inactive", false);
  set_default(status, "closedStatus", false);
  set_default(status, "defaultFlag", false);
  set_default(status, "escalationStatus", "NotResponded");
  set_default(status, "_info", seed_info());
  reorder(kEntity, status);
}

void complete_priority(json::object& priority) {
  constexpr Entity kEntity = Entity::kPriority;
  priority = canonical_record(kEntity, priority);
  required_string(kEntity, priority, "name");
  canonical_enum(kEntity, priority, "level", {"Critical", "High", "Medium", "Low"});
  set_default(priority, "color", "Blue");
  set_default(priority, "sortOrder", int64_t{0});
  set_default(priority, "defaultFlag", false);
  set_default(priority, "_info", seed_info());
  reorder(kEntity, priority);
}

void complete_ticket(json::object& ticket, const Dataset& data) {
  constexpr Entity kEntity = Entity::kTicket;
  ticket = canonical_record(kEntity, ticket);
  required_string(kEntity, ticket, "summary");
  limit_length(kEntity, ticket, "summary", 100);
  limit_length(kEntity, ticket, "externalXRef", 100);
  limit_length(kEntity, ticket, "contactName", 62);
  limit_length(kEntity, ticket, "poNumber", 50);
  const json::object& company =
      *resolve_reference(kEntity, ticket, "company", data.companies, "Company");
  if (const json::value* deleted = company.if_contains("deletedFlag");
      deleted != nullptr && deleted->get_bool()) {
    fail(kEntity, "InvalidField", "Company " + json::serialize(company.at("id")) + " is deleted",
         "company/id");
  }
  ticket["company"] = json::object{{"id", company.at("id")},
                                   {"identifier", company.at("identifier")},
                                   {"name", company.at("name")},
                                   {"_info", json::object{}}};
  const json::object* board =
      by_id_or_name(kEntity, ticket, "board", data.boards, "Board", [](const json::object& b) {
        return !b.at("inactiveFlag").get_bool() && !b.at("projectFlag").get_bool();
      });
  if (board == nullptr) fail_required(kEntity, "board");
  ticket["board"] = short_reference(*board);
  const int64_t board_id = board->at("id").get_int64();
  auto of_board = [&](const json::object& st) {
    return board_of(st) == board_id && !st.at("inactive").get_bool();
  };
  const json::object* status =
      by_id_or_name(kEntity, ticket, "status", data.board_statuses, "Status", of_board);
  if (status == nullptr) {
    for (const auto& [id, candidate] : data.board_statuses)
      if (of_board(candidate) && candidate.at("defaultFlag").get_bool()) status = &candidate;
    if (status == nullptr) fail_required(kEntity, "status");
  }
  ticket["status"] = short_reference(*status);
  if (const json::object* priority =
          by_id_or_name(kEntity, ticket, "priority", data.priorities, "Priority",
                        [](const json::object&) { return true; })) {
    ticket["priority"] = short_reference(*priority);
  } else {
    for (const auto& [id, candidate] : data.priorities)
      if (candidate.at("defaultFlag").get_bool()) ticket["priority"] = short_reference(candidate);
  }
  set_default(ticket, "recordType", "ServiceTicket");
  set_default(ticket, "severity", "Medium");
  set_default(ticket, "impact", "Medium");
  ticket["closedFlag"] = status->at("closedStatus").get_bool();
  // POST-only members are never returned (the first note holds the description).
  ticket.erase("initialDescription");
  ticket.erase("initialInternalAnalysis");
  ticket.erase("initialResolution");
  set_default(ticket, "_info", seed_info());
  reorder(kEntity, ticket);
}

void complete_note(json::object& note) {
  constexpr Entity kEntity = Entity::kServiceNote;
  note = canonical_record(kEntity, note);
  required_string(kEntity, note, "text");
  set_default(note, "detailDescriptionFlag", false);
  set_default(note, "internalAnalysisFlag", false);
  set_default(note, "resolutionFlag", false);
  if (!note.at("detailDescriptionFlag").get_bool() && !note.at("internalAnalysisFlag").get_bool() &&
      !note.at("resolutionFlag").get_bool()) {
    fail(kEntity, "InvalidField",
         "Please choose where to display the notes in order to save this record.",
         "detailDescriptionFlag");
  }
  set_default(note, "dateCreated", kSeedTimestamp);
  set_default(note, "_info", seed_info());
  reorder(kEntity, note);
}

const json::object& ticket_status(const json::object& ticket, const Dataset& data) {
  return data.board_statuses.at(ticket.at("status").get_object().at("id").get_int64());
}

void stamp_change(json::object& record, const ChangeStamp& stamp) {
  json::value& info = record["_info"];
  if (!info.is_object()) info = json::object{};
  info.get_object()["lastUpdated"] = stamp.when;
  info.get_object()["updatedBy"] = stamp.who;
}

bool is_writable_addition_field(std::string_view name) {
  static constexpr std::string_view kWritable[] = {"product",
                                                   "quantity",
                                                   "lessIncluded",
                                                   "unitPrice",
                                                   "unitCost",
                                                   "billCustomer",
                                                   "effectiveDate",
                                                   "cancelledDate",
                                                   "taxableFlag",
                                                   "serialNumber",
                                                   "invoiceDescription",
                                                   "purchaseItemFlag",
                                                   "specialOrderFlag",
                                                   "description",
                                                   "uom",
                                                   "sequenceNumber",
                                                   "prorateCurrentPeriodFlag",
                                                   "opportunity",
                                                   "invoiceGrouping",
                                                   "customFields"};
  for (std::string_view writable : kWritable) {
    if (writable == name) return true;
  }
  return false;
}

}  // namespace mb::sim::connectwise
