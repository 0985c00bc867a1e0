// Command registration: each group of subcommands adds itself to the CLI11 app. A command's
// callback runs with the shared App and stores its exit code in `exit_code`.
#ifndef METERBRIDGE_HOST_CLI_COMMANDS_H_
#define METERBRIDGE_HOST_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "host/app/app.h"
#include "host/common/redaction.h"

namespace mb::cli {

// The commands are a front end of the application layer (host/app), as the daemon is.
using app::App;
using app::exit_code_for;
using app::GlobalOptions;
using app::kExitConfigInvalid;
using app::kExitFailed;
using app::kExitNotFound;
using app::kExitOk;
using app::kExitPartial;
using app::kExitPlugin;
using app::kExitState;
using app::kExitUsage;
using app::report_failure;
using app::report_store_failure;

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
void register_user_commands(CLI::App& cli, CommandContext ctx);
void register_alert_commands(CLI::App& cli, CommandContext ctx);

// Shows `prompt` on stderr and reads one line from the terminal with echo off (a secret);
// nullopt when the input ends. The line is registered for redaction.
std::optional<std::string> read_hidden_line(App& app, const std::string& prompt);

// Prints a JSON value (one document) to stdout, secrets masked in its values.
void print_json(App& app, const boost::json::value& v);
// The line width tables wrap their long cells to: 0 with --wide (every row on one line), else
// $COLUMNS, else stdout's terminal width, else 100 (a file, a pipe, an email).
size_t table_width(bool wide);

}  // namespace mb::cli

#endif  // METERBRIDGE_HOST_CLI_COMMANDS_H_
