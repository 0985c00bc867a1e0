#include "host/http/internal/target.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

namespace mb::http::internal {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_loopback_name(const std::string& host) {
  return host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"));
}

std::string bracketed_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string Target::origin() const {
  return std::string(tls ? "https://" : "http://") + bracketed_host(host) + ":" +
         std::to_string(port);
}

std::string Target::host_header() const {
  std::string h = bracketed_host(host);
  const uint16_t default_port = tls ? 443 : 80;
  if (port != default_port) h += ":" + std::to_string(port);
  return h;
}

Result<Target> parse_target(std::string_view url, bool allow_plain_http) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Status::ConfigInvalid("not an absolute URL");
  const boost::urls::url_view& u = *parsed;

  Target t;
  const std::string scheme = lower(u.scheme());
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme != "http") {
    return Status::ConfigInvalid("unsupported URL scheme '" + scheme + "' (http or https only)");
  }
  if (u.has_userinfo()) {
    return Status::ConfigInvalid("credentials in the URL are not allowed; send them in a header");
  }
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      t.host_is_ip = true;
      t.host = u.host_address();
      t.loopback = u.host_ipv4_address().is_loopback();
      break;
    case boost::urls::host_type::ipv6:
      t.host_is_ip = true;
      t.host = u.host_address();
      t.loopback = u.host_ipv6_address().is_loopback();
      break;
    case boost::urls::host_type::name:
      t.host = lower(u.host_name());
      t.loopback = is_loopback_name(t.host);
      break;
    default:
      return Status::ConfigInvalid("URL has no usable host");
  }
  if (t.host.empty()) return Status::ConfigInvalid("URL has no host");
  if (u.has_port()) {
    const auto port = u.port_number();
    if (port == 0) return Status::ConfigInvalid("URL has an invalid port");
    t.port = port;
  } else {
    t.port = t.tls ? 443 : 80;
  }
  if (!t.tls && !t.loopback && !allow_plain_http) {
    return Status::ConfigInvalid("plain http:// is only allowed to loopback hosts (host '" +
                                 t.host + "'); use https or set allow_plain_http");
  }
  t.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  t.request_target = std::string(u.encoded_target());
  if (t.request_target.empty() || t.request_target.front() != '/') {
    t.request_target = "/" + t.request_target;
  }
  return t;
}

}  // namespace mb::http::internal
