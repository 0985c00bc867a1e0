// A request URL checked and split for the engine (Boost.URL): where to connect, what to send
// on the request line, and whether plain http is allowed there.
#ifndef METERBRIDGE_HOST_HTTP_INTERNAL_TARGET_H_
#define METERBRIDGE_HOST_HTTP_INTERNAL_TARGET_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb::http::internal {

struct Target {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  bool host_is_ip = false;
  bool loopback = false;
  std::string request_target;  // path and query, as sent on the request line
  std::string path;            // path only, the default endpoint key

  // "https://host:port": the key of the connection pool.
  std::string origin() const;
  // The Host header value: the port only when it is not the scheme's default.
  std::string host_header() const;
};

// Accepts absolute http/https URLs. config_invalid for anything else, for user info in the URL
// (credentials belong in headers, where they are masked), and for plain http to a host that
// is not loopback unless allow_plain_http.
Result<Target> parse_target(std::string_view url, bool allow_plain_http);

}  // namespace mb::http::internal

#endif  // METERBRIDGE_HOST_HTTP_INTERNAL_TARGET_H_
