// Usage files: the vendor's counts per workspace × service, imported from JSON or CSV (formats
// in docs/usage-format.md) or pushed to the admin API. A file is validated whole: either every
// row is good and the import is one transaction, or it is rejected with every error listed
// (JSON Pointer or CSV line, and the reason) and nothing changes. Both formats are equally
// strict: UTF-8 only, no unknown fields or columns, and at most `max_bytes` of text.
//
//   Result<UsageImport> parsed = parse_usage_json(text, "usage.json");
//   if (!parsed) { std::cerr << parsed.status().message(); }   // one error per line
//   store.import_usage(parsed->workspaces, parsed->services, parsed->snapshot);
#ifndef METERBRIDGE_HOST_USAGE_USAGE_FILE_H_
#define METERBRIDGE_HOST_USAGE_USAGE_FILE_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"

namespace mb {

inline constexpr size_t kDefaultMaxUsageBytes = 64 * 1024 * 1024;

struct UsageImport {
  std::vector<Workspace> workspaces;
  std::vector<VendorService> services;
  UsageSnapshot snapshot;  // as_of, source and counts
};

// Services already known to the store may be referenced without being declared again.
struct UsageParseOptions {
  std::set<std::string> known_services;
  std::set<std::string> known_workspaces;
  std::string source;  // recorded on the snapshot, e.g. the file name or "api"
  size_t max_bytes = kDefaultMaxUsageBytes;  // the config's usage.max_file_mib
};

Result<UsageImport> parse_usage_json(std::string_view text, std::string_view origin,
                                     const UsageParseOptions& options = {});
Result<UsageImport> parse_usage_csv(std::string_view text, std::string_view origin,
                                    const UsageParseOptions& options = {});
// Chooses by content: a document starting with '{' (after an optional UTF-8 BOM and blanks) is
// JSON, anything else CSV. Text longer than options.max_bytes is refused before parsing.
Result<UsageImport> parse_usage(std::string_view text, std::string_view origin,
                                const UsageParseOptions& options = {});

// Reads a usage file ("-": standard input) of at most `max_bytes`; the error names the file.
Result<std::string> read_usage_file(const std::string& file, size_t max_bytes);

}  // namespace mb

#endif  // METERBRIDGE_HOST_USAGE_USAGE_FILE_H_
