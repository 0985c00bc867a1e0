// The current counts, and count batches with their idempotency keys.
#include <boost/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "sim/external/internal/api_error.h"
#include "sim/external/internal/count_batch.h"
#include "sim/external/internal/listing.h"
#include "sim/external/internal/routes.h"

namespace mb::sim::external {

namespace json = boost::json;

namespace {

constexpr size_t kMaxIdempotencyKeyLength = 255;

bool valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxIdempotencyKeyLength &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= '!' && c <= '~'; });
}

Response replay(BatchRecord& record, const Request& request) {
  if (record.request_body != request.body) {
    throw ApiError(422, "idempotency_key_reused",
                   "Idempotency-Key " + record.idempotency_key + " was used for a different batch",
                   {{"idempotency_key", record.idempotency_key}, {"batch_id", record.batch_id}});
  }
  ++record.replays;
  Response response;
  response.status = 200;
  response.set_header("Content-Type", "application/json; charset=utf-8");
  response.set_header("Idempotent-Replayed", "true");
  response.body = record.response_body;
  return response;
}

}  // namespace

Response Api::list_counts(const Request& request) {
  std::set<std::string> wanted;
  for (const auto& [name, value] : request.query) {
    if (name != "customer_id") continue;
    if (!valid_id(value)) {
      throw ApiError(400, "invalid_request",
                     "customer_id must be 1-128 characters without control characters",
                     {{"parameter", "customer_id"}});
    }
    wanted.insert(value);
  }
  if (static_cast<int64_t>(wanted.size()) > settings_.max_customer_filter) {
    throw ApiError(400, "invalid_request",
                   "at most " + std::to_string(settings_.max_customer_filter) +
                       " customer_id filters per request",
                   {{"parameter", "customer_id"}});
  }
  std::string filter;
  for (const auto& id : wanted) filter += id + '\n';
  const PageRequest page = page_request(request, "counts", fingerprint(filter));
  // A filtered read looks up its few customers instead of walking every linked one: the
  // platform answers it in time that does not grow with the MSP (a million customers read 100
  // at a time would otherwise cost a walk of the million per request).
  std::map<std::string, std::string> filtered;
  for (const auto& id : wanted) {
    if (auto link = ledger_.linked_vendor_ids.find(id); link != ledger_.linked_vendor_ids.end()) {
      filtered.emplace(link->first, link->second);
    }
  }
  return Response::json(
      200, page_of(
               wanted.empty() ? ledger_.linked_vendor_ids : filtered, page,
               [](const auto&) { return true; },
               [&](const auto& entry) {
                 json::array counts;
                 for (const auto& [key, count] : ledger_.counts_of(entry.first)) {
                   counts.push_back(json::object{{"service_id", std::get<1>(*key)},
                                                 {"metric", std::get<2>(*key)},
                                                 {"quantity", count->quantity},
                                                 {"effective_date", count->effective_date},
                                                 {"updated_at", count->updated_at}});
                 }
                 return json::object{{"customer_id", entry.first},
                                     {"vendor_customer_id", entry.second},
                                     {"counts", std::move(counts)}};
               }));
}

Response Api::post_count_batch(const Request& request) {
  require_json_body(request);
  const std::string key(request.header("idempotency-key").value_or(""));
  if (!valid_idempotency_key(key)) {
    throw ApiError(400, "invalid_idempotency_key",
                   key.empty() ? "the Idempotency-Key header is required"
                               : "Idempotency-Key must be 1-255 visible ASCII characters");
  }
  if (auto known = ledger_.batches.find(key); known != ledger_.batches.end()) {
    return replay(known->second, request);
  }
  const json::value body = parse_body(request);
  const std::string now = now_iso();
  const BatchContext context{settings_.max_batch_items, now.substr(0, 10), now};
  const std::string batch_id = ledger_.next_batch_id();
  BatchResult result = process_count_batch(ledger_, body, context, batch_id);
  ++ledger_.next_batch_number;
  Response response = Response::json(200, result.response);
  ledger_.batches[key] = BatchRecord{batch_id,
                                     key,
                                     request.body,
                                     response.body,
                                     result.items,
                                     result.applied,
                                     result.unchanged,
                                     result.rejected,
                                     0};
  return response;
}

}  // namespace mb::sim::external
