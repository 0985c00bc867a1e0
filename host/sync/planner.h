// The planner: from the latest usage snapshot and a connector's mappings, one SyncLine per
// (workspace, mapped service) with its absolute target — or the reason there is none (no
// data, not mapped, mapping drift). Pure functions over plain data, so they are fast and unit
// tested without a store or a plugin; the diff and policies live here too.
//
//   PlanInput in{...};
//   std::vector<SyncLine> lines = plan_lines(in);
//   apply_diff(lines, current_by_key, policies);   // fills current, delta, action, outcome
#ifndef METERBRIDGE_HOST_SYNC_PLANNER_H_
#define METERBRIDGE_HOST_SYNC_PLANNER_H_

#include <meterbridge/abi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/config/connector_config.h"
#include "host/store/model.h"

namespace mb {

// Outcomes a line can end in (docs/sync.md explains each).
namespace outcome {
inline constexpr const char* kPending = "pending";          // planned, not yet decided
inline constexpr const char* kUpdated = MB_OUTCOME_UPDATED;
inline constexpr const char* kUnchanged = MB_OUTCOME_UNCHANGED;
inline constexpr const char* kWouldUpdate = "would_update";  // dry run
inline constexpr const char* kHeld = "held";
inline constexpr const char* kNoData = "no_data";
inline constexpr const char* kNotMapped = "not_mapped";
inline constexpr const char* kNotLinked = "not_linked";
inline constexpr const char* kNoContractLine = MB_OUTCOME_NO_CONTRACT_LINE;
inline constexpr const char* kAmbiguousContractLine = MB_OUTCOME_AMBIGUOUS_CONTRACT_LINE;
inline constexpr const char* kAccountInactive = MB_OUTCOME_ACCOUNT_INACTIVE;
inline constexpr const char* kPlatformNotMapped = MB_OUTCOME_PLATFORM_NOT_MAPPED;
inline constexpr const char* kFailed = MB_OUTCOME_FAILED;
inline constexpr const char* kInterrupted = "interrupted";
// A journaled write to this line is not confirmed yet and may still land: not written again
// until it is confirmed or its grace period passes.
inline constexpr const char* kPendingConfirmation = "pending_confirmation";
// Approval: the line changed since it was held (usage, mapping or the platform's value), so
// the approval no longer applies to it.
inline constexpr const char* kStale = "stale";
}  // namespace outcome

// A connector's account mappings as the planner keeps them for a whole run: only what planning
// reads (ids, excluded, drift, and the name when mapped of a drifted mapping), the text of all
// of them in one buffer — a few dozen bytes a mapping instead of a few hundred, so a run over a
// million workspaces keeps tens of megabytes here, not hundreds (docs/sync.md, "Memory").
class MappingTable {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  // Adds a mapping (any order; a workspace at most once). Call seal() after the last.
  void add(const AccountMapping& m);
  void seal();
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The mapping's index (in the order they were added) for a workspace, or npos.
  size_t find(std::string_view workspace_id) const;
  std::string_view workspace_id(size_t i) const;
  // The mapping as the planner uses it (source and updated_at are not kept), viewing the
  // table's text: valid while the table is, and nothing copied per workspace planned.
  struct Mapping {
    std::string_view workspace_id;
    std::optional<std::string_view> account_id;
    std::string_view account_name;  // kept only for a drifted mapping
    bool excluded = false;
    MappingDrift drift = MappingDrift::kNone;
  };
  Mapping at(size_t i) const;

 private:
  struct Entry {
    uint64_t text_at = 0;  // workspace id, account id and name, one after the other
    uint32_t workspace_len = 0, account_len = 0, name_len = 0;
    bool has_account = false, excluded = false;
    MappingDrift drift = MappingDrift::kNone;
  };
  std::string text_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> by_workspace_;  // entry indexes sorted by workspace id
};

struct PlanInput {
  std::vector<Workspace> workspaces;
  std::optional<UsageSnapshot> snapshot;
  // The mappings, given either as a list (tests, in-memory callers) or, for a run over the
  // store, added to `mapping_table` a page at a time and the list left empty.
  std::vector<AccountMapping> account_mappings;
  MappingTable mapping_table;
  std::vector<ServiceMapping> service_mappings;
  std::vector<PsaAccount> psa_accounts;  // for drift; may be empty
  std::string ended_workspaces = "zero";  // zero | no_data
  bool link_based = false;                // unmapped workspaces are "not linked"
};

std::string line_key(const std::string& workspace_id, const std::string& service_id);

// One line per (workspace, mapped service) for every workspace that is mapped or present in
// the snapshot, excluded workspaces aside. Lines with a target are "pending"; the others carry
// their final outcome already.
std::vector<SyncLine> plan_lines(const PlanInput& in);

// plan_lines a chunk of workspaces at a time, for a snapshot whose counts come from the store
// in chunks: built once from the per-workspace input (PlanInput without snapshot counts, which
// must outlive it), then given each chunk's counts, then asked for the mapped workspaces no
// chunk named. The lines are those plan_lines makes, in its order when the chunks come in
// workspace order.
//
//   ChunkPlanner planner(in);
//   while (next chunk of counts) planner.plan_counts(chunk, as_of, lines);
//   planner.plan_unreported(lines);
class ChunkPlanner {
 public:
  explicit ChunkPlanner(const PlanInput& in);
  ~ChunkPlanner();
  ChunkPlanner(const ChunkPlanner&) = delete;
  ChunkPlanner& operator=(const ChunkPlanner&) = delete;

  // Appends the lines of the workspaces of `counts` (a workspace's counts side by side) of the
  // snapshot taken `as_of`.
  void plan_counts(const std::vector<UsageCount>& counts, const std::string& as_of,
                   std::vector<SyncLine>& lines);
  // Appends the lines of the mapped workspaces that no chunk named (no data, or ended).
  void plan_unreported(std::vector<SyncLine>& lines);
  // Whether the input lists this workspace (a partner's connector sees only its own).
  bool visible(std::string_view workspace_id) const;

 private:
  friend std::vector<SyncLine> plan_lines(const PlanInput& in);
  struct Indexes;
  void plan_workspace(std::string_view workspace_id, const UsageCount* const* counts,
                      size_t count_n, bool in_snapshot, std::vector<SyncLine>& lines);

  const PlanInput& in_;
  const MappingTable* mappings_;  // the input's table, or one built from its list
  MappingTable built_;
  std::unique_ptr<Indexes> index_;
  std::vector<bool> reported_;  // per account mapping: its workspace was in a chunk
  std::string snapshot_as_of_;
};

// What the platform said about one line's current value.
struct CurrentValue {
  std::optional<int64_t> quantity;
  std::string reason;   // empty, or no_contract_line / ambiguous_contract_line / ...
  std::string message;
  std::string line_ref_json;  // opaque platform reference passed back to apply
};

// Fills current/delta/action/outcome of pending lines from the platform's current values and
// the connector's policies. Lines without a current value keep "pending" (caller decides).
// Holds for approval: decreases under `require_approval`; changes above max_change_ratio
// (from or to 0 included); a positive value going to 0 (hold_drops_to_zero); and every
// decrease of the run when decreases exceed max_decrease_share of the compared lines.
void apply_diff(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                const Policies& policies, bool dry_run);

// apply_diff in two passes, for a run whose lines are read a batch at a time: compare_line
// records one line's current value and delta (or the platform's verdict: false), counting
// what the run-wide policies need; decide_compared then decides the compared lines of a chunk
// under the totals of the whole run.
struct DiffTotals {
  size_t compared = 0;   // lines with a current value to compare with
  size_t decreases = 0;  // of which would decrease
};
bool compare_line(SyncLine& line, const CurrentValue& current, DiffTotals& totals);
// A line compare_line compared and nothing decided since.
bool is_compared(const SyncLine& line);
void decide_compared(const std::vector<SyncLine*>& compared, const DiffTotals& totals,
                     const Policies& policies, bool dry_run);

// The policies under which approved lines are applied: the operator decided these changes, so
// nothing holds them again (a `never` policy still never decreases).
Policies approved_policies(const Policies& policies);

// Counts per outcome, as the JSON object stored on the run.
std::map<std::string, int64_t> count_outcomes(const std::vector<SyncLine>& lines);

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_PLANNER_H_
