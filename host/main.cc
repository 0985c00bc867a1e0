// meterbridge: the binary. It wires the two front ends of the application layer (host/app): the
// command-line commands (host/cli/commands_*.cc) and the daemon (`serve`, host/server), which
// do not know each other. Exit codes are documented in docs/cli.md.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "host/cli/commands.h"
#include "host/common/logging.h"
#include "host/server/serve.h"

namespace {

void register_serve_command(CLI::App& cli, mb::cli::CommandContext ctx) {
  auto* serve_cmd = cli.add_subcommand(
      "serve",
      "Run the daily scheduler and the admin API until SIGINT/SIGTERM (SIGHUP reloads the config)");
  auto options = std::make_shared<mb::server::ServeOptions>();
  serve_cmd->add_option(
      "--listen", options->listen,
      "HOST:PORT for the admin API, overriding api.listen: an IPv4 address or an IPv6 "
      "address in brackets; port 0 lets the system pick a free one");
  serve_cmd->add_flag("--no-api", options->no_api, "Scheduler only");
  serve_cmd->add_flag("--no-schedule", options->no_schedule, "Admin API only");
  serve_cmd->callback([ctx, options] { ctx.exit_code = mb::server::serve(ctx.app, *options); });
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mb::cli;
  GlobalOptions options;
  CLI::App cli{"meterbridge: reports vendor usage into MSP billing platforms through plugins"};
  cli.set_version_flag("--version", std::string("meterbridge ") + MB_HOST_VERSION);
  cli.add_option("-c,--config", options.config_path,
                 "Config file (default: $MB_CONFIG, else /etc/meterbridge/config.json)");
  cli.add_option("--plugins", options.plugin_dir, "Plugin folder (overrides the config)");
  cli.add_option("--state", options.state_path,
                 "State database (overrides the config): a SQLite file (the key file sits beside "
                 "it) or a postgresql:// URL");
  cli.add_flag("--json", options.json, "Machine-readable JSON output");
  cli.add_option("--log-level", options.log_level, "trace|debug|info|warn|error|off (default warn)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cli.add_option("--log-format", options.log_format,
                 "text|json: json writes one object per line (time, level, connector, run, "
                 "message, fields) for a log pipeline (default text)")
      ->check(CLI::IsMember({"text", "json"}));
  cli.require_subcommand(1);
  cli.fallthrough();  // global options may follow the subcommand: `plugins list --json`

  App app(options, std::cout, std::cerr);
  int exit_code = kExitOk;
  CommandContext ctx{app, exit_code};
  register_plugin_commands(cli, ctx);
  register_config_commands(cli, ctx);
  register_connector_commands(cli, ctx);
  register_usage_commands(cli, ctx);
  register_alert_commands(cli, ctx);
  register_mapping_commands(cli, ctx);
  register_sync_commands(cli, ctx);
  register_user_commands(cli, ctx);
  register_serve_command(cli, ctx);

  // Options are parsed before callbacks run, so the App sees them through this hook.
  cli.parse_complete_callback([&] {
    mb::init_logging(options.log_level,
                     mb::parse_log_format(options.log_format).value_or(mb::LogFormat::kText));
  });
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}
