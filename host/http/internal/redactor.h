// Masks credentials in text the engine builds for logs and error messages: values of the
// policy's masked headers, the client's secrets, and (through mb::redact) every secret the
// process registered.
#ifndef METERBRIDGE_HOST_HTTP_INTERNAL_REDACTOR_H_
#define METERBRIDGE_HOST_HTTP_INTERNAL_REDACTOR_H_

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mb::http::internal {

class Redactor {
 public:
  Redactor(const std::vector<std::string>& masked_headers, std::vector<std::string> secrets);

  // Case-insensitive.
  bool is_masked_header(std::string_view name) const;
  // `text` with the client's secrets, the `extra` values (e.g. this request's masked header
  // values) and the process-wide secrets replaced by "***".
  std::string text(std::string_view text, const std::vector<std::string>& extra = {}) const;
  // "Name: value" lines for a trace log, masked header values shown as "***".
  std::string headers(const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::vector<std::string>& extra = {}) const;
  // Values of masked headers in `headers` (to pass as `extra`).
  std::vector<std::string> sensitive_values(
      const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  std::set<std::string> masked_headers_;  // lower-case
  std::vector<std::string> secrets_;      // longest first
};

}  // namespace mb::http::internal

#endif  // METERBRIDGE_HOST_HTTP_INTERNAL_REDACTOR_H_
