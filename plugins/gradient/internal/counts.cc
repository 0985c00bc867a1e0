#include "internal/counts.h"

#include <boost/json.hpp>

#include "internal/wire.h"

namespace meterbridge::gradient {

HttpRequest count_request(const Client& client, const CountLine& line, bool no_build) {
  std::string path = "/service/" + encode_path_segment(line.service_id) + "/count";
  if (no_build) path += "?no_build=true";
  // Idempotent: the count is absolute. Replaying it after a timeout or a 5xx stores the same
  // number again (Gradient keeps one value per pair; no side effect is documented), so the
  // engine may retry it like a GET.
  return client.request("POST", path, "counts", true,
                        boost::json::serialize(boost::json::object{{"accountId", line.account_id},
                                                                   {"unitCount", line.target}}));
}

size_t build_trigger_index(const std::vector<CountLine>& lines) {
  for (size_t i = lines.size(); i-- > 0;)
    if (lines[i].pushed_before) return i;
  return lines.size() - 1;
}

bool stops_the_run(const HttpResponse& response) {
  return response.status == 403 || response.status == 429;
}

ApplyLineResult count_result(const HttpResponse& response, const CountLine& line) {
  ApplyLineResult r{line.key, Outcome::kFailed, std::nullopt, std::nullopt, "", false};
  if (response.ok()) {
    r.outcome = Outcome::kUpdated;
    r.quantity = line.target;
    return r;
  }
  std::string text = error_text(response.body);
  if (response.status == 404 && contains_ignoring_case(text, "no account map found")) {
    r.outcome = Outcome::kPlatformNotMapped;
    r.message = "not mapped on the platform: the MSP has not mapped account '" + line.account_id +
                "' or this service in Gradient Synthesize yet (Gradient: " + text +
                "); the count is sent again on every run until it is";
    return r;
  }
  Failure f = classify(response, "set unit count");
  r.error_class = f.status;
  r.message = f.message;
  if (ambiguous(response))
    r.message += "; the count may or may not be stored, so the next run sends it again";
  return r;
}

}  // namespace meterbridge::gradient
