#include "host/common/redaction.h"

namespace mb {

SecretRegistry& SecretRegistry::global() {
  static SecretRegistry registry;
  return registry;
}

void SecretRegistry::add(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(mu_);
  secrets_.emplace(secret);
}

std::string SecretRegistry::redact(std::string_view text) const {
  std::string out(text);
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return out;
}

bool SecretRegistry::empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return secrets_.empty();
}

void SecretRegistry::clear_for_testing() {
  std::lock_guard<std::mutex> lock(mu_);
  secrets_.clear();
}

}  // namespace mb
