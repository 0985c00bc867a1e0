#include "internal/tickets.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "internal/conditions.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

// ConnectWise's limits on a ticket (summary, externalXRef: 100 characters each).
constexpr size_t kSummaryLimit = 100;
constexpr size_t kXRefLimit = 100;

int64_t id_or_zero(const json::object& row) {
  return whole_number(row.if_contains("id")).value_or(0);
}
std::string row_name(const json::object& row) { return text(row.if_contains("name")).value_or(""); }
bool row_flag(const json::object& row, std::string_view key) {
  return boolean(row.if_contains(key)).value_or(false);
}

// The id a request names, as ConnectWise's int32 id; config_invalid otherwise.
int64_t platform_id(const std::string& id, const char* what) {
  std::optional<int64_t> parsed = parse_id(id);
  if (!parsed || *parsed < 1)
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      std::string(what) + " '" + id + "' is not a ConnectWise id");
  return *parsed;
}

// `text` cut to `limit` code points, ending in "…" when cut.
std::string truncated(const std::string& full, size_t limit) {
  std::vector<size_t> starts;  // where each code point begins
  for (size_t i = 0; i < full.size(); ++i)
    if ((static_cast<unsigned char>(full[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() <= limit) return full;
  return full.substr(0, starts[limit - 1]) + "\xE2\x80\xA6";
}

bool plain_reference(std::string_view reference) {
  for (char c : reference) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ':' || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void expect_ok(const HttpResponse& r, std::string_view what) {
  if (!r.ok()) throw_failure(failure_for(r, what));
}

json::object parse_object(const HttpResponse& r, std::string_view what) {
  std::optional<json::object> o = parse_json_object(r.body);
  if (!o)
    throw PluginError(MB_STATUS_RETRY, std::string(what) + ": the answer is not a JSON object");
  return std::move(*o);
}

// The tickets carrying `xref` on the company, lowest id first.
std::vector<json::object> tickets_with(Call& call, Client& client, const std::string& xref,
                                       int64_t company) {
  Query q("service/tickets");
  q.set("conditions",
        all_of({"externalXRef=\"" + xref + "\"", "company/id=" + std::to_string(company)}))
      .set("fields", "id,closedFlag,status/id,board/id")
      .set("orderBy", "id asc")
      .set("pageSize", "25");
  HttpResponse r = client.execute(call, {{"GET", q.target(), "", "tickets"}}).front();
  expect_ok(r, "search tickets");
  std::optional<std::vector<json::object>> rows = parse_json_objects(r.body);
  if (!rows) throw PluginError(MB_STATUS_RETRY, "search tickets: the answer is not a list");
  return std::move(*rows);
}

OpenTicketResult found(const json::object& row) {
  OpenTicketResult result;
  result.ticket_id = std::to_string(id_or_zero(row));
  result.outcome = TicketOutcome::kFound;
  result.closed = row_flag(row, "closedFlag");
  result.message = "ticket " + result.ticket_id + " already carries this alert's reference";
  return result;
}

// The ticket's board and whether it is closed, or nullopt when it does not exist.
std::optional<json::object> read_ticket(Call& call, Client& client, int64_t id) {
  HttpResponse r = client
                       .execute(call, {{"GET",
                                        "service/tickets/" + std::to_string(id) +
                                            "?fields=id,board/id,status/id,closedFlag",
                                        "", "tickets"}})
                       .front();
  if (r.status == 404) return std::nullopt;
  expect_ok(r, "read ticket " + std::to_string(id));
  return parse_object(r, "read ticket");
}

// The first closed status of the board, by sort order.
int64_t closed_status_of(Call& call, Client& client, int64_t board) {
  Query q("service/boards/" + std::to_string(board) + "/statuses");
  q.set("conditions", "inactive=false and closedStatus=true")
      .set("fields", "id,name,sortOrder")
      .set("orderBy", "sortOrder asc");
  HttpResponse r = client.execute(call, {{"GET", q.target(), "", "boards"}}).front();
  expect_ok(r, "read the board's statuses");
  std::optional<std::vector<json::object>> rows = parse_json_objects(r.body);
  if (!rows || rows->empty())
    throw PluginError(MB_STATUS_CONFLICT, "board " + std::to_string(board) +
                                              " has no active status that closes a ticket");
  return id_or_zero(rows->front());
}

}  // namespace

std::string ticket_xref(std::string_view reference) {
  if (reference.size() <= kXRefLimit && plain_reference(reference)) return std::string(reference);
  return ticket_reference_digest(reference);
}

ListTicketBoardsResult list_ticket_boards(Call& call, Client& client) {
  client.begin_hook();
  client.ensure_discovered(call);
  Query boards("service/boards");
  boards.set("conditions", "inactiveFlag=false and projectFlag=false")
      .set("fields", "id,name")
      .set("orderBy", "name asc");
  Query priorities("service/priorities");
  priorities.set("fields", "id,name,sortOrder,level,defaultFlag").set("orderBy", "sortOrder asc");
  std::vector<std::vector<json::object>> lists =
      fetch_all(call, client,
                {{boards, "boards", "list service boards", false},
                 {priorities, "priorities", "list priorities", false}});
  std::vector<ListQuery> status_lists;
  for (const json::object& board : lists[0]) {
    Query q("service/boards/" + std::to_string(id_or_zero(board)) + "/statuses");
    q.set("conditions", "inactive=false")
        .set("fields", "id,name,sortOrder,defaultFlag,closedStatus")
        .set("orderBy", "sortOrder asc");
    status_lists.push_back({q, "boards", "list board statuses", true});
  }
  std::vector<std::vector<json::object>> statuses = fetch_all(call, client, status_lists);
  ListTicketBoardsResult result;
  for (size_t i = 0; i < lists[0].size(); ++i) {
    TicketBoard& board = result.boards.emplace_back();
    board.id = std::to_string(id_or_zero(lists[0][i]));
    board.name = row_name(lists[0][i]);
    for (const json::object& s : statuses[i])
      board.statuses.push_back(TicketStatus{std::to_string(id_or_zero(s)), row_name(s),
                                            row_flag(s, "defaultFlag"),
                                            row_flag(s, "closedStatus")});
  }
  for (const json::object& p : lists[1]) {
    std::string level = ascii_lower(text(p.if_contains("level")).value_or(""));
    result.priorities.push_back(TicketPriority{std::to_string(id_or_zero(p)), row_name(p),
                                               row_flag(p, "defaultFlag"),
                                               from_wire<PriorityLevel>(level)});
  }
  return result;
}

TicketPermissions check_ticket_permissions(Call& call, Client& client,
                                           const CheckTicketPermissionsRequest& request) {
  client.begin_hook();
  client.ensure_discovered(call);
  std::vector<ApiRequest> requests = {
      {"GET", "system/mySecurity", "", "security"},
      {"GET", "service/boards?pageSize=1&fields=id", "", "boards"},
      {"GET", "service/tickets?pageSize=1&fields=id", "", "tickets"}};
  if (request.board_id)
    requests.push_back({"GET",
                        "service/boards/" +
                            std::to_string(platform_id(*request.board_id, "board")) +
                            "/statuses?pageSize=1&fields=id",
                        "", "boards"});
  std::vector<HttpResponse> r = client.execute(call, requests);
  for (const HttpResponse& response : r)
    if (response.status == 0 || response.status == 401 || response.status == 429 ||
        response.status >= 500)
      throw_failure(failure_for(response, "check ticket permissions"));
  TicketPermissions p;
  const bool boards_readable = r[1].ok() && (r.size() < 4 || r[3].ok());
  const bool tickets_readable = r[2].ok();
  if (!boards_readable)
    p.missing.push_back("System > Table Setup (Service Board): Inquire Level All");
  if (r.size() == 4 && r[3].status == 404)
    p.message = "board " + *request.board_id + " does not exist";
  // mySecurity says what reads cannot prove: the right to add, edit and close. A role that
  // cannot even read its own rights proves nothing, so nothing is granted.
  bool add = false, edit = false, may_close = false, inquire = tickets_readable;
  if (r[0].ok()) {
    for (const json::object& row :
         parse_json_objects(r[0].body).value_or(std::vector<json::object>{})) {
      std::string function = ascii_lower(text(row.if_contains("moduleFunctionName")).value_or(""));
      auto level = [&](const char* key) {
        return ascii_lower(text(row.if_contains(key)).value_or("none")) != "none";
      };
      if (function == "service tickets") {
        add = level("addLevel");
        edit = level("editLevel");
        inquire = inquire && level("inquireLevel");
      } else if (function == "close service tickets") {
        may_close = level("editLevel");
      }
    }
  } else {
    p.message = "cannot read the member's rights (system/mySecurity: HTTP " +
                std::to_string(r[0].status) + ")";
  }
  if (!inquire) p.missing.push_back("Service Desk > Service Tickets: Inquire Level All");
  if (!add) p.missing.push_back("Service Desk > Service Tickets: Add Level All");
  if (!edit) p.missing.push_back("Service Desk > Service Tickets: Edit Level All");
  if (!may_close) p.missing.push_back("Service Desk > Close Service Tickets: Edit Level All");
  p.can_list = boards_readable;
  p.can_create = add && inquire;
  p.can_update = edit && inquire;
  p.can_close = may_close && edit && inquire;
  return p;
}

OpenTicketResult open_ticket(Call& call, Client& client, const OpenTicketRequest& request) {
  client.begin_hook();
  client.ensure_discovered(call);
  const int64_t company = platform_id(request.account_id, "company");
  const std::string xref = ticket_xref(request.reference);
  if (request.search_first) {
    std::vector<json::object> rows = tickets_with(call, client, xref, company);
    if (!rows.empty()) return found(rows.front());
  }
  json::object ticket{
      {"summary",
       truncated(request.title.empty() ? request.reference : request.title, kSummaryLimit)},
      {"recordType", "ServiceTicket"},
      {"company", json::object{{"id", company}}},
      {"externalXRef", xref},
      {"initialDescription", request.description}};
  if (request.board_id)
    ticket["board"] = json::object{{"id", platform_id(*request.board_id, "board")}};
  if (request.status_id)
    ticket["status"] = json::object{{"id", platform_id(*request.status_id, "status")}};
  if (request.priority_id)
    ticket["priority"] = json::object{{"id", platform_id(*request.priority_id, "priority")}};
  if (request.type_id) ticket["type"] = json::object{{"id", platform_id(*request.type_id, "type")}};
  if (request.subtype_id)
    ticket["subType"] = json::object{{"id", platform_id(*request.subtype_id, "sub-type")}};
  HttpResponse r =
      client.execute(call, {{"POST", "service/tickets", json::serialize(ticket), "tickets"}})
          .front();
  if (r.status == 201 || r.status == 200) {
    std::optional<json::object> created = parse_json_object(r.body);
    if (created && id_or_zero(*created) > 0) {
      OpenTicketResult result;
      result.ticket_id = std::to_string(id_or_zero(*created));
      result.outcome = TicketOutcome::kCreated;
      result.closed = row_flag(*created, "closedFlag");
      return result;
    }
  }
  const bool unknown = r.status == 0 ? (!r.error || r.error->sent) : (r.ok() || r.status >= 500);
  if (!unknown) throw_failure(failure_for(r, "create ticket"));
  // The create may have happened: what ConnectWise holds decides, never a second POST.
  std::vector<json::object> rows = tickets_with(call, client, xref, company);
  if (!rows.empty()) return found(rows.front());
  throw PluginError(MB_STATUS_RETRY,
                    "create ticket: no answer from ConnectWise and no ticket carries the "
                    "reference yet; the next run searches again before creating");
}

TicketChangeResult add_ticket_note(Call& call, Client& client,
                                   const AddTicketNoteRequest& request) {
  client.begin_hook();
  client.ensure_discovered(call);
  const std::string id = std::to_string(platform_id(request.ticket_id, "ticket"));
  const std::string marker = "[" + request.note_key + "]";
  HttpResponse listed =
      client
          .execute(call, {{"GET", "service/tickets/" + id + "/notes?orderBy=id%20desc&pageSize=100",
                           "", "tickets"}})
          .front();
  if (listed.status == 404)
    throw PluginError(MB_STATUS_NOT_FOUND, "ticket " + id + " does not exist");
  expect_ok(listed, "read the ticket's notes");
  for (const json::object& note :
       parse_json_objects(listed.body).value_or(std::vector<json::object>{}))
    if (text(note.if_contains("text")).value_or("").find(marker) != std::string::npos)
      return TicketChangeResult{request.ticket_id, TicketOutcome::kUnchanged,
                                "the ticket already has this note"};
  json::object note{{"text", request.text + "\n" + marker},
                    {"detailDescriptionFlag", true},
                    {"internalAnalysisFlag", false},
                    {"resolutionFlag", false},
                    {"processNotifications", false}};
  HttpResponse r =
      client
          .execute(call,
                   {{"POST", "service/tickets/" + id + "/notes", json::serialize(note), "tickets"}})
          .front();
  if (r.status == 404) throw PluginError(MB_STATUS_NOT_FOUND, "ticket " + id + " does not exist");
  expect_ok(r, "add a note to ticket " + id);
  return TicketChangeResult{request.ticket_id, TicketOutcome::kNoted, ""};
}

TicketChangeResult close_ticket(Call& call, Client& client, const CloseTicketRequest& request) {
  client.begin_hook();
  client.ensure_discovered(call);
  const int64_t id = platform_id(request.ticket_id, "ticket");
  std::optional<json::object> ticket = read_ticket(call, client, id);
  if (!ticket)
    throw PluginError(MB_STATUS_NOT_FOUND, "ticket " + request.ticket_id + " does not exist");
  if (row_flag(*ticket, "closedFlag"))
    return TicketChangeResult{request.ticket_id, TicketOutcome::kAlreadyClosed,
                              "the ticket was already closed"};
  const json::value* board = ticket->if_contains("board");
  const int64_t board_id =
      board != nullptr && board->is_object() ? id_or_zero(board->get_object()) : 0;
  const int64_t status = request.status_id ? platform_id(*request.status_id, "status")
                                           : closed_status_of(call, client, board_id);
  json::array patch{
      json::object{{"op", "replace"}, {"path", "status"}, {"value", json::object{{"id", status}}}}};
  HttpResponse r = client
                       .execute(call, {{"PATCH", "service/tickets/" + std::to_string(id),
                                        json::serialize(patch), "tickets"}})
                       .front();
  if (r.status == 403)
    throw PluginError(MB_STATUS_AUTH_FAILED,
                      "close ticket " + request.ticket_id +
                          ": the API member's role lacks Service Desk > Close Service Tickets "
                          "(HTTP 403)");
  if (!r.ok() && r.status != 0 && r.status < 500) throw_failure(failure_for(r, "close ticket"));
  // An absolute status: what ConnectWise now holds says whether it closed.
  std::optional<json::object> after = read_ticket(call, client, id);
  if (!after || !row_flag(*after, "closedFlag"))
    throw PluginError(MB_STATUS_RETRY, "close ticket " + request.ticket_id +
                                           ": ConnectWise does not show it closed yet");
  return TicketChangeResult{request.ticket_id, TicketOutcome::kClosed, ""};
}

}  // namespace meterbridge::connectwise
