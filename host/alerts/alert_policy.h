// AlertPolicy: a connector's alerts policy (docs/alerts.md, "The alerts policy") — whether its
// alerts become tickets, where they go (a service board or queue; a platform that routes by
// itself needs none), the ticket statuses for new and closed, the least severity that opens a
// ticket, the PSA priority per severity, and an optional type/sub-type. Read from
// the connector's "alerts" object in the config; every error names its field.
//
//   auto policy = parse_alert_policy(connector_json.at("alerts"), "/connectors/0/alerts");
//   if (!policy) return policy.status();     // "/connectors/0/alerts/min_severity: must be ..."
//   if (policy->opens_ticket_for(AlertSeverity::kHigh)) ...
#ifndef METERBRIDGE_HOST_ALERTS_ALERT_POLICY_H_
#define METERBRIDGE_HOST_ALERTS_ALERT_POLICY_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>

#include "host/common/status.h"
#include "host/store/states.h"

namespace mb {

struct AlertPolicy {
  bool enabled = true;  // a connector with an "alerts" object routes unless it says false
  // The board or queue tickets go to, by id or name as the platform's list shows it; empty for
  // platforms that route by themselves.
  std::string board;
  std::string status_new;     // empty: the board's default status for a new ticket
  std::string status_closed;  // empty: the board's default closed status
  AlertSeverity min_severity = AlertSeverity::kLow;
  // Severity -> the PSA priority's id or name. A severity without one gets the board's default.
  std::map<AlertSeverity, std::string> priorities;
  std::string type;     // optional ticket type
  std::string subtype;  // optional; only with a type

  // Whether an alert of this severity opens a ticket under this policy.
  bool opens_ticket_for(AlertSeverity severity) const {
    return enabled && static_cast<int>(severity) >= static_cast<int>(min_severity);
  }
  // The priority for an alert of this severity; nullopt: the board's default.
  std::optional<std::string> priority_for(AlertSeverity severity) const {
    auto it = priorities.find(severity);
    return it == priorities.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

// Reads a policy object. `where` is its JSON Pointer in the config ("/connectors/2/alerts");
// errors are ConfigInvalid, one line per problem, each "<where>/<field>: <reason>".
Result<AlertPolicy> parse_alert_policy(const boost::json::value& policy, const std::string& where);

// The policy in the shape parse_alert_policy reads, `enabled` and `min_severity` written out
// even at their defaults, names left out when empty: what the console shows and sends back.
boost::json::object alert_policy_to_json(const AlertPolicy& policy);

}  // namespace mb

#endif  // METERBRIDGE_HOST_ALERTS_ALERT_POLICY_H_
