#include "host/sync/internal/journal.h"

#include <meterbridge/documents_json.hpp>

#include <utility>

#include "host/common/clock.h"
#include "host/common/json.h"
#include "host/common/redaction.h"

namespace mb::sync_internal {

Status settle_journal(Store& store, const SyncRun& run, const Policies& policies,
                      std::vector<SyncLine>& lines,
                      const std::map<std::string, CurrentValue>& current, int64_t now_ms) {
  auto open = store.open_write_intents(run.connector_id);
  if (!open) return open.status();
  if (open->empty()) return Status::Ok();
  // Intents are about the platform's object, so they are matched by PSA account and service,
  // whichever workspace is mapped there today.
  std::map<std::pair<std::string, std::string>, std::vector<const WriteIntent*>> by_pair;
  for (const auto& i : *open) by_pair[{i.account_id, i.psa_service_id}].push_back(&i);
  const int64_t grace_ms = policies.unconfirmed_write_grace_seconds * 1000;
  std::vector<WriteIntent> settled;
  for (auto& line : lines) {
    if (line.outcome != outcome::kPending || !line.target) continue;
    auto pit = by_pair.find({line.account_id, line.psa_service_id});
    if (pit == by_pair.end()) continue;
    auto cit = current.find(line.key);
    if (cit == current.end() || !cit->second.reason.empty() || !cit->second.quantity) continue;
    const int64_t now_value = *cit->second.quantity;
    const WriteIntent* youngest_unconfirmed = nullptr;
    std::string expired_note;
    for (const WriteIntent* intent : pit->second) {
      WriteIntent done = *intent;
      done.resolved_run_id = run.id;
      if (now_value == intent->target) {
        done.state = WriteIntentState::kApplied;
        done.resolution = "confirmed by run " + std::to_string(run.id) +
                          ": the platform shows the target " + std::to_string(intent->target);
      } else if (now_ms - intent->created_at_ms < grace_ms) {
        youngest_unconfirmed = intent;
        continue;
      } else {
        done.state = WriteIntentState::kExpired;
        done.resolution = "not confirmed within " +
                          std::to_string(policies.unconfirmed_write_grace_seconds) +
                          " s: the platform shows " + std::to_string(now_value) + "; run " +
                          std::to_string(run.id) + " writes from that value";
        expired_note =
            "an earlier write (run " + std::to_string(intent->run_id) + " at " +
            intent->created_at + ", " +
            (intent->units_before ? std::to_string(*intent->units_before) : std::string("?")) +
            " -> " + std::to_string(intent->target) + ") was not confirmed within " +
            std::to_string(policies.unconfirmed_write_grace_seconds) + " s; written again from " +
            std::to_string(now_value);
      }
      settled.push_back(std::move(done));
    }
    if (youngest_unconfirmed != nullptr) {
      const WriteIntent& i = *youngest_unconfirmed;
      line.action = LineAction::kWait;
      line.outcome = outcome::kPendingConfirmation;
      line.current = now_value;
      line.message = "a write sent by run " + std::to_string(i.run_id) + " at " + i.created_at +
                     " (" + (i.units_before ? std::to_string(*i.units_before) : std::string("?")) +
                     " -> " + std::to_string(i.target) +
                     ") is not confirmed yet and may still land; not sent again before " +
                     format_iso8601_utc(i.created_at_ms + grace_ms) + " (runs retry " +
                     std::to_string(run.id) + " after that)";
    } else if (!expired_note.empty()) {
      line.message = expired_note;
    }
  }
  // A dry run only looks: it leaves the journal to the run that writes.
  if (run.dry_run || settled.empty()) return Status::Ok();
  return store.resolve_write_intents(settled);
}

BatchJournal::BatchJournal(Store& store, const SyncRun& run, const std::vector<SyncLine*>& batch)
    : store_(store), run_(run) {
  for (SyncLine* l : batch) lines_[l->key] = l;
}

Status BatchJournal::record(std::string_view intents_json) {
  auto doc = json::parse(intents_json);
  if (!doc || !doc->is_array())
    return Status::ConfigInvalid("journal: intents must be a JSON array");
  std::vector<WriteIntent> intents;
  for (const auto& item : doc->get_array()) {
    // Each intent is read by the SDK's codec; an item that is not an object reads as an empty
    // intent, whose key names no line of this call.
    static const boost::json::object kNoMembers;
    const boost::json::object& members = item.is_object() ? item.get_object() : kNoMembers;
    meterbridge::WriteIntent written;
    meterbridge::codec::decode_into(members, written);
    auto it = lines_.find(written.key);
    if (it == lines_.end())
      return Status::ConfigInvalid("journal: intent for a key not in this call: '" + written.key +
                                   "'");
    // The codec reads a missing target as 0; the journal needs the one the plugin writes.
    if (!meterbridge::codec::number_member(members, "target"))
      return Status::ConfigInvalid("journal: intent for '" + written.key +
                                   "' has no integer target");
    WriteIntent intent;
    intent.connector_id = run_.connector_id;
    intent.run_id = run_.id;
    intent.line_key = written.key;
    intent.account_id = it->second->account_id;
    intent.psa_service_id = it->second->psa_service_id;
    intent.units_before = written.units_before;
    intent.target = written.target;
    intent.effective_date = run_.effective_date;
    // Only an object names a platform object; anything else keeps the empty reference.
    if (!written.ref.empty() && written.ref.front() == '{') intent.ref_json = redact(written.ref);
    intents.push_back(std::move(intent));
  }
  auto ids = store_.record_write_intents(intents);
  if (!ids) return ids.status();
  for (size_t i = 0; i < intents.size(); ++i) {
    intents[i].id = (*ids)[i];
    by_key_[intents[i].line_key].push_back(std::move(intents[i]));
  }
  return Status::Ok();
}

Status BatchJournal::settle(const std::map<std::string, bool>& in_doubt) {
  std::vector<WriteIntent> settled;
  for (auto& [key, intents] : by_key_) {
    auto doubt = in_doubt.find(key);
    if (doubt == in_doubt.end() || doubt->second) continue;
    const SyncLine& line = *lines_.at(key);
    bool applied = line.outcome == outcome::kUpdated || line.outcome == outcome::kUnchanged;
    for (auto& intent : intents) {
      intent.state = applied ? WriteIntentState::kApplied : WriteIntentState::kNotApplied;
      intent.resolution = "run " + std::to_string(run_.id) + ": " + line.outcome;
      intent.resolved_run_id = run_.id;
      settled.push_back(intent);
    }
  }
  if (settled.empty()) return Status::Ok();
  return store_.resolve_write_intents(settled);
}

}  // namespace mb::sync_internal
