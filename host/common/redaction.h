// Secret redaction: the secret values the host learns — the values of fields a plugin's schema
// marks secret (from the config file, a reference or the store) and the host's own secrets (the
// admin API token, the webhook secret, the SMTP password, the sealing key) — are registered
// here, and every log line, error message and report passes through redact() before it leaves
// the process. Registration is process-wide because a secret must stay masked wherever it
// travels. Values that are not secrets (a base URL read from ${env:...}) are not registered:
// masking them would only make logs unreadable.
//
// Structured output is masked value by value, before serialization (redact_json): masking the
// serialized text would miss a secret whose JSON form is escaped, and could corrupt the document
// when a secret happens to match part of a key.
//
//   SecretRegistry::global().add(api_key);
//   spdlog::info(SecretRegistry::global().redact(message));   // logging.cc does this for you
//   out << serialize_redacted(report_json);
#ifndef METERBRIDGE_HOST_COMMON_REDACTION_H_
#define METERBRIDGE_HOST_COMMON_REDACTION_H_

#include <boost/json/value.hpp>

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

// A copy of `v` with every known secret masked inside every string value. Object keys are
// structure (field names, ids), never masked.
boost::json::value redact_json(const boost::json::value& v);
// serialize(redact_json(v)): the only way JSON output should be written.
std::string serialize_redacted(const boost::json::value& v);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_REDACTION_H_
