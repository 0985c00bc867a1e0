// Mapping: fetching a platform's accounts and services (paged, cached in the store), matching
// vendor workspaces to PSA accounts, and flagging drift.
//
// Auto-matching follows what users of vendor PSA connectors know: exact names, case-sensitive, after
// trimming surrounding whitespace; one-to-one; a manual mapping is never overwritten; a name
// with two candidates on either side is left unmapped and reported.
#ifndef METERBRIDGE_HOST_SYNC_MAPPING_H_
#define METERBRIDGE_HOST_SYNC_MAPPING_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"

namespace mb {

// Fetches every page of list_accounts / list_services and replaces the store's cache.
// Returns how many were fetched. `search` narrows the listing (not cached then).
Result<std::vector<PsaAccount>> fetch_accounts(PluginSession& session, const std::string& search,
                                               const std::atomic<bool>* cancelled = nullptr);
Result<std::vector<PsaService>> fetch_services(PluginSession& session, const std::string& search,
                                               const std::atomic<bool>* cancelled = nullptr);
Result<size_t> refresh_accounts(Store& store, const std::string& connector_id, PluginSession& session);
Result<size_t> refresh_services(Store& store, const std::string& connector_id, PluginSession& session);

// What `map auto` did. The lists hold the first kReportSample of each; the counts say how many
// there were in all (a platform with a million workspaces gets a report of bounded size).
struct AutoMapReport {
  static constexpr size_t kReportSample = 1000;
  // Workspaces matched, linked (on link-based platforms) and stored per page.
  static constexpr size_t kPageSize = 10'000;
  std::vector<AccountMapping> created;
  // Each workspace left unmapped, with why ("2 PSA accounts are named ...", "no PSA account
  // named ...").
  std::vector<std::pair<Workspace, std::string>> unmapped;
  size_t created_count = 0;
  size_t unmapped_count = 0;
  size_t kept_existing = 0;
  // The platform's accounts were created for the workspaces and mapped by identity, not matched.
  bool provisioned = false;
};

// Called with each page of new mappings before it is stored (on link-based platforms: linking
// them there). An error stops matching: the pages before it stay mapped, the rest do not.
using BeforeStoringMappings = std::function<Status(const std::vector<AccountMapping>&)>;

// Matches unmapped workspaces to free PSA accounts (active, not excluded, not missing, not
// mapped) by exact (trimmed, case-sensitive) name, a page at a time, each page stored in one
// transaction. `partner_id` (when not empty) limits matching to that partner's workspaces.
Result<AutoMapReport> auto_map(Store& store, const std::string& connector_id,
                               const std::string& partner_id = "",
                               const BeforeStoringMappings& before_storing = nullptr);

// Whether a workspace is visible to a connector serving `partner_id` ("" sees all).
inline bool visible_to(const Workspace& w, const std::string& partner_id) {
  return partner_id.empty() || w.partner_id == partner_id;
}

// Re-checks every mapping against the cached PSA accounts: missing, inactive or renamed
// accounts are flagged on the mapping (and cleared when they come back). Returns the number of
// mappings whose drift changed.
Result<size_t> update_drift(Store& store, const std::string& connector_id);

std::string trim_name(std::string_view name);

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_MAPPING_H_
