// `meterbridge alerts ...`: push the vendor's alerts and look at what is stored
// (docs/alerts.md).
#include <boost/json.hpp>

#include <memory>

#include "host/app/alert_operations.h"
#include "host/cli/commands.h"
#include "host/cli/table.h"

namespace mb::cli {
namespace {

constexpr size_t kAlertPage = 500;

int alerts_push(App& app, const std::string& file) {
  auto pushed = ops::push_alert_file(app, file);
  if (!pushed) return report_failure(app, pushed.status());
  if (app.options().json)
    print_json(app, ops::alerts_pushed_to_json(*pushed));
  else
    app.out() << ops::describe_alerts_pushed(*pushed);
  return kExitOk;
}

// Every stored alert in id order, optionally only one status or one workspace's.
int alerts_list(App& app, const std::string& status, const std::string& workspace) {
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  boost::json::array listed;
  Table t({"ALERT", "WORKSPACE", "SEVERITY", "STATUS", "TIME", "TITLE"});
  for (std::string after;;) {
    auto page = (*store)->list_alerts(after, kAlertPage);
    if (!page) return report_store_failure(app, page.status());
    for (const Alert& a : *page) {
      if ((!status.empty() && to_text(a.status) != status) ||
          (!workspace.empty() && a.workspace_id != workspace))
        continue;
      if (app.options().json)
        listed.push_back(ops::alert_to_json(a));
      else
        t.add({a.id, a.workspace_id, std::string(to_text(a.severity)),
               std::string(to_text(a.status)), a.time, a.title});
    }
    if (page->size() < kAlertPage) break;
    after = page->back().id;
  }
  if (app.options().json)
    print_json(app, boost::json::object{{"alerts", listed}});
  else if (t.empty())
    app.out() << "No alerts (meterbridge alerts push FILE).\n";
  else
    t.print(app.out(), table_width(false));
  return kExitOk;
}

// One alert and every state it had.
int alerts_show(App& app, const std::string& id) {
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto alert = (*store)->get_alert(id);
  if (!alert) return report_store_failure(app, alert.status());
  if (!*alert) return report_failure(app, Status::NotFound("no alert '" + id + "'"));
  auto changes = (*store)->list_alert_changes(id);
  if (!changes) return report_store_failure(app, changes.status());
  const Alert& a = **alert;
  if (app.options().json) {
    print_json(app, ops::alert_with_history_to_json(a, *changes));
    return kExitOk;
  }
  app.out() << "Alert " << a.id << " (" << to_text(a.severity) << ", " << to_text(a.status)
            << " since " << a.time << ")\n"
            << "  workspace: " << a.workspace_id << "\n"
            << "  title: " << a.title << "\n";
  if (!a.device.empty()) app.out() << "  device: " << a.device << "\n";
  if (!a.service_id.empty()) app.out() << "  service: " << a.service_id << "\n";
  if (!a.description.empty()) app.out() << "  description: " << a.description << "\n";
  Table t({"VERSION", "RECEIVED", "FROM", "STATUS", "SEVERITY", "TIME"});
  t.align_right(0);
  for (const auto& c : *changes)
    t.add({std::to_string(c.alert.version), c.alert.received_at, c.source,
           std::string(to_text(c.alert.status)), std::string(to_text(c.alert.severity)),
           c.alert.time});
  app.out() << "History:\n";
  t.print(app.out(), table_width(false));
  return kExitOk;
}

}  // namespace

void register_alert_commands(CLI::App& cli, CommandContext ctx) {
  auto* alerts = cli.add_subcommand("alerts", "Push the vendor's security alerts and inspect them");
  alerts->require_subcommand(1);
  auto* push = alerts->add_subcommand(
      "push",
      "Record alerts from a JSON file (one alert or a batch, docs/alerts.md); all or nothing");
  auto file = std::make_shared<std::string>();
  push->add_option("file", *file, "Alert document, or - for standard input")->required();
  push->callback([ctx, file] { ctx.exit_code = alerts_push(ctx.app, *file); });

  auto* list = alerts->add_subcommand("list", "List the stored alerts");
  auto status = std::make_shared<std::string>(), workspace = std::make_shared<std::string>();
  list->add_option("--status", *status, "Only open or only resolved alerts")
      ->check(CLI::IsMember({"open", "resolved"}));
  list->add_option("--workspace", *workspace, "Only this workspace's alerts (its id)");
  list->callback(
      [ctx, status, workspace] { ctx.exit_code = alerts_list(ctx.app, *status, *workspace); });

  auto* show = alerts->add_subcommand("show", "Show one alert and every state it had");
  auto id = std::make_shared<std::string>();
  show->add_option("id", *id, "The alert's id")->required();
  show->callback([ctx, id] { ctx.exit_code = alerts_show(ctx.app, *id); });
}

}  // namespace mb::cli
