// The Autotask entities the simulator serves, described field by field as the REST API exposes
// them (camelCase wire names, foreign keys ending in upper-case "ID"), plus the value types the
// query engine and the JSON conversion share.
//
// A schema answers: which fields exist (matched in any case, as Autotask does), their types,
// which are required, read-only, references or picklists. The same description drives seed
// loading, filters, IncludeFields, writes and GET {Entity}/entityInformation/fields.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_SCHEMA_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_SCHEMA_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mb::sim::autotask {

enum class FieldType { kInteger, kLong, kDouble, kBoolean, kString, kDateTime };

struct PicklistValue {
  PicklistValue(int64_t v, std::string l, bool active = true, bool is_default_value = false,
                bool system = true, std::optional<int64_t> parent = std::nullopt)
      : value(v),
        label(std::move(l)),
        is_active(active),
        is_default(is_default_value),
        is_system(system),
        parent_value(parent) {}

  int64_t value = 0;
  std::string label;
  bool is_active = true;
  bool is_default = false;              // isDefaultValue: what a form preselects
  bool is_system = true;                // false for values the tenant defined
  std::optional<int64_t> parent_value;  // the parent field's value (subIssueType -> issueType)
};

struct FieldDef {
  std::string name;  // wire name, e.g. "companyID"
  FieldType type = FieldType::kString;
  bool required = false;
  bool read_only = false;
  std::string reference;  // the entity a foreign key points at ("Companies"); empty when none
  std::vector<PicklistValue> picklist;
  int64_t length = 0;                 // a string's longest value; 0: 100 (the generic answer)
  std::string picklist_parent_field;  // the field whose value filters this picklist
};

struct EntitySchema {
  std::string name;  // route name: "Companies"
  std::string
      singular;  // Autotask's entity name in messages: "Unable to find x in the Company Entity"
  std::vector<FieldDef> fields;  // "id" first
  bool has_user_defined_fields = false;
  bool can_query = true;
  bool can_create = false;
  bool can_update = false;

  // The field with this name in any ASCII case.
  std::optional<size_t> find_field(std::string_view name) const;
  // A field the simulator itself refers to; throws std::logic_error when it does not exist.
  size_t field_index(std::string_view exact_name) const;
};

// A field value as stored. Datetimes are milliseconds since the epoch in an int64_t (the field's
// type says which integers are datetimes).
using StoredValue = std::variant<std::monostate, bool, int64_t, double, std::string>;
// The same, read without copying strings.
using FieldValue = std::variant<std::monostate, bool, int64_t, double, std::string_view>;

FieldValue view_of(const StoredValue& value);

struct UserDefinedField {
  std::string name;
  std::optional<std::string> value;  // UDF values travel as strings; nullopt is JSON null
};

// One entity instance, however the table stores it.
class Row {
 public:
  virtual ~Row() = default;
  virtual int64_t id() const = 0;
  virtual FieldValue value(size_t field) const = 0;
  // nullptr for entities without user-defined fields.
  virtual const std::vector<UserDefinedField>* user_defined_fields() const { return nullptr; }
};

const EntitySchema& companies_schema();
const EntitySchema& services_schema();
const EntitySchema& contracts_schema();
const EntitySchema& contract_services_schema();
const EntitySchema& contract_service_units_schema();
const EntitySchema& contract_service_adjustments_schema();
const EntitySchema& tickets_schema();
const EntitySchema& ticket_notes_schema();

// The Tickets picklist values the simulator's tenant uses (docs/simulators.md, Autotask tickets).
inline constexpr int64_t kTicketStatusNew = 1;
inline constexpr int64_t kTicketStatusComplete = 5;

// Field positions of ContractServiceUnits, whose rows are stored compactly rather than as
// generic records (a large tenant has hundreds of thousands of them).
namespace unit_field {
enum : size_t {
  kId,
  kApproveAndPostDate,
  kContractID,
  kContractServiceID,
  kCost,
  kEndDate,
  kInternalCurrencyPrice,
  kOrganizationalLevelAssociationID,
  kPrice,
  kServiceID,
  kStartDate,
  kUnits,
  kVendorCompanyID,
  kCount,
};
}  // namespace unit_field

// Every entity with a route, in a stable order; and lookup by route name in any case.
const std::vector<const EntitySchema*>& all_schemas();
const EntitySchema* find_schema(std::string_view name);

// The wire JSON for a value of a field (datetimes as ISO-8601 strings).
boost::json::value to_wire(const FieldDef& field, const FieldValue& value);

// Converts wire JSON to a stored value of the field's type. Numbers given as strings and
// integral doubles are accepted where .NET's model binding accepts them; nullopt means the
// value cannot become this type. JSON null gives std::monostate.
std::optional<StoredValue> from_wire(const FieldDef& field, const boost::json::value& value);

// A row as Autotask returns it: every field (or only `include`, field indices in schema order),
// then "userDefinedFields" for entities that have them.
boost::json::object row_to_wire(const EntitySchema& schema, const Row& row,
                                const std::vector<size_t>* include = nullptr);

// GET {Entity}/entityInformation and .../entityInformation/fields bodies.
// `access` is the calling user's userAccessFor{Create,Delete,Query,Update}; nullptr gives what
// the entity allows.
struct EntityAccess {
  std::string query = "All";  // All, Restricted or None
  std::string create = "All";
  std::string update = "All";
};
boost::json::object entity_information(const EntitySchema& schema,
                                       const EntityAccess* access = nullptr);
boost::json::object field_information(const EntitySchema& schema);

std::string_view data_type_name(FieldType type);

// JSON text as Autotask's serializer writes it: like boost::json::serialize, but doubles in
// plain decimal ("4.5", "12.0") rather than Boost's exponent form ("4.5E0").
std::string serialize_wire_json(const boost::json::value& value);

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_SCHEMA_H_
