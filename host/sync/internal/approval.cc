#include "host/sync/internal/approval.h"

#include <set>
#include <utility>

namespace mb::sync_internal {
namespace {

std::string join_numbers(const std::vector<int64_t>& numbers) {
  std::string out;
  for (int64_t n : numbers) out += (out.empty() ? "" : ", ") + std::to_string(n);
  return out;
}

}  // namespace

Result<std::vector<SyncLine>> select_held(const std::vector<SyncLine>& lines, const SyncRun& run,
                                          const std::vector<int64_t>& line_numbers,
                                          const char* verb) {
  std::map<int64_t, const SyncLine*> by_number;
  for (const auto& l : lines) by_number[l.number] = &l;
  std::vector<SyncLine> chosen;
  std::vector<int64_t> unknown, not_held, decided;
  if (line_numbers.empty()) {
    std::map<std::string, int64_t> decisions;
    for (const auto& l : lines) {
      if (l.action != LineAction::kHold) continue;
      if (l.decision == Decision::kUndecided)
        chosen.push_back(l);
      else
        ++decisions[std::string(to_text(l.decision))];
    }
    if (chosen.empty()) {
      std::string already;
      for (const auto& [d, n] : decisions)
        already += (already.empty() ? "" : ", ") + std::to_string(n) + " " + d;
      return Status::Conflict("run " + std::to_string(run.id) + " has nothing awaiting approval" +
                              (already.empty()
                                   ? " (it held no lines)"
                                   : ": its held lines are already decided (" + already + ")"));
    }
    return chosen;
  }
  std::set<int64_t> seen;
  for (int64_t n : line_numbers) {
    if (!seen.insert(n).second) continue;
    auto it = by_number.find(n);
    if (it == by_number.end())
      unknown.push_back(n);
    else if (it->second->action != LineAction::kHold)
      not_held.push_back(n);
    else if (it->second->decision != Decision::kUndecided)
      decided.push_back(n);
    else
      chosen.push_back(*it->second);
  }
  std::string problems;
  if (!unknown.empty())
    problems += "\n  no line " + join_numbers(unknown) + " in run " + std::to_string(run.id);
  if (!not_held.empty())
    problems += "\n  line " + join_numbers(not_held) + " was not held for approval";
  if (!decided.empty()) problems += "\n  line " + join_numbers(decided) + " is already decided";
  if (!problems.empty())
    return Status::ConfigInvalid(std::string("cannot ") + verb + " run " + std::to_string(run.id) +
                                 ", nothing was changed:" + problems);
  return chosen;
}

Result<SyncRun> load_run_of(Store& store, const std::string& connector_id, int64_t run_id) {
  auto original = store.get_run(run_id);
  if (!original) return original.status();
  if (!*original || (*original)->connector_id != connector_id)
    return Status::NotFound("no run " + std::to_string(run_id) + " for connector '" + connector_id +
                            "'");
  return **original;
}

std::string staleness(const SyncLine& held, const SyncLine* planned) {
  if (planned == nullptr)
    return "today's plan has no such line (the workspace or service was unmapped, excluded, or "
           "left the usage)";
  if (planned->account_id != held.account_id)
    return "the workspace is now mapped to PSA account '" + planned->account_id + "' (was '" +
           held.account_id + "')";
  if (planned->psa_service_id != held.psa_service_id)
    return "the service is now mapped to PSA service '" + planned->psa_service_id + "' (was '" +
           held.psa_service_id + "')";
  if (!planned->target || planned->outcome != outcome::kPending)
    return "today's plan says " + planned->outcome +
           (planned->message.empty() ? "" : ": " + planned->message);
  if (planned->target != held.target)
    return "usage changed: the target is now " + std::to_string(*planned->target) + " (was " +
           std::to_string(held.target.value_or(0)) + " when held)";
  return "";
}

void mark_stale(SyncLine& line, const std::string& why) {
  line.action = LineAction::kSkip;
  line.outcome = outcome::kStale;
  line.message = "not applied: " + why + "; sync again to review today's numbers";
}

void mark_changed_on_platform_stale(std::vector<SyncLine>& lines,
                                    const std::map<std::string, CurrentValue>& current,
                                    const std::map<std::string, SyncLine>& held) {
  for (auto& line : lines) {
    if (line.outcome != outcome::kPending) continue;
    auto it = current.find(line.key);
    if (it == current.end()) continue;
    const SyncLine& h = held.at(line.key);
    if (it->second.reason.empty() && it->second.quantity != h.current)
      mark_stale(
          line,
          "the platform's value is now " +
              (it->second.quantity ? std::to_string(*it->second.quantity) : std::string("empty")) +
              " (was " + (h.current ? std::to_string(*h.current) : std::string("empty")) +
              " when held)");
  }
}

std::vector<SyncLine> decided_held_lines(const std::vector<SyncLine>& lines,
                                         const std::map<std::string, SyncLine>& held,
                                         int64_t approval_run_id) {
  std::vector<SyncLine> decided;
  for (const auto& line : lines) {
    SyncLine d = held.at(line.key);
    if (line.outcome == outcome::kStale) {
      d.decision = Decision::kStale;
      d.decision_note = line.message;
    } else if (line.outcome == outcome::kPending || line.outcome == outcome::kUnchanged ||
               line.action == LineAction::kUpdate) {
      d.decision = Decision::kApproved;
      d.decision_note = "approved in run " + std::to_string(approval_run_id);
    } else {
      continue;  // failed to read, waiting for a write: still awaiting a decision
    }
    d.decision_run_id = approval_run_id;
    decided.push_back(std::move(d));
  }
  return decided;
}

}  // namespace mb::sync_internal
