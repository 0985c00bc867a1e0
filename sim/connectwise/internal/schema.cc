#include "sim/connectwise/internal/schema.h"

#include "sim/core/http_types.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;
using T = FieldType;

// The property lists below follow the platform's published OpenAPI description (version
// 2026.4), property by property and in its order.
// Company: 72 properties.
constexpr FieldSpec kCompanyFields[] = {
    {"id", T::kInteger},
    {"identifier", T::kString},
    {"name", T::kString},
    {"status", T::kReference},
    {"addressLine1", T::kString},
    {"addressLine2", T::kString},
    {"city", T::kString},
    {"state", T::kString},
    {"zip", T::kString},
    {"country", T::kReference},
    {"phoneNumber", T::kString},
    {"faxNumber", T::kString},
    {"website", T::kString},
    {"territory", T::kReference},
    {"market", T::kReference},
    {"accountNumber", T::kString},
    {"defaultContact", T::kReference},
    {"dateAcquired", T::kDateTime},
    {"sicCode", T::kReference},
    {"parentCompany", T::kReference},
    {"annualRevenue", T::kDecimal},
    {"creditLimit", T::kDecimal},
    {"additionalDebt", T::kDecimal},
    {"numberOfEmployees", T::kInteger},
    {"yearEstablished", T::kInteger},
    {"revenueYear", T::kInteger},
    {"ownershipType", T::kReference},
    {"timeZoneSetup", T::kReference},
    {"leadSource", T::kString},
    {"leadFlag", T::kBoolean},
    {"unsubscribeFlag", T::kBoolean},
    {"calendar", T::kReference},
    {"userDefinedField1", T::kString},
    {"userDefinedField2", T::kString},
    {"userDefinedField3", T::kString},
    {"userDefinedField4", T::kString},
    {"userDefinedField5", T::kString},
    {"userDefinedField6", T::kString},
    {"userDefinedField7", T::kString},
    {"userDefinedField8", T::kString},
    {"userDefinedField9", T::kString},
    {"userDefinedField10", T::kString},
    {"vendorIdentifier", T::kString},
    {"taxIdentifier", T::kString},
    {"taxCode", T::kReference},
    {"billingTerms", T::kReference},
    {"invoiceTemplate", T::kReference},
    {"pricingSchedule", T::kReference},
    {"companyEntityType", T::kReference},
    {"billToCompany", T::kReference},
    {"billingSite", T::kReference},
    {"billingContact", T::kReference},
    {"invoiceDeliveryMethod", T::kReference},
    {"emailTemplate", T::kReference},
    {"invoiceToEmailAddress", T::kString},
    {"invoiceCCEmailAddress", T::kString},
    {"deletedFlag", T::kBoolean},
    {"dateDeleted", T::kDateTime},
    {"deletedBy", T::kString},
    {"mobileGuid", T::kString},
    {"facebookUrl", T::kString},
    {"twitterUrl", T::kString},
    {"linkedInUrl", T::kString},
    {"currency", T::kReference},
    {"territoryManager", T::kReference},
    {"resellerIdentifier", T::kString},
    {"isVendorFlag", T::kBoolean},
    {"types", T::kReferenceArray},
    {"site", T::kReference},
    {"integratorTags", T::kStringArray},
    {"_info", T::kInfo},
    {"customFields", T::kCustomFieldArray},
};
// CatalogItem: 47 properties.
constexpr FieldSpec kCatalogItemFields[] = {
    {"id", T::kInteger},
    {"identifier", T::kString},
    {"description", T::kString},
    {"inactiveFlag", T::kBoolean},
    {"subcategory", T::kReference},
    {"type", T::kReference},
    {"productClass", T::kString},
    {"serializedFlag", T::kBoolean},
    {"serializedCostFlag", T::kBoolean},
    {"phaseProductFlag", T::kBoolean},
    {"unitOfMeasure", T::kReference},
    {"minStockLevel", T::kInteger},
    {"price", T::kDecimal},
    {"cost", T::kDecimal},
    {"priceAttribute", T::kString},
    {"taxableFlag", T::kBoolean},
    {"dropShipFlag", T::kBoolean},
    {"specialOrderFlag", T::kBoolean},
    {"customerDescription", T::kString},
    {"manufacturer", T::kReference},
    {"manufacturerPartNumber", T::kString},
    {"vendor", T::kReference},
    {"vendorSku", T::kString},
    {"notes", T::kString},
    {"integrationXRef", T::kString},
    {"sla", T::kReference},
    {"entityType", T::kReference},
    {"recurringFlag", T::kBoolean},
    {"recurringRevenue", T::kDecimal},
    {"recurringCost", T::kDecimal},
    {"recurringOneTimeFlag", T::kBoolean},
    {"recurringBillCycle", T::kReference},
    {"recurringCycleType", T::kString},
    {"calculatedPriceFlag", T::kBoolean},
    {"calculatedCostFlag", T::kBoolean},
    {"category", T::kReference},
    {"calculatedPrice", T::kDecimal},
    {"calculatedCost", T::kDecimal},
    {"billableOption", T::kString},
    {"connectWiseID", T::kString},
    {"agreementType", T::kReference},
    {"markupPercentage", T::kDecimal},
    {"markupFlag", T::kBoolean},
    {"autoUpdateUnitCostFlag", T::kBoolean},
    {"autoUpdateUnitPriceFlag", T::kBoolean},
    {"_info", T::kInfo},
    {"customFields", T::kCustomFieldArray},
};
// Agreement: 83 properties.
constexpr FieldSpec kAgreementFields[] = {
    {"id", T::kInteger},
    {"name", T::kString},
    {"type", T::kReference},
    {"company", T::kReference},
    {"contact", T::kReference},
    {"site", T::kReference},
    {"subContractCompany", T::kReference},
    {"subContractContact", T::kReference},
    {"parentAgreement", T::kReference},
    {"customerPO", T::kString},
    {"location", T::kReference},
    {"department", T::kReference},
    {"restrictLocationFlag", T::kBoolean},
    {"restrictDepartmentFlag", T::kBoolean},
    {"startDate", T::kDateTime},
    {"endDate", T::kDateTime},
    {"noEndingDateFlag", T::kBoolean},
    {"opportunity", T::kReference},
    {"cancelledFlag", T::kBoolean},
    {"dateCancelled", T::kDateTime},
    {"reasonCancelled", T::kString},
    {"sla", T::kReference},
    {"workOrder", T::kString},
    {"internalNotes", T::kString},
    {"applicationUnits", T::kString},
    {"applicationLimit", T::kDecimal},
    {"applicationCycle", T::kString},
    {"applicationUnlimitedFlag", T::kBoolean},
    {"oneTimeFlag", T::kBoolean},
    {"coverAgreementTime", T::kBoolean},
    {"coverAgreementProduct", T::kBoolean},
    {"coverAgreementExpense", T::kBoolean},
    {"coverSalesTax", T::kBoolean},
    {"carryOverUnused", T::kBoolean},
    {"allowOverruns", T::kBoolean},
    {"expiredDays", T::kInteger},
    {"limit", T::kInteger},
    {"expireWhenZero", T::kBoolean},
    {"chargeToFirm", T::kBoolean},
    {"employeeCompRate", T::kString},
    {"employeeCompNotExceed", T::kString},
    {"compHourlyRate", T::kDecimal},
    {"compLimitAmount", T::kDecimal},
    {"billingCycle", T::kReference},
    {"billOneTimeFlag", T::kBoolean},
    {"billingTerms", T::kReference},
    {"invoicingCycle", T::kString},
    {"billToCompany", T::kReference},
    {"billToContact", T::kReference},
    {"billToSite", T::kReference},
    {"billAmount", T::kDecimal},
    {"taxable", T::kBoolean},
    {"prorateFirstBill", T::kDecimal},
    {"billStartDate", T::kDateTime},
    {"taxCode", T::kReference},
    {"restrictDownPayment", T::kBoolean},
    {"prorateFlag", T::kBoolean},
    {"invoiceProratedAdditionsFlag", T::kBoolean},
    {"invoiceDescription", T::kString},
    {"topComment", T::kBoolean},
    {"bottomComment", T::kBoolean},
    {"workRole", T::kReference},
    {"workType", T::kReference},
    {"projectType", T::kReference},
    {"invoiceTemplate", T::kReference},
    {"billTime", T::kString},
    {"billExpenses", T::kString},
    {"billProducts", T::kString},
    {"billableTimeInvoice", T::kBoolean},
    {"billableExpenseInvoice", T::kBoolean},
    {"billableProductInvoice", T::kBoolean},
    {"currency", T::kReference},
    {"periodType", T::kString},
    {"autoInvoiceFlag", T::kBoolean},
    {"billZeroAmountFlag", T::kBoolean},
    {"nextInvoiceDate", T::kString},
    {"companyLocation", T::kReference},
    {"shipToCompany", T::kReference},
    {"shipToContact", T::kReference},
    {"shipToSite", T::kReference},
    {"agreementStatus", T::kString},
    {"_info", T::kInfo},
    {"customFields", T::kCustomFieldArray},
};
// Addition: 32 properties.
constexpr FieldSpec kAdditionFields[] = {
    {"id", T::kInteger},
    {"product", T::kReference},
    {"quantity", T::kDecimal},
    {"lessIncluded", T::kDecimal},
    {"unitPrice", T::kDecimal},
    {"unitCost", T::kDecimal},
    {"billCustomer", T::kString},
    {"effectiveDate", T::kDateTime},
    {"cancelledDate", T::kDateTime},
    {"taxableFlag", T::kBoolean},
    {"serialNumber", T::kString},
    {"invoiceDescription", T::kString},
    {"purchaseItemFlag", T::kBoolean},
    {"specialOrderFlag", T::kBoolean},
    {"agreementId", T::kInteger},
    {"description", T::kString},
    {"billedQuantity", T::kDecimal},
    {"uom", T::kString},
    {"extPrice", T::kDecimal},
    {"extCost", T::kDecimal},
    {"sequenceNumber", T::kDecimal},
    {"margin", T::kDecimal},
    {"prorateCost", T::kDecimal},
    {"proratePrice", T::kDecimal},
    {"extendedProrateCost", T::kDecimal},
    {"extendedProratePrice", T::kDecimal},
    {"prorateCurrentPeriodFlag", T::kBoolean},
    {"opportunity", T::kReference},
    {"agreementStatus", T::kString},
    {"invoiceGrouping", T::kReference},
    {"_info", T::kInfo},
    {"customFields", T::kCustomFieldArray},
};
// CustomFieldValue, for customFieldConditions. "value" holds text, numbers or dates depending
// on the custom field, so it is not typed.
constexpr FieldSpec kCustomFieldValueFields[] = {{"id", T::kInteger},
                                                 {"caption", T::kString},
                                                 {"type", T::kString},
                                                 {"entryMethod", T::kString},
                                                 {"numberOfDecimals", T::kInteger},
                                                 {"value", T::kAny},
                                                 {"connectWiseId", T::kString},
                                                 {"rowNum", T::kInteger},
                                                 {"userDefinedFieldRecId", T::kInteger},
                                                 {"podId", T::kString}};
// The service ticket models, from the same description.
// Board: 65 properties.
constexpr FieldSpec kBoardFields[] = {
    {"id", T::kInteger},
    {"name", T::kString},
    {"location", T::kReference},
    {"department", T::kReference},
    {"inactiveFlag", T::kBoolean},
    {"signOffTemplate", T::kReference},
    {"sendToContactFlag", T::kBoolean},
    {"contactTemplate", T::kReference},
    {"sendToResourceFlag", T::kBoolean},
    {"resourceTemplate", T::kReference},
    {"projectFlag", T::kBoolean},
    {"showDependenciesFlag", T::kBoolean},
    {"showEstimatesFlag", T::kBoolean},
    {"boardIcon", T::kReference},
    {"billTicketsAfterClosedFlag", T::kBoolean},
    {"billTicketSeparatelyFlag", T::kBoolean},
    {"billUnapprovedTimeExpenseFlag", T::kBoolean},
    {"overrideBillingSetupFlag", T::kBoolean},
    {"dispatchMember", T::kReference},
    {"serviceManagerMember", T::kReference},
    {"dutyManagerMember", T::kReference},
    {"oncallMember", T::kReference},
    {"workRole", T::kReference},
    {"workType", T::kReference},
    {"billTime", T::kString},
    {"billExpense", T::kString},
    {"billProduct", T::kString},
    {"autoCloseStatus", T::kReference},
    {"autoAssignNewTicketsFlag", T::kBoolean},
    {"autoAssignNewECTicketsFlag", T::kBoolean},
    {"autoAssignNewPortalTicketsFlag", T::kBoolean},
    {"discussionsLockedFlag", T::kBoolean},
    {"timeEntryLockedFlag", T::kBoolean},
    {"notifyEmailFrom", T::kString},
    {"notifyEmailFromName", T::kString},
    {"closedLoopDiscussionsFlag", T::kBoolean},
    {"closedLoopResolutionFlag", T::kBoolean},
    {"closedLoopInternalAnalysisFlag", T::kBoolean},
    {"timeEntryDiscussionFlag", T::kBoolean},
    {"timeEntryResolutionFlag", T::kBoolean},
    {"timeEntryInternalAnalysisFlag", T::kBoolean},
    {"problemSort", T::kString},
    {"resolutionSort", T::kString},
    {"internalAnalysisSort", T::kString},
    {"emailConnectorAllowReopenClosedFlag", T::kBoolean},
    {"emailConnectorReopenStatus", T::kReference},
    {"emailConnectorReopenResourcesFlag", T::kBoolean},
    {"emailConnectorNewTicketNoMatchFlag", T::kBoolean},
    {"emailConnectorNeverReopenByDaysFlag", T::kBoolean},
    {"emailConnectorReopenDaysLimit", T::kInteger},
    {"emailConnectorNeverReopenByDaysClosedFlag", T::kBoolean},
    {"emailConnectorReopenDaysClosedLimit", T::kInteger},
    {"useMemberDisplayNameFlag", T::kBoolean},
    {"sendToCCFlag", T::kBoolean},
    {"autoAssignTicketOwnerFlag", T::kBoolean},
    {"autoAssignLimitFlag", T::kBoolean},
    {"autoAssignLimitAmount", T::kInteger},
    {"closedLoopAllFlag", T::kBoolean},
    {"percentageCalculation", T::kString},
    {"allSort", T::kString},
    {"markFirstNoteIssueFlag", T::kBoolean},
    {"restrictBoardByDefaultFlag", T::kBoolean},
    {"sendToBundledFlag", T::kBoolean},
    {"_info", T::kInfo},
    {"connectWiseId", T::kString},
};
// BoardStatus: 23 properties.
constexpr FieldSpec kBoardStatusFields[] = {
    {"id", T::kInteger},
    {"name", T::kString},
    {"board", T::kReference},
    {"sortOrder", T::kInteger},
    {"displayOnBoard", T::kBoolean},
    {"inactive", T::kBoolean},
    {"closedStatus", T::kBoolean},
    {"timeEntryNotAllowed", T::kBoolean},
    {"roundRobinCatchall", T::kBoolean},
    {"defaultFlag", T::kBoolean},
    {"escalationStatus", T::kString},
    {"customerPortalDescription", T::kString},
    {"customerPortalFlag", T::kBoolean},
    {"emailTemplate", T::kReference},
    {"statusIndicator", T::kReference},
    {"customStatusIndicatorName", T::kString},
    {"_info", T::kInfo},
    {"saveTimeAsNote", T::kBoolean},
    {"connectWiseId", T::kString},
    {"parentConnectWiseId", T::kString},
    {"parentId", T::kInteger},
    {"grandParentId", T::kInteger},
    {"grandParentConnectWiseId", T::kString},
};
// Priority: 10 properties.
constexpr FieldSpec kPriorityFields[] = {
    {"id", T::kInteger},
    {"name", T::kString},
    {"color", T::kString},
    {"sortOrder", T::kInteger},
    {"defaultFlag", T::kBoolean},
    {"imageLink", T::kString},
    {"urgencySortOrder", T::kString},
    {"level", T::kString},
    {"_info", T::kInfo},
    {"connectWiseId", T::kString},
};
// Ticket: 120 properties.
constexpr FieldSpec kTicketFields[] = {
    {"id", T::kInteger},
    {"summary", T::kString},
    {"recordType", T::kString},
    {"board", T::kReference},
    {"status", T::kReference},
    {"workRole", T::kReference},
    {"workType", T::kReference},
    {"company", T::kReference},
    {"site", T::kReference},
    {"siteName", T::kString},
    {"addressLine1", T::kString},
    {"addressLine2", T::kString},
    {"city", T::kString},
    {"stateIdentifier", T::kString},
    {"zip", T::kString},
    {"country", T::kReference},
    {"contact", T::kReference},
    {"contactName", T::kString},
    {"contactPhoneNumber", T::kString},
    {"contactPhoneExtension", T::kString},
    {"contactEmailAddress", T::kString},
    {"type", T::kReference},
    {"subType", T::kReference},
    {"item", T::kReference},
    {"team", T::kReference},
    {"owner", T::kReference},
    {"priority", T::kReference},
    {"serviceLocation", T::kReference},
    {"source", T::kReference},
    {"requiredDate", T::kDateTime},
    {"budgetHours", T::kDecimal},
    {"opportunity", T::kReference},
    {"agreement", T::kReference},
    {"agreementType", T::kString},
    {"severity", T::kString},
    {"impact", T::kString},
    {"externalXRef", T::kString},
    {"poNumber", T::kString},
    {"knowledgeBaseCategoryId", T::kInteger},
    {"knowledgeBaseSubCategoryId", T::kInteger},
    {"allowAllClientsPortalView", T::kBoolean},
    {"customerUpdatedFlag", T::kBoolean},
    {"automaticEmailContactFlag", T::kBoolean},
    {"automaticEmailResourceFlag", T::kBoolean},
    {"automaticEmailCcFlag", T::kBoolean},
    {"automaticEmailCc", T::kString},
    {"initialDescription", T::kString},
    {"initialInternalAnalysis", T::kString},
    {"initialResolution", T::kString},
    {"initialDescriptionFrom", T::kString},
    {"contactEmailLookup", T::kString},
    {"processNotifications", T::kBoolean},
    {"skipCallback", T::kBoolean},
    {"closedDate", T::kString},
    {"closedBy", T::kString},
    {"closedFlag", T::kBoolean},
    {"actualHours", T::kDecimal},
    {"approved", T::kBoolean},
    {"estimatedExpenseCost", T::kDecimal},
    {"estimatedExpenseRevenue", T::kDecimal},
    {"estimatedProductCost", T::kDecimal},
    {"estimatedProductRevenue", T::kDecimal},
    {"estimatedTimeCost", T::kDecimal},
    {"estimatedTimeRevenue", T::kDecimal},
    {"billingMethod", T::kString},
    {"billingAmount", T::kDecimal},
    {"hourlyRate", T::kDecimal},
    {"subBillingMethod", T::kString},
    {"subBillingAmount", T::kDecimal},
    {"subDateAccepted", T::kString},
    {"dateResolved", T::kString},
    {"dateResplan", T::kString},
    {"dateResponded", T::kString},
    {"resolveMinutes", T::kInteger},
    {"resPlanMinutes", T::kInteger},
    {"respondMinutes", T::kInteger},
    {"respondByGoalUTC", T::kDateTime},
    {"resplanGoalUTC", T::kDateTime},
    {"resolutionGoalUTC", T::kDateTime},
    {"escalationLastUpdateMinutes", T::kInteger},
    {"isInSla", T::kBoolean},
    {"knowledgeBaseLinkId", T::kInteger},
    {"resources", T::kString},
    {"parentTicketId", T::kInteger},
    {"hasChildTicket", T::kBoolean},
    {"hasMergedChildTicketFlag", T::kBoolean},
    {"knowledgeBaseLinkType", T::kString},
    {"billTime", T::kString},
    {"billExpenses", T::kString},
    {"billProducts", T::kString},
    {"predecessorType", T::kString},
    {"predecessorId", T::kInteger},
    {"predecessorClosedFlag", T::kBoolean},
    {"lagDays", T::kInteger},
    {"lagNonworkingDaysFlag", T::kBoolean},
    {"estimatedStartDate", T::kDateTime},
    {"duration", T::kInteger},
    {"location", T::kReference},
    {"department", T::kReference},
    {"mobileGuid", T::kString},
    {"sla", T::kReference},
    {"slaStatus", T::kString},
    {"requestForChangeFlag", T::kBoolean},
    {"currency", T::kReference},
    {"mergedParentTicket", T::kReference},
    {"integratorTags", T::kStringArray},
    {"_info", T::kInfo},
    {"escalationStartDateUTC", T::kString},
    {"escalationLevel", T::kInteger},
    {"minutesBeforeWaiting", T::kInteger},
    {"respondedSkippedMinutes", T::kInteger},
    {"resplanSkippedMinutes", T::kInteger},
    {"respondedHours", T::kDecimal},
    {"respondedBy", T::kString},
    {"resplanHours", T::kDecimal},
    {"resplanBy", T::kString},
    {"resolutionHours", T::kDecimal},
    {"resolvedBy", T::kString},
    {"minutesWaiting", T::kInteger},
    {"customFields", T::kCustomFieldArray},
};
// ServiceNote: 17 properties.
constexpr FieldSpec kServiceNoteFields[] = {
    {"id", T::kInteger},
    {"ticketId", T::kInteger},
    {"text", T::kString},
    {"detailDescriptionFlag", T::kBoolean},
    {"internalAnalysisFlag", T::kBoolean},
    {"resolutionFlag", T::kBoolean},
    {"issueFlag", T::kBoolean},
    {"member", T::kReference},
    {"contact", T::kReference},
    {"customerUpdatedFlag", T::kBoolean},
    {"processNotifications", T::kBoolean},
    {"dateCreated", T::kString},
    {"createdBy", T::kString},
    {"internalFlag", T::kBoolean},
    {"externalFlag", T::kBoolean},
    {"sentimentScore", T::kDecimal},
    {"_info", T::kInfo},
};

// Members every reference object has; other members of particular references (serializedFlag
// of a product reference, chargeFirmFlag of an agreement reference) are read untyped.
constexpr FieldSpec kReferenceFields[] = {
    {"id", T::kInteger}, {"identifier", T::kString}, {"name", T::kString}, {"_info", T::kInfo}};

// "_info" members whose type is known.
constexpr FieldSpec kInfoFields[] = {{"lastUpdated", T::kDateTime},
                                     {"dateEntered", T::kDateTime},
                                     {"updatedBy", T::kString},
                                     {"enteredBy", T::kString}};

const FieldSpec* find_in(std::span<const FieldSpec> fields, std::string_view name) {
  for (const FieldSpec& field : fields) {
    if (field.name == name) return &field;
  }
  for (const FieldSpec& field : fields) {
    if (equals_ignore_case(field.name, name)) return &field;
  }
  return nullptr;
}

// The member of a JSON object with this name: exact case first, then any case (untyped
// members keep the case the client wrote).
const json::value* find_member(const json::object& object, std::string_view name) {
  if (const json::value* value = object.if_contains(name)) return value;
  for (const auto& [key, value] : object) {
    if (equals_ignore_case(key, name)) return &value;
  }
  return nullptr;
}

void collect_from(const json::value& value, const FieldPath& path, size_t segment,
                  std::vector<const json::value*>& values) {
  if (segment == path.segments.size()) {
    if (value.is_array() && is_collection(path.type) == false) {
      for (const json::value& element : value.get_array()) values.push_back(&element);
    } else {
      values.push_back(&value);
    }
    return;
  }
  if (const json::array* array = value.if_array()) {
    for (const json::value& element : *array) collect_from(element, path, segment, values);
    return;
  }
  const json::object* object = value.if_object();
  if (object == nullptr) return;
  if (const json::value* member = find_member(*object, path.segments[segment])) {
    collect_from(*member, path, segment + 1, values);
  }
}

}  // namespace

std::span<const FieldSpec> entity_fields(Entity entity) {
  switch (entity) {
    case Entity::kCompany:
      return kCompanyFields;
    case Entity::kCatalogItem:
      return kCatalogItemFields;
    case Entity::kAgreement:
      return kAgreementFields;
    case Entity::kAddition:
      return kAdditionFields;
    case Entity::kCustomFieldValue:
      return kCustomFieldValueFields;
    case Entity::kBoard:
      return kBoardFields;
    case Entity::kBoardStatus:
      return kBoardStatusFields;
    case Entity::kPriority:
      return kPriorityFields;
    case Entity::kTicket:
      return kTicketFields;
    case Entity::kServiceNote:
      return kServiceNoteFields;
  }
  return {};
}

const FieldSpec* find_field(Entity entity, std::string_view name) {
  return find_in(entity_fields(entity), name);
}

std::string_view entity_resource(Entity entity) {
  switch (entity) {
    case Entity::kCompany:
      return "company";
    case Entity::kCatalogItem:
      return "catalogItem";
    case Entity::kAgreement:
      return "agreement";
    case Entity::kAddition:
      return "addition";
    case Entity::kCustomFieldValue:
      return "customField";
    case Entity::kBoard:
      return "board";
    case Entity::kBoardStatus:
      return "boardStatus";
    case Entity::kPriority:
      return "priority";
    case Entity::kTicket:
      return "ticket";
    case Entity::kServiceNote:
      return "serviceNote";
  }
  return "object";
}

bool is_collection(FieldType type) {
  return type == T::kReferenceArray || type == T::kStringArray || type == T::kCustomFieldArray;
}

FieldPath resolve_field_path(Entity entity, std::string_view text) {
  FieldPath path;
  path.text = std::string(text);
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (std::string_view part : parts) {
    if (part.empty()) throw FieldPathError("'" + path.text + "' is not a valid field path");
  }

  const FieldSpec* top = find_field(entity, parts[0]);
  if (top == nullptr && equals_ignore_case(parts[0], "lastUpdated")) {
    // A shortcut ConnectWise accepts in conditions: lastUpdated > [2025-01-01T00:00:00Z].
    path.segments = {"_info", "lastUpdated"};
    path.type = T::kDateTime;
    if (parts.size() > 1)
      throw FieldPathError("lastUpdated has no field '" + std::string(parts[1]) + "'");
    return path;
  }
  if (top == nullptr) {
    throw FieldPathError("Unknown field '" + std::string(parts[0]) + "' on " +
                         std::string(entity_resource(entity)));
  }
  path.segments.emplace_back(top->name);
  path.type = top->type;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::span<const FieldSpec> members;
    switch (path.type) {
      case T::kReference:
        members = kReferenceFields;
        break;
      case T::kReferenceArray:
        members = kReferenceFields;
        path.through_collection = true;
        break;
      case T::kCustomFieldArray:
        members = kCustomFieldValueFields;
        path.through_collection = true;
        break;
      case T::kInfo:
        members = kInfoFields;
        break;
      case T::kAny:
        break;  // an untyped member: anything below it is untyped too
      default:
        throw FieldPathError("Field '" + path.segments.back() + "' has no member '" +
                             std::string(parts[i]) + "'");
    }
    if (const FieldSpec* member = members.empty() ? nullptr : find_in(members, parts[i])) {
      path.segments.emplace_back(member->name);
      path.type = member->type;
    } else {
      path.segments.emplace_back(parts[i]);
      path.type = T::kAny;
    }
  }
  return path;
}

void collect_values(const json::object& record, const FieldPath& path,
                    std::vector<const json::value*>& values) {
  if (path.segments.empty()) return;
  if (const json::value* first = find_member(record, path.segments[0])) {
    collect_from(*first, path, 1, values);
  }
}

const json::value* value_at(const json::object& record, const FieldPath& path) {
  const json::object* object = &record;
  const json::value* value = nullptr;
  for (const std::string& segment : path.segments) {
    if (object == nullptr) return nullptr;
    value = find_member(*object, segment);
    if (value == nullptr) return nullptr;
    object = value->if_object();
  }
  return value;
}

}  // namespace mb::sim::connectwise
