#include <boost/json.hpp>

#include <map>
#include <optional>

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

// A page of the latest snapshot (`--after`, `--limit`, in workspaces): a snapshot may hold
// millions of counts.
struct UsagePage {
  std::string after;    // the last workspace id of the previous page ("": the first page)
  int64_t limit = 1000;  // workspaces
};

// Workspaces read per store call while looking for one workspace's counts.
constexpr size_t kWorkspacesPerWalk = 5000;

// The latest snapshot's counts, a page of workspaces at a time, optionally for one workspace
// and/or one service (each named by id or name). Nothing holds the snapshot: the counts come
// from the store a page of workspaces at a time, and one workspace's are found by walking the
// pages.
int usage_show(App& app, const std::string& workspace, const std::string& service,
               const UsagePage& page) {
  if (page.limit < 1) return report_failure(app, Status::ConfigInvalid("--limit must be 1 or more"));
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto snapshot = (*store)->latest_snapshot_header();
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
  const UsageSnapshot& snap = **snapshot;
  auto keep = [&](const UsageCount& c) {
    return (!only_workspace || c.workspace_id == only_workspace->id) &&
           (!only_service || c.service_id == only_service->id);
  };
  std::vector<UsageCount> counts;
  std::string next_after;  // set when a full page leaves more workspaces
  if (only_workspace) {
    for (std::string after;;) {
      auto walked = (*store)->list_usage_counts(snap.id, after, kWorkspacesPerWalk);
      if (!walked) return report_store_failure(app, walked.status());
      if (walked->empty()) break;
      after = walked->back().workspace_id;  // before the counts kept are moved out
      for (auto& c : *walked)
        if (keep(c)) counts.push_back(std::move(c));
    }
  } else {
    auto listed = (*store)->list_usage_counts(snap.id, page.after, static_cast<size_t>(page.limit));
    if (!listed) return report_store_failure(app, listed.status());
    int64_t workspaces_listed = 0;  // the counts come in workspace order
    for (size_t i = 0; i < listed->size(); ++i)
      if (i == 0 || (*listed)[i].workspace_id != (*listed)[i - 1].workspace_id) ++workspaces_listed;
    if (workspaces_listed == page.limit)
      next_after = listed->back().workspace_id;  // before the counts kept are moved out
    for (auto& c : *listed)
      if (keep(c)) counts.push_back(std::move(c));
  }
  std::vector<std::string> ids;
  for (const auto& c : counts)
    if (ids.empty() || ids.back() != c.workspace_id) ids.push_back(c.workspace_id);
  auto ws_names = (*store)->workspace_names(ids);
  if (!ws_names) return report_store_failure(app, ws_names.status());
  auto services = (*store)->list_services();
  if (!services) return report_store_failure(app, services.status());
  std::map<std::string, std::string> svc_names;
  for (const auto& s : *services) svc_names[s.id] = s.name;
  if (app.options().json) {
    boost::json::array arr;
    for (const UsageCount& c : counts)
      arr.push_back(boost::json::object{{"workspace_id", c.workspace_id},
                                        {"workspace", (*ws_names)[c.workspace_id]},
                                        {"service_id", c.service_id},
                                        {"service", svc_names[c.service_id]},
                                        {"users", c.users},
                                        {"devices", c.devices}});
    boost::json::object doc{{"snapshot", snap.id},
                            {"as_of", snap.as_of},
                            {"imported_at", snap.imported_at},
                            {"source", snap.source},
                            {"counts", std::move(arr)}};
    if (!next_after.empty()) doc["next_after"] = next_after;
    print_json(app, doc);
    return kExitOk;
  }
  app.out() << "Usage snapshot " << snap.id << " as of " << snap.as_of << " (imported " << snap.imported_at
            << " from " << snap.source << ")\n";
  Table t({"WORKSPACE", "SERVICE", "USERS", "DEVICES"});
  t.align_right(2);
  t.align_right(3);
  for (const UsageCount& c : counts)
    t.add({name_and_id((*ws_names)[c.workspace_id], c.workspace_id),
           name_and_id(svc_names[c.service_id], c.service_id), std::to_string(c.users),
           std::to_string(c.devices)});
  if (t.empty())
    app.out() << "  (no counts for that workspace and service)\n";
  else
    t.print(app.out());
  if (!next_after.empty())
    app.out() << "  next page: usage show" << (only_service ? " --service " + only_service->id : "")
              << (page.limit != UsagePage{}.limit ? " --limit " + std::to_string(page.limit) : "")
              << " --after " << next_after << "\n";
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
auto* show = usage->add_subcommand("show", "Show the latest usage snapshot, a page of workspaces at a time");
auto workspace = std::make_shared<std::string>(), service = std::make_shared<std::string>();
auto page = std::make_shared<UsagePage>();
show->add_option("--workspace", *workspace, "Only this workspace (id or name)");
show->add_option("--service", *service, "Only this vendor service (id or name)");
show->add_option("--after", page->after, "Start after this workspace id (the page before's last)");
show->add_option("--limit", page->limit, "Workspaces per page (default 1000)");
show->callback([ctx, workspace, service, page] {
  ctx.exit_code = usage_show(ctx.app, *workspace, *service, *page);
});
}

}  // namespace mb::cli
