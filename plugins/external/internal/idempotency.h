// Idempotency keys for pushed batches.
//
// The host gives apply_quantities a key that is deterministic per (run, batch), e.g.
// "acme-ext:run-118:batch-2". When the plugin splits the host's batch into several platform
// batches (batch_size or the platform's max_batch_items is smaller), each part gets
// ":part-N" appended. The same input therefore always yields the same keys and the same bodies,
// so a retry after a lost response is replayed by the platform instead of being applied twice.
//
//   std::string key = batch_key(host_key, 0, 3);   // "acme-ext:run-118:batch-2:part-1"
//   std::string alt = fingerprinted_key(key, body);  // "...:part-1~3f0c9a1b2c3d4e5f"
//
// fingerprinted_key is for the one case where the platform already knows the key for another
// body (422 idempotency_key_reused): the state database was recreated and run numbers started
// again while the platform still remembers the old batches. The fingerprint makes the key unique
// to this body and is still deterministic, so retries of it stay safe.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_IDEMPOTENCY_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_IDEMPOTENCY_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace meterbridge::external {

inline constexpr size_t kMaxKeyLength = 255;

// Whether the protocol accepts `key`: 1 to 255 characters from '!' to '~'.
bool valid_idempotency_key(std::string_view key);

// The key of part `part` (0-based) of `parts`. A host key the protocol would refuse (too long,
// or with spaces or non-ASCII) is replaced by a digest of it, deterministically.
std::string batch_key(std::string_view host_key, size_t part, size_t parts);

// `key` made unique to `body`.
std::string fingerprinted_key(std::string_view key, std::string_view body);

// FNV-1a 64 of the bytes, as 16 lower-case hex digits.
std::string fnv1a_hex(std::string_view bytes);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_IDEMPOTENCY_H_
