#include "internal/token.h"

#include <cstdint>

namespace meterbridge::gradient {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace

std::string gradient_token(std::string_view vendor_api_key, std::string_view partner_api_key) {
  std::string plain;
  plain.reserve(vendor_api_key.size() + 1 + partner_api_key.size());
  plain.append(vendor_api_key).append(":").append(partner_api_key);
  return base64_encode(plain);
}

std::string encode_path_segment(std::string_view text) { return percent_encode(text); }

bool is_usable_path_id(std::string_view id) { return !id.empty() && id != "." && id != ".."; }

std::string encode_query_value(std::string_view text) { return percent_encode(text); }

}  // namespace meterbridge::gradient
