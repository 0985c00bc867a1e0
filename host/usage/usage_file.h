// Usage files: the vendor's counts per workspace × service, imported from JSON or CSV (formats
// in docs/usage-format.md) or pushed to the admin API. A file is validated row by row as it is
// read (a SAX parser for JSON, a row reader for CSV), the good rows streamed into one open
// transaction: either every row is good and the transaction commits, or it is rejected with
// every error listed (JSON Pointer or CSV line, and the reason; the list is capped and says how
// many more) and rolled back, so nothing changes. Both formats are equally
// strict: UTF-8 only, no unknown fields or columns, and at most `max_bytes` of text.
//
//   auto import = store.begin_usage_import("usage.json");      // one open transaction
//   StoreSink sink(**import);                                    // a UsageSink writing to it
//   auto read = stream_usage_file("usage.json", options, sink);
//   if (!read) { std::cerr << read.status().message(); }        // one error per line; rolled back
//   else (*import)->commit(read->as_of);
#ifndef METERBRIDGE_HOST_USAGE_USAGE_FILE_H_
#define METERBRIDGE_HOST_USAGE_USAGE_FILE_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"

namespace mb {

inline constexpr size_t kDefaultMaxUsageBytes = size_t{1024} * 1024 * 1024;

struct UsageImport {
  std::vector<Workspace> workspaces;
  std::vector<VendorService> services;
  UsageSnapshot snapshot;  // as_of, source and counts
};

// Services (and workspaces) already known may be referenced without being declared again;
// a sink's has_workspace answers for workspaces too, without this list.
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

// Where rows go as they are validated: the store's open import transaction, or memory. A sink
// answers kConflict for a count whose workspace × service pair it already holds (reported as a
// duplicate); any other error stops the import and is returned as it is.
class UsageSink {
 public:
  virtual ~UsageSink() = default;
  virtual Status add_workspace(const Workspace& workspace) = 0;
  virtual Status add_service(const VendorService& service) = 0;
  virtual Status add_count(const UsageCount& count) = 0;
  // Whether the destination already holds the workspace, so a count may name it without the
  // document declaring it (the store: workspaces of earlier imports). Asked only for ids the
  // document did not declare.
  virtual Result<bool> has_workspace(const std::string& id) {
    (void)id;
    return false;
  }
};

// What a streamed import read. Rows went to the sink; the caller commits only when this is not
// an error (an error means the sink holds a partial, wrong import: roll it back).
struct UsageStreamSummary {
  std::string as_of;    // normalised to a UTC time
  size_t services = 0;  // declared in the document
  size_t counts = 0;
};

// Like parse_usage, but each row goes to `sink` as soon as it is checked: memory depends on the
// number of workspaces and services, never on the number of counts, and no JSON DOM is built.
Result<UsageStreamSummary> stream_usage(std::string_view text, std::string_view origin,
                                        const UsageParseOptions& options, UsageSink& sink);
// The same for a usage file ("-": standard input), read a piece at a time; a file larger than
// options.max_bytes is refused, and read errors name the file. The origin in error lines is the
// file name ("stdin" for standard input).
Result<UsageStreamSummary> stream_usage_file(const std::string& file,
                                             const UsageParseOptions& options, UsageSink& sink);
// The same for a request body the admin API wrote to `path` as it arrived: read a piece at a
// time, so its size costs no memory; messages name "the request body" and error lines
// `origin`, never the path.
Result<UsageStreamSummary> stream_usage_spooled(const std::string& path, std::string_view origin,
                                                const UsageParseOptions& options, UsageSink& sink);

}  // namespace mb

#endif  // METERBRIDGE_HOST_USAGE_USAGE_FILE_H_
