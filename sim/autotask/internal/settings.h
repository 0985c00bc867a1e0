// The switches POST /_sim/settings sets on the Autotask simulator: the limits Autotask
// documents (thread limit, hourly threshold, page size, query size) and the statuses its
// reference is unsure of.
//
//   Settings updated = with_changes(current, {{"thread_limit", 5}});  // throws HttpError(400)
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_SETTINGS_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_SETTINGS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mb::sim::autotask {

struct Settings {
  int64_t thread_limit = 3;                  // concurrent requests per (integration code, entity)
  int64_t thread_limit_status = 429;         // the thread-threshold error's status
  int64_t hourly_threshold = 10'000;         // requests per rolling hour for the whole tenant
  int64_t threshold_status = 429;            // status once the threshold is exceeded
  bool threshold_retry_after = true;         // send Retry-After with that refusal
  bool reject_duplicate_adjustments = true;  // same contract service + effective date -> 500
  int64_t max_page_size = 500;               // rows per query page (and MaxRecords ceiling)
  int64_t max_or_conditions = 500;           // conditions under "or" groups per query; 0: none
  int64_t max_query_string_length = 2048;    // IIS's maxQueryString: longer URLs get 404.15
  // Tickets (tickets-autotask.md): too-long strings refused (false) or cut (true); the status of
  // a refusal for missing rights, 500 (observed since 2021) or 403; fields a ticket category
  // makes required beyond companyID, title, status and priority.
  bool truncate_ticket_strings = false;
  int64_t permission_status = 500;
  std::vector<std::string> ticket_required_fields;
};

// The settings as GET /_sim/settings shows them.
boost::json::value settings_to_json(const Settings& settings);

// `current` with `changes` applied. Throws HttpError(400) naming the first unknown or invalid
// setting, so a bad request changes nothing.
Settings with_changes(const Settings& current, const boost::json::object& changes);

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_SETTINGS_H_
