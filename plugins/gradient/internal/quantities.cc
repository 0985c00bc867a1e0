#include "internal/operations.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "internal/accounts.h"
#include "internal/counts.h"
#include "internal/wire.h"

namespace meterbridge::gradient {
namespace {

// A count: a non-negative whole number.
std::optional<int64_t> count_value(const std::optional<int64_t>& v) {
  return v && *v >= 0 ? v : std::nullopt;
}

}  // namespace

// Gradient has no read of counts. The count meterbridge last pushed successfully (the host's
// ledger) stands for the current one, except where Gradient cannot have it: an account or a
// service created in this session, or any pair while the integration is not active (Gradient
// has accepted no count since it was connected, or reconnected after the MSP disconnected and
// so deleted every account and count).
ReadResult read_quantities(Call& call, const Client& client, SessionState& state,
                           const ReadRequest& request) {
  const std::vector<ReadLine>& lines = request.lines;
  if (!lines.empty() && !state.integration_status) refresh_integration_status(call, client, state);
  if (!lines.empty() && !state.accounts) state.remember_accounts(fetch_accounts(call, client));
  bool holds_counts = state.integration_status == "active";
  ReadResult out;
  for (const ReadLine& l : lines) {
    const std::string& account = l.account_id;
    const std::string& service = l.service_id;
    ReadLineResult& r = out.lines.emplace_back();
    r.key = l.key;
    std::optional<int64_t> last = count_value(l.last_pushed);
    if (state.accounts->count(account) == 0) {
      r.reason = Reason::kNotFound;
      r.message = "account '" + account +
                  "' does not exist on Gradient (it was not provisioned; see the run's notes)";
    } else if (state.catalog_ids && state.catalog_ids->count(service) == 0) {
      r.reason = Reason::kNotFound;
      r.message = "service " + service + " is not in the vendor's Gradient catalog";
    } else if (state.created_accounts.count(account) > 0 ||
               state.created_services.count(service) > 0) {
      r.line_ref = R"({"basis":"created_now"})";
      r.message = "just created on Gradient: it has no count yet";
    } else if (!holds_counts) {
      r.line_ref = R"({"basis":"integration_not_active"})";
      r.message = "the Gradient integration is '" + *state.integration_status +
                  "': Gradient holds no count from before, so every count is sent";
    } else if (last) {
      r.quantity = *last;
      r.line_ref = R"({"basis":"last_pushed"})";
      r.message = "Gradient cannot report counts: this is the last count meterbridge pushed";
    } else {
      r.line_ref = R"({"basis":"never_pushed"})";
      r.message = "no count accepted by Gradient yet";
    }
  }
  return out;
}

namespace {

// Sends `lines` (all with no_build=true but `trigger`, sent last without it) and records each
// line's result by key.
void push(Call& call, const Client& client, SessionState& state,
          const std::vector<CountLine>& lines, std::optional<size_t> trigger,
          std::map<std::string, ApplyLineResult>& results) {
  auto record = [&](const CountLine& line, const HttpResponse& r, bool no_build) {
    if (r.status == 401) throw_failure(classify(r, "set unit count"));
    if (stops_the_run(r) && !state.stopped) state.stopped = classify(r, "set unit count");
    results[line.key] = count_result(r, line);
    if (r.ok()) {
      state.last_accepted = line;
      state.rebuild_owed = no_build;  // a count without no_build rebuilds for every earlier one
    }
  };
  // Independent counts go in one batch; the one that triggers the rebuild goes after all of them.
  std::vector<const CountLine*> first;
  std::vector<HttpRequest> requests;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (trigger && *trigger == i) continue;
    first.push_back(&lines[i]);
    requests.push_back(count_request(client, lines[i], true));
  }
  std::vector<HttpResponse> responses = client.execute(call, requests);
  for (size_t i = 0; i < first.size(); ++i) record(*first[i], responses[i], true);
  if (!trigger) return;
  const CountLine& last = lines[*trigger];
  if (state.stopped) {
    results[last.key] = ApplyLineResult{last.key,
                                        Outcome::kFailed,
                                        std::nullopt,
                                        state.stopped->status,
                                        "not sent: " + state.stopped->message,
                                        false};
    return;
  }
  record(last, client.execute_one(call, count_request(client, last, false)), false);
}

}  // namespace

ApplyResult apply_quantities(Call& call, const Client& client, SessionState& state,
                             const ApplyRequest& request) {
  const bool final = request.final;
  // The host's key is "<connector>:run-<n>:batch-<m>": a new run starts with a clean slate.
  std::string idempotency_key = request.idempotency_key.value_or("");
  std::string run = idempotency_key.substr(0, idempotency_key.rfind(":batch-"));
  if (run != state.current_run) {
    state.current_run = run;
    state.stopped.reset();
    state.last_accepted.reset();
    state.rebuild_owed = false;
  }
  if (state.stopped)
    throw PluginError(state.stopped->status, "not sent: " + state.stopped->message,
                      state.stopped->retry_after_ms);

  std::vector<std::string> order;
  std::map<std::string, ApplyLineResult> results;
  std::vector<CountLine> valid;
  for (const meterbridge::ApplyLine& l : request.lines) {
    CountLine line;
    line.key = l.key;
    line.account_id = l.account_id;
    line.service_id = l.service_id;
    order.push_back(line.key);
    std::optional<int64_t> target = count_value(l.target);
    line.pushed_before = l.expected_current.has_value();
    std::string problem;
    if (line.account_id.empty())
      problem = "the line has no account id";
    else if (!is_usable_path_id(line.service_id))
      problem = "the line has no usable Gradient service id";
    else if (!target)
      problem = "the target must be a non-negative whole number";
    if (!problem.empty()) {
      results[line.key] = ApplyLineResult{
          line.key, Outcome::kFailed, std::nullopt, MB_STATUS_CONFIG_INVALID, problem, false};
      continue;
    }
    line.target = *target;
    valid.push_back(std::move(line));
  }

  if (!valid.empty()) {
    std::optional<size_t> trigger;
    if (final) trigger = build_trigger_index(valid);
    push(call, client, state, valid, trigger, results);
  }
  if (final) {
    // The run's last push did not rebuild Gradient's Billing view (it failed, or every line of
    // the final batch was refused): resend one count Gradient accepted in this run, without
    // no_build. It is absolute, so sending it again changes nothing but the rebuild.
    if (state.rebuild_owed && state.last_accepted && !state.stopped) {
      HttpResponse r = client.execute_one(call, count_request(client, *state.last_accepted, false));
      if (r.ok())
        state.rebuild_owed = false;
      else
        call.warn("Gradient's Billing view was not asked to rebuild: " +
                  classify(r, "set unit count").message);
    }
    state.rebuild_owed = false;
    state.last_accepted.reset();
    // No PATCH to active: Gradient makes the integration active itself when it accepts the
    // first usage (its documented lifecycle), and the vendor never sets it.
  }

  ApplyResult out;
  std::map<std::string, int> tally;
  for (const std::string& key : order) {
    out.lines.push_back(results[key]);
    ++tally[wire_name(out.lines.back().outcome)];
  }
  call.info("Gradient counts: " + tally_text(tally));
  return out;
}

}  // namespace meterbridge::gradient
