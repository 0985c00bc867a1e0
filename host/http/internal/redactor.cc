#include "host/http/internal/redactor.h"

#include <algorithm>
#include <cctype>

#include "host/common/redaction.h"

namespace mb::http::internal {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Same threshold as mb::SecretRegistry: masking a 1-3 byte value everywhere would destroy every
// message while protecting nothing.
constexpr size_t kMinSecretLength = 4;

void mask_all(std::string& out, const std::string& secret) {
  if (secret.size() < kMinSecretLength) return;
  size_t pos = 0;
  while ((pos = out.find(secret, pos)) != std::string::npos) {
    out.replace(pos, secret.size(), kRedacted);
    pos += kRedacted.size();
  }
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& masked_headers, std::vector<std::string> secrets)
    : secrets_(std::move(secrets)) {
  for (const auto& name : masked_headers) masked_headers_.insert(lower(name));
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool Redactor::is_masked_header(std::string_view name) const {
  return masked_headers_.count(lower(name)) != 0;
}

std::string Redactor::text(std::string_view text, const std::vector<std::string>& extra) const {
  std::string out(text);
  std::vector<const std::string*> all;
  all.reserve(secrets_.size() + extra.size());
  for (const auto& s : secrets_) all.push_back(&s);
  for (const auto& s : extra) all.push_back(&s);
  std::stable_sort(all.begin(), all.end(), [](const std::string* a, const std::string* b) {
    return a->size() > b->size();
  });
  for (const std::string* s : all) mask_all(out, *s);
  return mb::redact(out);
}

std::string Redactor::headers(const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::vector<std::string>& extra) const {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out += "; ";
    out += name;
    out += ": ";
    out += is_masked_header(name) ? std::string(kRedacted) : value;
  }
  return text(out, extra);
}

std::vector<std::string> Redactor::sensitive_values(
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  std::vector<std::string> values;
  for (const auto& [name, value] : headers) {
    if (!is_masked_header(name)) continue;
    values.push_back(value);
    // "Basic dXNlcjpwYXNz" / "Bearer abc": the credential alone may show up elsewhere too.
    const auto space = value.find(' ');
    if (space != std::string::npos) values.push_back(value.substr(space + 1));
  }
  return values;
}

}  // namespace mb::http::internal
