// ListenAddress: the "HOST:PORT" an operator writes for a listening socket (`serve --listen`,
// the config's `api.listen`), parsed strictly so a typo is an error naming what is wrong rather
// than a crash or a socket on some other port.
//
//   auto address = parse_listen_address("[::1]:8470", PortZero::kRefused);
//   if (!address) std::cerr << "--listen: " << address.status().message();
//
// HOST is an IP address: IPv4 dotted quad, or IPv6 in brackets. Host names are not resolved (a
// listener bound to whatever a name resolves to today is a surprise tomorrow). PORT is decimal
// digits only, 1-65535; 0 ("the system picks a free port") only where the caller allows it.
#ifndef METERBRIDGE_HOST_COMMON_LISTEN_ADDRESS_H_
#define METERBRIDGE_HOST_COMMON_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb {

struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::1"
  uint16_t port = 0;
  // "127.0.0.1:8470" or "[::1]:8470".
  std::string to_string() const;
};

enum class PortZero { kRefused, kSystemPicks };

// ConfigInvalid with the reason (without naming the flag or field: the caller does) when
// `text` is not a strict HOST:PORT.
Result<ListenAddress> parse_listen_address(std::string_view text, PortZero port_zero);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_LISTEN_ADDRESS_H_
