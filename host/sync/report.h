// Run reports as a billing admin reads them (a short table and one summary line) and as
// machines read them (JSON). The same text goes to the terminal, the notification email and
// the admin API, so what was printed is what was sent.
#ifndef METERBRIDGE_HOST_SYNC_REPORT_H_
#define METERBRIDGE_HOST_SYNC_REPORT_H_

#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <vector>

#include "host/store/model.h"

namespace mb {

struct ReportNames {
  std::map<std::string, std::string> workspaces;    // id -> name
  std::map<std::string, std::string> services;      // id -> name
  std::map<std::string, std::string> psa_accounts;  // id -> name
};

struct ReportOptions {
  bool all_lines = false;  // include unchanged lines
  size_t max_lines = 200;  // beyond this, say how many were left out
  // The table's line width: a reason too long for the DETAIL column wraps onto continuation
  // lines under it (and a long name within its column). 0: every line whole on one line.
  size_t width = 100;
  // The lines given are part of the run (a SyncReport keeps only those worth reading, `runs
  // show` pages): the lines left out and the unchanged ones are counted from the run's counts.
  bool partial_lines = false;
};

// "acme: ok — 12 updated, 480 unchanged, 3 held (run 42, 2026-11-22, 1.2 s)"
std::string run_summary_line(const SyncRun& run);
// The table of lines worth reading (changes, holds, failures, no data, unmapped), then notes.
// Nothing in the table is cut: every name and reason is printed whole.
std::string format_run_text(const SyncRun& run, const std::vector<SyncLine>& lines,
                            const ReportNames& names, const std::vector<std::string>& notes,
                            const ReportOptions& options);
boost::json::value run_to_json(const SyncRun& run, const std::vector<SyncLine>& lines,
                               const ReportNames& names, const std::vector<std::string>& notes);
// One element of run_to_json's "lines": what a caller that pages a run's lines writes per line.
boost::json::value line_to_json(const SyncLine& line, const ReportNames& names);
boost::json::value run_header_to_json(const SyncRun& run);
// One held line awaiting a decision, with its connector and run (GET /v1/approvals, runs pending).
boost::json::value pending_approval_to_json(const PendingApproval& pending,
                                            const ReportNames& names);

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_REPORT_H_
