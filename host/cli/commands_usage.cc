#include <boost/json.hpp>

#include <map>
#include <optional>
#include <set>

#include "host/cli/commands.h"
#include "host/app/operations.h"
#include "host/cli/table.h"
#include "host/usage/usage_file.h"

namespace mb::cli {
namespace {

int usage_import(App& app, const std::string& file) {
  auto imported = ops::import_usage_file(app, file);
  if (!imported) return report_failure(app, imported.status());
  if (app.options().json) print_json(app, ops::usage_imported_to_json(*imported));
  else app.out() << ops::describe_usage_imported(*imported);
  return kExitOk;
}

// "Name (id)", or the id alone when the vendor gave no other name.
std::string name_and_id(const std::string& name, const std::string& id) {
  return name.empty() || name == id ? id : name + " (" + id + ")";
}

// The latest snapshot's counts, optionally for one workspace and/or one service (each named by
// id or name).
int usage_show(App& app, const std::string& workspace, const std::string& service) {
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto snapshot = (*store)->latest_snapshot();
  if (!snapshot) return report_store_failure(app, snapshot.status());
  if (!*snapshot) {
    if (!workspace.empty() || !service.empty())
      return report_failure(
          app, Status::NotFound("no usage imported yet (meterbridge usage import FILE)"));
    if (app.options().json) print_json(app, nullptr);
    else app.out() << "No usage imported yet (meterbridge usage import FILE).\n";
    return kExitOk;
  }
  std::optional<NamedItem> only_workspace, only_service;
  if (!workspace.empty()) {
    auto found = ops::find_workspace(app, "", workspace);
    if (!found) return report_failure(app, found.status());
    only_workspace = *found;
  }
  if (!service.empty()) {
    auto found = ops::find_vendor_service(app, service);
    if (!found) return report_failure(app, found.status());
    only_service = *found;
  }
  auto workspaces = (*store)->list_workspaces();
  if (!workspaces) return report_store_failure(app, workspaces.status());
  auto services = (*store)->list_services();
  if (!services) return report_store_failure(app, services.status());
  std::map<std::string, std::string> ws_names, svc_names;
  for (const auto& w : *workspaces) ws_names[w.id] = w.name;
  for (const auto& s : *services) svc_names[s.id] = s.name;
  const UsageSnapshot& snap = **snapshot;
  std::vector<const UsageCount*> counts;
  for (const auto& c : snap.counts)
    if ((!only_workspace || c.workspace_id == only_workspace->id) &&
        (!only_service || c.service_id == only_service->id))
      counts.push_back(&c);
  if (app.options().json) {
    boost::json::array arr;
    for (const UsageCount* c : counts)
      arr.push_back(boost::json::object{{"workspace_id", c->workspace_id},
                                        {"workspace", ws_names[c->workspace_id]},
                                        {"service_id", c->service_id},
                                        {"service", svc_names[c->service_id]},
                                        {"users", c->users},
                                        {"devices", c->devices}});
    print_json(app, boost::json::object{{"snapshot", snap.id},
                                        {"as_of", snap.as_of},
                                        {"imported_at", snap.imported_at},
                                        {"source", snap.source},
                                        {"counts", arr}});
    return kExitOk;
  }
  app.out() << "Usage snapshot " << snap.id << " as of " << snap.as_of << " (imported " << snap.imported_at
            << " from " << snap.source << ")\n";
  Table t({"WORKSPACE", "SERVICE", "USERS", "DEVICES"});
  t.align_right(2);
  t.align_right(3);
  for (const UsageCount* c : counts)
    t.add({name_and_id(ws_names[c->workspace_id], c->workspace_id),
           name_and_id(svc_names[c->service_id], c->service_id), std::to_string(c->users),
           std::to_string(c->devices)});
  if (t.empty())
    app.out() << "  (no counts for that workspace and service)\n";
  else
    t.print(app.out());
  return kExitOk;
}

}  // namespace

void register_usage_commands(CLI::App& cli, CommandContext ctx) {
  auto* usage = cli.add_subcommand("usage", "Import and inspect the vendor's usage counts");
  usage->require_subcommand(1);
  auto* import = usage->add_subcommand("import", "Import a usage file (JSON or CSV, docs/usage-format.md); "
                                                 "all or nothing");
  auto file = std::make_shared<std::string>();
  import->add_option("file", *file, "Usage file, or - for standard input")->required();
  import->callback([ctx, file] { ctx.exit_code = usage_import(ctx.app, *file); });
auto* show = usage->add_subcommand("show", "Show the latest usage snapshot");
auto workspace = std::make_shared<std::string>(), service = std::make_shared<std::string>();
show->add_option("--workspace", *workspace, "Only this workspace (id or name)");
show->add_option("--service", *service, "Only this vendor service (id or name)");
show->callback([ctx, workspace, service] {
  ctx.exit_code = usage_show(ctx.app, *workspace, *service);
});
}

}  // namespace mb::cli
