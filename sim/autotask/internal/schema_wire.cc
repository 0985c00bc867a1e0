// schema.h's wire half: field values as Autotask writes and reads them, rows as API items,
// and the entityInformation documents.
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
using enum FieldType;

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

json::object entity_information(const EntitySchema& schema, const EntityAccess* user) {
  auto access = [](bool allowed) -> std::string { return allowed ? "All" : "None"; };
  // What the user's security level grants, within what the entity allows at all.
  auto granted = [&](bool allowed, const std::string& level) {
    return user == nullptr || !allowed ? access(allowed) : level;
  };
  return json::object{
      {"info",
       json::object{{"name", schema.singular},
                    {"canCreate", schema.can_create},
                    {"canDelete", false},
                    {"canQuery", schema.can_query},
                    {"canUpdate", schema.can_update},
                    {"userAccessForCreate", granted(schema.can_create, user ? user->create : "")},
                    {"userAccessForDelete", access(false)},
                    {"userAccessForQuery", granted(schema.can_query, user ? user->query : "")},
                    {"userAccessForUpdate", granted(schema.can_update, user ? user->update : "")},
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
        values.push_back(json::object{
            {"value", std::to_string(entry.value)},
            {"label", entry.label},
            {"isDefaultValue", entry.is_default},
            {"sortOrder", sort_order++},
            {"parentValue", entry.parent_value ? std::to_string(*entry.parent_value) : ""},
            {"isActive", entry.is_active},
            {"isSystem", entry.is_system}});
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
        {"length", def.type != kString ? 0
                   : def.length > 0    ? def.length
                                       : 100},
        {"isRequired", def.required},
        {"isReadOnly", def.read_only},
        {"isQueryable", schema.can_query},
        {"isReference", !def.reference.empty()},
        {"referenceEntityType", reference_type},
        {"isPickList", !def.picklist.empty()},
        {"picklistValues", std::move(picklist)},
        {"picklistParentValueField", def.picklist_parent_field},
        {"isSupportedWebhookField", false},
    });
  }
  return json::object{{"fields", std::move(fields)}};
}

}  // namespace mb::sim::autotask
