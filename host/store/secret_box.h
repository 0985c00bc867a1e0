// SecretBox: authenticated encryption of credentials at rest (libsodium XChaCha20-Poly1305).
// The key comes from MB_SECRET_KEY (64 hex characters or base64 of 32 bytes) or from a key
// file, created on first use with mode 0600. Each sealed value binds an associated string
// (the connector id), so a ciphertext copied onto another connector's row does not open.
//
//   auto box = SecretBox::from_environment_or_file("/var/lib/meterbridge/secret.key");
//   std::string sealed = box->seal(R"({"secret":"..."})", "acme-psa");
//   Result<std::string> plain = box->open(sealed, "acme-psa");
#ifndef METERBRIDGE_HOST_STORE_SECRET_BOX_H_
#define METERBRIDGE_HOST_STORE_SECRET_BOX_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr const char* kKeyEnv = "MB_SECRET_KEY";

  // MB_SECRET_KEY if set, else the key file (created with a fresh random key when missing).
  static Result<SecretBox> from_environment_or_file(const std::filesystem::path& key_file);
  // From raw key bytes (exactly 32).
  static Result<SecretBox> from_key_bytes(std::string_view key);
  // From the text forms accepted in MB_SECRET_KEY and key files.
  static Result<SecretBox> from_key_text(std::string_view text);

  // nonce || ciphertext+tag.
  std::string seal(std::string_view plaintext, std::string_view associated) const;
  Result<std::string> open(std::string_view sealed, std::string_view associated) const;

  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  ~SecretBox();

 private:
  SecretBox() = default;
  std::string key_;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_STORE_SECRET_BOX_H_
