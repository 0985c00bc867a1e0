#include "host/sync/planner.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace mb {

std::string line_key(const std::string& workspace_id, const std::string& service_id) {
  std::string key;
  key.reserve(workspace_id.size() + service_id.size() + 1);
  key += workspace_id;
  key += '\x1f';  // unit separator: ids may contain any printable character
  key += service_id;
  return key;
}

namespace {

std::string drift_message(const MappingTable::Mapping& m, const PsaAccount* account) {
  std::string id(m.account_id.value_or(""));
  if (account == nullptr || account->missing_since)
    return "mapping drift: PSA account '" + id + "' (" + std::string(m.account_name) +
           ") no longer exists on the platform" +
           (account != nullptr && account->missing_since
                ? " (gone since " + *account->missing_since + ")"
                : "");
  return "mapping drift: PSA account '" + id + "' (" + account->name + ") is inactive";
}

}  // namespace

void MappingTable::add(const AccountMapping& m) {
  Entry e;
  e.text_at = text_.size();
  e.workspace_len = static_cast<uint32_t>(m.workspace_id.size());
  text_ += m.workspace_id;
  e.has_account = m.account_id.has_value();
  if (m.account_id) {
    e.account_len = static_cast<uint32_t>(m.account_id->size());
    text_ += *m.account_id;
  }
  if (m.drift != MappingDrift::kNone) {  // the name is only read to say what drifted
    e.name_len = static_cast<uint32_t>(m.account_name.size());
    text_ += m.account_name;
  }
  e.excluded = m.excluded;
  e.drift = m.drift;
  entries_.push_back(e);
}

void MappingTable::seal() {
  text_.shrink_to_fit();
  entries_.shrink_to_fit();
  by_workspace_.resize(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) by_workspace_[i] = static_cast<uint32_t>(i);
  std::sort(by_workspace_.begin(), by_workspace_.end(),
            [&](uint32_t a, uint32_t b) { return workspace_id(a) < workspace_id(b); });
}

size_t MappingTable::find(std::string_view workspace_id) const {
  auto it =
      std::lower_bound(by_workspace_.begin(), by_workspace_.end(), workspace_id,
                       [&](uint32_t i, std::string_view ws) { return this->workspace_id(i) < ws; });
  if (it == by_workspace_.end() || this->workspace_id(*it) != workspace_id) return npos;
  return *it;
}

std::string_view MappingTable::workspace_id(size_t i) const {
  const Entry& e = entries_[i];
  return std::string_view(text_).substr(e.text_at, e.workspace_len);
}

MappingTable::Mapping MappingTable::at(size_t i) const {
  const Entry& e = entries_[i];
  std::string_view text(text_);
  Mapping m;
  m.workspace_id = text.substr(e.text_at, e.workspace_len);
  if (e.has_account) m.account_id = text.substr(e.text_at + e.workspace_len, e.account_len);
  m.account_name = text.substr(e.text_at + e.workspace_len + e.account_len, e.name_len);
  m.excluded = e.excluded;
  m.drift = e.drift;
  return m;
}

struct ChunkPlanner::Indexes {
  std::unordered_map<std::string_view, const Workspace*> workspaces;
  std::unordered_map<std::string_view, const PsaAccount*> accounts;
};

ChunkPlanner::ChunkPlanner(const PlanInput& in)
    : in_(in), mappings_(&in.mapping_table), index_(std::make_unique<Indexes>()) {
  if (in.mapping_table.empty() && !in.account_mappings.empty()) {
    for (const auto& m : in.account_mappings) built_.add(m);
    built_.seal();
    mappings_ = &built_;
  }
  reported_.assign(mappings_->size(), false);
  index_->workspaces.reserve(in.workspaces.size());
  for (const auto& w : in.workspaces) index_->workspaces.emplace(w.id, &w);
  for (const auto& a : in.psa_accounts) index_->accounts.emplace(a.id, &a);
}

ChunkPlanner::~ChunkPlanner() = default;

bool ChunkPlanner::visible(std::string_view workspace_id) const {
  return index_->workspaces.count(workspace_id) > 0;
}

void ChunkPlanner::plan_workspace(std::string_view ws, const UsageCount* const* counts,
                                  size_t count_n, bool in_snapshot, std::vector<SyncLine>& lines) {
  const size_t mapping_at = mappings_->find(ws);
  std::optional<MappingTable::Mapping> found_mapping;
  if (mapping_at != MappingTable::npos) {
    found_mapping = mappings_->at(mapping_at);
    if (in_snapshot) reported_[mapping_at] = true;
  }
  const MappingTable::Mapping* mapping = found_mapping ? &*found_mapping : nullptr;
  if (mapping != nullptr && mapping->excluded) return;
  auto wit = index_->workspaces.find(ws);
  const Workspace* workspace = wit == index_->workspaces.end() ? nullptr : wit->second;
  bool ended = workspace != nullptr && workspace->ended;

  for (const auto& sm : in_.service_mappings) {
    SyncLine line;
    line.workspace_id = std::string(ws);
    line.service_id = sm.service_id;
    line.key = line_key(line.workspace_id, line.service_id);
    line.psa_service_id = sm.psa_service_id;
    line.metric = to_text(sm.metric);
    if (mapping == nullptr || !mapping->account_id) {
      line.action = LineAction::kSkip;
      line.outcome = in_.link_based ? outcome::kNotLinked : outcome::kNotMapped;
      lines.push_back(std::move(line));
      continue;
    }
    line.account_id = std::string(*mapping->account_id);
    auto ait = index_->accounts.find(line.account_id);
    const PsaAccount* account = ait == index_->accounts.end() ? nullptr : ait->second;
    if (mapping->drift == MappingDrift::kAccountMissing ||
        mapping->drift == MappingDrift::kAccountInactive) {
      line.action = LineAction::kSkip;
      line.outcome = outcome::kFailed;
      line.error_class = mapping->drift == MappingDrift::kAccountMissing ? "not_found" : "conflict";
      line.message = drift_message(*mapping, account);
      lines.push_back(std::move(line));
      continue;
    }
    if (ended && in_.ended_workspaces == "zero") {
      line.target = 0;
      line.message = "the vendor ended this workspace: planned as 0";
    } else if (!in_snapshot || ended) {
      line.action = LineAction::kSkip;
      line.outcome = outcome::kNoData;
      line.message = ended ? "workspace ended; policy leaves it untouched"
                           : "no usage data for this workspace";
      lines.push_back(std::move(line));
      continue;
    } else {
      const UsageCount* found = nullptr;
      for (size_t i = 0; i < count_n && found == nullptr; ++i)
        if (counts[i]->service_id == sm.service_id) found = counts[i];
      // Present in the snapshot without a row for this service: the workspace uses none of it
      // (docs/usage-format.md). Planned as 0 and said so, so a row lost from an export shows;
      // the hold_drops_to_zero policy keeps it from being billed as 0 without approval.
      int64_t value = 0;
      if (found != nullptr)
        value = sm.metric == ServiceMetric::kDevices ? found->devices : found->users;
      else
        line.message = "no row for this service in the usage snapshot of " + snapshot_as_of_ +
                       ": planned as 0";
      line.target = value;
    }
    line.outcome = outcome::kPending;
    lines.push_back(std::move(line));
  }
}

void ChunkPlanner::plan_counts(const std::vector<UsageCount>& counts, const std::string& as_of,
                               std::vector<SyncLine>& lines) {
  snapshot_as_of_ = as_of;
  std::vector<const UsageCount*> group;
  for (size_t i = 0; i < counts.size();) {
    const std::string& ws = counts[i].workspace_id;
    group.clear();
    for (; i < counts.size() && counts[i].workspace_id == ws; ++i) group.push_back(&counts[i]);
    plan_workspace(ws, group.data(), group.size(), /*in_snapshot=*/true, lines);
  }
}

void ChunkPlanner::plan_unreported(std::vector<SyncLine>& lines) {
  for (size_t i = 0; i < mappings_->size(); ++i)
    if (!reported_[i])
      plan_workspace(mappings_->workspace_id(i), nullptr, 0, /*in_snapshot=*/false, lines);
}

std::vector<SyncLine> plan_lines(const PlanInput& in) {
  // Workspaces in a stable order: the snapshot's first, in the order it first names them (its
  // counts of one workspace may be apart), then mapped workspaces it does not mention.
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, std::vector<const UsageCount*>> by_workspace;
  if (in.snapshot) {
    by_workspace.reserve(
        in.snapshot->counts.size() / std::max<size_t>(1, in.service_mappings.size()) + 1);
    for (const auto& c : in.snapshot->counts) {
      auto [it, inserted] = by_workspace.try_emplace(c.workspace_id);
      if (inserted) order.push_back(c.workspace_id);
      it->second.push_back(&c);
    }
  }
  ChunkPlanner planner(in);
  std::vector<SyncLine> lines;
  lines.reserve((order.size() + in.account_mappings.size()) * in.service_mappings.size());
  if (in.snapshot) planner.snapshot_as_of_ = in.snapshot->as_of;
  for (std::string_view ws : order) {
    const auto& group = by_workspace[ws];
    planner.plan_workspace(ws, group.data(), group.size(), /*in_snapshot=*/true, lines);
  }
  planner.plan_unreported(lines);
  return lines;
}

namespace {

// The platform's verdict on a line that has no quantity (no contract line, ...), if any.
bool apply_reason(SyncLine& line, const CurrentValue& cv) {
  if (cv.reason.empty()) return false;
  line.action = LineAction::kSkip;
  line.message = cv.message;
  if (cv.reason == MB_REASON_NO_CONTRACT_LINE)
    line.outcome = outcome::kNoContractLine;
  else if (cv.reason == MB_REASON_AMBIGUOUS_CONTRACT_LINE)
    line.outcome = outcome::kAmbiguousContractLine;
  else if (cv.reason == MB_REASON_ACCOUNT_INACTIVE)
    line.outcome = outcome::kAccountInactive;
  else if (cv.reason == MB_REASON_PLATFORM_NOT_MAPPED)
    line.outcome = outcome::kPlatformNotMapped;
  else {
    line.outcome = outcome::kFailed;
    line.error_class = cv.reason == MB_REASON_NOT_FOUND ? "not_found" : "fatal";
    if (line.message.empty()) line.message = cv.reason;
  }
  return true;
}

void hold(SyncLine& line, const std::string& why) {
  line.action = LineAction::kHold;
  line.outcome = outcome::kHeld;
  line.message = why + (line.message.empty() ? "" : "; " + line.message);
}

std::string percent(double share) { return std::to_string(static_cast<int>(share * 100 + 0.5)) + "%"; }

}  // namespace

Policies approved_policies(const Policies& policies) {
  Policies approved = policies;
  if (approved.decreases == "require_approval") approved.decreases = "auto";
  approved.max_change_ratio.reset();
  approved.hold_drops_to_zero = false;
  approved.max_decrease_share = 1.0;
  approved.mass_decrease_min_lines = std::numeric_limits<int64_t>::max();
  return approved;
}

bool compare_line(SyncLine& line, const CurrentValue& cv, DiffTotals& totals) {
  if (!cv.line_ref_json.empty()) line.line_ref_json = cv.line_ref_json;
  if (apply_reason(line, cv)) return false;
  line.current = cv.quantity;
  line.delta = *line.target - cv.quantity.value_or(0);
  ++totals.compared;
  if (*line.delta < 0) ++totals.decreases;
  return true;
}

bool is_compared(const SyncLine& line) {
  return line.outcome == outcome::kPending && line.target && line.delta &&
         line.action == LineAction::kUndecided;
}

void decide_compared(const std::vector<SyncLine*>& compared, const DiffTotals& totals,
                     const Policies& policies, bool dry_run) {
  const size_t decreases = totals.decreases;
  const double decrease_share =
      totals.compared == 0 ? 0.0 : static_cast<double>(decreases) / totals.compared;
  const bool mass_decrease = static_cast<int64_t>(decreases) >= std::max<int64_t>(1, policies.mass_decrease_min_lines) &&
                             decrease_share > policies.max_decrease_share;

  for (SyncLine* l : compared) {
    SyncLine& line = *l;
    const int64_t current_value = line.current.value_or(0);
    const int64_t delta = *line.delta;
    if (delta == 0 && line.current) {
      line.action = LineAction::kNone;
      line.outcome = outcome::kUnchanged;
      continue;
    }
    if (delta < 0 && policies.decreases == "never") {
      line.action = LineAction::kNever;
      line.outcome = outcome::kHeld;
      line.message = "decrease from " + std::to_string(current_value) + " to " + std::to_string(*line.target) +
                     " not applied: the connector's policy never decreases";
      continue;
    }
    if (delta < 0 && policies.decreases == "require_approval") {
      hold(line, "decrease held for approval (runs approve)");
      continue;
    }
    if (line.current && current_value > 0 && *line.target == 0 && policies.hold_drops_to_zero) {
      hold(line, "drop from " + std::to_string(current_value) + " to 0 held for approval (policy hold_drops_to_zero)");
      continue;
    }
    if (delta < 0 && mass_decrease) {
      hold(line, std::to_string(decreases) + " of " + std::to_string(totals.compared) + " lines (" +
                     percent(decrease_share) +
                     ") would decrease, more than the connector's max_decrease_share " +
                     percent(policies.max_decrease_share) + ": held for approval");
      continue;
    }
    // A line the platform holds no value for yet (a first push) is not a change of a value.
    if (policies.max_change_ratio && line.current) {
      bool exceeds = current_value == 0 || std::abs(static_cast<double>(delta)) / static_cast<double>(current_value) >
                                               *policies.max_change_ratio;
      if (exceeds) {
        hold(line, "change from " + std::to_string(current_value) + " to " + std::to_string(*line.target) +
                       " exceeds the connector's max_change_ratio");
        continue;
      }
    }
    line.action = LineAction::kUpdate;
    line.outcome = dry_run ? outcome::kWouldUpdate : outcome::kPending;
  }
}

void apply_diff(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                const Policies& policies, bool dry_run) {
  std::vector<SyncLine*> compared;
  DiffTotals totals;
  for (auto& line : lines) {
    if (line.outcome != outcome::kPending || !line.target) continue;
    auto it = current.find(line.key);
    if (it == current.end()) continue;
    if (compare_line(line, it->second, totals)) compared.push_back(&line);
  }
  decide_compared(compared, totals, policies, dry_run);
}

std::map<std::string, int64_t> count_outcomes(const std::vector<SyncLine>& lines) {
  std::map<std::string, int64_t> out;
  for (const auto& l : lines) ++out[l.outcome];
  return out;
}

}  // namespace mb
