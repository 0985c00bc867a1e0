// Command registration: each group of subcommands adds itself to the CLI11 app. A command's
// callback runs with the shared App and stores its exit code in `exit_code`.
#ifndef METERBRIDGE_HOST_CLI_COMMANDS_H_
#define METERBRIDGE_HOST_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <string>

#include "host/cli/app.h"
#include "host/common/redaction.h"

namespace mb::cli {

struct CommandContext {
  App& app;
  int& exit_code;
};

void register_plugin_commands(CLI::App& cli, CommandContext ctx);
void register_config_commands(CLI::App& cli, CommandContext ctx);
void register_connector_commands(CLI::App& cli, CommandContext ctx);
void register_usage_commands(CLI::App& cli, CommandContext ctx);
void register_mapping_commands(CLI::App& cli, CommandContext ctx);
void register_sync_commands(CLI::App& cli, CommandContext ctx);

// Prints a failed Status (redacted) to stderr and returns its exit code (or `exit_code`).
int report_failure(App& app, const Status& status, int exit_code = -1);
// For failures of App::store(): a bad config stays a config error, a plugin that cannot be loaded
// a plugin error, anything else is the store's.
inline int report_store_failure(App& app, const Status& status) {
  int code = status.code() == ErrorClass::kConfigInvalid ? kExitConfigInvalid
             : status.code() == ErrorClass::kUnsupported ? kExitPlugin
                                                         : kExitState;
  return report_failure(app, status, code);
}
// Prints a JSON value (one document) to stdout, secrets masked in its values.
void print_json(App& app, const boost::json::value& v);

}  // namespace mb::cli

#endif  // METERBRIDGE_HOST_CLI_COMMANDS_H_
