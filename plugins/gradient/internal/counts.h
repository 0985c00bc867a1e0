// Unit counts: Set Unit Count posts the absolute count of one (service, account) pair. There is
// no bulk call and no read-back, so a run is one POST per changed pair, and the count meterbridge
// last pushed successfully is the only "current" value there is.
//
//   CountLine line{"key", "w-1", "6650a1c2e4b0a1b2c3d4e777", 43, true};
//   HttpRequest post = count_request(client, line, /*no_build=*/true);
//   ApplyLineResult r = count_result(response, line);  // updated / platform_not_mapped / failed
//
// `?no_build=true` tells Gradient not to rebuild its Billing view after this count; a run sends
// it on every count but the last one, which then triggers a single rebuild.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_COUNTS_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_COUNTS_H_

#include <meterbridge/documents.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "internal/client.h"

namespace meterbridge::gradient {

struct CountLine {
  std::string key;
  std::string account_id;  // the vendor account id (the workspace id)
  std::string service_id;  // the Gradient service id
  int64_t target = 0;
  bool pushed_before = false;  // the host has a last pushed count: the pair was mapped then
};

// POST /api/vendor-api/service/{serviceId}/count[?no_build=true] with
// {"accountId":..,"unitCount":..}.
HttpRequest count_request(const Client& client, const CountLine& line, bool no_build);

// Which line of a run's final batch goes last, without no_build, to trigger the rebuild: the
// last line that was pushed before (its pair was mapped then, so it most likely succeeds again),
// else the last line. `lines` must not be empty.
size_t build_trigger_index(const std::vector<CountLine>& lines);

// 201 updated; 404 "No account map found" platform_not_mapped (the MSP has not mapped the pair
// in Synthesize yet: normal, not an error); 400, 403, 404 otherwise, 429, 5xx and no answer
// failed with Gradient's message. A 401 is not a line's business: callers stop the run first.
ApplyLineResult count_result(const HttpResponse& response, const CountLine& line);

// Whether a count answer means Gradient refuses this caller for now (403 "anomaly", 429 after
// the engine's retries): the run sends nothing more.
bool stops_the_run(const HttpResponse& response);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_COUNTS_H_
