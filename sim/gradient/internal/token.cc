#include "sim/gradient/internal/token.h"

#include "sim/core/base64.h"

namespace mb::sim::gradient {

std::optional<TokenKeys> decode_gradient_token(std::string_view token) {
  const std::optional<std::string> decoded = decode_base64_strict(token);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == decoded->size()) return std::nullopt;
  return TokenKeys{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::string encode_gradient_token(std::string_view vendor_key, std::string_view partner_key) {
  std::string plain;
  plain.reserve(vendor_key.size() + 1 + partner_key.size());
  plain.append(vendor_key).append(":").append(partner_key);
  return encode_base64(plain);
}

}  // namespace mb::sim::gradient
