#include "internal/operations.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "internal/idempotency.h"
#include "internal/lines.h"

namespace meterbridge::external {
namespace {

bool run_level(mb_status status) {
  return status == MB_STATUS_AUTH_FAILED || status == MB_STATUS_RATE_LIMITED ||
         status == MB_STATUS_CONFIG_INVALID || status == MB_STATUS_UNSUPPORTED;
}

// One POST /v1/count-batches of an apply call: its lines, their items, key and body.
struct Part {
  std::vector<Line> lines;
  std::vector<CountItem> items;
  std::string key;
  std::string body;
};

// POST /v1/count-batches of the part's body under its key.
HttpRequest push_request(const Client& client, const Part& part) {
  HttpRequest request = client.request("POST", "/v1/count-batches", "count-batches");
  set_json_body(request, part.body);
  request.headers.emplace_back("Idempotency-Key", part.key);
  return request;
}

// Appends the results of one pushed part's lines from the platform's answer. Returns true
// when the platform applied the batch; a failure that stops the run also goes in *stop.
bool settle_part(Call& call, const Part& part, const HttpResponse& r,
                 std::vector<ApplyLineResult>& results, std::optional<HttpFailure>* stop) {
  if (r.ok()) {
    std::vector<ItemResult> answered;
    try {
      answered = parse_batch_results(r.body, part.items);
    } catch (const PluginError& e) {
      for (const Line& line : part.lines) {
        results.push_back(failed_result(
            line.key, MB_STATUS_FATAL,
            std::string(e.what()) + "; the next run reads the platform's counts again"));
      }
      return true;
    }
    if (r.header("idempotent-replayed") == "true") {
      call.info("batch " + part.key +
                " had already been applied; the platform replayed its result");
    }
    for (size_t i = 0; i < part.lines.size(); ++i)
      results.push_back(apply_result(part.lines[i], answered[i]));
    return true;
  }
  HttpFailure failure = failure_for(r, "push counts (batch " + part.key + ")");
  if (r.status == 0 || r.status >= 500) {
    failure.message +=
        "; whether the batch was applied is unknown until the next run reads the "
        "platform's counts";
  }
  for (const Line& line : part.lines)
    results.push_back(failed_result(line.key, failure.status, failure.message));
  if (run_level(failure.status) && !stop->has_value()) *stop = failure;
  return false;
}

}  // namespace

ApplyResult apply_quantities(Call& call, const Client& client, PlatformCache& cache,
                             const ApplyRequest& request) {
  const std::optional<std::string> host_key = given(request.idempotency_key);
  if (!host_key)
    throw PluginError(MB_STATUS_CONFIG_INVALID, "apply_quantities needs an idempotency_key");
  std::vector<std::pair<std::string, std::string>> problems;
  std::vector<Line> complete = parse_lines(request.lines, problems);
  ApplyResult out;
  std::vector<ApplyLineResult>& results = out.lines;
  for (const auto& [key, why] : problems)
    results.push_back(failed_result(key, MB_STATUS_CONFIG_INVALID, why));
  std::vector<Line> lines;
  for (Line& line : complete) {
    if (line.target)
      lines.push_back(std::move(line));
    else
      results.push_back(
          failed_result(line.key, MB_STATUS_CONFIG_INVALID, "the line has no target"));
  }
  if (lines.empty()) return out;

  const int64_t size =
      std::min(client.config().batch_size, cache.integration(call, client).max_batch_items);
  const auto ranges = split(lines.size(), static_cast<size_t>(size));
  if (call.cancelled()) {
    for (const Line& line : lines) {
      results.push_back(
          failed_result(line.key, MB_STATUS_RETRY, "cancelled before this batch was pushed"));
    }
    return out;
  }
  std::vector<Part> parts(ranges.size());
  std::vector<HttpRequest> requests;
  for (size_t p = 0; p < ranges.size(); ++p) {
    Part& part = parts[p];
    part.lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(ranges[p].first),
                      lines.begin() + static_cast<std::ptrdiff_t>(ranges[p].second));
    for (const Line& line : part.lines)
      part.items.push_back(CountItem{line.customer_id, line.service_id, line.metric, *line.target});
    part.key = batch_key(*host_key, p, ranges.size());
    part.body = batch_body(request.effective_date, part.items);
    requests.push_back(push_request(client, part));
  }
  // Each part stands alone under its own idempotency key, so they go out together and the
  // engine runs them within the connector's concurrency; an apply call costs one round trip
  // per `max_concurrency` parts instead of one per part.
  std::vector<HttpResponse> responses = client.execute(call, requests);
  for (size_t p = 0; p < parts.size(); ++p) {
    if (responses[p].status == 422 && error_code(responses[p]) == "idempotency_key_reused") {
      // The platform remembers this key for another body: the state database was recreated,
      // so run numbers repeat. A key unique to this body is just as deterministic.
      const std::string refused = parts[p].key;
      parts[p].key = fingerprinted_key(refused, parts[p].body);
      call.warn("the platform already used idempotency key " + refused +
                " for another batch (was the state database recreated?); pushing under " +
                parts[p].key);
      responses[p] = client.execute(call, {push_request(client, parts[p])}).front();
    }
  }
  std::optional<HttpFailure> stop;
  size_t applied = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (settle_part(call, parts[p], responses[p], results, &stop)) ++applied;
  }
  // Nothing went through and the reason stops the run (the key was refused, the platform
  // throttles): the whole call fails, so the host stops the run. Otherwise every line keeps its
  // own outcome.
  if (applied == 0 && stop) throw_failure(*stop);
  call.debug("pushed " + std::to_string(lines.size()) + " counts in " +
             std::to_string(parts.size()) + " batches");
  return out;
}

}  // namespace meterbridge::external
