#include "internal/counts.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "internal/token.h"
#include "internal/wire.h"

namespace meterbridge::gradient {
namespace {

bool contains_no_case(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

}  // namespace

ApiRequest count_request(const CountLine& line, bool no_build) {
  std::string path =
      std::string(kApi) + "/service/" + encode_path_segment(line.service_id) + "/count";
  if (no_build) path += "?no_build=true";
  std::string body = boost::json::serialize(
      boost::json::object{{"accountId", line.account_id}, {"unitCount", line.target}});
  // Idempotent: the count is absolute. Replaying it after a timeout or a 5xx stores the same
  // number again (Gradient keeps one value per pair; no side effect is documented), so the
  // engine may retry it like a GET.
  return ApiRequest{"POST", std::move(path), std::move(body), "counts", true};
}

size_t build_trigger_index(const std::vector<CountLine>& lines) {
  for (size_t i = lines.size(); i-- > 0;)
    if (lines[i].pushed_before) return i;
  return lines.size() - 1;
}

bool stops_the_run(const ApiResponse& response) {
  return response.status == 403 || response.status == 429;
}

LineResult count_result(const ApiResponse& response, const CountLine& line) {
  LineResult r;
  if (response.ok()) {
    r.outcome = MB_OUTCOME_UPDATED;
    r.quantity = line.target;
    return r;
  }
  std::string text = error_text(response.body);
  if (response.status == 404 && contains_no_case(text, "no account map found")) {
    r.outcome = MB_OUTCOME_PLATFORM_NOT_MAPPED;
    r.message = "not mapped on the platform: the MSP has not mapped account '" + line.account_id +
                "' or this service in Gradient Synthesize yet (Gradient: " + text +
                "); the count is sent again on every run until it is";
    return r;
  }
  Failure f = classify(response, "set unit count");
  r.outcome = MB_OUTCOME_FAILED;
  r.error_class = error_class_name(f.status);
  r.message = f.message;
  if (response.ambiguous())
    r.message += "; the count may or may not be stored, so the next run sends it again";
  return r;
}

}  // namespace meterbridge::gradient
