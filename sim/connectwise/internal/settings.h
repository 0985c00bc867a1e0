// The switches POST /_sim/settings sets on the ConnectWise simulator, for the choices its
// reference leaves open (pageSize over the maximum, the nested-PATCH pitfall) and for steering
// tests (the rate limit, a codebase "upgrade", the model versions served).
//
//   Settings updated = with_changes(current, {{"max_page_size", 500}});  // throws HttpError(400)
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SETTINGS_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SETTINGS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mb::sim::connectwise {

struct Settings {
  bool clamp_page_size = false;  // page_size_over_max: "reject" (400 OutOfRange) or "clamp"
  int64_t max_page_size = 1000;
  int64_t rate_limit_requests = 0;  // per window; 0 = no limit
  int64_t rate_limit_window_seconds = 60;
  std::optional<std::string> codebase;  // overrides the seed's, e.g. after an "upgrade"
  bool serve_v4_6_release = true;
  std::string api_version = "2026.4";  // newest model version: the default and api-current-version
  std::string oldest_api_version = "2015.3";
  bool nested_patch_false_200 = true;  // PATCH into a nested object: 200 and no change
};

// "2025.16" -> {2025, 16}; nullopt for anything else.
std::optional<std::pair<int, int>> parse_api_version(std::string_view text);

// The settings as GET /_sim/settings shows them.
boost::json::value settings_to_json(const Settings& settings);

// `current` with `changes` applied. Throws HttpError(400) naming the first unknown or invalid
// setting, so a bad request changes nothing.
Settings with_changes(const Settings& current, const boost::json::object& changes);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SETTINGS_H_
