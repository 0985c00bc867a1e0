#include <boost/json.hpp>

#include <ostream>

#include "host/cli/commands.h"
#include "host/cli/table.h"

namespace mb::cli {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

int plugins_list(App& app) {
  auto registry = app.plugins();
  if (!registry) return report_failure(app, registry.status());
  const auto& records = (*registry)->records();
  if (app.options().json) {
    boost::json::array arr;
    for (const auto& r : records) {
      boost::json::array caps;
      for (const auto& c : r.capabilities) caps.emplace_back(c);
      arr.push_back(boost::json::object{
          {"id", r.id}, {"name", r.name}, {"version", r.version}, {"abi", r.abi},
          {"capabilities", caps}, {"state", plugin_state_name(r.state)}, {"reason", r.reason},
          {"manifest", r.manifest_path.string()}, {"library", r.library_path.string()}});
    }
    print_json(app, boost::json::object{{"plugin_dir", app.plugin_dir().string()},
                                        {"host_abi", std::to_string(MB_ABI_VERSION_MAJOR) + "." +
                                                         std::to_string(MB_ABI_VERSION_MINOR)},
                                        {"plugins", arr}});
    return kExitOk;
  }
  app.out() << "Plugin folder: " << app.plugin_dir().string() << " (host ABI " << MB_ABI_VERSION_MAJOR
            << "." << MB_ABI_VERSION_MINOR << ")\n";
  Table table({"ID", "VERSION", "ABI", "CAPABILITIES", "STATE", "PATH"});
  for (const auto& r : records) {
    std::string state(plugin_state_name(r.state));
    if (!r.reason.empty()) state += ": " + r.reason;
    fs::path path = r.library_path.empty() ? r.manifest_path : r.library_path;
    table.add({r.id.empty() ? "-" : r.id, r.version.empty() ? "-" : r.version, r.abi.empty() ? "-" : r.abi,
               r.capabilities.empty() ? "-" : join(r.capabilities, ","), state, path.string()});
  }
  if (table.empty()) {
    app.out() << "No plugins found.\n";
  } else {
    table.print(app.out());
  }
  return kExitOk;
}

}  // namespace

void register_plugin_commands(CLI::App& cli, CommandContext ctx) {
  auto* plugins = cli.add_subcommand("plugins", "Inspect the plugin folder");
  plugins->require_subcommand(1);
  auto* list = plugins->add_subcommand("list", "Show every plugin: id, version, ABI, capabilities, path, "
                                               "loaded or refused and why");
  list->callback([ctx] { ctx.exit_code = plugins_list(ctx.app); });
}

}  // namespace mb::cli
