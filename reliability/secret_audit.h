// The secret audit: the whole operator flow against one platform's simulator with a unique
// canary string in every secret — the plugin's secret fields, the sealing key (MB_SECRET_KEY),
// the admin API token, the webhook secret and the SMTP password — and every log at trace, then a
// scan for those strings in plain text wherever they must never be: every command's output and
// logs, `serve`'s output and API answers, every file of the work folder (the SQLite database and
// its WAL as raw bytes), the webhook and e-mail bodies received, and the simulator's log of what
// meterbridge sent outside the headers that carry credentials.
//
//   AuditResult audit = run_secret_audit(platform, tools, out / "audit-autotask", seed);
//   audit.occurrences;   // goal 0
#ifndef METERBRIDGE_RELIABILITY_SECRET_AUDIT_H_
#define METERBRIDGE_RELIABILITY_SECRET_AUDIT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "reliability/harness.h"
#include "reliability/platform_model.h"

namespace mb::reliability {

struct AuditResult {
  int64_t canaries = 0;               // distinct canary strings planted (encoded forms included)
  int64_t sources = 0;                // outputs, files, bodies and request logs scanned
  int64_t bytes = 0;                  // their size
  int64_t occurrences = 0;            // canaries found in plain text: goal 0
  std::vector<std::string> problems;  // where each was found (never the canary itself)
  std::string error;                  // the audit could not run to its end
};

// Runs the audit in `dir`. Sets MB_SECRET_KEY and the connector's variables in this process's
// environment: call it when no other thread starts processes.
AuditResult run_secret_audit(const PlatformModel& platform, const Tools& tools,
                             const std::filesystem::path& dir, uint64_t seed);

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_SECRET_AUDIT_H_
