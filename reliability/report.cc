#include "reliability/report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace mb::reliability {
namespace json = boost::json;

namespace {

struct Figure {
  const char* key;    // the Tally's figure ("" for a computed row)
  const char* label;  // what the table says
  bool goal_zero;     // the goal is 0
};

// In the order of docs/reliability.md.
const std::vector<Figure>& figures() {
  static const std::vector<Figure> list{
      {"fault_runs", "fault runs", false},
      {"faults_injected", "faults injected", false},
      {"lines_checked", "lines read back", false},
      {"mismatched_lines", "lines differing from target", true},
      {"double_writes", "writes applied twice", true},
      {"repeated_writes", "repeated absolute writes (harmless)", false},
      {"failed_where_partial_was_right", "runs failed where partial was right", true},
      {"runs_failed", "fault runs ended failed", false},
      {"runs_partial", "fault runs ended partial", false},
      {"failed_runs_with_writes_landed", "lines landed in failed runs", false},
      {"clean_runs_not_ok", "clean runs not ok", true},
      {"kills", "kills", false},
      {"kills_during_writes", "kills during delayed writes", false},
      {"kills_of_serve", "kills of serve during an API sync", false},
      {"kills_after_the_run_ended", "kill signals after the run ended", false},
      {"kill_mismatched_lines", "kill: lines differing from target", true},
      {"kill_double_writes", "kill: writes applied twice", true},
      {"runs_left_open", "kill: runs left open", true},
      {"races", "races (2 or 4 processes)", false},
      {"races_not_applied_once", "races where not exactly 1 run applied", true},
      {"race_mismatched_lines", "race: lines differing from target", true},
      {"race_double_writes", "race: writes applied twice", true},
      {"approve_races", "approve racing a sync", false},
      {"approvals_applied", "approvals that applied", false},
      {"approve_double_writes", "approve: writes applied twice", true},
      {"approve_mismatched_lines", "approve: lines wrong after the race", true},
      {"alert_trials", "alerts trials (tickets platforms)", false},
      {"alerts_pushed", "alerts pushed", false},
      {"alert_fault_runs", "alerts runs under faults", false},
      {"alert_faults_injected", "faults injected in alerts runs", false},
      {"alert_fault_runs_not_ok", "faulted alerts runs with failures", false},
      {"alert_kills", "alerts runs killed during a create", false},
      {"alert_kills_after_the_run_ended", "alerts kill signals after the run ended", false},
      {"alert_creates_in_grace", "alerts held: their create may still land", false},
      {"alert_tickets_checked", "alert tickets read back", false},
      {"alert_tickets_missing", "alerts without a ticket", true},
      {"alert_tickets_duplicated", "second tickets for one alert", true},
      {"alert_tickets_not_closed", "tickets open after their alert resolved", true},
      {"alert_tickets_closed_early", "tickets closed while their alert is open", true},
      {"alert_clean_runs_not_ok", "clean alerts runs not ok", true},
      {"exit_code_disagrees", "exit code disagreeing with the run", true},
      {"crashes", "crashes", true},
      {"hangs", "hangs", true},
  };
  return list;
}

std::string machine_description() {
  std::string cpu;
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  ::uname(&u);
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " CPUs, " + u.sysname +
         " " + u.release;
}

}  // namespace

std::string format_table(const std::vector<PlatformResult>& results) {
  std::ostringstream out;
  char cell[64];
  std::snprintf(cell, sizeof(cell), "%-40s", "figure");
  out << cell;
  for (const auto& r : results) {
    std::snprintf(cell, sizeof(cell), " %12s", r.platform.c_str());
    out << cell;
  }
  out << "   goal\n";
  auto row = [&](const std::string& label, auto value_of, const char* goal) {
    std::snprintf(cell, sizeof(cell), "%-40s", label.c_str());
    out << cell;
    for (const auto& r : results) {
      std::snprintf(cell, sizeof(cell), " %12s", value_of(r).c_str());
      out << cell;
    }
    out << "   " << goal << "\n";
  };
  row(
      "tracked lines", [](const PlatformResult& r) { return std::to_string(r.lines); }, "");
  for (const auto& f : figures())
    row(
        f.label, [&](const PlatformResult& r) { return std::to_string(r.tally[f.key]); },
        f.goal_zero ? "0" : "");
  row(
      "seconds",
      [](const PlatformResult& r) { return std::to_string(static_cast<int64_t>(r.seconds)); }, "");
  auto audit = [](int64_t AuditResult::*field) {
    return [field](const PlatformResult& r) {
      return r.audited ? std::to_string(r.audit.*field) : std::string("-");
    };
  };
  row("secret audit: canaries planted", audit(&AuditResult::canaries), "");
  row("secret audit: sources scanned", audit(&AuditResult::sources), "");
  row("secret audit: bytes scanned", audit(&AuditResult::bytes), "");
  row("secret audit: plaintext occurrences", audit(&AuditResult::occurrences), "0");
  for (const auto& r : results) {
    if (!r.error.empty()) out << r.platform << ": the harness stopped: " << r.error << "\n";
    if (r.audited && !r.audit.error.empty())
      out << r.platform << ": the secret audit stopped: " << r.audit.error << "\n";
  }
  return out.str();
}

bool goals_met(const std::vector<PlatformResult>& results) {
  for (const auto& r : results) {
    if (!r.error.empty() || !r.tally.problems.empty()) return false;
    if (r.audited &&
        (r.audit.occurrences != 0 || !r.audit.error.empty() || !r.audit.problems.empty()))
      return false;
    for (const auto& f : figures())
      if (f.goal_zero && r.tally[f.key] != 0) return false;
  }
  return true;
}

json::value results_to_json(const RunInfo& info, const std::vector<PlatformResult>& results) {
  json::object platforms;
  for (const auto& r : results) {
    json::object figures_json;
    figures_json["tracked_lines"] = r.lines;
    for (const auto& f : figures()) figures_json[f.key] = r.tally[f.key];
    json::object faults;
    for (const auto& [k, v] : r.tally.counts)
      if (k.rfind("fault:", 0) == 0) faults[k.substr(6)] = v;
    json::array problems, failed;
    for (const auto& p : r.tally.problems) problems.push_back(json::value(p));
    for (const auto& t : r.failed_trials) failed.push_back(json::value(t));
    if (r.audited) {
      json::array where;
      for (const auto& p : r.audit.problems) where.push_back(json::value(p));
      figures_json["secret_audit"] =
          json::object{{"canaries", r.audit.canaries}, {"sources", r.audit.sources},
                       {"bytes", r.audit.bytes},       {"occurrences", r.audit.occurrences},
                       {"problems", std::move(where)}, {"error", r.audit.error}};
    }
    platforms[r.platform] = json::object{{"figures", std::move(figures_json)},
                                         {"faults_fired_by_kind", std::move(faults)},
                                         {"failed_trials", std::move(failed)},
                                         {"problems", std::move(problems)},
                                         {"seconds", r.seconds},
                                         {"error", r.error},
                                         {"goals_met", goals_met({r})}};
  }
  json::object sizes;
  for (const auto& [k, v] : info.sizes) sizes[k] = v;
  return json::object{{"seed", info.seed},
                      {"size", info.quick ? "quick" : "full"},
                      {"trial", info.trial},
                      {"sizes", std::move(sizes)},
                      {"machine", machine_description()},
                      {"platforms", std::move(platforms)},
                      {"goals_met", goals_met(results)}};
}

}  // namespace mb::reliability
