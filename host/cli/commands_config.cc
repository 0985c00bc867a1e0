#include <boost/json.hpp>

#include <ostream>

#include "host/cli/commands.h"
#include "host/common/redaction.h"

namespace mb::cli {
namespace fs = std::filesystem;
namespace {

// Validates the config file and every connector's plugin config; touches nothing (no store is
// created, no key generated, no platform called).
int config_check(App& app) {
  auto config = app.config();
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
  if (!config) {
    problems.push_back(config.status().message());
  } else {
    auto registry = app.plugins();
    if (!registry) {
      problems.push_back(registry.status().message());
    } else {
      // Which connectors already hold stored credentials (only when the state file exists, so
      // checking never creates one).
      std::map<std::string, bool> stored;
      std::error_code ec;
      if ((*config)->state_path != ":memory:" && fs::exists((*config)->state_path, ec)) {
        // Read the store directly: App::store() would record the config's connectors in it.
        auto store = open_sqlite_store({.path = (*config)->state_path, .key_file = (*config)->key_file});
        if (store) {
          auto connectors = (*store)->list_connectors();
          if (connectors)
            for (const auto& c : *connectors) stored[c.id] = c.has_credentials;
        }
      }
      Status s = check_connectors(**config, **registry, stored);
      if (!s.ok()) problems.push_back(s.message());
      for (const auto& c : (*config)->connectors) {
        const PluginRecord* record = (*registry)->record(c.plugin);
        if (record == nullptr || !record->plugin) continue;
        for (const auto& pointer : record->plugin->manifest().secret_fields) {
          boost::system::error_code perr;
          const boost::json::value* v = c.plugin_config.find_pointer(pointer, perr);
          if (v != nullptr && v->is_string() && !is_secret_reference(v->get_string())) {
            SecretRegistry::global().add(v->get_string());
            warnings.push_back((*config)->file.string() + ": " + c.pointer + "/config" + pointer +
                               ": secret written literally; prefer ${env:NAME} or ${file:PATH}");
          }
        }
      }
    }
  }
  if (app.options().json) {
    boost::json::array p, w;
    for (const auto& x : problems) p.emplace_back(redact(x));
    for (const auto& x : warnings) w.emplace_back(x);
    print_json(app, boost::json::object{{"file", app.config_path().string()}, {"valid", problems.empty()},
                                        {"errors", p}, {"warnings", w}});
  } else {
    for (const auto& x : warnings) app.err() << "warning: " << x << "\n";
    for (const auto& x : problems) app.err() << redact(x) << "\n";
    if (problems.empty()) {
      app.out() << app.config_path().string() << ": valid (" << (*config)->connectors.size() << " connector"
                << ((*config)->connectors.size() == 1 ? "" : "s") << ")\n";
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
