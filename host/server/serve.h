// `meterbridge serve`: the daemon — the daily scheduler and the admin API in one process.
#ifndef METERBRIDGE_HOST_SERVER_SERVE_H_
#define METERBRIDGE_HOST_SERVER_SERVE_H_

#include "host/cli/commands.h"

namespace mb::server {

void register_serve_command(CLI::App& cli, cli::CommandContext ctx);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_SERVE_H_
