#include <boost/json.hpp>

#include <ostream>

#include "host/cli/commands.h"
#include "host/common/redaction.h"

namespace mb::cli {
namespace {

// Validates the config file, its references and every connector's plugin config — the same
// checks every other command makes before it touches anything — and changes nothing (no store
// is created, no key generated, no platform called).
int config_check(App& app) {
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
  Status valid = app.validate(&warnings);
  if (!valid.ok()) problems.push_back(valid.message());
  if (app.options().json) {
    boost::json::array p, w;
    for (const auto& x : problems) p.emplace_back(x);
    for (const auto& x : warnings) w.emplace_back(x);
    print_json(app, boost::json::object{{"file", app.config_path().string()}, {"valid", problems.empty()},
                                        {"errors", p}, {"warnings", w}});
  } else {
    for (const auto& x : warnings) app.err() << "warning: " << redact(x) << "\n";
    for (const auto& x : problems) app.err() << redact(x) << "\n";
    if (problems.empty()) {
      size_t n = (*app.config())->connectors.size();
      app.out() << app.config_path().string() << ": valid (" << n << " connector"
                << (n == 1 ? "" : "s") << ")\n";
    }
  }
  return problems.empty() ? kExitOk : kExitConfigInvalid;
}

}  // namespace

void register_config_commands(CLI::App& cli, CommandContext ctx) {
  auto* config = cli.add_subcommand("config", "Work with the configuration file");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "Validate the config and every connector's plugin config, "
                                                "changing nothing");
  check->callback([ctx] { ctx.exit_code = config_check(ctx.app); });
}

}  // namespace mb::cli
