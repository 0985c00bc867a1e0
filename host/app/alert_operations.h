// Alert operations (docs/alerts.md): what `meterbridge alerts ...` and the admin API's alerts
// routes do, so the two front ends cannot drift apart. A push stores a validated document's
// alerts with their history, in one transaction, or nothing.
//
//   auto pushed = ops::push_alerts(app, body, "api");
//   if (!pushed) return pushed.status();                // ConfigInvalid lists every error
//   print(ops::alerts_pushed_to_json(*pushed));
#ifndef METERBRIDGE_HOST_APP_ALERT_OPERATIONS_H_
#define METERBRIDGE_HOST_APP_ALERT_OPERATIONS_H_

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "host/app/app.h"
#include "host/store/model.h"

namespace mb::ops {

struct AlertsPushed {
  std::vector<AlertRecorded> alerts;  // per alert of the document, in its order
  size_t created = 0;
  size_t updated = 0;
  size_t unchanged = 0;
  size_t stale = 0;
  // Workspaces the alerts name that no usage import declared (yet): the alerts are kept, and
  // cannot reach a ticket until the workspace is known and mapped.
  std::vector<std::string> unknown_workspaces;
};

// Validates a whole alert document (one alert or a batch) and records its alerts under
// `origin` ("api", a file name).
Result<AlertsPushed> push_alerts(app::App& app, std::string_view text, const std::string& origin);
// The same from a file ("-": standard input).
Result<AlertsPushed> push_alert_file(app::App& app, const std::string& file);

// The push report, as `alerts push --json` prints it and the API returns it.
boost::json::value alerts_pushed_to_json(const AlertsPushed& pushed);
std::string describe_alerts_pushed(const AlertsPushed& pushed);
// One alert as the API and `alerts show --json` show it.
boost::json::object alert_to_json(const Alert& alert);
// The alert with its recorded states under "history" (oldest first, each with its source).
boost::json::object alert_with_history_to_json(const Alert& alert,
                                               const std::vector<AlertChange>& changes);

}  // namespace mb::ops

#endif  // METERBRIDGE_HOST_APP_ALERT_OPERATIONS_H_
