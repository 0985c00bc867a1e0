#include "host/common/listen_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace mb {
namespace {

bool is_ip(int family, const std::string& host) {
  unsigned char scratch[sizeof(in6_addr)];
  return ::inet_pton(family, host.c_str(), scratch) == 1;
}

Result<uint16_t> parse_port(std::string_view digits, PortZero port_zero) {
  std::string range = port_zero == PortZero::kSystemPicks
                          ? "a number from 0 to 65535 (0: the system picks a free port)"
                          : "a number from 1 to 65535";
  bool all_digits = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (!all_digits || digits.size() > 5)
    return Status::ConfigInvalid("the port '" + std::string(digits) + "' must be " + range);
  unsigned long value = std::stoul(std::string(digits));
  if (value > 65535 || (value == 0 && port_zero == PortZero::kRefused))
    return Status::ConfigInvalid("the port " + std::string(digits) + " must be " + range);
  return static_cast<uint16_t>(value);
}

}  // namespace

std::string ListenAddress::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text, PortZero port_zero) {
  std::string shown = "'" + std::string(text) + "'";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return Status::ConfigInvalid(shown + " is not HOST:PORT (e.g. 127.0.0.1:8470 or [::1]:8470)");
  std::string_view host = text.substr(0, colon);
  ListenAddress out;
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']')
      return Status::ConfigInvalid(shown +
                                   ": an IPv6 address must be closed with ']' before ':PORT'");
    out.host = std::string(host.substr(1, host.size() - 2));
    if (!is_ip(AF_INET6, out.host))
      return Status::ConfigInvalid(shown + ": '" + out.host + "' is not an IPv6 address");
  } else if (host.find(':') != std::string_view::npos) {
    return Status::ConfigInvalid(shown + ": write an IPv6 address in brackets, e.g. [::1]:8470");
  } else {
    out.host = std::string(host);
    if (out.host.empty())
      return Status::ConfigInvalid(shown + ": the host is missing (e.g. 127.0.0.1:8470)");
    if (!is_ip(AF_INET, out.host))
      return Status::ConfigInvalid(shown + ": the host '" + out.host +
                                   "' must be an IP address such as 127.0.0.1 or 0.0.0.0 "
                                   "(host names are not resolved)");
  }
  auto port = parse_port(text.substr(colon + 1), port_zero);
  if (!port) return Status::ConfigInvalid(shown + ": " + port.status().message());
  out.port = *port;
  return out;
}

}  // namespace mb
