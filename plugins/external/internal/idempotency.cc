#include "internal/idempotency.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace meterbridge::external {
namespace {

// Room left for ":part-NNNNNN" and "~" + 16 hex digits.
constexpr size_t kMaxBaseLength = kMaxKeyLength - 40;

}  // namespace

bool valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxKeyLength &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= '!' && c <= '~'; });
}

std::string fnv1a_hex(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::string batch_key(std::string_view host_key, size_t part, size_t parts) {
  std::string key = valid_idempotency_key(host_key) && host_key.size() <= kMaxBaseLength
                        ? std::string(host_key)
                        : "mb-digest-" + fnv1a_hex(host_key);
  if (parts > 1) key += ":part-" + std::to_string(part + 1);
  return key;
}

std::string fingerprinted_key(std::string_view key, std::string_view body) {
  return std::string(key) + "~" + fnv1a_hex(body);
}

}  // namespace meterbridge::external
