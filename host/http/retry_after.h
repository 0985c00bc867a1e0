// Retry-After (RFC 9110 §10.2.3) and HTTP-date parsing, plus the ISO-8601 formatting used in
// "resumes at ..." messages. Pure functions; the caller passes the current time.
//
//   auto wait = parse_retry_after("120", now);                            // 120 s
//   auto wait = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now);  // until then, >= 0
#ifndef METERBRIDGE_HOST_HTTP_RETRY_AFTER_H_
#define METERBRIDGE_HOST_HTTP_RETRY_AFTER_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mb::http {

// Parses an HTTP-date in any of the three forms a recipient must accept: IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"), obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and
// asctime ("Sun Nov  6 08:49:37 1994"). nullopt when the text is none of them.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

// The wait a Retry-After value asks for: delay-seconds, or the time left until an HTTP-date
// (zero for a date in the past). nullopt when the value is malformed (callers then fall back to
// their own backoff).
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// "2024-05-01T13:45:00Z" (UTC, whole seconds).
std::string format_iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_RETRY_AFTER_H_
