// The switches POST /_sim/settings sets on the external platform: the API key, a suspended
// integration, the protocol's limits, a rate limit, and whether it serves protocol 1.1's link
// batches (off: it answers as a 1.0 platform, for testing clients against old servers).
//
//   Settings updated = with_changes(current, {{"suspended", true}});  // throws HttpError(400)
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_SETTINGS_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_SETTINGS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

namespace mb::sim::external {

struct Settings {
  std::string api_key = "ext-sim-key-0001";
  bool suspended = false;
  int64_t max_batch_items = 100;
  int64_t max_page_size = 500;
  int64_t max_customer_filter = 100;
  bool link_batches = true;
  int64_t max_link_batch_items = 1000;
  int64_t rate_limit_requests = 0;
  int64_t rate_limit_window_seconds = 60;
};

// The settings as GET /_sim/settings shows them.
boost::json::value settings_to_json(const Settings& settings);

// `current` with `changes` applied. Throws HttpError(400) naming the first unknown or invalid
// setting, so a bad request changes nothing.
Settings with_changes(const Settings& current, const boost::json::object& changes);

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_SETTINGS_H_
