// The field names and types of the ConnectWise models the simulator serves (Company,
// CatalogItem, Agreement, Addition; Board, BoardStatus, Priority, Ticket, ServiceNote), as the
// platform's OpenAPI description declares them, and the "field paths" that conditions, orderBy and
// fields use to reach into a record:
//
//   FieldPath path = resolve_field_path(Entity::kAgreement, "Company/Identifier");
//   // path.segments == {"company", "identifier"}, path.type == FieldType::kString
//   std::vector<const boost::json::value*> values;
//   collect_values(record, path, values);   // the record's company identifier, if any
//
// The types matter because ConnectWise checks a condition's literal against the field's type
// ("Expected a boolean value, not a numeric ...") and because null fields are left out of the
// JSON, so a record alone cannot say whether "cancelledDate" exists.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SCHEMA_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SCHEMA_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mb::sim::connectwise {

enum class Entity {
  kCompany,
  kCatalogItem,
  kAgreement,
  kAddition,
  kCustomFieldValue,  // one element of a record's "customFields" (customFieldConditions)
  // Service tickets (docs/simulators.md, "Service tickets").
  kBoard,
  kBoardStatus,
  kPriority,
  kTicket,
  kServiceNote,
};

enum class FieldType {
  kString,   // includes enums such as agreementStatus
  kInteger,  // int32 in the API
  kDecimal,  // double in the API: always serialized with a fraction
  kBoolean,
  kDateTime,          // ISO-8601 string on the wire; compared as a point in time
  kReference,         // {id, identifier?, name?, _info}
  kInfo,              // "_info": a map of metadata strings
  kReferenceArray,    // e.g. Company.types
  kStringArray,       // e.g. Company.integratorTags
  kCustomFieldArray,  // "customFields"
  kAny,               // a field the tables do not type (extra reference members, custom values)
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
};

// Every top-level property of the model, in the order the API serializes them.
std::span<const FieldSpec> entity_fields(Entity entity);
// The top-level field with this name (exact case first, then any case); nullptr when unknown.
const FieldSpec* find_field(Entity entity, std::string_view name);
// The resource name used in validation errors: "company", "catalogItem", "agreement", ...
std::string_view entity_resource(Entity entity);
// A field holding a collection (a JSON array).
bool is_collection(FieldType type);

// An unknown field, or a path into something that has no members. The message names the path.
class FieldPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FieldPath {
  std::vector<std::string> segments;  // canonical member names, e.g. {"company", "id"}
  FieldType type = FieldType::kAny;   // the type of the last segment
  bool through_collection = false;    // an intermediate segment is an array (types/id)
  std::string text;                   // as the client wrote it, for messages
};

// Resolves "company/id" (any case) against the model. "lastUpdated" is accepted as a shortcut
// for "_info/lastUpdated", as ConnectWise's conditions allow. Throws FieldPathError.
FieldPath resolve_field_path(Entity entity, std::string_view text);

// Appends every value the path reaches in the record: none when a segment is missing, several
// when the path goes through an array (each element is visited).
void collect_values(const boost::json::object& record, const FieldPath& path,
                    std::vector<const boost::json::value*>& values);
// The single value a path reaches (nullptr when missing); arrays are not entered.
const boost::json::value* value_at(const boost::json::object& record, const FieldPath& path);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SCHEMA_H_
