// The planning phase: gathers the planner's per-workspace input from the store (refreshing the
// PSA account cache when it is old, so drift shows), notes what the user should know (nothing
// imported, unmapped services with usage, renamed accounts) and plans the lines a chunk of
// workspaces at a time, reading each chunk's usage counts from the store, so a plan of millions
// of lines is never in memory at once. Part of the sync engine (host/sync/internal/).
//
//   auto plan = open_plan(store, clock, settings, connector, session, notes, options);
//   std::vector<SyncLine> chunk;
//   while (*(*plan)->next(chunk)) { ... chunk.clear(); }
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_PLAN_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_PLAN_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/planner.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// A run's plan, chunk by chunk, in plan order (planner.h).
class PlanSource {
 public:
  // `partner_id` non-empty: only the usage of the input's workspaces is planned. The notes about
  // unmapped services are inserted at `notes_at` once every count is seen.
  PlanSource(Store& store, PlanInput in, std::string partner_id, std::vector<std::string>& notes,
             size_t notes_at, size_t chunk_workspaces);
  // Appends the next chunk's lines (a chunk may plan no line); false once the plan is done.
  Result<bool> next(std::vector<SyncLine>& lines);

 private:
  void count_unmapped_usage(const std::vector<UsageCount>& counts);
  void add_unmapped_notes();

  Store& store_;
  PlanInput in_;
  std::string partner_id_;
  std::unique_ptr<ChunkPlanner> planner_;
  std::vector<std::string>& notes_;
  size_t notes_at_;  // where the notes about unmapped services go, once every count is seen
  size_t chunk_workspaces_;
  std::string after_workspace_;
  bool counts_done_ = false;
  bool done_ = false;
  std::map<std::string, bool> mapped_services_;
  std::map<std::string, int> unmapped_usage_;
};

// How many workspaces a chunk plans: about the larger of the read and apply batches in lines.
size_t chunk_workspaces_for(const SyncOptions& options, size_t mapped_services);

// The connector's plan for today from the latest usage and mappings, in chunks sized by
// `options` (chunk_workspaces_for). `notes` must outlive the plan. A run-level failure
// refreshing the accounts (credentials, budget) is the result; any other is a note and the
// plan uses the accounts last fetched.
Result<std::unique_ptr<PlanSource>> open_plan(Store& store, const Clock& clock,
                                              const SyncSettings& settings,
                                              const ConnectorConfig& connector,
                                              PluginSession& session,
                                              std::vector<std::string>& notes,
                                              const SyncOptions& options);

// The whole plan's lines that `keep` keeps (every line when empty), in memory: for approvals
// and retries, which handle the few lines a run held or failed.
Result<std::vector<SyncLine>> plan_lines_kept(PlanSource& plan,
                                              const std::function<bool(const SyncLine&)>& keep);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_PLAN_H_
