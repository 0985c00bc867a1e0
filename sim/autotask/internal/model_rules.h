// The rules the Autotask tenant's source files share (model.cc, model_seed.cc,
// model_writes.cc): the positions of the fields the simulator itself reads or writes, and
// Autotask's error wording for writes and seeds. Nothing outside the tenant includes it.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_MODEL_RULES_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_MODEL_RULES_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/autotask/internal/dates.h"
#include "sim/autotask/internal/schema.h"
#include "sim/autotask/internal/tables.h"
#include "sim/core/http_types.h"

namespace mb::sim::autotask::model_rules {

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

const Fields& fields();

inline constexpr int64_t kRecurringService = 7;
inline constexpr int64_t kCustomer = 1;
inline constexpr int64_t kActive = 1;
inline constexpr std::string_view kUserDefinedFieldsKey = "userDefinedFields";

// A 500 with Autotask's text: how the API refuses a write its rules forbid.
HttpError business_error(std::string message);
HttpError reference_error(std::string_view field, std::string_view entity_singular);
HttpError missing_field(std::string_view field);
// Autotask's text starts "effectiveDate must be between" (Autotask's REST API documentation).
HttpError outside_contract_error(Day start, Day end, int64_t contract_id);

// A string as it is, anything else as JSON.
std::string describe_json(const boost::json::value& value);
std::string_view type_name_for_message(FieldType type);
int64_t now_millis();
bool picklist_allows(const FieldDef& def, const StoredValue& value);
// Throws SeedError naming `where`.
std::vector<UserDefinedField> parse_udfs(const boost::json::value& value, std::string_view where);
// Replaces the values of fields already there (matched in any case), appends the others.
void merge_udfs(std::vector<UserDefinedField>& into, std::vector<UserDefinedField> changes);
// Sets the field unless the record already has a value for it.
void default_value(Record& record, size_t field, StoredValue value);
// Months per billing period for a contractPeriodType / periodType (1 when absent).
int64_t period_months(std::optional<int64_t> period_type);
const boost::json::value* member_any_case(const boost::json::object& object, std::string_view name);
// The body's value for an integer or decimal field; business_error when it does not convert.
std::optional<int64_t> body_integer(const boost::json::object& body, const FieldDef& def);
std::optional<double> body_double(const boost::json::object& body, const FieldDef& def);

}  // namespace mb::sim::autotask::model_rules

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_MODEL_RULES_H_
