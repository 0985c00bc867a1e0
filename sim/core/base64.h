// Standard base64 (RFC 4648 §4, alphabet A-Z a-z 0-9 + /), as the platforms' credentials use it:
// ConnectWise's Basic authorization and Gradient's GRADIENT-TOKEN. (Paging cursors use the
// URL-safe alphabet instead; see paging.h.)
//
//   encode_base64("vk_live_123:pk_456");          // "dmtfbGl2ZV8xMjM6cGtfNDU2"
//   decode_base64_strict("YWI6Yw==");             // "ab:c"
#ifndef METERBRIDGE_SIM_CORE_BASE64_H_
#define METERBRIDGE_SIM_CORE_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace mb::sim {

// With '=' padding.
std::string encode_base64(std::string_view bytes);

// As a lenient server reads it: trailing '=' are optional and ignored, leftover bits dropped.
// nullopt for a character outside the alphabet (whitespace included).
std::optional<std::string> decode_base64(std::string_view text);

// Strict: whole quads, '=' only as padding at the end, the bits under the padding zero. Returns
// nullopt for anything else, including the URL-safe alphabet, missing padding and embedded
// whitespace, which a lenient server might still accept: a client that produces them has a bug
// the simulator should surface.
std::optional<std::string> decode_base64_strict(std::string_view text);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_BASE64_H_
