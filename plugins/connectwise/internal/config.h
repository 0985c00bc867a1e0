// The ConnectWise connector's configuration: parsed and checked once when a session opens, then
// turned into what every request carries (Basic credentials, clientId, versioned Accept) and
// into the two URL roots a session needs (companyinfo discovery and the REST API).
//
//   ConnectorConfig config =
//   parse_config(R"({"company_id":"northwind","site":"na.myconnectwise.net",
//       "public_key":"Pk7hQ2","private_key":"Sx9mR4","client_id":"..."})");
//   std::string auth = basic_authorization(config);  // "Basic bm9ydGh3aW5kK1BrN2hRMjpTeDltUjQ="
//
// The host validates the config against the manifest's schema first; parse_config checks the
// same rules again so the plugin never builds a URL from a value the schema would refuse.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONFIG_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONFIG_H_

#include <meterbridge/http.hpp>

#include <string>
#include <string_view>

namespace meterbridge::connectwise {

// The API model version the plugin is written against (the Addition model is identical in
// 2025.16 and 2026.4); used when the config names none.
inline constexpr std::string_view kDefaultApiVersion = "2025.16";

struct ConnectorConfig {
  std::string company_id;   // the login company id ("northwind")
  std::string site;         // "na.myconnectwise.net" or "cw.example.com:8443": no scheme, no path
  std::string public_key;   // the API member's public key
  std::string private_key;  // secret
  std::string client_id;    // the integration's clientId (developer.connectwise.com); secret
  std::string api_version = std::string(kDefaultApiVersion);
  std::string
      base_url;  // optional override of "https://<site>" (simulator, proxy); no trailing '/'
};

// Parses the connector config document. Throws PluginError(MB_STATUS_CONFIG_INVALID) naming
// the first offending field; the message never contains a secret value.
ConnectorConfig parse_config(std::string_view json_text);

// A host name (letters, digits, '-' and '.', labels not starting or ending with '-') with an
// optional ":port"; anything with a scheme, a path, a query, user info or spaces is refused.
bool is_valid_site(std::string_view site);

// "2025.16": four digits, a dot, one or two digits.
bool is_valid_api_version(std::string_view version);

// "https://host[:port][/prefix]" or "http://..." with no query, fragment or user info.
bool is_valid_base_url(std::string_view url);

// Where companyinfo is asked: the base_url override, else "https://<site>".
std::string discovery_root(const ConnectorConfig& config);

// Where the REST API lives, without the codebase: the base_url override, else
// "https://<api host>", where a cloud site's first label gains the "api-" prefix
// ("na.myconnectwise.net" -> "api-na.myconnectwise.net") and an on-premise site is used as is.
std::string api_root(const ConnectorConfig& config, bool is_cloud);

// "na.myconnectwise.net" -> "api-na.myconnectwise.net"; a host already prefixed is unchanged.
std::string cloud_api_host(std::string_view site);

// "Basic " + base64("<company>+<public>:<private>").
std::string basic_authorization(const ConnectorConfig& config);

// "application/vnd.connectwise.com+json; version=<v>": the vendor type first, or version
// selection does not happen.
std::string accept_header(const ConnectorConfig& config);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONFIG_H_
