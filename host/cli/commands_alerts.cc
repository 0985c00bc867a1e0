// `meterbridge alerts ...`: push the vendor's alerts and look at what is stored
// (docs/alerts.md).
#include <boost/json.hpp>

#include <memory>

#include "host/app/alert_operations.h"
#include "host/app/ticket_operations.h"
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

std::string yes_no(bool v) { return v ? "yes" : "NO"; }

// The boards and priorities to choose from, what the credentials may do, and what stands in the
// way of the connector's policy. Exits 0 only when alerts can become tickets as it says.
int alerts_check(App& app, const std::string& connector_id) {
  auto check = ops::check_alerts(app, connector_id);
  if (!check) return report_failure(app, check.status());
  const ops::AlertsCheck& c = *check;
  if (app.options().json) {
    print_json(app, ops::alerts_check_to_json(c));
    return c.ready() ? kExitOk : kExitFailed;
  }
  if (c.ready())
    app.out() << c.connector_id << ": ready: alerts become tickets"
              << (c.resolved.board_id
                      ? " on board '" + c.resolved.board_name + "' (" + *c.resolved.board_id + ")"
                      : std::string(" (the platform chooses the board)"))
              << "\n";
  else
    app.out() << c.connector_id << ": NOT ready: alerts cannot become tickets yet (see below)\n";
  Table boards({"BOARD", "ID", "STATUSES", "TYPES"});
  for (const auto& b : c.platform.boards) {
    std::string statuses, types;
    for (const auto& s : b.statuses) {
      std::string flags = s.is_default ? ", new" : "";
      if (s.closed) flags += ", closes";
      statuses += (statuses.empty() ? "" : "; ") + s.name + " (" + s.id + flags + ")";
    }
    for (const auto& t : b.types) types += (types.empty() ? "" : "; ") + t.name + " (" + t.id + ")";
    boards.add({b.name, b.id, statuses, types});
  }
  if (!boards.empty()) {
    app.out() << "Boards:\n";
    boards.print(app.out(), table_width(false));
  } else {
    app.out() << "Boards: none to choose: the platform routes alerts to tickets itself\n";
  }
  if (!c.platform.priorities.empty()) {
    Table priorities({"PRIORITY", "ID", "LEVEL", "DEFAULT"});
    for (const auto& p : c.platform.priorities)
      priorities.add({p.name, p.id, p.level ? meterbridge::wire_name(*p.level) : "",
                      p.is_default ? "yes" : ""});
    app.out() << "Priorities:\n";
    priorities.print(app.out(), table_width(false));
  }
  const auto& p = c.permissions;
  app.out() << "Permissions: list " << yes_no(p.can_list) << ", create " << yes_no(p.can_create)
            << ", update " << yes_no(p.can_update) << ", close " << yes_no(p.can_close) << "\n";
  if (!p.message.empty()) app.out() << "  " << p.message << "\n";
  if (!p.missing.empty()) {
    app.out() << "Missing rights (grant them to the API member):\n";
    for (const auto& m : p.missing) app.out() << "  - " << m << "\n";
  }
  if (!c.problems.empty()) {
    app.out() << "Problems with the alerts policy:\n";
    for (const auto& m : c.problems) app.out() << "  - " << m << "\n";
  }
  return c.ready() ? kExitOk : kExitFailed;
}

// One alerts run of the connector: tickets opened, noted and closed as its alerts say.
int alerts_sync(App& app, const std::string& connector_id) {
  auto run = ops::sync_alerts(app, connector_id, "manual");
  if (!run) return report_failure(app, run.status());
  if (app.options().json)
    print_json(app, ops::alert_run_to_json(*run));
  else
    app.out() << ops::describe_alert_run(*run);
  return run->counts.count("failed") ? kExitPartial : kExitOk;
}

// The connector's latest alerts runs, newest first, each with what it did.
int alerts_runs(App& app, const std::string& connector_id, int limit) {
  auto connector = app.connector(connector_id);
  if (!connector) return report_failure(app, connector.status());
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto runs = (*store)->list_alert_runs(connector_id, limit);
  if (!runs) return report_store_failure(app, runs.status());
  if (app.options().json) {
    boost::json::array listed;
    for (const AlertRun& run : *runs) listed.push_back(ops::alert_run_to_json(run));
    print_json(app, boost::json::object{{"runs", std::move(listed)}});
  } else if (runs->empty()) {
    app.out() << "No alerts runs yet (meterbridge alerts sync --connector " << connector_id
              << ").\n";
  } else {
    for (const AlertRun& run : *runs)
      app.out() << run.started_at << "  " << run.trigger << "  " << ops::describe_alert_run(run);
  }
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

  auto* check = alerts->add_subcommand(
      "check",
      "Check a connector's alerts policy against its platform, read-only: boards, statuses and "
      "priorities to choose from, and whether the credentials may open, update and close tickets");
  auto connector = std::make_shared<std::string>();
  check->add_option("--connector", *connector, "The connector's id")->required();
  check->callback([ctx, connector] { ctx.exit_code = alerts_check(ctx.app, *connector); });

  auto* sync = alerts->add_subcommand(
      "sync",
      "Bring the connector's alert tickets up to date: open (never twice), note, close; alerts "
      "that cannot be routed yet stay not_routed with the reason");
  sync->add_option("--connector", *connector, "The connector's id")->required();
  sync->callback([ctx, connector] { ctx.exit_code = alerts_sync(ctx.app, *connector); });

  auto* runs = alerts->add_subcommand("runs", "The connector's latest alerts runs, newest first");
  runs->add_option("--connector", *connector, "The connector's id")->required();
  auto limit = std::make_shared<int>(10);
  runs->add_option("--limit", *limit, "How many runs (default 10)")->check(CLI::Range(1, 1000));
  runs->callback(
      [ctx, connector, limit] { ctx.exit_code = alerts_runs(ctx.app, *connector, *limit); });
}

}  // namespace mb::cli
