// The console's view of connectors (docs/console.md, "Connectors"): one card per connector the
// caller reaches, with what a billing admin looks at first — platform, status in the console's
// words, how much is mapped, the last run and the next scheduled one, and what Disconnect would
// remove. Read-only; built from the config, the plugin manifests and the store.
//
//   auto cards = connector_cards(app, principal, {.scheduler_on = true});
#ifndef METERBRIDGE_HOST_SERVER_CONNECTOR_CARDS_H_
#define METERBRIDGE_HOST_SERVER_CONNECTOR_CARDS_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

#include "host/app/app.h"
#include "host/server/auth.h"

namespace mb::server {

struct ConnectorCardOptions {
  bool scheduler_on = true;  // false: serve --no-schedule, so no run is scheduled
  int64_t now_ms = 0;        // 0: the system clock
};

// The console's status of a connector: connected, setup_required (never connected, or connected
// with no workspace mapped yet), pending, error, disconnected.
std::string console_status(const ConnectorRecord& record, size_t workspaces_mapped);

// {"connectors": [card, ...]} for the connectors `principal` reaches, in config order.
Result<boost::json::value> connector_cards(app::App& app, const Principal& principal,
                                           const ConnectorCardOptions& options);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_CONNECTOR_CARDS_H_
