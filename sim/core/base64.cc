#include "sim/core/base64.h"

#include <array>
#include <cstdint>

namespace mb::sim {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The value of one base64 character; -1 outside the alphabet.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string encode_base64(std::string_view plain) {
  std::string encoded;
  encoded.reserve((plain.size() + 2) / 3 * 4);
  for (size_t i = 0; i < plain.size(); i += 3) {
    const size_t remaining = plain.size() - i;
    uint32_t bits = static_cast<uint32_t>(static_cast<unsigned char>(plain[i])) << 16;
    if (remaining > 1) bits |= static_cast<uint32_t>(static_cast<unsigned char>(plain[i + 1])) << 8;
    if (remaining > 2) bits |= static_cast<uint32_t>(static_cast<unsigned char>(plain[i + 2]));
    encoded.push_back(kAlphabet[(bits >> 18) & 0x3F]);
    encoded.push_back(kAlphabet[(bits >> 12) & 0x3F]);
    encoded.push_back(remaining > 1 ? kAlphabet[(bits >> 6) & 0x3F] : '=');
    encoded.push_back(remaining > 2 ? kAlphabet[bits & 0x3F] : '=');
  }
  return encoded;
}

std::optional<std::string> decode_base64(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string decoded;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = sextet(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return decoded;
}

std::optional<std::string> decode_base64_strict(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last_quad = i + 4 == text.size();
    std::array<int, 4> values{};
    int padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=') {
        // Padding only at the end of the last quad, at most two characters.
        if (!last_quad || j < 2) return std::nullopt;
        ++padding;
        values[j] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      values[j] = sextet(c);
      if (values[j] < 0) return std::nullopt;
    }
    const uint32_t bits =
        (static_cast<uint32_t>(values[0]) << 18) | (static_cast<uint32_t>(values[1]) << 12) |
        (static_cast<uint32_t>(values[2]) << 6) | static_cast<uint32_t>(values[3]);
    decoded.push_back(static_cast<char>((bits >> 16) & 0xFF));
    if (padding < 2) decoded.push_back(static_cast<char>((bits >> 8) & 0xFF));
    if (padding < 1) decoded.push_back(static_cast<char>(bits & 0xFF));
    // Canonical encodings leave the bits under the padding at zero.
    if (padding == 1 && (values[2] & 0x03) != 0) return std::nullopt;
    if (padding == 2 && (values[1] & 0x0F) != 0) return std::nullopt;
  }
  return decoded;
}

}  // namespace mb::sim
