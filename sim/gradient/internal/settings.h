// The switches POST /_sim/settings sets on the Gradient simulator, for the choices its
// reference leaves open (duplicate accounts, validation message shape, status values) and for
// steering tests (rate limit, anomaly guard, alert outcomes).
//
//   Settings updated = with_changes(current, {{"anomaly_block", true}});  // throws HttpError(400)
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_SETTINGS_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_SETTINGS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

namespace mb::sim::gradient {

struct Settings {
  int64_t rate_limit_requests = 100;  // per window; 0 = no limit
  int64_t rate_limit_window_ms = 1000;
  bool rate_limit_retry_after = false;          // no Retry-After is documented
  std::string duplicate_accounts = "conflict";  // conflict | skip | upsert
  std::string validation_messages = "array";    // array | string
  std::string status_values = "all";            // all | newer
  bool anomaly_block = false;                   // 403 on every count push
  int64_t clients_page_size = 50;
  bool account_mapping_fields = false;  // GET accounts rows carry isMapped and mappingId
  bool auto_activate = true;  // an accepted count or alert moves inactive/pending to "active"
  int64_t body_limit_bytes = 100 * 1024;  // the JSON body parser's limit (Express: 100kb)
  int64_t alert_pending_polls = 1;        // debug GETs answered "pending" before the outcome
  std::string alert_outcome = "mapping";  // mapping | success | failed
  // The alert status value (1-6) the MSP's Synthesize mapping turns into a closed PSA ticket
  // status. The reference only says each value maps to a PSA ticket status.
  int64_t alert_closed_status = 6;
};

// The settings as GET /_sim/settings shows them.
boost::json::value settings_to_json(const Settings& settings);

// `current` with `changes` applied. Throws HttpError(400) naming the first unknown or invalid
// setting, so a bad request changes nothing.
Settings with_changes(const Settings& current, const boost::json::object& changes);

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_SETTINGS_H_
