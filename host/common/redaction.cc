#include "host/common/redaction.h"

#include <boost/json/serialize.hpp>

#include "host/common/json.h"

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

boost::json::value redact_json(const boost::json::value& v) {
  boost::json::value copy = v;
  const SecretRegistry& registry = SecretRegistry::global();
  if (registry.empty()) return copy;
  json::for_each_string(copy, [&](boost::json::string& s) {
    std::string masked = registry.redact(s);
    if (masked != std::string_view(s)) s = masked;
  });
  return copy;
}

std::string serialize_redacted(const boost::json::value& v) {
  return boost::json::serialize(redact_json(v));
}

}  // namespace mb
