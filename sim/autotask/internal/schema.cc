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

// A string field with Autotask's length (the SOAP field info; tickets-autotask.md section 4).
FieldDef sized(FieldDef def, int64_t length) {
  def.length = length;
  return def;
}

// The Tickets picklists of the simulator's tenant. Ids are tenant-specific on Autotask (queues
// are large numbers); statuses 1 New and 5 Complete are system values. One inactive queue and
// one inactive priority, as a faithful tenant has them.
std::vector<PicklistValue> ticket_queues() {
  return {{29683482, "Monitoring Alert", true, false, false},
          {29683483, "Service Desk", true, true, false},
          {29683484, "Security Operations", true, false, false},
          {29683490, "Old Alerts (retired)", false, false, false}};
}
std::vector<PicklistValue> ticket_statuses() {
  return {{1, "New", true, true, true},
          {5, "Complete", true, false, true},
          {7, "Waiting Customer", true, false, true},
          {8, "In Progress", true, false, false},
          {9, "Alert Resolved", true, false, false}};
}
std::vector<PicklistValue> ticket_priorities() {
  return {{4, "Critical", true, false, false},
          {1, "High", true, false, false},
          {2, "Medium", true, true, false},
          {3, "Low", true, false, false},
          {6, "P5 - Legacy", false, false, false}};
}
std::vector<PicklistValue> ticket_issue_types() {
  return {{28, "Security", true, false, false}, {29, "Hardware", true, false, false}};
}
std::vector<PicklistValue> ticket_sub_issue_types() {
  return {{324, "Malware", true, false, false, 28},
          {325, "Phishing", true, false, false, 28},
          {327, "Workstation", true, false, false, 29}};
}
std::vector<PicklistValue> ticket_types() {
  return {
      {1, "Service Request"}, {2, "Incident"}, {3, "Problem"}, {4, "Change Request"}, {5, "Alert"}};
}
std::vector<PicklistValue> ticket_sources() {
  return {{-2, "Insourced"},
          {-1, "Client Portal"},
          {2, "Phone"},
          {4, "Email"},
          {8, "Monitoring Alert"}};
}
std::vector<PicklistValue> note_types() {
  return {{1, "Task Summary", true, true}, {2, "Task Detail"}, {3, "Task Notes"}};
}
std::vector<PicklistValue> note_publish() {
  return {{1, "All Autotask Users", true, true}, {2, "Internal Project Team"}};
}

EntitySchema make_tickets() {
  EntitySchema s;
  s.name = "Tickets";
  s.singular = "Ticket";
  s.has_user_defined_fields = true;
  s.can_create = s.can_update = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("assignedResourceID", kInteger),
      field("assignedResourceRoleID", kInteger),
      field("billingCodeID", kInteger),
      field("companyID", kInteger, kRequired, "Companies"),
      field("companyLocationID", kInteger),
      field("completedByResourceID", kInteger, kReadOnly),
      field("completedDate", kDateTime, kReadOnly),
      field("contactID", kInteger),
      field("contractID", kInteger, 0, "Contracts"),
      field("createDate", kDateTime, kReadOnly),
      field("creatorResourceID", kInteger, kReadOnly),
      sized(field("description", kString), 8000),
      field("dueDateTime", kDateTime),
      sized(field("externalID", kString), 50),
      field("issueType", kInteger, 0, {}, ticket_issue_types()),
      field("lastActivityDate", kDateTime, kReadOnly),
      field("priority", kInteger, kRequired, {}, ticket_priorities()),
      sized(field("purchaseOrderNumber", kString), 50),
      field("queueID", kInteger, 0, {}, ticket_queues()),
      sized(field("resolution", kString), 32000),
      sized(field("rmmAlertID", kString), 100),
      field("serviceLevelAgreementID", kInteger),
      field("source", kInteger, 0, {}, ticket_sources()),
      field("status", kInteger, kRequired, {}, ticket_statuses()),
      field("subIssueType", kInteger, 0, {}, ticket_sub_issue_types()),
      field("ticketCategory", kInteger),
      sized(field("ticketNumber", kString, kReadOnly), 50),
      field("ticketType", kInteger, 0, {}, ticket_types()),
      sized(field("title", kString, kRequired), 255),
  };
  s.fields[s.field_index("subIssueType")].picklist_parent_field = "issueType";
  return s;
}

EntitySchema make_ticket_notes() {
  EntitySchema s;
  s.name = "TicketNotes";
  s.singular = "TicketNote";
  // Created only through Tickets/{parentId}/Notes; the flags describe that child route.
  s.can_create = true;
  s.fields = {
      field("id", kLong, kReadOnly),
      field("createDateTime", kDateTime, kReadOnly),
      field("creatorResourceID", kInteger, kReadOnly),
      sized(field("description", kString, kRequired), 32000),
      field("lastActivityDate", kDateTime, kReadOnly),
      field("noteType", kInteger, kRequired, {}, note_types()),
      field("publish", kInteger, kRequired, {}, note_publish()),
      field("ticketID", kInteger, kRequired, "Tickets"),
      sized(field("title", kString), 250),
  };
  return s;
}

}  // namespace

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

const EntitySchema& tickets_schema() {
  static const EntitySchema schema = make_tickets();
  return schema;
}
const EntitySchema& ticket_notes_schema() {
  static const EntitySchema schema = make_ticket_notes();
  return schema;
}

const std::vector<const EntitySchema*>& all_schemas() {
  static const std::vector<const EntitySchema*> schemas = {&companies_schema(),
                                                           &services_schema(),
                                                           &contracts_schema(),
                                                           &contract_services_schema(),
                                                           &contract_service_units_schema(),
                                                           &contract_service_adjustments_schema(),
                                                           &tickets_schema(),
                                                           &ticket_notes_schema()};
  return schemas;
}

const EntitySchema* find_schema(std::string_view entity_name) {
  for (const EntitySchema* schema : all_schemas()) {
    if (equals_ignore_case(schema->name, entity_name)) return schema;
  }
  return nullptr;
}

}  // namespace mb::sim::autotask
