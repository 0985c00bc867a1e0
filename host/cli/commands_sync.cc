#include <unistd.h>
#include <boost/json.hpp>

#include <cstdlib>
#include <limits>
#include <map>
#include <memory>

#include "host/app/operations.h"
#include "host/cli/commands.h"
#include "host/cli/progress.h"
#include "host/cli/table.h"
#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/sync/planner.h"
#include "host/sync/report.h"
#include "host/sync/sync_engine.h"

namespace mb::cli {
namespace {

// How a command's output is shaped: --wide, --no-progress.
struct OutputChoices {
  bool wide = false;
  bool no_progress = false;
};

// A run's progress on stderr: a redrawn line on a terminal, NDJSON events otherwise.
std::unique_ptr<ProgressDisplay> progress_display(App& app, const std::string& connector,
                                                  const OutputChoices& choices) {
  return std::make_unique<ProgressDisplay>(
      app.err(),
      progress_style(app.options().json, choices.no_progress, ::isatty(STDERR_FILENO) == 1),
      connector, SystemClock::instance(), terminal_width(STDERR_FILENO, 0));
}

int exit_for_run(const SyncRun& run) {
  if (run.state == RunState::kOk) return kExitOk;
  if (run.state == RunState::kPartial) return kExitPartial;
  if (run.state == RunState::kNeedsAttention) return app::kExitNeedsAttention;
  return kExitFailed;
}

void print_report(App& app, const SyncReport& report, bool all_lines, bool wide) {
  ReportNames names = app.report_names(report.run.connector_id, report.lines);
  if (app.options().json) {
    print_json(app, run_to_json(report.run, report.lines, names, report.notes));
    return;
  }
  ReportOptions options;
  options.all_lines = all_lines;
  options.partial_lines = true;
  // A sync prints a short table; `runs show` (and --all) has every line.
  options.max_lines = all_lines ? SIZE_MAX : 200;
  options.width = table_width(wide);
  app.out() << format_run_text(report.run, report.lines, names, report.notes, options);
}

// The lines worth reading of a run (skip the unchanged), from the store: a report carries
// only some of them, at most kReportLinesKept.
Result<std::vector<SyncLine>> stored_lines_worth_reading(App& app, int64_t run_id) {
  auto store = app.store();
  if (!store) return store.status();
  return (*store)->list_lines_page(run_id, 0, std::numeric_limits<int64_t>::max(),
                                   /*skip_unchanged=*/true);
}

// Writes the text print_json(run_to_json(run, every line of the run, ...)) would, without
// holding the run: a sync may plan millions of lines, so they are read from the store a page at
// a time and written as they come.
Status write_run_json(App& app, const SyncReport& report) {
  constexpr size_t kLinesPerPage = 1000;
  auto store = app.store();
  if (!store) return store.status();
  const boost::json::value doc = run_to_json(report.run, {}, {}, report.notes);
  std::ostream& out = app.out();
  out << '{';
  bool first_field = true;
  for (const auto& field : doc.as_object()) {
    out << (first_field ? "" : ",") << boost::json::serialize(boost::json::string(field.key()))
        << ':';
    first_field = false;
    if (field.key() != "lines") {
      out << serialize_redacted(field.value());
      continue;
    }
    out << '[';
    bool first_line = true;
    for (int64_t after = 0;;) {
      auto page = (*store)->list_lines_page(report.run.id, after, kLinesPerPage,
                                            /*skip_unchanged=*/false);
      if (!page) return page.status();
      const ReportNames names = app.report_names(report.run.connector_id, *page);
      for (const SyncLine& line : *page) {
        out << (first_line ? "" : ",") << serialize_redacted(line_to_json(line, names));
        first_line = false;
      }
      if (page->size() < kLinesPerPage) break;
      after = page->back().number;
    }
    out << ']';
  }
  out << '}';
  return Status::Ok();
}

// The JSON array of `sync --json`, written one report at a time as each connector's run ends;
// every way out closes it, so what was written stays one JSON document.
class JsonReportsOut {
 public:
  explicit JsonReportsOut(App& app) : app_(app) {}
  JsonReportsOut(const JsonReportsOut&) = delete;
  JsonReportsOut& operator=(const JsonReportsOut&) = delete;
  ~JsonReportsOut() {
    if (opened_) app_.out() << "]\n";
  }
  Status add(const SyncReport& report) {
    app_.out() << (opened_ ? "," : "[");
    opened_ = true;
    return write_run_json(app_, report);
  }
  // The end of a command that printed every report it could: an empty array when none.
  void finish() {
    if (!opened_) app_.out() << "[";
    opened_ = true;
  }

 private:
  App& app_;
  bool opened_ = false;
};

int64_t count_of(const SyncReport& report, const char* outcome_name) {
  auto it = report.counts.find(outcome_name);
  return it == report.counts.end() ? 0 : it->second;
}

int sync_connectors(App& app, std::vector<std::string> ids, bool dry_run, bool force,
                    bool scheduled, const OutputChoices& choices) {
  auto config = app.config();
  if (!config) return report_failure(app, config.status());
  if (ids.empty())
    for (const auto& c : (*config)->connectors)
      if (c.enabled) ids.push_back(c.id);
  if (ids.empty()) return report_failure(app, Status::NotFound("no enabled connectors to sync"));
  int worst = kExitOk;
  JsonReportsOut reports(app);
  for (const auto& id : ids) {
    SyncOptions options;
    options.dry_run = dry_run;
    options.force_full_push = force;
    if (scheduled) options.trigger = "schedule";
    auto display = progress_display(app, id, choices);
    options.progress = display->callback();
    auto report = ops::sync_connector(app, id, options);
    display->finish();
    if (!report) {
      if (report.status().code() == ErrorClass::kNotFound)
        return report_failure(app, report.status());
      app.err() << id << ": cannot sync: " << redact(report.status().message()) << "\n";
      worst = std::max(worst, exit_code_for(report.status()));
      continue;
    }
    if (app.options().json) {
      Status written = reports.add(*report);
      if (!written.ok()) return report_store_failure(app, written);
    } else {
      print_report(app, *report, false, choices.wide);
      app.out() << "\n";
    }
    worst = std::max(worst, exit_for_run(report->run));
  }
  if (app.options().json) reports.finish();
  return worst;
}

// A dry run read as a reconciliation: every line whose platform value differs from its target
// (or could not be read) is a discrepancy.
int reconcile_connectors(App& app, std::vector<std::string> ids, const OutputChoices& choices) {
  auto config = app.config();
  if (!config) return report_failure(app, config.status());
  if (ids.empty())
    for (const auto& c : (*config)->connectors)
      if (c.enabled) ids.push_back(c.id);
  int code = kExitOk;
  boost::json::array out;
  for (const auto& id : ids) {
    SyncOptions options;
    options.dry_run = true;
    options.trigger = "reconcile";
    auto display = progress_display(app, id, choices);
    options.progress = display->callback();
    auto report = ops::sync_connector(app, id, options);
    display->finish();
    if (!report) {
      app.err() << id << ": cannot reconcile: " << redact(report.status().message()) << "\n";
      code = kExitFailed;
      continue;
    }
    // A line the platform holds no value for (never accepted: e.g. not mapped on a push-only
    // platform yet) is reported apart: there is nothing on the platform to disagree with.
    auto worth_reading = stored_lines_worth_reading(app, report->run.id);
    if (!worth_reading) return report_store_failure(app, worth_reading.status());
    int64_t match = count_of(*report, outcome::kUnchanged), not_held = 0;
    std::vector<const SyncLine*> differ, unreadable;
    for (const auto& l : *worth_reading) {
      const bool would_change = l.outcome == outcome::kWouldUpdate || l.outcome == outcome::kHeld;
      if (would_change && !l.current)
        ++not_held;
      else if (would_change)
        differ.push_back(&l);
      else if (l.outcome == outcome::kFailed)
        unreadable.push_back(&l);
    }
    if (!differ.empty() || !unreadable.empty()) code = kExitFailed;
    std::vector<const SyncLine*> shown(differ);
    shown.insert(shown.end(), unreadable.begin(), unreadable.end());
    const ReportNames names = app.report_names(id, shown);
    auto name = [](const std::map<std::string, std::string>& by_id, const std::string& key) {
      auto it = by_id.find(key);
      return it == by_id.end() || it->second.empty() ? key : it->second;
    };
    if (app.options().json) {
      // Each line that differs or could not be read, so a script can act on it.
      boost::json::array lines;
      for (const auto* group : {&differ, &unreadable})
        for (const SyncLine* l : *group) {
          auto value = [](const std::optional<int64_t>& v) {
            return v ? boost::json::value(*v) : boost::json::value(nullptr);
          };
          lines.push_back(
              boost::json::object{{"line", l->number},
                                  {"workspace_id", l->workspace_id},
                                  {"workspace", name(names.workspaces, l->workspace_id)},
                                  {"service_id", l->service_id},
                                  {"account_id", l->account_id},
                                  {"platform", value(l->current)},
                                  {"target", value(l->target)},
                                  {"differs", group == &differ},
                                  {"message", redact(l->message)}});
        }
      out.push_back(boost::json::object{{"connector", id},
                                        {"run", report->run.id},
                                        {"match", match},
                                        {"differ", static_cast<int64_t>(differ.size())},
                                        {"not_held", not_held},
                                        {"unreadable", static_cast<int64_t>(unreadable.size())},
                                        {"lines", std::move(lines)}});
    } else {
      app.out() << id << ": " << match << " lines match the platform, " << differ.size()
                << " differ, " << unreadable.size() << " could not be read";
      if (not_held > 0) app.out() << ", " << not_held << " not held by the platform yet";
      app.out() << " (run " << report->run.id << ")\n";
      // Which lines: a billing admin fixes these, so each is named in full.
      for (const SyncLine* l : differ)
        app.out() << "  line " << l->number << "  " << name(names.workspaces, l->workspace_id)
                  << " / " << name(names.services, l->service_id) << ": the platform bills "
                  << *l->current << ", usage says "
                  << (l->target ? std::to_string(*l->target) : std::string("-")) << "\n";
      for (const SyncLine* l : unreadable)
        app.out() << "  line " << l->number << "  " << name(names.workspaces, l->workspace_id)
                  << " / " << name(names.services, l->service_id)
                  << ": could not be read: " << redact(l->message) << "\n";
    }
  }
  if (app.options().json) print_json(app, out);
  return code;
}

int runs_list(App& app, const std::string& connector, int limit, bool wide) {
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto runs = (*store)->list_runs(connector, limit);
  if (!runs) return report_store_failure(app, runs.status());
  if (app.options().json) {
    boost::json::array arr;
    for (const auto& r : *runs) arr.push_back(run_header_to_json(r));
    print_json(app, arr);
    return kExitOk;
  }
  Table t({"RUN", "CONNECTOR", "STARTED", "TRIGGER", "STATE", "SUMMARY"});
  t.align_right(0);
  for (const auto& r : *runs)
    t.add({std::to_string(r.id), r.connector_id, r.started_at,
           r.trigger + (r.dry_run ? " (dry)" : ""), std::string(to_text(r.state)), r.message});
  if (t.empty())
    app.out() << "No runs yet.\n";
  else
    t.print(app.out(), table_width(wide));
  return kExitOk;
}

// A page of a run's lines (`--after`, `--limit`): a run may hold millions.
struct LinePage {
  int64_t after = 0;
  int64_t limit = 10000;
};

int runs_show(App& app, int64_t id, bool all, bool wide, const LinePage& page) {
  if (page.after < 0 || page.limit < 1)
    return report_failure(app,
                          Status::ConfigInvalid("--after must be 0 or more and --limit 1 or more"));
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto run = (*store)->get_run(id);
  if (!run) return report_store_failure(app, run.status());
  if (!*run) return report_failure(app, Status::NotFound("no run " + std::to_string(id)));
  auto lines = (*store)->list_lines_page(id, page.after, static_cast<size_t>(page.limit),
                                         /*skip_unchanged=*/!all && !app.options().json);
  if (!lines) return report_store_failure(app, lines.status());
  const bool full_page = static_cast<int64_t>(lines->size()) == page.limit;
  const int64_t last = lines->empty() ? page.after : lines->back().number;
  SyncReport report;
  report.run = **run;
  report.lines = std::move(*lines);
  if (app.options().json) {
    boost::json::value doc = run_to_json(
        report.run, report.lines, app.report_names(report.run.connector_id, report.lines), {});
    if (full_page && doc.is_object()) doc.as_object()["next_after"] = last;
    print_json(app, doc);
    return kExitOk;
  }
  print_report(app, report, all, wide);
  if (full_page)
    app.out() << "  next page: runs show " << id << (all ? " --all" : "") << " --after " << last
              << "\n";
  return kExitOk;
}

// The connector a run belongs to, to name it in progress; "run N" when it cannot be read (the
// operation then says why).
std::string connector_of_run(App& app, int64_t id) {
  auto store = app.store();
  if (store) {
    auto run = (*store)->get_run(id);
    if (run && *run) return (*run)->connector_id;
  }
  return "run " + std::to_string(id);
}

int runs_followup(App& app, int64_t id, const std::vector<int64_t>& lines, bool approve,
                  const OutputChoices& choices, const std::string& effective_date = "") {
  SyncOptions options;
  options.trigger = approve ? "approve" : "retry";
  options.effective_date = effective_date;
  auto display = progress_display(app, connector_of_run(app, id), choices);
  options.progress = display->callback();
  auto report =
      approve ? ops::approve_run(app, id, lines, options) : ops::retry_run(app, id, options);
  display->finish();
  if (!report) return report_failure(app, report.status());
  print_report(app, *report, false, choices.wide);
  return exit_for_run(report->run);
}

std::string who_is_running() {
  const char* user = std::getenv("USER");
  return std::string(user != nullptr && *user != '\0' ? user : "a user") + " (CLI)";
}

int runs_dismiss(App& app, int64_t id, const std::vector<int64_t>& lines) {
  auto dismissed = ops::dismiss_run(app, id, lines, who_is_running());
  if (!dismissed) return report_failure(app, dismissed.status());
  if (app.options().json) {
    boost::json::array arr;
    for (const auto& l : *dismissed)
      arr.push_back(boost::json::object{
          {"line", l.number}, {"workspace_id", l.workspace_id}, {"service_id", l.service_id}});
    print_json(app, boost::json::object{{"run", id}, {"dismissed", arr}});
    return kExitOk;
  }
  app.out() << "run " << id << ": dismissed " << dismissed->size()
            << " held line(s); they will not be applied\n";
  return kExitOk;
}

int runs_pending(App& app, const std::string& connector, bool wide) {
  auto pending = ops::pending_approvals(app, connector);
  if (!pending) return report_failure(app, pending.status());
  if (app.options().json) {
    boost::json::array arr;
    const auto names = app.pending_names(*pending);
    for (const auto& p : *pending)
      arr.push_back(pending_approval_to_json(p, names.at(p.connector_id)));
    print_json(app, arr);
    return kExitOk;
  }
  if (pending->empty()) {
    app.out() << "Nothing awaits approval.\n";
    return kExitOk;
  }
  Table t({"CONNECTOR", "RUN", "LINE", "WORKSPACE", "SERVICE", "CURRENT", "NEW", "WHY HELD"});
  t.align_right(1);
  t.align_right(2);
  t.align_right(5);
  t.align_right(6);
  const auto names = app.pending_names(*pending);
  for (const auto& p : *pending) {
    auto it = names.find(p.connector_id);
    const SyncLine& l = p.line;
    auto name = [](const std::map<std::string, std::string>& m, const std::string& id) {
      auto n = m.find(id);
      return n == m.end() || n->second.empty() ? id : n->second;
    };
    t.add({p.connector_id, std::to_string(p.run_id), std::to_string(l.number),
           name(it->second.workspaces, l.workspace_id), name(it->second.services, l.service_id),
           l.current ? std::to_string(*l.current) : "-", l.target ? std::to_string(*l.target) : "-",
           l.message});
  }
  t.print(app.out(), table_width(wide));
  app.out() << "Approve with `runs approve RUN [--line N ...]`, or dismiss with `runs dismiss RUN "
               "[--line N ...]`.\n";
  return kExitOk;
}

constexpr const char* kWideHelp =
    "Print each table row whole on one line instead of wrapping long names and reasons to the "
    "terminal's width";

std::shared_ptr<bool> add_wide_flag(CLI::App* command) {
  auto wide = std::make_shared<bool>(false);
  command->add_flag("--wide", *wide, kWideHelp);
  return wide;
}

// --no-progress, and --wide where the command prints the line table.
std::shared_ptr<OutputChoices> add_output_flags(CLI::App* command, bool table) {
  auto choices = std::make_shared<OutputChoices>();
  if (table) command->add_flag("--wide", choices->wide, kWideHelp);
  command->add_flag("--no-progress", choices->no_progress,
                    "Show no progress on stderr (by default: a status line on a terminal, NDJSON "
                    "events with --json or off a terminal)");
  return choices;
}

// runs approve/dismiss: choosing held lines by workspace or service (id or name) rather than
// number.
void add_held_line_filters(CLI::App* command, std::string& workspace, std::string& service) {
  command->add_option(
      "--workspace", workspace,
      "Also the run's held lines of this workspace (id or name; with --service, of both)");
  command->add_option("--service", service,
                      "Also the run's held lines of this vendor service (id or name)");
}

}  // namespace

void register_sync_commands(CLI::App& cli, CommandContext ctx) {
  auto* sync = cli.add_subcommand(
      "sync", "Plan, read, diff and apply quantities for connectors (all enabled by default)");
  auto ids = std::make_shared<std::vector<std::string>>();
  auto dry = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  sync->add_option("connectors", *ids, "Connector ids");
  sync->add_flag("--dry-run", *dry, "Show current / new / delta without writing anything");
  sync->add_flag("--force", *force,
                 "Write every line even when the platform already has the target");
  auto scheduled = std::make_shared<bool>(false);
  sync->add_flag("--scheduled", *scheduled,
                 "Run as the regular scheduled run (cron), like `serve`'s scheduler: plugins that "
                 "resend unchanged values on scheduled runs do so");
  auto sync_output = add_output_flags(sync, true);
  sync->callback([ctx, ids, dry, force, scheduled, sync_output] {
    ctx.exit_code = sync_connectors(ctx.app, *ids, *dry, *force, *scheduled, *sync_output);
  });

  auto* reconcile = cli.add_subcommand("reconcile",
                                       "Read every mapped line back from the platforms and compare "
                                       "with the targets; writes nothing");
  auto rids = std::make_shared<std::vector<std::string>>();
  reconcile->add_option("connectors", *rids, "Connector ids (default: all enabled)");
  auto reconcile_output = add_output_flags(reconcile, /*table=*/false);
  reconcile->callback([ctx, rids, reconcile_output] {
    ctx.exit_code = reconcile_connectors(ctx.app, *rids, *reconcile_output);
  });

  auto* runs = cli.add_subcommand("runs",
                                  "Sync history: list, show, pending approvals, approve or dismiss "
                                  "held lines, retry failed lines");
  runs->require_subcommand(1);
  {
    auto* list = runs->add_subcommand("list", "Recent runs, newest first");
    auto connector = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(20);
    list->add_option("connector", *connector, "Only this connector");
    list->add_option("--limit", *limit, "How many (default 20)");
    auto wide = add_wide_flag(list);
    list->callback([ctx, connector, limit, wide] {
      ctx.exit_code = runs_list(ctx.app, *connector, *limit, *wide);
    });
  }
  {
    auto* show = runs->add_subcommand("show", "One run with its lines");
    auto id = std::make_shared<int64_t>(0);
    auto all = std::make_shared<bool>(false);
    show->add_option("run", *id)->required();
    show->add_flag("--all", *all, "Include unchanged lines");
    auto page = std::make_shared<LinePage>();
    show->add_option("--after", page->after, "Lines numbered after this one (paging; default 0)");
    show->add_option("--limit", page->limit, "At most this many lines (default 10000)");
    auto wide = add_wide_flag(show);
    show->callback([ctx, id, all, wide, page] {
      ctx.exit_code = runs_show(ctx.app, *id, *all, *wide, *page);
    });
  }
  {
    auto* approve = runs->add_subcommand(
        "approve",
        "Apply a run's held lines that are still today's numbers (the others are reported stale)");
    auto id = std::make_shared<int64_t>(0);
    auto lines = std::make_shared<std::vector<int64_t>>();
    auto ws = std::make_shared<std::string>(), svc = std::make_shared<std::string>();
    approve->add_option("run", *id)->required();
    approve->add_option("--line", *lines,
                        "Only these held lines (numbers from runs show / runs pending)");
    add_held_line_filters(approve, *ws, *svc);
    auto effective = std::make_shared<std::string>();
    approve->add_option("--effective-date", *effective,
                        "The date the approved changes take effect, YYYY-MM-DD (default: the "
                        "connector's policies.effective_date)");
    auto output = add_output_flags(approve, true);
    approve->callback([ctx, id, lines, ws, svc, effective, output] {
      auto selected = ops::select_held_lines(ctx.app, *id, *lines, *ws, *svc);
      ctx.exit_code = selected ? runs_followup(ctx.app, *id, *selected, true, *output, *effective)
                               : report_failure(ctx.app, selected.status());
    });
  }
  {
    auto* dismiss = runs->add_subcommand("dismiss", "Decide not to apply a run's held lines");
    auto id = std::make_shared<int64_t>(0);
    auto lines = std::make_shared<std::vector<int64_t>>();
    auto ws = std::make_shared<std::string>(), svc = std::make_shared<std::string>();
    dismiss->add_option("run", *id)->required();
    dismiss->add_option("--line", *lines,
                        "Only these held lines (numbers from runs show / runs pending)");
    add_held_line_filters(dismiss, *ws, *svc);
    dismiss->callback([ctx, id, lines, ws, svc] {
      auto selected = ops::select_held_lines(ctx.app, *id, *lines, *ws, *svc);
      ctx.exit_code = selected ? runs_dismiss(ctx.app, *id, *selected)
                               : report_failure(ctx.app, selected.status());
    });
  }
  {
    auto* retry =
        runs->add_subcommand("retry", "Retry only a run's failed lines, with today's numbers");
    auto id = std::make_shared<int64_t>(0);
    retry->add_option("run", *id)->required();
    auto output = add_output_flags(retry, true);
    retry->callback(
        [ctx, id, output] { ctx.exit_code = runs_followup(ctx.app, *id, {}, false, *output); });
  }
  {
    auto* pending = runs->add_subcommand("pending", "Held lines awaiting approval or dismissal");
    auto connector = std::make_shared<std::string>();
    pending->add_option("connector", *connector, "Only this connector");
    auto wide = add_wide_flag(pending);
    pending->callback(
        [ctx, connector, wide] { ctx.exit_code = runs_pending(ctx.app, *connector, *wide); });
  }
}

}  // namespace mb::cli
