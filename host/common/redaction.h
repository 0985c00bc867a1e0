// Secret redaction: every secret value the host learns (resolved ${env:}/${file:} references,
// fields a plugin schema marks secret, decrypted credentials, API tokens) is registered here,
// and every log line, error message and report passes through redact() before it leaves the
// process. Registration is process-wide because a secret must stay masked wherever it travels.
//
//   SecretRegistry::global().add(api_key);
//   spdlog::info(SecretRegistry::global().redact(message));   // logging.cc does this for you
#ifndef METERBRIDGE_HOST_COMMON_REDACTION_H_
#define METERBRIDGE_HOST_COMMON_REDACTION_H_

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace mb {

inline constexpr std::string_view kRedacted = "***";

class SecretRegistry {
 public:
  static SecretRegistry& global();

  // Remembers a secret. Values shorter than 4 bytes are ignored: masking "a" everywhere would
  // destroy every message while protecting nothing.
  void add(std::string_view secret);
  // Returns `text` with every known secret replaced by "***" (longest secrets first, so a
  // secret containing another is masked whole).
  std::string redact(std::string_view text) const;
  bool empty() const;
  void clear_for_testing();

 private:
  struct LongestFirst {
    bool operator()(const std::string& a, const std::string& b) const {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    }
  };
  mutable std::mutex mu_;
  std::set<std::string, LongestFirst> secrets_;
};

inline std::string redact(std::string_view text) { return SecretRegistry::global().redact(text); }

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_REDACTION_H_
