#include "host/sync/report.h"

#include <boost/json.hpp>

#include <algorithm>
#include <sstream>

#include "host/common/json.h"
#include "host/common/text_table.h"
#include "host/sync/planner.h"

namespace mb {
namespace {

std::string name_or_id(const std::map<std::string, std::string>& names, const std::string& id) {
  auto it = names.find(id);
  return it == names.end() || it->second.empty() ? id : it->second;
}

std::string opt(const std::optional<int64_t>& v, bool signed_delta = false) {
  if (!v) return "-";
  if (signed_delta && *v > 0) return "+" + std::to_string(*v);
  return std::to_string(*v);
}

// Order: what needs attention first.
int rank(const std::string& outcome) {
  static const char* order[] = {outcome::kFailed,
                                outcome::kPendingConfirmation,
                                outcome::kHeld,
                                outcome::kStale,
                                outcome::kUpdated,
                                outcome::kWouldUpdate,
                                outcome::kNoContractLine,
                                outcome::kAmbiguousContractLine,
                                outcome::kPlatformNotMapped,
                                outcome::kAccountInactive,
                                outcome::kNotMapped,
                                outcome::kNotLinked,
                                outcome::kNoData,
                                outcome::kInterrupted,
                                outcome::kPending,
                                outcome::kUnchanged};
  for (int i = 0; i < static_cast<int>(std::size(order)); ++i)
    if (outcome == order[i]) return i;
  return 99;
}

std::string duration(const SyncRun& run) {
  auto parse = [](const std::string& iso) -> int64_t {
    std::tm tm{};
    if (iso.size() < 19 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return -1;
    return static_cast<int64_t>(timegm(&tm));
  };
  int64_t a = parse(run.started_at), b = parse(run.finished_at);
  if (a < 0 || b < 0) return "";
  return std::to_string(b - a) + " s";
}

struct RunCounts {
  size_t total = 0;
  size_t unchanged = 0;
};

// The run's lines by its stored counts (none while it runs).
RunCounts run_counts(const SyncRun& run) {
  RunCounts counts;
  auto parsed = json::parse(run.counts_json);
  if (!parsed || !parsed->is_object()) return counts;
  for (const auto& [outcome_name, n] : parsed->get_object()) {
    if (!n.is_int64() || n.get_int64() < 0) continue;
    counts.total += static_cast<size_t>(n.get_int64());
    if (outcome_name == outcome::kUnchanged) counts.unchanged = static_cast<size_t>(n.get_int64());
  }
  return counts;
}

}  // namespace

std::string run_summary_line(const SyncRun& run) {
  std::string s = run.connector_id + ": " + std::string(to_text(run.state)) +
                  (run.dry_run ? " (dry run)" : "") + " — " + run.message;
  s += " (run " + std::to_string(run.id);
  if (!run.effective_date.empty()) s += ", effective " + run.effective_date;
  std::string d = duration(run);
  if (!d.empty()) s += ", " + d;
  return s + ")";
}

std::string format_run_text(const SyncRun& run, const std::vector<SyncLine>& lines,
                            const ReportNames& names, const std::vector<std::string>& notes,
                            const ReportOptions& options) {
  std::vector<const SyncLine*> shown;
  size_t unchanged = 0;
  for (const auto& l : lines) {
    if (!options.all_lines && l.outcome == outcome::kUnchanged) {
      ++unchanged;
      continue;
    }
    shown.push_back(&l);
  }
  std::stable_sort(shown.begin(), shown.end(), [](const SyncLine* a, const SyncLine* b) {
    return rank(a->outcome) < rank(b->outcome);
  });
  // Names wrap within a modest width so the reason keeps most of the line; nothing is cut.
  TextTable table({{.header = "LINE", .align_right = true},
                   {.header = "WORKSPACE", .max_width = 32},
                   {.header = "SERVICE", .max_width = 24},
                   {.header = "PSA ACCOUNT", .max_width = 28},
                   {.header = "CURRENT", .align_right = true},
                   {.header = "NEW", .align_right = true},
                   {.header = "DELTA", .align_right = true},
                   {.header = "OUTCOME"},
                   {.header = "DETAIL"}});
  size_t listed = std::min(shown.size(), options.max_lines);
  for (size_t i = 0; i < listed; ++i) {
    const SyncLine& l = *shown[i];
    std::string detail = l.message;
    if (l.decision != Decision::kUndecided)
      detail = std::string(to_text(l.decision)) +
               (l.decision_note.empty() ? "" : " (" + l.decision_note + ")") + "; " + detail;
    table.add({l.number > 0 ? std::to_string(l.number) : "-",
               name_or_id(names.workspaces, l.workspace_id),
               name_or_id(names.services, l.service_id),
               l.account_id.empty() ? "-" : name_or_id(names.psa_accounts, l.account_id),
               opt(l.current), opt(l.target), opt(l.delta, true), l.outcome, detail});
  }
  // The lines may be part of the run (a report keeps a few, `runs show` pages): what the table
  // leaves out is then counted from the run's counts.
  size_t more = shown.size() - listed;
  const RunCounts counts = run_counts(run);
  if (options.partial_lines && counts.total > lines.size()) {
    unchanged = options.all_lines ? 0 : counts.unchanged;
    more = counts.total - unchanged > listed ? counts.total - unchanged - listed : 0;
  }
  std::ostringstream out;
  out << run_summary_line(run) << "\n";
  if (!table.empty()) out << table.render(options.width, "  ");
  if (more > 0) out << "  ... " << more << " more lines (runs show " << run.id << ")\n";
  if (unchanged > 0) out << "  " << unchanged << " lines unchanged\n";
  for (const auto& n : notes) out << "  note: " << n << "\n";
  return out.str();
}

boost::json::value run_header_to_json(const SyncRun& run) {
  auto counts = json::parse(run.counts_json.empty() ? "{}" : run.counts_json);
  return boost::json::object{
      {"id", run.id},
      {"connector", run.connector_id},
      {"state", to_text(run.state)},
      {"dry_run", run.dry_run},
      {"trigger", run.trigger},
      {"effective_date", run.effective_date},
      {"started_at", run.started_at},
      {"finished_at", run.finished_at},
      {"message", run.message},
      {"parent_run", run.parent_run_id},
      {"counts", counts ? *counts : boost::json::value(boost::json::object())}};
}

boost::json::value pending_approval_to_json(const PendingApproval& p, const ReportNames& names) {
  const SyncLine& l = p.line;
  auto num = [](const std::optional<int64_t>& v) {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
  };
  return boost::json::object{{"connector", p.connector_id},
                             {"run", p.run_id},
                             {"run_started_at", p.run_started_at},
                             {"line", l.number},
                             {"workspace_id", l.workspace_id},
                             {"workspace", name_or_id(names.workspaces, l.workspace_id)},
                             {"service_id", l.service_id},
                             {"service", name_or_id(names.services, l.service_id)},
                             {"account_id", l.account_id},
                             {"account", name_or_id(names.psa_accounts, l.account_id)},
                             {"psa_service_id", l.psa_service_id},
                             {"current", num(l.current)},
                             {"target", num(l.target)},
                             {"delta", num(l.delta)},
                             {"message", l.message}};
}

boost::json::value line_to_json(const SyncLine& l, const ReportNames& names) {
  auto num = [](const std::optional<int64_t>& v) {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
  };
  boost::json::object o{{"line", l.number},
                        {"workspace_id", l.workspace_id},
                        {"workspace", name_or_id(names.workspaces, l.workspace_id)},
                        {"service_id", l.service_id},
                        {"service", name_or_id(names.services, l.service_id)},
                        {"account_id", l.account_id},
                        {"psa_service_id", l.psa_service_id},
                        {"metric", l.metric},
                        {"current", num(l.current)},
                        {"target", num(l.target)},
                        {"delta", num(l.delta)},
                        {"action", to_text(l.action)},
                        {"outcome", l.outcome},
                        {"error_class", l.error_class},
                        {"message", l.message}};
  if (l.decision != Decision::kUndecided)
    o["decision"] = boost::json::object{{"decision", to_text(l.decision)},
                                        {"run", l.decision_run_id},
                                        {"note", l.decision_note},
                                        {"at", l.decided_at}};
  return o;
}

boost::json::value run_to_json(const SyncRun& run, const std::vector<SyncLine>& lines,
                               const ReportNames& names, const std::vector<std::string>& notes) {
  boost::json::object doc = run_header_to_json(run).as_object();
  boost::json::array arr;
  arr.reserve(lines.size());
  for (const auto& l : lines) arr.push_back(line_to_json(l, names));
  doc["lines"] = std::move(arr);
  boost::json::array n;
  for (const auto& x : notes) n.emplace_back(x);
  doc["notes"] = std::move(n);
  return doc;
}

}  // namespace mb
