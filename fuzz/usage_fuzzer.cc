// Fuzz target: the usage file parsers (JSON and CSV), as `usage import` and POST /v1/usage run
// them. Any input must give a snapshot or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/usage/usage_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mb::UsageParseOptions options;
  options.known_services = {"edr", "email"};
  options.known_workspaces = {"ws-1"};
  options.max_bytes = 1 << 20;
  (void)mb::parse_usage(text, "fuzz", options);
  (void)mb::parse_usage_json(text, "fuzz.json", options);
  (void)mb::parse_usage_csv(text, "fuzz.csv", options);
  return 0;
}
