#include "host/sync/internal/plan.h"

#include <algorithm>
#include <climits>
#include <ctime>
#include <map>
#include <set>
#include <utility>

#include "host/common/clock.h"
#include "host/common/redaction.h"
#include "host/sync/internal/line_errors.h"
#include "host/sync/mapping.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {
namespace {

// How old the PSA account cache may be before a run lists the platform's accounts again.
constexpr int64_t kAccountCacheMaxAgeMs = 12LL * 3600 * 1000;
// Account mappings read from the store at a time when a run starts.
constexpr size_t kMappingPage = 5000;

}  // namespace

PlanSource::PlanSource(Store& store, PlanInput in, std::string partner_id,
                       std::vector<std::string>& notes, size_t notes_at, size_t chunk_workspaces)
    : store_(store),
      in_(std::move(in)),
      partner_id_(std::move(partner_id)),
      notes_(notes),
      notes_at_(notes_at),
      chunk_workspaces_(std::max<size_t>(1, chunk_workspaces)) {
  planner_ = std::make_unique<ChunkPlanner>(in_);
  for (const auto& m : in_.service_mappings) mapped_services_[m.service_id] = true;
  counts_done_ = !in_.snapshot;
}

void PlanSource::count_unmapped_usage(const std::vector<UsageCount>& counts) {
  for (const auto& c : counts)
    if (mapped_services_.count(c.service_id) == 0 && (c.users > 0 || c.devices > 0))
      ++unmapped_usage_[c.service_id];
}

void PlanSource::add_unmapped_notes() {
  std::vector<std::string> unmapped;
  for (const auto& [service, n] : unmapped_usage_)
    unmapped.push_back("service '" + service + "' is not mapped: " + std::to_string(n) +
                       " workspaces have usage of it");
  notes_.insert(notes_.begin() + static_cast<std::ptrdiff_t>(std::min(notes_at_, notes_.size())),
                unmapped.begin(), unmapped.end());
}

Result<bool> PlanSource::next(std::vector<SyncLine>& lines) {
  if (done_) return false;
  if (!counts_done_) {
    auto counts = store_.list_usage_counts(in_.snapshot->id, after_workspace_, chunk_workspaces_);
    if (!counts) return counts.status();
    if (!counts->empty()) {
      after_workspace_ = counts->back().workspace_id;
      // A connector serving one partner sees only that partner's workspaces and their usage.
      if (!partner_id_.empty())
        std::erase_if(*counts,
                      [&](const UsageCount& c) { return !planner_->visible(c.workspace_id); });
      count_unmapped_usage(*counts);
      planner_->plan_counts(*counts, in_.snapshot->as_of, lines);
      return true;
    }
    counts_done_ = true;
    add_unmapped_notes();
  }
  planner_->plan_unreported(lines);
  done_ = true;
  return true;
}

size_t chunk_workspaces_for(const SyncOptions& options, size_t mapped_services) {
  size_t lines = std::max<size_t>({1, options.read_batch_size, options.apply_batch_size});
  return std::max<size_t>(1, lines / std::max<size_t>(1, mapped_services));
}

Result<std::unique_ptr<PlanSource>> open_plan(Store& store, const Clock& clock,
                                              const SyncSettings& settings,
                                              const ConnectorConfig& connector,
                                              PluginSession& session,
                                              std::vector<std::string>& notes,
                                              const SyncOptions& options) {
  const LoadedPlugin& plugin = session.plugin();
  bool vendor_provisioned = plugin.offers(Operation::kProvisionAccounts);
  PlanInput in;
  // What a plan keeps for the whole run is per workspace, so each list is cut to what the
  // planner uses as soon as it is read, before the next is (docs/sync.md, "Memory").
  if (!vendor_provisioned) {
    // Refresh the account cache at most every few hours so drift (missing, inactive, renamed
    // accounts) shows in the next report without listing the whole platform on every run.
    auto age = store.psa_account_cache_age(connector.id);
    if (!age) return age.status();
    const int64_t oldest = age->oldest_fetched_at.empty()
                               ? INT64_MAX
                               : parse_iso8601_utc_ms(age->oldest_fetched_at).value_or(0);
    const bool stale = age->accounts == 0 || clock.now_ms() - oldest > kAccountCacheMaxAgeMs;
    if (stale) {
      auto refreshed = refresh_accounts(store, connector.id, session);
      if (!refreshed) {
        if (is_run_level(refreshed.status().code())) return refreshed.status();
        notes.push_back("could not refresh the platform's accounts: " +
                        redact(refreshed.status().message()));
      }
    }
  }
  // The planner looks a workspace up for its `ended` flag and, on a partner's connector, to see
  // whether it is the partner's: a workspace it does not find is neither ended nor hidden. A
  // connector serving one partner sees only that partner's workspaces (and, chunk by chunk,
  // their usage); one serving every partner needs only the ended ones.
  auto workspaces = store.list_workspaces_of(connector.partner_id,
                                             /*ended_only=*/connector.partner_id.empty());
  if (!workspaces) return workspaces.status();
  auto snapshot = store.latest_snapshot_header();
  if (!snapshot) return snapshot.status();
  // The mappings, a page at a time into the planner's compact table.
  std::set<std::string> drifted;  // accounts the planner names to say why a line cannot be billed
  std::vector<std::string> renamed;
  for (std::string after;;) {
    auto page = store.list_account_mappings_page(connector.id, after, kMappingPage);
    if (!page) return page.status();
    for (const auto& m : *page) {
      if (m.drift != MappingDrift::kNone && m.account_id) drifted.insert(*m.account_id);
      if (m.drift == MappingDrift::kAccountRenamed)
        renamed.push_back("workspace '" + m.workspace_id + "': PSA account '" +
                          m.account_id.value_or("") + "' was renamed since it was mapped (was '" +
                          m.account_name + "'); still billed, please confirm");
      in.mapping_table.add(m);
    }
    if (page->size() < kMappingPage) break;
    after = page->back().workspace_id;
  }
  in.mapping_table.seal();
  auto service_mappings = store.list_service_mappings(connector.id);
  if (!service_mappings) return service_mappings.status();
  std::vector<PsaAccount> drifted_accounts;
  if (!drifted.empty()) {
    auto accounts = store.list_psa_accounts(connector.id);
    if (!accounts) return accounts.status();
    for (auto& a : *accounts)
      if (drifted.count(a.id) > 0) drifted_accounts.push_back(std::move(a));
  }
  in.workspaces = std::move(*workspaces);
  in.snapshot = std::move(*snapshot);
  in.service_mappings = std::move(*service_mappings);
  in.psa_accounts = std::move(drifted_accounts);
  in.ended_workspaces = settings.ended_workspaces;
  in.link_based = plugin.offers(Operation::kLinkAccounts);

  if (!in.snapshot) notes.push_back("no usage imported yet: nothing to plan");
  if (in.service_mappings.empty())
    notes.push_back("no services are mapped on this connector: nothing to plan");
  const size_t unmapped_notes_at = notes.size();
  notes.insert(notes.end(), renamed.begin(), renamed.end());
  const size_t chunk_workspaces = chunk_workspaces_for(options, in.service_mappings.size());
  return std::make_unique<PlanSource>(store, std::move(in), connector.partner_id, notes,
                                      unmapped_notes_at, chunk_workspaces);
}

Result<std::vector<SyncLine>> plan_lines_kept(PlanSource& plan,
                                              const std::function<bool(const SyncLine&)>& keep) {
  std::vector<SyncLine> kept, chunk;
  for (;;) {
    chunk.clear();
    auto more = plan.next(chunk);
    if (!more) return more.status();
    if (!*more) return kept;
    for (auto& line : chunk)
      if (!keep || keep(line)) kept.push_back(std::move(line));
  }
}

}  // namespace mb::sync_internal
