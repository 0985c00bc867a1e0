// The tenant's ticket writes: Tickets created and updated (sparse, by id in the body) and their
// notes, checked the way tickets-autotask.md sections 1 to 4 describe.
#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sim/autotask/internal/model.h"
#include "sim/autotask/internal/model_rules.h"
#include "sim/core/http_types.h"

namespace mb::sim::autotask {

namespace json = boost::json;
using namespace model_rules;  // the tenant's own shared rules

namespace {

// The resource the API user acts as: creator and completer of what it writes.
constexpr int64_t kApiResourceID = 29682885;

// Where each code point of `text` begins.
std::vector<size_t> code_point_starts(const std::string& text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  return starts;
}

const PicklistValue* picklist_entry(const FieldDef& def, int64_t value) {
  for (const PicklistValue& entry : def.picklist)
    if (entry.value == value) return &entry;
  return nullptr;
}

// Strings longer than the field allows: refused with the field named, or cut (a switch: the
// reference does not know which Autotask does).
void check_lengths(const EntitySchema& schema, Record& record, bool truncate) {
  for (size_t index = 0; index < schema.fields.size(); ++index) {
    const FieldDef& def = schema.fields[index];
    auto* text = std::get_if<std::string>(&record.values[index]);
    if (def.length <= 0 || text == nullptr) continue;
    const std::vector<size_t> starts = code_point_starts(*text);
    if (static_cast<int64_t>(starts.size()) <= def.length) continue;
    if (!truncate) {
      throw business_error(
          "The value of field " + def.name + " is " + std::to_string(starts.size()) +
          " characters long; its maximum length is " + std::to_string(def.length) + ".");
    }
    text->resize(starts[static_cast<size_t>(def.length)]);
  }
}

// Picklist values must be active on a write (inactive ones exist, and stay on old records).
void check_active_picklists(const EntitySchema& schema, const Record& record,
                            const Record* before) {
  for (size_t index = 0; index < schema.fields.size(); ++index) {
    const FieldDef& def = schema.fields[index];
    const std::optional<int64_t> value = record.integer(index);
    if (def.picklist.empty() || !value) continue;
    if (before != nullptr && before->integer(index) == value) continue;  // unchanged
    const PicklistValue* entry = picklist_entry(def, *value);
    if (entry == nullptr || !entry->is_active)
      throw business_error("Value does not reference an existing entity for " + def.name + " . ");
  }
}

}  // namespace

void Tenant::check_ticket(Record& ticket, const TicketRules& rules) const {
  const EntitySchema& schema = tickets_schema();
  check_lengths(schema, ticket, rules.truncate_long_strings);
  check_required(schema, ticket);
  for (const std::string& name : rules.required_fields) {
    if (auto index = schema.find_field(name);
        index && std::holds_alternative<std::monostate>(ticket.values[*index]))
      throw missing_field(schema.fields[*index].name);
  }
  const bool has_queue = ticket.integer(schema.field_index("queueID")).has_value();
  const bool has_resource = ticket.integer(schema.field_index("assignedResourceID")).has_value();
  const bool has_role = ticket.integer(schema.field_index("assignedResourceRoleID")).has_value();
  if (has_resource != has_role) {
    throw business_error(
        "When assigning a Resource, you must assign both a assignedResourceID and "
        "assignedResourceRoleID.");
  }
  if (!has_queue && !has_resource) {
    throw business_error(
        "AssignedResourceID, AssignedResourceRoleID, and QueueID cannot all be empty. Supply a "
        "QueueID or both a AssignedResourceID and AssignedResourceRoleID.");
  }
  check_reference_values(schema, ticket);
  const size_t sub_field = schema.field_index("subIssueType");
  if (const std::optional<int64_t> sub = ticket.integer(sub_field)) {
    const PicklistValue* entry = picklist_entry(schema.fields[sub_field], *sub);
    const std::optional<int64_t> issue = ticket.integer(schema.field_index("issueType"));
    if (entry != nullptr && entry->parent_value != issue) {
      throw business_error("subIssueType " + std::to_string(*sub) +
                           " does not belong to issueType " +
                           (issue ? std::to_string(*issue) : std::string("(none)")) + ".");
    }
  }
}

int64_t Tenant::create_ticket(const json::object& body, const TicketRules& rules) {
  const EntitySchema& schema = tickets_schema();
  Record ticket(schema);
  apply_body(schema, body, ticket);
  check_active_picklists(schema, ticket, nullptr);
  check_ticket(ticket, rules);
  const int64_t now = now_millis();
  const int64_t id = std::max<int64_t>(tickets_.next_id(), 128901);
  ticket.values[0] = id;
  char number[32];
  const std::string today = format_date(day_of(now));  // yyyy-MM-dd
  std::snprintf(number, sizeof number, "T%s%s%s.%04lld", today.substr(0, 4).c_str(),
                today.substr(5, 2).c_str(), today.substr(8, 2).c_str(),
                static_cast<long long>(++tickets_numbered_ % 10000));
  ticket.values[schema.field_index("ticketNumber")] = std::string(number);
  ticket.values[schema.field_index("createDate")] = now;
  ticket.values[schema.field_index("lastActivityDate")] = now;
  ticket.values[schema.field_index("creatorResourceID")] = kApiResourceID;
  if (ticket.integer(schema.field_index("status")) == kTicketStatusComplete) {
    ticket.values[schema.field_index("completedDate")] = now;
    ticket.values[schema.field_index("completedByResourceID")] = kApiResourceID;
  }
  return tickets_.insert(std::move(ticket)).id();
}

int64_t Tenant::update_ticket(const json::object& body, const TicketRules& rules) {
  const EntitySchema& schema = tickets_schema();
  const std::optional<int64_t> id = body_integer(body, schema.fields[0]);
  if (!id) throw missing_field("id");
  Record* existing = tickets_.find_mutable(*id);
  if (existing == nullptr)
    throw HttpError(404, "No Ticket with id " + std::to_string(*id) + " was found.");
  Record updated = *existing;
  apply_body(schema, body, updated);
  check_active_picklists(schema, updated, existing);
  check_ticket(updated, rules);
  const int64_t now = now_millis();
  const size_t status = schema.field_index("status");
  const bool complete = updated.integer(status) == kTicketStatusComplete;
  if (complete && existing->integer(status) != kTicketStatusComplete) {
    updated.values[schema.field_index("completedDate")] = now;
    updated.values[schema.field_index("completedByResourceID")] = kApiResourceID;
  } else if (!complete) {
    updated.values[schema.field_index("completedDate")] = std::monostate{};
    updated.values[schema.field_index("completedByResourceID")] = std::monostate{};
  }
  updated.values[schema.field_index("lastActivityDate")] = now;
  *existing = std::move(updated);
  return *id;
}

std::vector<const Row*> Tenant::notes_of(int64_t ticket_id) const {
  if (tickets_.find(ticket_id) == nullptr)
    throw HttpError(404, "No Ticket with id " + std::to_string(ticket_id) + " was found.");
  const size_t parent = ticket_notes_schema().field_index("ticketID");
  std::vector<const Row*> notes;
  for (const auto& [id, note] : ticket_notes_.rows())
    if (note.integer(parent) == ticket_id) notes.push_back(&note);
  return notes;
}

int64_t Tenant::create_ticket_note(int64_t ticket_id, const json::object& body,
                                   const TicketRules& rules) {
  const EntitySchema& schema = ticket_notes_schema();
  Record* ticket = tickets_.find_mutable(ticket_id);
  if (ticket == nullptr)
    throw HttpError(404, "No Ticket with id " + std::to_string(ticket_id) + " was found.");
  const size_t parent = schema.field_index("ticketID");
  if (auto named = body_integer(body, schema.fields[parent]); named && *named != ticket_id) {
    throw business_error("ticketID " + std::to_string(*named) +
                         " does not match the parent ticket " + std::to_string(ticket_id) + ".");
  }
  Record note(schema);
  apply_body(schema, body, note);
  note.values[parent] = ticket_id;
  check_active_picklists(schema, note, nullptr);
  check_lengths(schema, note, rules.truncate_long_strings);
  check_required(schema, note);
  const int64_t now = now_millis();
  note.values[0] = std::max<int64_t>(ticket_notes_.next_id(), 30001);
  note.values[schema.field_index("createDateTime")] = now;
  note.values[schema.field_index("lastActivityDate")] = now;
  note.values[schema.field_index("creatorResourceID")] = kApiResourceID;
  ticket->values[tickets_schema().field_index("lastActivityDate")] = now;
  return ticket_notes_.insert(std::move(note)).id();
}

}  // namespace mb::sim::autotask
