// Usage: unit counts pushed for a service, and alerts with their debug status.
#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sim/gradient/internal/api_error.h"
#include "sim/gradient/internal/routes.h"
#include "sim/gradient/internal/service_catalog.h"
#include "sim/gradient/internal/token.h"

namespace mb::sim::gradient {

namespace json = boost::json;

// --- Usage --------------------------------------------------------------------------------

// Checks in the order the server's layers apply them: the anomaly guard, the id pipe, body
// validation, then the lookups.
Response Api::push_count(const ApiCall& call) {
  if (settings_.anomaly_block) throw HttpError(403, std::string(kAnomaly));
  const std::string& service_id = call.request.path_param("serviceId");
  if (!is_object_id(service_id)) throw HttpError(400, std::string(kInvalidIdType));
  // Only "true" skips the Billing-view rebuild; anything else rebuilds.
  const bool no_build = call.request.query_param("no_build") == std::string_view("true");
  FieldChecks checks(parsed_body(call.request));
  const json::value* unit_count = checks.required_number("unitCount");
  const json::string* account_id = checks.optional_string("accountId", true);
  // The deprecated PSA-client id, in both of its documented spellings.
  const json::string* client_oid = checks.optional_string("clientOid", true);
  if (client_oid == nullptr) client_oid = checks.optional_string("clientOId", true);
  if (account_id == nullptr && client_oid == nullptr && checks.ok()) {
    checks.fail("accountId must be a string");
  }
  checks.finish();

  Partner& partner = call.partner;
  if (world_.vendor.find_service(service_id) == nullptr) {
    throw HttpError(404, "No service found with id: " + service_id);
  }
  const std::string named = account_id != nullptr ? text(account_id) : text(client_oid);
  const Account* account =
      account_id != nullptr ? partner.find_account(named) : partner.account_mapped_to(named);
  // The vendor cannot tell an unmapped account from an unmapped service: both are this 404.
  if (account == nullptr || !partner.is_account_mapped(*account) ||
      !partner.is_service_mapped(service_id)) {
    throw HttpError(404, std::string(kNoAccountMap) + named);
  }
  const std::string now = now_iso8601();
  PushedCount& pushed = partner.counts[{account->record_id, service_id}];
  if (pushed.pushes == 0 || pushed.unit_count != *unit_count) ++pushed.changes;
  pushed.unit_count = *unit_count;
  pushed.no_build = no_build;
  ++pushed.pushes;
  pushed.last_pushed_at = now;
  ++partner.accepted_count_calls;
  if (!no_build) ++partner.billing_view_builds;
  partner.last_synced_at = now;
  note_usage(partner);
  return Response::json(201, json::object{{"status", 201}, {"message", kCountCreated}});
}

Response Api::create_alert(const ApiCall& call) {
  // A guard, so before the body is validated: the vendor's integration must offer alerting.
  if (!world_.vendor.has_module("alerts")) throw HttpError(403, std::string(kForbidden));
  const std::string& account_id = call.request.path_param("accountId");
  FieldChecks checks(parsed_body(call.request));
  const json::string* title = checks.required_string("title");
  const json::string* description = checks.required_string("description");
  const json::string* alert_id = checks.required_string("alertId");
  checks.required_int_in_range("priority", 1, 4);
  checks.required_int_in_range("status", 1, 6);
  const json::string* due = checks.optional_string("dueDateTime");
  const json::string* service_id = checks.optional_string("serviceId");
  if (service_id != nullptr && !is_object_id(*service_id)) {
    checks.fail("serviceId must be a mongodb id");
  }
  checks.finish();
  Partner& partner = call.partner;
  if (partner.find_account(account_id) == nullptr) {
    throw HttpError(404, std::string(kNoAccountMap) + account_id);
  }
  Alert alert;
  alert.message_id = ids_.uuid();
  alert.correlation_id = ids_.object_id();
  alert.alert_id = text(alert_id);
  alert.account_id = account_id;
  alert.title = text(title);
  alert.description = text(description);
  alert.priority = checks.object().at("priority").as_int64();
  alert.status = checks.object().at("status").as_int64();
  if (due != nullptr) alert.due_date_time = text(due);
  if (service_id != nullptr) alert.service_id = text(service_id);
  alert.created_at = now_iso8601();
  partner.alerts.push_back(alert);
  note_usage(partner);
  // Accepted means queued: the PSA ticket is made later, seen through the debug route.
  return Response::json(201, json::object{{"messageId", alert.message_id},
                                          {"alertId", alert.alert_id},
                                          {"correlationID", alert.correlation_id}});
}

Response Api::alert_debug(const ApiCall& call) {
  const std::string& message_id = call.request.path_param("messageId");
  std::vector<Alert>& alerts = call.partner.alerts;
  auto found = std::find_if(alerts.begin(), alerts.end(),
                            [&](const Alert& alert) { return alert.message_id == message_id; });
  if (found == alerts.end()) {
    throw HttpError(404, "No alert found with messageId: " + message_id);
  }
  ++found->debug_polls;
  if (found->outcome == AlertOutcome::kPending &&
      found->debug_polls > settings_.alert_pending_polls) {
    settle_through(call.partner, static_cast<size_t>(found - alerts.begin()));
  }
  return Response::json(200, alert_debug_json(*found));
}

void Api::settle_through(Partner& partner, size_t index) {
  for (size_t i = 0; i <= index; ++i) {
    if (partner.alerts[i].outcome == AlertOutcome::kPending)
      settle_alert(partner, partner.alerts[i]);
  }
}

void Api::settle_alert(Partner& partner, Alert& alert) {
  bool delivered = settings_.alert_outcome == "success";
  if (settings_.alert_outcome == "mapping") {
    const Account* account = partner.find_account(alert.account_id);
    delivered = account != nullptr && partner.is_account_mapped(*account);
  }
  if (!delivered) {
    alert.outcome = AlertOutcome::kFailed;
    alert.errors.push_back(std::string(kNoAccountMap) + alert.account_id);
    return;
  }
  alert.outcome = AlertOutcome::kSuccess;
  const std::string now = now_iso8601();
  AlertTicket* ticket = partner.find_alert_ticket(alert.account_id, alert.alert_id);
  if (ticket == nullptr) {
    AlertTicket& made = partner.alert_tickets.emplace_back();
    made.account_id = alert.account_id;
    made.alert_id = alert.alert_id;
    made.ticket_id = ticket_id(alert.created_at, ++tickets_issued_);
    made.title = alert.title;
    made.description = alert.description;
    made.created_at = now;
    ticket = &made;
  } else {
    // A later delivery of the alertId: the PSA ticket keeps its summary, takes the priority and
    // status, and gets the description as a note unless it already has that text.
    alert.repeat = true;
    if (alert.description != ticket->description &&
        std::find(ticket->notes.begin(), ticket->notes.end(), alert.description) ==
            ticket->notes.end()) {
      ticket->notes.push_back(alert.description);
    }
  }
  ticket->priority = alert.priority;
  ticket->status = alert.status;
  ++ticket->deliveries;
  ticket->updated_at = now;
  alert.ticket_id = ticket->ticket_id;
}

}  // namespace mb::sim::gradient
