// `meterbridge serve`: the daemon — the daily scheduler and the admin API in one process, on
// top of the application layer. The command line that starts it lives with the binary's main.
#ifndef METERBRIDGE_HOST_SERVER_SERVE_H_
#define METERBRIDGE_HOST_SERVER_SERVE_H_

#include <string>

#include "host/app/app.h"

namespace mb::server {

struct ServeOptions {
  std::string listen;  // overrides api.listen
  bool no_api = false;
  bool no_schedule = false;
};

// Runs the scheduler and the admin API until TERM or INT (HUP reloads the config) and returns
// the process's exit code; failures to start are reported through app::report_failure.
int serve(app::App& app, const ServeOptions& options);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_SERVE_H_
