// Decoding the GRADIENT-TOKEN header: base64(UTF-8(vendorApiKey + ":" + partnerApiKey)),
// standard alphabet, no "Basic " prefix, no expiry (Gradient's vendor API documentation).
//
//   std::optional<TokenKeys> keys = decode_gradient_token("dmtfbGl2ZV8xMjM6cGtfNDU2");
//   // keys->vendor_key == "vk_live_123", keys->partner_key == "pk_456"
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_TOKEN_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_TOKEN_H_

#include <optional>
#include <string>
#include <string_view>

#include "sim/core/base64.h"  // decode_base64_strict

namespace mb::sim::gradient {

struct TokenKeys {
  std::string vendor_key;
  std::string partner_key;
};

// The two keys of a token, split at the first ':'. nullopt when the token is not strict base64,
// has no ':' or leaves either key empty.
std::optional<TokenKeys> decode_gradient_token(std::string_view token);

// The token a correct client sends for these keys (used by seeds, docs and tests).
std::string encode_gradient_token(std::string_view vendor_key, std::string_view partner_key);

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_TOKEN_H_
