// Service tickets: the boards with their statuses and the priorities (read-only), tickets
// (list with conditions, read, create, patch), their notes, and system/mySecurity, the calling
// member's effective rights as the security role grants them.
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

std::vector<const json::object*> all_rows(const RecordTable& table) {
  std::vector<const json::object*> rows;
  rows.reserve(table.size());
  for (const auto& [id, record] : table) rows.push_back(&record);
  return rows;
}

json::object& stamp_new(json::object& record, const ApiCall& call) {
  const std::string when = now_timestamp();
  record["_info"] = json::object{{"lastUpdated", when},
                                 {"updatedBy", call.member->public_key},
                                 {"dateEntered", when},
                                 {"enteredBy", call.member->public_key}};
  return record;
}

int64_t next_id(const RecordTable& table, int64_t first) {
  return table.empty() ? first : std::max(first, table.rbegin()->first + 1);
}

// One row of system/mySecurity: a module function and the member's levels on it.
json::object security_row(int64_t id, std::string_view module, std::string_view function, bool add,
                          bool edit, bool inquire) {
  auto level = [](bool allowed) { return allowed ? "All" : "None"; };
  return json::object{{"id", id},
                      {"moduleIdentifier", module == "Service Desk" ? "Service" : "System"},
                      {"moduleName", module},
                      {"moduleFunctionName", function},
                      {"addLevel", level(add)},
                      {"editLevel", level(edit)},
                      {"deleteLevel", "None"},
                      {"inquireLevel", level(inquire)},
                      {"myAllFlag", false},
                      {"customFlag", false}};
}

}  // namespace

Response Api::list_boards(const ApiCall& call) {
  return list(call, Entity::kBoard, all_rows(model_.data().boards));
}

Response Api::get_board(const ApiCall& call) {
  return single(call, Entity::kBoard,
                find_record(model_.data().boards, id_parameter(call.request, "id"), "Board"));
}

Response Api::list_board_statuses(const ApiCall& call) {
  const int64_t board = id_parameter(call.request, "parentId");
  find_record(model_.data().boards, board, "Board");
  std::vector<const json::object*> rows;
  for (const auto& [id, status] : model_.data().board_statuses)
    if (status.at("board").get_object().at("id").get_int64() == board) rows.push_back(&status);
  return list(call, Entity::kBoardStatus, std::move(rows));
}

Response Api::list_priorities(const ApiCall& call) {
  return list(call, Entity::kPriority, all_rows(model_.data().priorities));
}

Response Api::list_tickets(const ApiCall& call) {
  return list(call, Entity::kTicket, all_rows(model_.data().tickets));
}

Response Api::count_tickets(const ApiCall& call) {
  return count(call, Entity::kTicket, all_rows(model_.data().tickets));
}

json::object& Api::find_ticket(const Request& request, std::string_view parameter) {
  const int64_t id = id_parameter(request, parameter);
  auto it = model_.data().tickets.find(id);
  if (it == model_.data().tickets.end())
    throw ApiError(404, "NotFound", "Ticket " + std::to_string(id) + " not found");
  return it->second;
}

Response Api::get_ticket(const ApiCall& call) {
  return single(call, Entity::kTicket, find_ticket(call.request, "id"));
}

// POST service/tickets: 201 with the full ticket. initialDescription becomes the first note
// (a discussion note) and is never echoed.
Response Api::create_ticket(const ApiCall& call) {
  json::value body = parse_body(call.request, "ticket");
  if (!body.is_object())
    throw ApiError(400, "InvalidObject", "ticket object is invalid: the body must be an object");
  json::object ticket = body.get_object();
  std::string description;
  for (const char* key : {"initialDescription", "initialdescription"})
    if (const json::value* d = ticket.if_contains(key); d != nullptr && d->is_string())
      description = std::string(d->get_string());
  for (const char* server_owned : {"id", "closedFlag", "closedDate", "closedBy", "_info"})
    ticket.erase(server_owned);
  Dataset& data = model_.data();
  const int64_t id = next_id(data.tickets, 54321);
  ticket["id"] = id;
  try {
    complete_ticket(ticket, data);
  } catch (const RecordError& error) {
    throw ApiError::invalid_object("ticket", error.detail());
  }
  if (ticket.at("closedFlag").get_bool()) {
    ticket["closedDate"] = now_timestamp();
    ticket["closedBy"] = call.member->public_key;
  }
  json::object& stored = data.tickets[id] = std::move(stamp_new(ticket, call));
  if (!description.empty()) {
    json::object note{{"id", next_id(data.notes, 1)},
                      {"ticketId", id},
                      {"text", description},
                      {"detailDescriptionFlag", true},
                      {"dateCreated", now_timestamp()},
                      {"createdBy", call.member->public_key}};
    complete_note(note);
    data.notes[note.at("id").get_int64()] = std::move(stamp_new(note, call));
  }
  return wire_json(201, stored);
}

// PATCH service/tickets/{id}: replace operations on status (by id or name), priority and
// summary. A status that closes the ticket needs Close Service Tickets; moving to one sets
// closedFlag, closedDate and closedBy, moving out clears them.
Response Api::patch_ticket(const ApiCall& call) {
  json::object& existing = find_ticket(call.request, "id");
  const json::value body = parse_body(call.request, "ticket");
  if (!body.is_array()) {
    throw ApiError(400, "InvalidObject",
                   "The request body must be a JSON array of patch operations, e.g. "
                   "[{\"op\":\"replace\",\"path\":\"status\",\"value\":{\"id\":109}}].");
  }
  json::object updated = existing;
  for (const json::value& operation : body.get_array()) {
    const json::object* fields = operation.if_object();
    const json::value* op = fields ? fields->if_contains("op") : nullptr;
    const json::value* path = fields ? fields->if_contains("path") : nullptr;
    const json::value* value = fields ? fields->if_contains("value") : nullptr;
    if (op == nullptr || !op->is_string() || path == nullptr || !path->is_string() ||
        value == nullptr || to_lower_ascii(op->get_string()) != "replace") {
      throw ApiError(400, "InvalidObject",
                     "Each patch operation needs \"op\":\"replace\", a \"path\" and a \"value\".");
    }
    std::string member(path->get_string());
    if (!member.empty() && member.front() == '/') member.erase(0, 1);
    if (member != "status" && member != "priority" && member != "summary") {
      throw ApiError::invalid_object(
          "ticket",
          {"InvalidField", "Unknown or read-only patch path '" + member + "'.", "ticket", member});
    }
    updated[member] = *value;
  }
  const bool was_closed = existing.at("closedFlag").get_bool();
  try {
    complete_ticket(updated, model_.data());
  } catch (const RecordError& error) {
    throw ApiError::invalid_object("ticket", error.detail());
  }
  const bool closes = updated.at("closedFlag").get_bool();
  if (closes && !was_closed && !permits(*call.member, "CLOSE", "service/tickets")) {
    throw ApiError(403, "Security", "You do not have security permission to perform this action.");
  }
  if (closes && !was_closed) {
    updated["closedDate"] = now_timestamp();
    updated["closedBy"] = call.member->public_key;
  } else if (!closes) {
    updated.erase("closedDate");
    updated.erase("closedBy");
  }
  stamp_change(updated, ChangeStamp{now_timestamp(), call.member->public_key});
  existing = std::move(updated);
  return wire_json(200, existing);
}

Response Api::list_ticket_notes(const ApiCall& call) {
  const int64_t ticket = find_ticket(call.request, "parentId").at("id").get_int64();
  std::vector<const json::object*> rows;
  for (const auto& [id, note] : model_.data().notes)
    if (note.at("ticketId").get_int64() == ticket) rows.push_back(&note);
  return list(call, Entity::kServiceNote, std::move(rows));
}

// POST service/tickets/{id}/notes: at least one of the three flags must be set.
Response Api::create_ticket_note(const ApiCall& call) {
  const int64_t ticket = find_ticket(call.request, "parentId").at("id").get_int64();
  json::value body = parse_body(call.request, "serviceNote");
  if (!body.is_object())
    throw ApiError(400, "InvalidObject",
                   "serviceNote object is invalid: the body must be an object");
  json::object note = body.get_object();
  for (const char* server_owned : {"id", "ticketId", "_info", "dateCreated", "createdBy"})
    note.erase(server_owned);
  Dataset& data = model_.data();
  const int64_t id = next_id(data.notes, 1);
  note["id"] = id;
  note["ticketId"] = ticket;
  note["dateCreated"] = now_timestamp();
  note["createdBy"] = call.member->public_key;
  try {
    complete_note(note);
  } catch (const RecordError& error) {
    throw ApiError::invalid_object("serviceNote", error.detail());
  }
  json::object& stored = data.notes[id] = std::move(stamp_new(note, call));
  return wire_json(201, stored);
}

// GET system/mySecurity: the rows a ticketing integration checks, from the member's role.
Response Api::my_security(const ApiCall& call) {
  const ApiMember& m = *call.member;
  json::array rows;
  rows.push_back(
      security_row(1, "Service Desk", "Service Tickets", permits(m, "POST", "service/tickets"),
                   permits(m, "PATCH", "service/tickets"), permits(m, "GET", "service/tickets")));
  rows.push_back(security_row(2, "Service Desk", "Close Service Tickets", false,
                              permits(m, "CLOSE", "service/tickets"),
                              permits(m, "GET", "service/tickets")));
  rows.push_back(security_row(3, "System", "Table Setup", permits(m, "POST", "service/boards"),
                              permits(m, "PATCH", "service/boards"),
                              permits(m, "GET", "service/boards")));
  return wire_json(200, rows);
}

}  // namespace mb::sim::connectwise
