#include "internal/alerting.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "internal/wire.h"

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

// Room for the description in a body under the 100 KiB JSON parser limit even when every byte
// needs escaping twice over (quotes, line breaks).
constexpr size_t kAlertDescriptionBytes = 40000;

// Gradient's priority values and their names (reference §7), with meterbridge's level of each.
struct GradientPriority {
  const char* id;
  const char* name;
  PriorityLevel level;
};
constexpr GradientPriority kGradientPriorities[] = {{"1", "low", PriorityLevel::kLow},
                                                    {"2", "medium", PriorityLevel::kMedium},
                                                    {"3", "high", PriorityLevel::kHigh},
                                                    {"4", "very_high", PriorityLevel::kCritical}};

std::string escape_ref_part(std::string_view part) {
  std::string out;
  for (char c : part) {
    if (c == '%')
      out += "%25";
    else if (c == '|')
      out += "%7C";
    else
      out += c;
  }
  return out;
}

std::optional<std::string> unescape_ref_part(std::string_view part) {
  std::string out;
  for (size_t i = 0; i < part.size(); ++i) {
    if (part[i] != '%') {
      out += part[i];
    } else if (part.substr(i, 3) == "%25") {
      out += '%';
      i += 2;
    } else if (part.substr(i, 3) == "%7C") {
      out += '|';
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// `text` cut to at most `limit` bytes at a UTF-8 character boundary, ending in "…" when cut.
std::string cut_to_bytes(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "\xE2\x80\xA6";
}

// The first line of `text`, for the title Gradient requires on every delivery (the PSA ticket
// keeps the summary its first delivery gave it).
std::string first_line_of(const std::string& text, const std::string& fallback) {
  std::string line = trimmed(text.substr(0, text.find('\n')));
  return cut_to_bytes(line.empty() ? fallback : line, 255);
}

int64_t gradient_priority(const std::optional<std::string>& priority_id) {
  if (!priority_id) return 1;  // Gradient's default
  std::optional<int64_t> n = parse_whole_number(*priority_id);
  if (!n || *n < 1 || *n > 4)
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      "priority '" + *priority_id + "' is not one of Gradient's 1 to 4");
  return *n;
}

int64_t gradient_status(const std::optional<std::string>& status_id, int64_t fallback) {
  if (!status_id) return fallback;
  std::optional<int64_t> n = parse_whole_number(*status_id);
  if (!n || *n < 1 || *n > 6)
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      "status '" + *status_id + "' is not one of Gradient's 1 to 6");
  return *n;
}

AlertTicketRef ref_of(const std::string& ticket_id) {
  std::optional<AlertTicketRef> ref = decode_ticket_ref(ticket_id);
  if (!ref)
    throw PluginError(MB_STATUS_NOT_FOUND,
                      "ticket '" + ticket_id +
                          "' was not recorded by this plugin's alerting "
                          "(expected <ticket>|<account>|<priority>|<alertId>)");
  return *ref;
}

// Whether the vendor profile (Get Vendor's {data: VendorData}, or VendorData itself) lists the
// Alerts module: {"variation":"alerts"} in modules. nullopt when the body says nothing.
std::optional<bool> alerts_module_in(std::string_view vendor_body) {
  std::optional<json::object> body = parse_json_object(vendor_body);
  if (!body) return std::nullopt;
  const json::value* data = body->if_contains("data");
  const json::object& vendor = data != nullptr && data->is_object() ? data->get_object() : *body;
  const json::value* modules = vendor.if_contains("modules");
  if (modules == nullptr || !modules->is_array()) return std::nullopt;
  for (const json::value& m : modules->get_array())
    if (m.is_object() && text(m.get_object().if_contains("variation")) == "alerts") return true;
  return false;
}

std::optional<bool> has_alerts_module(Call& call, const Client& client) {
  HttpResponse r = client.execute_one(call, client.request("GET", "", "vendor"));
  return r.ok() ? alerts_module_in(r.body) : std::nullopt;
}

constexpr char kNoAlertsModule[] =
    "the Alerts module on the vendor's Gradient integration (Gradient enables it for the "
    "custom integration; the vendor profile's modules list only billing)";

// Why Gradient refused an alert delivery, classified; a 403 is told apart by the vendor's modules.
[[noreturn]] void refuse_delivery(Call& call, const Client& client, const HttpResponse& r,
                                  const std::string& account_id) {
  if (r.status == 404)
    throw PluginError(MB_STATUS_NOT_FOUND, "send alert: Gradient has no account '" + account_id +
                                               "' (" + error_text(r.body) +
                                               "); the next sync provisions it");
  if (r.status == 403 && has_alerts_module(call, client) == false)
    throw PluginError(MB_STATUS_AUTH_FAILED,
                      std::string("send alert: Gradient answered 403: missing ") + kNoAlertsModule);
  throw_failure(classify(r, "send alert"));
}

// The delivery's outcome from the debug route: the PSA ticket id, or nullopt when Gradient had
// not settled it within the configured polls (or the call was cancelled). A failed delivery
// throws, with Gradient's errors.
std::optional<std::string> poll_ticket(Call& call, const Client& client,
                                       const AlertSettings& settings,
                                       const std::string& message_id) {
  for (int64_t poll = 0; poll < settings.max_polls; ++poll) {
    if (poll > 0) {
      // Small steps, so a cancelled call stops waiting promptly.
      for (int64_t waited = 0; waited < settings.poll_interval_ms && !call.cancelled();
           waited += 50)
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::min<int64_t>(50, settings.poll_interval_ms - waited)));
    }
    if (call.cancelled()) return std::nullopt;
    HttpResponse r = client.execute_one(
        call, client.request("GET", "/alerting/debug/" + percent_encode(message_id), "alerting"));
    if (!r.ok()) {
      if (r.status == 401) throw_failure(classify(r, "read the alert's status"));
      continue;  // the delivery was accepted; a failed read only delays learning its ticket
    }
    std::optional<json::object> body = parse_json_object(r.body);
    if (!body) continue;
    const std::string status = text(body->if_contains("status")).value_or("");
    if (status == "success") {
      std::string ticket = id_text(body->if_contains("ticketId"));
      if (!ticket.empty()) return ticket;
    } else if (status == "failed") {
      std::string errors;
      if (const json::value* list = body->if_contains("errors"); list && list->is_array())
        for (const json::value& e : list->get_array())
          errors += (errors.empty() ? "" : "; ") + text(&e).value_or(json::serialize(e));
      const std::optional<int64_t> code = whole_number(body->if_contains("statusCode"));
      throw PluginError(code == 404 ? MB_STATUS_CONFLICT : MB_STATUS_RETRY,
                        "Gradient could not deliver the alert to the PSA" +
                            (code ? " (" + std::to_string(*code) + ")" : std::string()) +
                            (errors.empty() ? std::string() : ": " + errors) +
                            (code == 404 ? "; the MSP has to map the account in Synthesize" : ""));
    }
  }
  return std::nullopt;
}

struct Delivery {
  std::string account_id;
  std::string alert_id;
  std::string title;
  std::string description;
  int64_t priority = 1;
  int64_t status = 1;
};

// One POST of the alert; the message id, or nullopt when the outcome is unknown (no answer, or
// a 5xx). Throws for a clear refusal.
std::optional<std::string> post_delivery(Call& call, const Client& client, const Delivery& d) {
  json::object body{{"title", d.title},
                    {"description", cut_to_bytes(d.description, kAlertDescriptionBytes)},
                    {"alertId", d.alert_id},
                    {"priority", d.priority},
                    {"status", d.status}};
  // Not idempotent to the engine: a create that may have reached Gradient comes back here,
  // where sending it again under its alertId is a decision, not a retry.
  HttpResponse r = client.execute_one(
      call, client.request("POST", "/alerting/" + percent_encode(d.account_id), "alerting",
                           /*idempotent=*/false, json::serialize(body)));
  if (r.ok()) {
    std::optional<json::object> answer = parse_json_object(r.body);
    std::string message_id = answer ? id_text(answer->if_contains("messageId")) : "";
    if (!message_id.empty()) return message_id;
    return std::nullopt;  // accepted, but the answer does not say which message
  }
  if (ambiguous(r)) return std::nullopt;
  refuse_delivery(call, client, r, d.account_id);
}

// Delivers the alert and waits for its ticket. A delivery whose outcome is unknown is sent once
// more under the same alertId (Gradient folds it onto the same ticket). `resent` says whether
// that happened.
std::string deliver(Call& call, const Client& client, const AlertSettings& settings,
                    const Delivery& d, const std::string& what, bool* resent) {
  if (!is_usable_path_id(d.account_id))
    throw PluginError(MB_STATUS_CONFIG_INVALID, "account id '" + d.account_id + "' is unusable");
  std::optional<std::string> message = post_delivery(call, client, d);
  if (!message) {
    *resent = true;
    message = post_delivery(call, client, d);
  }
  if (!message)
    throw PluginError(MB_STATUS_RETRY,
                      what +
                          ": no answer from Gradient; the next run sends the alert again under "
                          "its alertId " +
                          d.alert_id + ", which Gradient keeps on one ticket");
  std::optional<std::string> ticket = poll_ticket(call, client, settings, *message);
  if (!ticket)
    throw PluginError(MB_STATUS_RETRY, what + ": Gradient accepted the alert (message " + *message +
                                           ") but has not reported its PSA ticket yet; the next "
                                           "run asks again under the same alertId");
  return *ticket;
}

}  // namespace

std::string encode_ticket_ref(const AlertTicketRef& ref) {
  return escape_ref_part(ref.psa_ticket_id) + "|" + escape_ref_part(ref.account_id) + "|" +
         std::to_string(ref.priority) + "|" + escape_ref_part(ref.alert_id);
}

std::optional<AlertTicketRef> decode_ticket_ref(std::string_view ticket_id) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t bar = ticket_id.find('|', start);
    parts.push_back(ticket_id.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 4) return std::nullopt;
  AlertTicketRef ref;
  std::optional<std::string> psa = unescape_ref_part(parts[0]);
  std::optional<std::string> account = unescape_ref_part(parts[1]);
  std::optional<std::string> alert = unescape_ref_part(parts[3]);
  std::optional<int64_t> priority = parse_whole_number(parts[2]);
  if (!psa || !account || !alert || !priority || psa->empty() || account->empty() ||
      alert->empty() || *priority < 1 || *priority > 4)
    return std::nullopt;
  ref.psa_ticket_id = std::move(*psa);
  ref.account_id = std::move(*account);
  ref.priority = *priority;
  ref.alert_id = std::move(*alert);
  return ref;
}

ListTicketBoardsResult list_alert_boards() {
  ListTicketBoardsResult result;
  for (const GradientPriority& p : kGradientPriorities)
    result.priorities.push_back(
        TicketPriority{p.id, p.name, p.id == std::string_view("1"), p.level});
  return result;
}

TicketPermissions check_alert_permissions(Call& call, const Client& client,
                                          const CheckTicketPermissionsRequest& request) {
  std::vector<HttpResponse> r =
      client.execute(call, {client.request("GET", "/organization", "organization"),
                            client.request("GET", "", "vendor")});
  for (const HttpResponse& response : r)
    if (!response.ok()) throw_failure(classify(response, "check alerting rights"));
  TicketPermissions p;
  p.can_list = true;  // nothing to list: Gradient routes to the board the MSP chose
  // A profile that lists no modules at all proves nothing, so the right is not granted.
  const bool alerts = alerts_module_in(r[1].body).value_or(false);
  if (!alerts) p.missing.push_back(kNoAlertsModule);
  std::string status;
  if (std::optional<Integration> integration = parse_integration(r[0].body))
    status = integration->status;
  const bool usable = status != "disabled" && status != "error";
  if (!usable)
    p.missing.push_back("an enabled integration: the MSP (or Gradient) set it '" + status +
                        "' in Synthesize");
  p.can_create = p.can_update = p.can_close = alerts && usable;
  if (request.board_id)
    p.message =
        "Gradient has no boards: it opens tickets on the PSA board the MSP chose in "
        "Synthesize, so leave the policy's board out";
  else
    p.message =
        "Gradient routes alerts to the PSA board the MSP chose in Synthesize; the MSP maps "
        "each account to a PSA company there";
  return p;
}

OpenTicketResult send_alert(Call& call, const Client& client, const AlertSettings& settings,
                            const OpenTicketRequest& request) {
  Delivery d;
  d.account_id = request.account_id;
  d.alert_id = request.reference;
  d.title = cut_to_bytes(request.title.empty() ? request.reference : request.title, 500);
  d.description = request.description.empty() ? d.title : request.description;
  d.priority = gradient_priority(request.priority_id);
  d.status = gradient_status(request.status_id, settings.status_open);
  bool resent = false;
  std::string psa_ticket = deliver(call, client, settings, d, "send alert", &resent);
  OpenTicketResult result;
  result.ticket_id = encode_ticket_ref({psa_ticket, d.account_id, d.priority, d.alert_id});
  // Only a first delivery answered at once is known to have made the ticket; after a lost
  // answer the ticket may be an earlier delivery's.
  result.outcome = request.search_first || resent ? TicketOutcome::kFound : TicketOutcome::kCreated;
  result.message = "PSA ticket " + psa_ticket;
  return result;
}

TicketChangeResult note_alert(Call& call, const Client& client, const AlertSettings& settings,
                              const AddTicketNoteRequest& request) {
  AlertTicketRef ref = ref_of(request.ticket_id);
  Delivery d{ref.account_id,
             ref.alert_id,
             first_line_of(request.text, ref.alert_id),
             request.text + "\n[" + request.note_key + "]",
             ref.priority,
             settings.status_open};
  bool resent = false;
  deliver(call, client, settings, d, "note alert", &resent);
  return TicketChangeResult{request.ticket_id, TicketOutcome::kNoted,
                            "sent again under alertId " + ref.alert_id};
}

TicketChangeResult resolve_alert(Call& call, const Client& client, const AlertSettings& settings,
                                 const CloseTicketRequest& request) {
  AlertTicketRef ref = ref_of(request.ticket_id);
  const std::string note = request.note.value_or("The alert was resolved.");
  Delivery d{
      ref.account_id, ref.alert_id, first_line_of(note, ref.alert_id),
      note,           ref.priority, gradient_status(request.status_id, settings.status_closed)};
  bool resent = false;
  deliver(call, client, settings, d, "resolve alert", &resent);
  return TicketChangeResult{
      request.ticket_id, TicketOutcome::kClosed,
      "status " + std::to_string(d.status) + " sent for PSA ticket " + ref.psa_ticket_id};
}

}  // namespace meterbridge::gradient
