// The Gradient connector's configuration, parsed and checked once when a session opens.
//
//   ConnectorConfig config = parse_config(R"({"vendor_api_key":"vk_live_123",
//       "partner_api_key":"pk_456",
//       "services":{"edr":{"category":"security",
//                          "subcategory":"endpoint detection and response (EDR)",
//                          "metric":"devices"}}})");
//   ServiceSpec edr = service_spec(config, "edr", "Coro EDR");  // what Create Service sends
//
// The host validates the config against the manifest's schema first; parse_config checks the
// same rules again (and reports every problem at once), so the plugin never builds a URL or a
// Create Service body from a value the schema would refuse.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CONFIG_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace meterbridge::gradient {

// Gradient's production host; every route lives under /api/vendor-api.
inline constexpr std::string_view kDefaultBaseUrl = "https://app.usegradient.com";

// One entry of "services" (or "service_defaults"): every field optional.
struct ServiceSettings {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::string> subcategory;
  std::optional<std::string> metric;  // "users" or "devices"
  std::optional<std::string> support_article;
  std::optional<std::string> support_contact;
};

// How alerts travel (the "tickets" capability, internal/alerting.h). Gradient's alert status is
// a number 1-6 the MSP maps to a PSA ticket status in Synthesize; which number means "resolved"
// is the vendor's convention, so both ends are configurable.
struct AlertSettings {
  int64_t status_open = 1;    // a new or changed alert (Gradient's default)
  int64_t status_closed = 6;  // a resolved alert
  // The debug route is read up to max_polls times, poll_interval_ms apart, for the PSA ticket.
  int64_t max_polls = 10;
  int64_t poll_interval_ms = 500;
};

struct ConnectorConfig {
  std::string vendor_api_key;                           // secret
  std::string partner_api_key;                          // secret
  std::string base_url = std::string(kDefaultBaseUrl);  // no trailing '/', no /api/vendor-api
  std::map<std::string, ServiceSettings> services;      // by vendor service id
  ServiceSettings service_defaults;
  AlertSettings alerts;
};

// Parses the connector config document. Throws PluginError(MB_STATUS_CONFIG_INVALID) naming
// every offending field; the message never contains a secret value.
ConnectorConfig parse_config(std::string_view json_text);

// "https://host[:port][/prefix]" or "http://..." with no query, fragment, user info or spaces.
bool is_valid_base_url(std::string_view url);

// Everything provisioning needs to know about one vendor service, with the service's own
// settings first, then service_defaults, then built-in defaults.
struct ServiceSpec {
  std::string name;         // its name in Gradient (trimmed)
  std::string description;  // default: the name
  std::string category;     // "" when configured nowhere: the service cannot be created
  std::string subcategory;  // ditto
  std::string metric;       // "users" unless configured
  std::string support_article;
  std::string support_contact;

  bool creatable() const { return !category.empty() && !subcategory.empty(); }
};

ServiceSpec service_spec(const ConnectorConfig& config, std::string_view service_id,
                         std::string_view service_name);

// Surrounding spaces, tabs and line breaks removed.
std::string trimmed(std::string_view text);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CONFIG_H_
