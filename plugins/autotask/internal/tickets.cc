#include "internal/tickets.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "internal/query.h"
#include "internal/wire.h"

namespace meterbridge::autotask {
namespace {

namespace json = boost::json;

// Autotask's limits on a ticket and a note (tickets-autotask.md section 4).
constexpr size_t kTitleLimit = 255;
constexpr size_t kDescriptionLimit = 8000;
constexpr size_t kExternalIdLimit = 50;
constexpr size_t kNoteTitleLimit = 250;
constexpr size_t kNoteDescriptionLimit = 32000;
constexpr size_t kResolutionLimit = 32000;
// System statuses: every tenant has them, and they cannot be edited or deactivated.
constexpr int64_t kStatusNew = 1;
constexpr int64_t kStatusComplete = 5;

struct PicklistEntry {
  int64_t value = 0;
  std::string label;
  bool is_default = false;
  std::optional<int64_t> parent;
};
// Active values per field, by the field's name in lower case.
using ActivePicklists = std::map<std::string, std::vector<PicklistEntry>>;

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// `full` cut to `limit` code points, ending in "…" when cut.
std::string cut_to(const std::string& full, size_t limit) {
  std::vector<size_t> starts;  // where each code point begins
  for (size_t i = 0; i < full.size(); ++i)
    if ((static_cast<unsigned char>(full[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() <= limit) return full;
  return full.substr(0, starts[limit - 1]) + "\xE2\x80\xA6";
}

// The id a request names, as an Autotask id; config_invalid otherwise.
int64_t autotask_id(const std::string& id, const char* what) {
  std::optional<int64_t> parsed = parse_whole_number(id);
  if (!parsed || *parsed < 0)
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      std::string(what) + " '" + id + "' is not an Autotask id");
  return *parsed;
}

HttpRequest api_request(std::string method, std::string url, std::string endpoint,
                        std::optional<std::string> body = std::nullopt) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.endpoint = std::move(endpoint);
  r.body = std::move(body);
  return r;
}

[[noreturn]] void fail_with(const HttpResponse& r, const std::string& what) {
  HttpFailure failure = classify_failure(r);
  failure.message = what + ": " + failure.message;
  throw_failure(failure);
}

json::object object_of(const HttpResponse& r, const std::string& what) {
  std::optional<json::object> o = parse_json_object(r.body);
  if (!o) throw PluginError(MB_STATUS_RETRY, what + ": Autotask's answer is not a JSON object");
  return std::move(*o);
}

ActivePicklists active_picklists(const json::object& doc) {
  ActivePicklists out;
  const json::value* fields = field_any_case(doc, "fields");
  if (fields == nullptr || !fields->is_array()) return out;
  for (const json::value& f : fields->get_array()) {
    if (!f.is_object()) continue;
    const json::value* values = field_any_case(f.get_object(), "picklistValues");
    if (values == nullptr || !values->is_array()) continue;
    std::vector<PicklistEntry>& entries =
        out[lower_ascii(text(field_any_case(f.get_object(), "name")).value_or(""))];
    for (const json::value& v : values->get_array()) {
      if (!v.is_object()) continue;
      const json::object& row = v.get_object();
      if (!boolean(field_any_case(row, "isActive")).value_or(true)) continue;
      // Picklist values are strings on the wire; some clients see numbers.
      auto number_of = [&](std::string_view key) -> std::optional<int64_t> {
        const json::value* x = field_any_case(row, key);
        if (auto s = text(x); s) return parse_whole_number(*s);
        return whole_number(x);
      };
      std::optional<int64_t> value = number_of("value");
      if (!value) continue;
      entries.push_back(
          PicklistEntry{*value, text(field_any_case(row, "label")).value_or(""),
                        boolean(field_any_case(row, "isDefaultValue")).value_or(false),
                        number_of("parentValue")});
    }
  }
  return out;
}

// GET {entity}/entityInformation/fields: the active picklist values of its fields.
ActivePicklists read_active_picklists(AutotaskClient& client, Call& call,
                                      const std::string& entity) {
  HttpResponse r =
      client.send(call, {api_request("GET", entity + "/entityInformation/fields", entity)}).front();
  if (r.status != 200) fail_with(r, "read the " + entity + " picklists");
  return active_picklists(object_of(r, "read the " + entity + " picklists"));
}

const std::vector<PicklistEntry>& entries_of(const ActivePicklists& lists, const char* field) {
  static const std::vector<PicklistEntry> kNone;
  auto it = lists.find(field);
  return it == lists.end() ? kNone : it->second;
}

// The default active value of a picklist, else `fallback` when it is active, else the first.
std::optional<int64_t> default_of(const std::vector<PicklistEntry>& entries,
                                  std::optional<int64_t> fallback = std::nullopt) {
  for (const PicklistEntry& e : entries)
    if (e.is_default) return e.value;
  for (const PicklistEntry& e : entries)
    if (fallback && e.value == *fallback) return e.value;
  if (entries.empty()) return fallback;
  return entries.front().value;
}

std::optional<PriorityLevel> level_from_label(const std::string& label) {
  const std::string l = lower_ascii(label);
  if (l.find("critical") != std::string::npos || l.find("urgent") != std::string::npos ||
      l.find("emergency") != std::string::npos)
    return PriorityLevel::kCritical;
  if (l.find("high") != std::string::npos) return PriorityLevel::kHigh;
  if (l.find("medium") != std::string::npos || l.find("normal") != std::string::npos)
    return PriorityLevel::kMedium;
  if (l.find("low") != std::string::npos) return PriorityLevel::kLow;
  return std::nullopt;
}

// The tickets carrying `external_id` on the company, lowest id first.
std::vector<json::object> tickets_carrying(AutotaskClient& client, Call& call,
                                           const std::string& external_id, int64_t company) {
  std::vector<json::object> rows = client.query_all(
      call, "Tickets",
      {query_model({equals("externalID", json::value(external_id)), equals("companyID", company)},
                   {"id", "status", "completedDate", "queueID"}, 10)});
  std::sort(rows.begin(), rows.end(), [](const json::object& a, const json::object& b) {
    return whole_number(field_any_case(a, "id")).value_or(0) <
           whole_number(field_any_case(b, "id")).value_or(0);
  });
  return rows;
}

bool is_complete(const json::object& ticket) {
  return whole_number(field_any_case(ticket, "status")) == kStatusComplete;
}

OpenTicketResult found_ticket(const json::object& row) {
  OpenTicketResult result;
  result.ticket_id = std::to_string(whole_number(field_any_case(row, "id")).value_or(0));
  result.outcome = TicketOutcome::kFound;
  result.closed = is_complete(row);
  result.message = "ticket " + result.ticket_id + " already carries this alert's reference";
  return result;
}

// GET Tickets/{id}: the ticket, or nullopt when Autotask has none with that id.
std::optional<json::object> read_ticket_item(AutotaskClient& client, Call& call, int64_t id) {
  HttpResponse r =
      client.send(call, {api_request("GET", "Tickets/" + std::to_string(id), "Tickets")}).front();
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) fail_with(r, "read ticket " + std::to_string(id));
  json::object doc = object_of(r, "read ticket");
  const json::value* item = field_any_case(doc, "item");
  if (item == nullptr || item->is_null()) return std::nullopt;
  if (!item->is_object()) throw PluginError(MB_STATUS_RETRY, "read ticket: no item");
  return item->get_object();
}

// userAccessFor<verb> of an entityInformation answer; "None" when absent.
std::string access_for(const HttpResponse& r, const char* verb) {
  std::optional<json::object> doc = parse_json_object(r.body);
  const json::value* info = doc ? field_any_case(*doc, "info") : nullptr;
  if (info == nullptr || !info->is_object()) return "None";
  return text(field_any_case(info->get_object(), std::string("userAccessFor") + verb))
      .value_or("None");
}

}  // namespace

std::string ticket_external_id(std::string_view reference) {
  if (reference.size() <= kExternalIdLimit) return std::string(reference);
  return ticket_reference_digest(reference);
}

ListTicketBoardsResult list_ticket_boards(AutotaskClient& client, Call& call) {
  const ActivePicklists lists = read_active_picklists(client, call, "Tickets");
  const std::vector<PicklistEntry>& statuses = entries_of(lists, "status");
  const std::optional<int64_t> new_status = default_of(statuses, kStatusNew);
  std::vector<TicketStatus> board_statuses;
  for (const PicklistEntry& s : statuses)
    board_statuses.push_back(TicketStatus{std::to_string(s.value), s.label, new_status == s.value,
                                          s.value == kStatusComplete});
  std::vector<TicketType> types;
  for (const PicklistEntry& issue : entries_of(lists, "issuetype")) {
    TicketType& type = types.emplace_back();
    type.id = std::to_string(issue.value);
    type.name = issue.label;
    for (const PicklistEntry& sub : entries_of(lists, "subissuetype"))
      if (sub.parent == issue.value)
        type.subtypes.push_back(TicketSubtype{std::to_string(sub.value), sub.label});
  }
  ListTicketBoardsResult result;
  for (const PicklistEntry& queue : entries_of(lists, "queueid"))
    result.boards.push_back(
        TicketBoard{std::to_string(queue.value), queue.label, board_statuses, types});
  for (const PicklistEntry& p : entries_of(lists, "priority"))
    result.priorities.push_back(
        TicketPriority{std::to_string(p.value), p.label, p.is_default, level_from_label(p.label)});
  return result;
}

TicketPermissions check_ticket_permissions(AutotaskClient& client, Call& call,
                                           const CheckTicketPermissionsRequest& request) {
  std::vector<HttpRequest> requests = {
      api_request("GET", "Tickets/entityInformation", "Tickets"),
      api_request("GET", "TicketNotes/entityInformation", "TicketNotes"),
      api_request("GET", "Companies/entityInformation", "Companies"),
      api_request("POST", "Tickets/query", "Tickets",
                  json::serialize(query_model({greater_or_equal("id", 0)}, {"id"}, 1)))};
  if (request.board_id)
    requests.push_back(api_request("GET", "Tickets/entityInformation/fields", "Tickets"));
  std::vector<HttpResponse> r = client.send(call, requests);
  for (const HttpResponse& response : r)
    if (response.status != 200 && !is_permission_refusal(response))
      fail_with(response, "check ticket permissions");

  TicketPermissions p;
  const std::string view = r[0].status == 200 ? access_for(r[0], "Query") : "None";
  const std::string add = r[0].status == 200 ? access_for(r[0], "Create") : "None";
  const std::string edit = r[0].status == 200 ? access_for(r[0], "Update") : "None";
  const std::string note = r[1].status == 200 ? access_for(r[1], "Create") : "None";
  const std::string companies = r[2].status == 200 ? access_for(r[2], "Query") : "None";
  const bool probe = r[3].status == 200;
  const bool tickets_visible = view != "None" && probe;
  if (!tickets_visible) p.missing.push_back("Security Level > Service Desk > Tickets: View");
  if (add == "None") p.missing.push_back("Security Level > Service Desk > Tickets: Add");
  if (edit == "None") p.missing.push_back("Security Level > Service Desk > Tickets: Edit");
  if (note == "None") p.missing.push_back("Security Level > Service Desk > Ticket Notes: Add");
  if (companies == "None") p.missing.push_back("Security Level > CRM > Companies: View");
  p.can_list = r[0].status == 200;
  p.can_create = tickets_visible && add != "None" && companies != "None";
  p.can_update = tickets_visible && edit != "None" && note != "None";
  p.can_close = tickets_visible && edit != "None";
  for (const std::string* level : {&view, &add, &edit, &note})
    if (*level == "Restricted")
      p.message =
          "some ticket rights are Restricted: writes may fail for tickets the security "
          "level does not cover";
  if (request.board_id && r.size() == 5 && r[4].status == 200) {
    const ActivePicklists lists = active_picklists(object_of(r[4], "read the Tickets picklists"));
    const std::optional<int64_t> queue = parse_whole_number(*request.board_id);
    const std::vector<PicklistEntry>& queues = entries_of(lists, "queueid");
    if (!queue || std::none_of(queues.begin(), queues.end(),
                               [&](const PicklistEntry& e) { return e.value == *queue; })) {
      p.message = "queue " + *request.board_id + " does not exist or is inactive";
      p.can_create = false;
    }
  }
  return p;
}

OpenTicketResult open_ticket(AutotaskClient& client, Call& call, const OpenTicketRequest& request) {
  const int64_t company = autotask_id(request.account_id, "company");
  const std::string external_id = ticket_external_id(request.reference);
  if (request.search_first) {
    std::vector<json::object> rows = tickets_carrying(client, call, external_id, company);
    if (!rows.empty()) return found_ticket(rows.front());
  }
  std::optional<int64_t> status =
      request.status_id ? std::optional(autotask_id(*request.status_id, "status")) : std::nullopt;
  std::optional<int64_t> priority =
      request.priority_id ? std::optional(autotask_id(*request.priority_id, "priority"))
                          : std::nullopt;
  if (!status || !priority) {
    // Autotask requires both; the tenant's picklists say which are the defaults.
    const ActivePicklists lists = read_active_picklists(client, call, "Tickets");
    if (!status) status = default_of(entries_of(lists, "status"), kStatusNew);
    if (!priority) priority = default_of(entries_of(lists, "priority"));
    if (!priority)
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "Autotask has no active ticket priority to give a ticket; map the "
                        "severities to priorities in the alerts policy");
  }
  json::object ticket{
      {"companyID", company},
      {"title", cut_to(request.title.empty() ? request.reference : request.title, kTitleLimit)},
      {"status", *status},
      {"priority", *priority},
      {"externalID", external_id}};
  // Properties are left out rather than sent as null: Autotask answers a bare 500 to nulls.
  if (!request.description.empty())
    ticket["description"] = cut_to(request.description, kDescriptionLimit);
  if (request.board_id) ticket["queueID"] = autotask_id(*request.board_id, "queue");
  if (request.type_id) ticket["issueType"] = autotask_id(*request.type_id, "issue type");
  if (request.subtype_id)
    ticket["subIssueType"] = autotask_id(*request.subtype_id, "sub-issue type");
  HttpRequest create = api_request("POST", "Tickets", "Tickets", json::serialize(ticket));
  create.idempotent = false;  // a resent create is a second ticket
  HttpResponse r = client.send(call, {create}).front();
  if (r.status == 200) {
    std::optional<json::object> answer = parse_json_object(r.body);
    std::optional<int64_t> id =
        answer ? whole_number(field_any_case(*answer, "itemId")) : std::nullopt;
    if (id && *id > 0) {
      OpenTicketResult result;
      result.ticket_id = std::to_string(*id);
      result.outcome = TicketOutcome::kCreated;
      result.closed = *status == kStatusComplete;
      return result;
    }
  }
  if (r.status != 200 && certainly_not_applied(r)) fail_with(r, "create ticket");
  // No answer, a 5xx (Autotask's validation errors are 500s too) or an unreadable 200: the
  // create may have happened. What Autotask holds decides, never a second POST.
  std::vector<json::object> rows = tickets_carrying(client, call, external_id, company);
  if (!rows.empty()) return found_ticket(rows.front());
  if (r.status >= 500 && !platform_message(r.body).empty()) fail_with(r, "create ticket");
  throw PluginError(MB_STATUS_RETRY,
                    "create ticket: no answer from Autotask and no ticket carries the reference "
                    "yet; the next run searches again before creating");
}

TicketChangeResult add_ticket_note(AutotaskClient& client, Call& call,
                                   const AddTicketNoteRequest& request) {
  const int64_t id = autotask_id(request.ticket_id, "ticket");
  const std::string marker = "[" + request.note_key + "]";
  std::vector<json::object> notes = client.query_all(
      call, "TicketNotes", {query_model({equals("ticketID", id)}, {"id", "description"})});
  for (const json::object& note : notes)
    if (text(field_any_case(note, "description")).value_or("").find(marker) != std::string::npos)
      return TicketChangeResult{request.ticket_id, TicketOutcome::kUnchanged,
                                "the ticket already has this note"};
  const ActivePicklists lists = read_active_picklists(client, call, "TicketNotes");
  // The marker stays whole at the end, so a later run recognises the note.
  const std::string description =
      cut_to(request.text, kNoteDescriptionLimit - marker.size() - 2) + "\n" + marker;
  const std::string first_line = request.text.substr(0, request.text.find('\n'));
  json::object note{
      {"ticketID", id},
      {"title", cut_to(first_line.empty() ? "Alert update" : first_line, kNoteTitleLimit)},
      {"description", description},
      {"noteType", default_of(entries_of(lists, "notetype"), 1).value_or(1)},
      {"publish", default_of(entries_of(lists, "publish"), 1).value_or(1)}};
  HttpRequest post = api_request("POST", "Tickets/" + std::to_string(id) + "/Notes", "TicketNotes",
                                 json::serialize(note));
  post.idempotent = false;  // the marker, not a resend, settles an unknown outcome
  HttpResponse r = client.send(call, {post}).front();
  if (r.status == 404)
    throw PluginError(MB_STATUS_NOT_FOUND, "ticket " + request.ticket_id + " does not exist");
  if (r.status != 200) fail_with(r, "add a note to ticket " + request.ticket_id);
  return TicketChangeResult{request.ticket_id, TicketOutcome::kNoted, ""};
}

TicketChangeResult close_ticket(AutotaskClient& client, Call& call,
                                const CloseTicketRequest& request) {
  const int64_t id = autotask_id(request.ticket_id, "ticket");
  const int64_t target =
      request.status_id ? autotask_id(*request.status_id, "status") : kStatusComplete;
  std::optional<json::object> ticket = read_ticket_item(client, call, id);
  if (!ticket)
    throw PluginError(MB_STATUS_NOT_FOUND, "ticket " + request.ticket_id + " does not exist");
  const std::optional<int64_t> status = whole_number(field_any_case(*ticket, "status"));
  if (status == target || status == kStatusComplete)
    return TicketChangeResult{request.ticket_id, TicketOutcome::kAlreadyClosed,
                              "the ticket was already complete"};
  // Only what changes: sending back the whole ticket trips validations of fields not touched.
  json::object patch{{"id", id}, {"status", target}};
  if (request.note && text(field_any_case(*ticket, "resolution")).value_or("").empty())
    patch["resolution"] = cut_to(*request.note, kResolutionLimit);
  HttpResponse r =
      client.send(call, {api_request("PATCH", "Tickets", "Tickets", json::serialize(patch))})
          .front();
  if (r.status == 404)
    throw PluginError(MB_STATUS_NOT_FOUND, "ticket " + request.ticket_id + " does not exist");
  if (r.status != 200 && certainly_not_applied(r))
    fail_with(r, "close ticket " + request.ticket_id);
  // An absolute status: what Autotask now holds says whether it closed.
  std::optional<json::object> after = read_ticket_item(client, call, id);
  if (!after || whole_number(field_any_case(*after, "status")) != target) {
    if (r.status != 200) fail_with(r, "close ticket " + request.ticket_id);
    throw PluginError(MB_STATUS_RETRY, "close ticket " + request.ticket_id +
                                           ": Autotask does not show the new status yet");
  }
  return TicketChangeResult{request.ticket_id, TicketOutcome::kClosed, ""};
}

}  // namespace meterbridge::autotask
