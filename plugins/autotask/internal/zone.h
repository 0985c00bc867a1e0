// Autotask zones: where a tenant's API lives and how its URLs are formed.
//
// Every tenant sits on one zone host (webservicesN.autotask.net). Any zone answers
// GET <root>/v1.0/zoneInformation?user=<UserName> without credentials and names the tenant's
// ATServicesRest root; the API base is that root + "V1.0/". Path casing does not matter to
// Autotask and old answers contained doubled slashes, so roots are normalised here once.
//
//   auto root = rest_root("https://webservices15.autotask.net//ATServicesRest/");
//   // "https://webservices15.autotask.net/ATServicesRest/"
//   api_base(*root);                                  // ".../ATServicesRest/V1.0/"
//   zone_information_url(*root, "api@acme.example");  //
//   ".../v1.0/zoneInformation?user=api%40acme.example"
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_ZONE_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_ZONE_H_

#include <optional>
#include <string>
#include <string_view>

namespace meterbridge::autotask {

// The public discovery host; any zone would do, this one is what Autotask documents.
inline constexpr std::string_view kDefaultDiscoveryUrl =
    "https://webservices.autotask.net/atservicesrest/";

// An ATServicesRest root ("scheme://host[:port]/.../ATServicesRest/") from what a user or
// Autotask wrote: a bare origin gets "/ATServicesRest/" appended, a trailing "V1.0" is dropped,
// doubled slashes collapse, query and fragment go. nullopt unless it is an absolute http(s)
// URL with a host and without user info.
std::optional<std::string> rest_root(std::string_view url);

// The API base every entity path is relative to: root + "V1.0/".
std::string api_base(std::string_view root);

// The zone lookup for `username`, asked of the ATServicesRest root `root`.
std::string zone_information_url(std::string_view root, std::string_view username);

// What zoneInformation answered.
struct ZoneInformation {
  std::string zone_name;  // "America East 3"; may be empty
  std::string rest_root;  // normalised ATServicesRest root of the tenant's zone
};

// Parses a zoneInformation body; nullopt when it names no usable URL.
std::optional<ZoneInformation> parse_zone_information(std::string_view body);

// "scheme://host[:port]" in lower case with the default port left out, or nullopt.
std::optional<std::string> origin_of(std::string_view url);

// Whether both URLs have the same scheme, host and port. Credentials go only to the tenant's
// own zone, so an absolute link Autotask hands back (nextPageUrl) must pass this check.
bool same_origin(std::string_view a, std::string_view b);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_ZONE_H_
