// Adding and removing connectors in the web console (docs/console.md, "Add a connector"): the
// plugins a connector can be added for, with the config JSON Schema the console builds its form
// from; a new connector checked field by field, its credentials tested against the platform
// before anything is stored, then stored with its secret fields sealed; and removal of a
// connector added that way. Connectors declared in the config file are never changed here.
//
//   auto added = add_console_connector(app, principal, request_body);
//   if (added && added->stored) ...  // else added->verdict says why the platform refused
#ifndef METERBRIDGE_HOST_SERVER_CONSOLE_CONNECTORS_H_
#define METERBRIDGE_HOST_SERVER_CONSOLE_CONNECTORS_H_

#include <boost/json/value.hpp>

#include <string>

#include "host/app/app.h"
#include "host/app/operations.h"
#include "host/server/auth.h"

namespace mb::server {

// {"plugins": [{id, name, version, config_schema, secret_fields}, ...]}: the loaded plugins.
Result<boost::json::value> connector_plugin_forms(app::App& app);

struct ConsoleConnectorAdded {
  std::string id;
  bool stored = false;            // false: the platform refused the credentials; nothing stored
  ops::ConnectorVerdict verdict;  // the test before storing, then the connect after it
};

// Checks `body` ({"id", "plugin", "partner", "partner_id", "config"}), tests the credentials and
// stores the connector only when the platform accepts them. A malformed field is a
// kConfigInvalid naming it; an id in use, kConflict; nothing is stored on any failure. A
// partner-scoped caller adds connectors for their own partner only.
Result<ConsoleConnectorAdded> add_console_connector(app::App& app, const Principal& principal,
                                                    const std::string& body);

// Changes the policies, schedule and alerts policy of a connector added in the console
// (docs/console.md, "Edit a connector"). `body` is {"policies": {...}, "schedule": {...},
// "alerts": {...}}: a section given replaces the stored one, a section left out stays, a null one
// goes back to the defaults (the global schedule for `schedule`, no alerts policy for `alerts`).
// The result is checked by the config file's own rules (apply_connector_settings, and
// alerts_capability_problem against the connector's plugin) before anything is stored: a
// kConfigInvalid has one "field: reason" line per problem and changes nothing. One declared in
// the config file is a kConflict, left as it is.
// `principal` is who changed them, for the log.
Status update_console_connector_settings(app::App& app, const Principal& principal,
                                         const std::string& id, const std::string& body);

// Disconnects a connector added in the console and removes it (run history stays). One declared
// in the config file is a kConflict, left as it is.
Status remove_console_connector(app::App& app, const std::string& id);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_CONSOLE_CONNECTORS_H_
