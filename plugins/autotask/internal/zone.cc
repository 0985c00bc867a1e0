#include "internal/zone.h"

#include <meterbridge/documents.hpp>
#include <meterbridge/json_fields.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>

namespace meterbridge::autotask {

namespace {

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         ascii_lower(s.substr(s.size() - suffix.size())) == ascii_lower(suffix);
}

std::string collapse_slashes(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

std::optional<boost::urls::url_view> parse_http_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::nullopt;
  boost::urls::url_view u = *parsed;
  std::string scheme = ascii_lower(u.scheme());
  if ((scheme != "http" && scheme != "https") || !u.has_authority() || u.encoded_host().empty() ||
      u.has_userinfo())
    return std::nullopt;
  return u;
}

}  // namespace

std::optional<std::string> rest_root(std::string_view url) {
  auto u = parse_http_url(url);
  if (!u) return std::nullopt;
  std::string path =
      collapse_slashes(std::string_view(u->encoded_path().data(), u->encoded_path().size()));
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (ends_with_ignoring_case(path, "/v1.0")) path.resize(path.size() - 5);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (!ends_with_ignoring_case(path, "/atservicesrest")) path += "/ATServicesRest";
  std::string root =
      ascii_lower(u->scheme()) + "://" + std::string(u->encoded_authority()) + path + "/";
  return root;
}

std::string api_base(std::string_view root) { return std::string(root) + "V1.0/"; }

std::string zone_information_url(std::string_view root, std::string_view username) {
  return std::string(root) + "v1.0/zoneInformation?user=" +
         boost::urls::encode(username, boost::urls::unreserved_chars);
}

std::optional<ZoneInformation> parse_zone_information(std::string_view body) {
  auto object = parse_json_object(body);
  if (!object) return std::nullopt;
  auto url = text(field_any_case(*object, "url"));
  if (!url) return std::nullopt;
  auto root = rest_root(*url);
  if (!root) return std::nullopt;
  return ZoneInformation{text(field_any_case(*object, "zoneName")).value_or(""), *root};
}

std::optional<std::string> origin_of(std::string_view url) {
  auto u = parse_http_url(url);
  if (!u) return std::nullopt;
  std::string scheme = ascii_lower(u->scheme());
  std::string origin =
      scheme + "://" +
      ascii_lower(std::string_view(u->encoded_host().data(), u->encoded_host().size()));
  if (u->has_port()) {
    std::string_view port(u->port().data(), u->port().size());
    bool default_port = (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
    if (!default_port && !port.empty()) origin += ":" + std::string(port);
  }
  return origin;
}

bool same_origin(std::string_view a, std::string_view b) {
  auto oa = origin_of(a);
  auto ob = origin_of(b);
  return oa && ob && *oa == *ob;
}

}  // namespace meterbridge::autotask
