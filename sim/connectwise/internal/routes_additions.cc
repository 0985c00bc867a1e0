// The agreement additions: list, count and read them, create one (POST), replace one (PUT),
// patch one (PATCH, a JSON array of operations), delete one.
#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/routes.h"
#include "sim/connectwise/internal/wire_format.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

// The members of a POST or PUT body that the server keeps: client-writable ones. Server-owned
// members (id, agreementId, computed amounts) are ignored, as the platform ignores them.
json::object writable_members(const json::value& body) {
  if (!body.is_object()) {
    throw ApiError(400, "InvalidObject",
                   "addition object is invalid: the body must be a JSON object");
  }
  json::object kept;
  for (const auto& [key, value] : body.get_object()) {
    const FieldSpec* field = find_field(Entity::kAddition, key);
    if (field == nullptr) {
      throw ApiError::invalid_object(
          "addition", {"InvalidField", "'" + std::string(key) + "' is not a field of addition",
                       "addition", std::string(key)});
    }
    if (is_writable_addition_field(field->name)) kept.emplace(field->name, value);
  }
  return kept;
}

bool is_nested(FieldType type) {
  return type == FieldType::kReference || type == FieldType::kInfo || is_collection(type);
}

}  // namespace

int64_t Api::parent_agreement(const Request& request) const {
  const int64_t id = id_parameter(request, "parentId");
  find_record(model_.data().agreements, id, "Agreement");
  return id;
}

// The addition, which must belong to the agreement in the path.
json::object& Api::find_addition(const Request& request) {
  const int64_t agreement_id = parent_agreement(request);
  const int64_t id = id_parameter(request, "id");
  auto it = model_.data().additions.find(id);
  if (it == model_.data().additions.end() ||
      it->second.at("agreementId").get_int64() != agreement_id) {
    throw ApiError(404, "NotFound",
                   "Addition " + std::to_string(id) + " not found on agreement " +
                       std::to_string(agreement_id));
  }
  return it->second;
}

Response Api::list_additions(const ApiCall& call) {
  return list(call, Entity::kAddition, model_.additions_of(parent_agreement(call.request)));
}

Response Api::count_additions(const ApiCall& call) {
  return count(call, Entity::kAddition, model_.additions_of(parent_agreement(call.request)));
}

Response Api::get_addition(const ApiCall& call) {
  return single(call, Entity::kAddition, find_addition(call.request));
}

// Completes and stores an addition written through the API.
json::object& Api::store_addition(int64_t id, json::object addition, int64_t agreement_id,
                                  const ApiCall& call) {
  addition["agreementId"] = agreement_id;
  addition["id"] = id;
  try {
    complete_addition(addition, model_.data(), AdditionDefaults::kForCreate);
  } catch (const RecordError& error) {
    throw ApiError::invalid_object("addition", error.detail());
  }
  if (!addition.contains("sequenceNumber")) {
    double highest = 0;
    for (const json::object* other : model_.additions_of(agreement_id)) {
      const json::value* sequence = other->if_contains("sequenceNumber");
      if (sequence != nullptr && sequence->is_double() && other->at("id").get_int64() != id) {
        highest = std::max(highest, sequence->get_double());
      }
    }
    addition["sequenceNumber"] = highest + 1;
    refresh_computed_addition_fields(addition, model_.data());
  }
  stamp_change(addition, ChangeStamp{now_timestamp(), call.member->public_key});
  return model_.put_addition(id, agreement_id, std::move(addition));
}

Response Api::create_addition(const ApiCall& call) {
  const int64_t agreement_id = parent_agreement(call.request);
  json::object addition = writable_members(parse_body(call.request, "addition"));
  const int64_t id = model_.next_addition_id();
  json::object& stored = store_addition(id, std::move(addition), agreement_id, call);
  json::value& info = stored["_info"];
  info.get_object()["dateEntered"] = info.get_object()["lastUpdated"];
  info.get_object()["enteredBy"] = call.member->public_key;
  return wire_json(201, stored);
}

// PUT replaces the whole addition: members the body leaves out go back to their defaults.
Response Api::replace_addition(const ApiCall& call) {
  json::object& existing = find_addition(call.request);
  const int64_t agreement_id = existing.at("agreementId").get_int64();
  const int64_t id = existing.at("id").get_int64();
  json::object replacement = writable_members(parse_body(call.request, "addition"));
  const json::value before = existing.at("quantity");
  json::object& stored = store_addition(id, std::move(replacement), agreement_id, call);
  model_.count_write(id, before, stored.at("quantity"));
  return wire_json(200, stored);
}

Response Api::delete_addition(const ApiCall& call) {
  const json::object& addition = find_addition(call.request);
  model_.erase_addition(addition.at("id").get_int64());
  return Response::empty(204);
}

// PATCH: a JSON array of {op, path, value}, applied in order, all or nothing.
Response Api::patch_addition(const ApiCall& call) {
  json::object& existing = find_addition(call.request);
  const json::value body = parse_body(call.request, "addition");
  if (!body.is_array()) {
    throw ApiError(400, "InvalidObject",
                   "The request body must be a JSON array of patch operations, e.g. "
                   "[{\"op\":\"replace\",\"path\":\"quantity\",\"value\":43}].");
  }
  json::object updated = existing;
  bool changed = false;
  for (const json::value& operation : body.get_array()) {
    changed = apply_patch_operation(updated, operation) || changed;
  }
  const int64_t id = existing.at("id").get_int64();
  const json::value before = existing.at("quantity");
  if (changed) {
    json::object& stored =
        store_addition(id, std::move(updated), existing.at("agreementId").get_int64(), call);
    model_.count_write(id, before, stored.at("quantity"));
    return wire_json(200, stored);
  }
  // Nothing applicable (a nested sub-path, or a server-owned member): the platform still
  // answers 200 with the unchanged record. Clients must compare the value they read back.
  model_.count_write(id, before, before);
  return wire_json(200, existing);
}

// Returns whether the operation changed anything. Throws ApiError for what the platform
// refuses: a malformed operation, an unknown op or path, or a value of the wrong type.
bool Api::apply_patch_operation(json::object& addition, const json::value& operation) const {
  const json::object* fields = operation.if_object();
  const json::value* op = fields ? fields->if_contains("op") : nullptr;
  const json::value* path = fields ? fields->if_contains("path") : nullptr;
  if (op == nullptr || !op->is_string() || path == nullptr || !path->is_string()) {
    throw ApiError(400, "InvalidObject",
                   "Each patch operation needs \"op\" and \"path\" strings, e.g. "
                   "{\"op\":\"replace\",\"path\":\"quantity\",\"value\":43}.");
  }
  const std::string op_name = to_lower_ascii(op->get_string());
  if (op_name != "add" && op_name != "replace" && op_name != "remove") {
    throw ApiError(400, "InvalidObject",
                   "Unsupported patch operation '" + std::string(op->get_string()) +
                       "'; use add, replace or remove.");
  }
  // "quantity" and "/quantity" both work; the name is case-sensitive.
  std::string_view member = path->get_string();
  if (!member.empty() && member.front() == '/') member.remove_prefix(1);
  const size_t slash = member.find('/');
  const std::string_view head = member.substr(0, slash);
  const FieldSpec* field = nullptr;
  for (const FieldSpec& candidate : entity_fields(Entity::kAddition)) {
    if (candidate.name == head) field = &candidate;
  }
  if (field == nullptr || (slash != std::string_view::npos && !is_nested(field->type))) {
    throw ApiError::invalid_object(
        "addition",
        {"InvalidField", "Unknown patch path '" + std::string(path->get_string()) + "'.",
         "addition", std::string(path->get_string())});
  }
  if (slash != std::string_view::npos) {
    // The documented pitfall: nested objects must be replaced whole; a sub-path is accepted
    // and silently does nothing.
    if (settings_.nested_patch_false_200) return false;
    throw ApiError::invalid_object(
        "addition",
        {"InvalidField",
         "'" + std::string(head) + "' must be replaced as a whole object, not by sub-path.",
         "addition", std::string(path->get_string())});
  }
  if (!is_writable_addition_field(field->name)) return false;  // recomputed by the server
  json::value value = nullptr;
  if (op_name != "remove") {
    const json::value* given = fields->if_contains("value");
    if (given == nullptr) {
      throw ApiError(400, "InvalidObject",
                     "The " + op_name + " operation on '" + std::string(head) + "' needs a value.");
    }
    value = *given;
  }
  try {
    if (normalize_member(Entity::kAddition, *field, value)) {
      addition[field->name] = std::move(value);
    } else {
      addition.erase(field->name);
    }
  } catch (const RecordError& error) {
    throw ApiError::invalid_object("addition", error.detail());
  }
  return true;
}

}  // namespace mb::sim::connectwise
