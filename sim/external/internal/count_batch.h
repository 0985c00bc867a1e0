// One POST /v1/count-batches body, validated and applied to a Ledger: the protocol's batch
// rules without any HTTP (docs/external-protocol.md, section 4). Idempotency is the caller's
// job; this is what runs when a key is new.
//
//   BatchContext context{.max_items = 100, .today = "2026-11-21", .now = "2026-11-21T02:00:07Z"};
//   BatchResult result = process_count_batch(ledger, body, context, "b_000001");
//   // result.response: {"batch_id","results":[...],"summary":{...}}
//
// Whole-request problems throw ApiError (400 invalid_request or batch_too_large) before
// anything changes. Items are then judged one by one against the counts as they were before
// the batch, and the applied ones are committed together.
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_COUNT_BATCH_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_COUNT_BATCH_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/external/internal/model.h"

namespace mb::sim::external {

struct BatchContext {
  int64_t max_items = 100;
  std::string today;  // default effective_date, YYYY-MM-DD
  std::string now;    // updated_at of changed counts, RFC 3339
};

struct BatchResult {
  boost::json::object response;
  int64_t items = 0;
  int64_t applied = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
};

BatchResult process_count_batch(Ledger& ledger, const boost::json::value& body,
                                const BatchContext& context, const std::string& batch_id);

// Whether text is a real calendar date written YYYY-MM-DD.
bool valid_date(std::string_view text);

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_COUNT_BATCH_H_
