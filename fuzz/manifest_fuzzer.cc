// Fuzz target: the plugin manifest parser (<id>.plugin.json, and what describe() returns), with
// the secret-field walk over the config schema it carries.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/plugin/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mb::parse_abi_version(text);
  auto manifest = mb::parse_manifest(text, "fuzz.plugin.json");
  if (manifest) {
    (void)mb::find_secret_fields(manifest->config_schema);
    (void)mb::manifest_disagreement(*manifest, *manifest);
  }
  return 0;
}
