// The admin API's alerts routes (docs/admin-api.md, "Alerts"; the format in docs/alerts.md):
// the vendor pushes its security alerts, one at a time as they stream or in batches, and reads
// back what is stored. Vendor-wide callers only. admin_api.cc routes to these and turns a
// failure into its error document.
//
//   POST /v1/alerts            one alert object or {"alerts": [...]}: 200 with the push report
//   GET  /v1/alerts            ?after=ID&limit=N: the stored alerts in id order
//   GET  /v1/alerts/{alert}    one alert with its history
#ifndef METERBRIDGE_HOST_SERVER_ALERTS_API_H_
#define METERBRIDGE_HOST_SERVER_ALERTS_API_H_

#include <boost/json/value.hpp>

#include <string>

#include "host/app/app.h"
#include "host/common/status.h"
#include "host/server/http_server.h"

namespace mb::server::alerts_api {

// The push report, or ConfigInvalid listing every problem of the document (nothing stored).
Result<boost::json::value> push(app::App& app, const ApiRequest& request);
Result<boost::json::value> list(app::App& app, const ApiRequest& request);
// NotFound for an unknown alert.
Result<boost::json::value> show(app::App& app, const std::string& alert_id);

// The connector's alerts (partner-scoped through the connector in the path):
//   POST /v1/connectors/{id}/alerts/sync   run its alerts now (200 with the run), or
//                                          {"queue": true}: 202 with the job for any node
//   GET  /v1/connectors/{id}/alerts        each alert it handled, with its ticket and state
//   GET  /v1/connectors/{id}/alerts/runs   ?limit=N: its latest alerts runs, newest first
//   GET  /v1/connectors/{id}/alerts/check  `alerts check`: boards, permissions, problems
struct Answered {
  int status = 200;
  boost::json::value body;
};
Result<Answered> sync_connector_alerts(app::App& app, const ApiRequest& request,
                                       const std::string& connector_id);
Result<boost::json::value> connector_alerts(app::App& app, const ApiRequest& request,
                                            const std::string& connector_id);
Result<boost::json::value> connector_alert_runs(app::App& app, const ApiRequest& request,
                                                const std::string& connector_id);
Result<boost::json::value> check_connector_alerts(app::App& app, const ApiRequest& request,
                                                  const std::string& connector_id);

}  // namespace mb::server::alerts_api

#endif  // METERBRIDGE_HOST_SERVER_ALERTS_API_H_
