#include "host/store/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mb {
namespace fs = std::filesystem;

namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

SecretBox::~SecretBox() {
  if (!key_.empty()) sodium_memzero(key_.data(), key_.size());
}

Result<SecretBox> SecretBox::from_key_bytes(std::string_view key) {
  if (!sodium_ready()) return Status::Fatal("libsodium failed to initialise");
  if (key.size() != kKeyBytes)
    return Status::ConfigInvalid("secret key must be exactly 32 bytes, got " + std::to_string(key.size()));
  SecretBox box;
  box.key_ = std::string(key);
  return box;
}

Result<SecretBox> SecretBox::from_key_text(std::string_view text) {
  if (!sodium_ready()) return Status::Fatal("libsodium failed to initialise");
  std::string t = trim(text);
  std::string bin(kKeyBytes, '\0');
  size_t bin_len = 0;
  if (t.size() == kKeyBytes * 2 &&
      sodium_hex2bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), t.data(), t.size(),
                     nullptr, &bin_len, nullptr) == 0 &&
      bin_len == kKeyBytes) {
    return from_key_bytes(bin);
  }
  std::string wide(t.size(), '\0');
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(wide.data()), wide.size(), t.data(), t.size(),
                        nullptr, &bin_len, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0 &&
      bin_len == kKeyBytes) {
    return from_key_bytes(wide.substr(0, bin_len));
  }
  return Status::ConfigInvalid("secret key must be 64 hex characters or base64 of 32 bytes");
}

Result<SecretBox> SecretBox::from_environment_or_file(const fs::path& key_file) {
  if (!sodium_ready()) return Status::Fatal("libsodium failed to initialise");
  if (const char* env = std::getenv(kKeyEnv); env != nullptr && *env != '\0') {
    auto box = from_key_text(env);
    if (!box) return Status::ConfigInvalid(std::string(kKeyEnv) + ": " + box.status().message());
    return box;
  }
  std::error_code ec;
  if (fs::exists(key_file, ec)) {
    struct stat st {};
    if (::stat(key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      return Status::ConfigInvalid("key file " + key_file.string() +
                                   " is readable or writable by others; chmod 600 it");
    std::ifstream in(key_file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto box = from_key_text(ss.str());
    if (!box) return Status::ConfigInvalid("key file " + key_file.string() + ": " + box.status().message());
    return box;
  }
  // First use: create the key file atomically with mode 0600, never world-readable in between.
  if (key_file.has_parent_path()) fs::create_directories(key_file.parent_path(), ec);
  std::string key(kKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  std::string text(sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(key.data()),
                    key.size(), sodium_base64_VARIANT_ORIGINAL);
  text.resize(std::char_traits<char>::length(text.c_str()));
  text += "\n";
  int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Fatal("cannot create key file " + key_file.string());
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = (::fsync(fd) == 0) && written;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!written) return Status::Fatal("cannot write key file " + key_file.string());
  auto box = from_key_bytes(key);
  sodium_memzero(key.data(), key.size());
  return box;
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string out(kNonce + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, kNonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonce, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key_.data()));
  out.resize(kNonce + clen);
  return out;
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view associated) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (sealed.size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return Status::Fatal("sealed credentials are truncated");
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string plain(sealed.size() - kNonce - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr, nonce + kNonce,
          sealed.size() - kNonce, reinterpret_cast<const unsigned char*>(associated.data()),
          associated.size(), nonce, reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return Status::AuthFailed(
        "stored credentials cannot be decrypted: wrong MB_SECRET_KEY or key file, or the row was tampered with");
  plain.resize(plen);
  return plain;
}

}  // namespace mb
