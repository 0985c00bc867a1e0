// The external connector's plugin config, as the manifest's schema describes it:
//
//   {"base_url": "https://billing.example.com/vendor-api",   // without /v1
//    "api_key": "${env:ACME_EXTERNAL_KEY}",                   // secret
//    "batch_size": 100}                                       // items per pushed batch
//
// The host validates the config against the schema before the plugin sees it; parse_config
// checks it again (a plugin may be driven by another host) and fills the defaults.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CONFIG_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace meterbridge::external {

inline constexpr int64_t kDefaultBatchSize = 100;
inline constexpr int64_t kMaxBatchSize = 1000;

struct Config {
  std::string base_url;  // scheme://host[:port][/path], no trailing '/'
  std::string api_key;
  int64_t batch_size = kDefaultBatchSize;
};

// Throws PluginError(MB_STATUS_CONFIG_INVALID) naming the field; the message never contains
// the API key.
Config parse_config(std::string_view json);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CONFIG_H_
