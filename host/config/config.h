// Config: the one JSON file (comments allowed) that describes a deployment — state store,
// plugin folder and pins, usage policy, schedule, notifications, admin API and connectors.
// Its published schema is config/schema/meterbridge.schema.json (embedded in the binary).
//
//   Result<Config> config = load_config("/etc/meterbridge/config.json");
//   if (!config) { std::cerr << config.status().message(); }   // every error, one per line
//
// Every error names the file, the JSON Pointer and the reason, and all errors are reported
// at once. Secret references (${env:NAME}, ${file:PATH}) are resolved only when a connector is
// opened, and every resolved value is registered for redaction.
#ifndef METERBRIDGE_HOST_CONFIG_CONFIG_H_
#define METERBRIDGE_HOST_CONFIG_CONFIG_H_

#include <boost/json/value.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"

namespace mb {

class PluginRegistry;
struct PluginManifest;

struct Policies {
  std::string decreases = "auto";         // auto | require_approval | never
  std::string effective_date = "today";   // today | first_of_month | first_of_next_month
  bool dry_run = false;
  std::optional<double> max_change_ratio;
};

struct ScheduleConfig {
  bool enabled = true;
  std::string time = "02:00";
  std::string timezone = "UTC";
  int jitter_minutes = 15;
};

struct WebhookConfig {
  std::string url;
  std::string secret;  // unresolved reference or literal
  std::vector<std::string> on;
};

struct EmailConfig {
  std::string smtp_url;
  std::string username;
  std::string password;  // unresolved reference or literal
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> on;
};

struct NotificationsConfig {
  std::optional<WebhookConfig> webhook;
  std::optional<EmailConfig> email;
};

// Limits of the admin API server (docs/admin-api.md, "Limits").
struct ApiLimits {
  size_t max_connections = 1024;
  int header_timeout_seconds = 10;
  int body_timeout_seconds = 30;
  size_t max_body_bytes = 64 * 1024;
  size_t max_usage_body_bytes = 32 * 1024 * 1024;
};

struct ConnectorConfig {
  std::string id;
  std::string plugin;
  std::string partner;
  // When set, the connector only sees workspaces whose usage names this partner_id.
  std::string partner_id;
  bool enabled = true;
  boost::json::value plugin_config;  // as written: secret references unresolved
  Policies policies;
  // Mappings declared in the config (`map apply`): workspace -> account, service -> mapping.
  std::map<std::string, std::string> declared_accounts;
  std::map<std::string, std::pair<std::string, std::string>> declared_services;  // -> (psa id, metric)
  boost::json::object http;          // HTTP policy overrides
  ScheduleConfig schedule;
  NotificationsConfig notifications;
  std::string pointer;               // "/connectors/3", for error messages
};

struct Config {
  std::filesystem::path file;
  std::filesystem::path state_path;
  std::filesystem::path key_file;
  std::filesystem::path plugin_dir;
  std::map<std::string, std::string> plugin_pins;
  std::string ended_workspaces = "zero";
  ScheduleConfig schedule;
  NotificationsConfig notifications;
  std::string api_listen = "127.0.0.1:8470";
  std::string api_token;  // unresolved reference or literal; empty: API refuses to start
  ApiLimits api_limits;
  int shutdown_grace_seconds = 30;  // serve: how long SIGTERM waits for running syncs
  std::vector<ConnectorConfig> connectors;

  const ConnectorConfig* find_connector(std::string_view id) const;
};

// The schema text embedded at build time.
std::string_view config_schema_text();

// Reads, parses (comments allowed), validates against the schema and checks cross-field rules.
// `default_plugin_dir` is used when the file does not name one.
Result<Config> load_config(const std::filesystem::path& file,
                           const std::filesystem::path& default_plugin_dir = {});

// Validates one JSON document against a JSON Schema; returns "pointer: reason" lines, empty
// when valid. `pointer_prefix` is prepended to every pointer.
std::vector<std::string> validate_against_schema(const boost::json::value& schema,
                                                 const boost::json::value& document,
                                                 std::string_view pointer_prefix);

// Checks every connector against the loaded plugins: the plugin exists and loaded, and its
// config validates against the plugin's schema. `has_stored_credentials(connector_id)` tells
// whether missing secret fields may come from the store. All problems are reported at once.
Status check_connectors(const Config& config, const PluginRegistry& plugins,
                        const std::map<std::string, bool>& has_stored_credentials);

// The config a plugin session receives: the file's plugin config overlaid with stored
// credentials (a JSON object of secret fields), validated against the plugin's schema, with
// secret references resolved and every secret value registered for redaction.
Result<std::string> effective_plugin_config(const Config& config, const ConnectorConfig& connector,
                                            const PluginManifest& manifest,
                                            const std::optional<std::string>& stored_credentials);

// Resolves "${env:NAME}" or "${file:PATH}" (PATH relative to the config file); any other
// string is returned as is. The result is registered for redaction when it came from a ref.
Result<std::string> resolve_secret_reference(std::string_view value, const std::filesystem::path& base_dir);

// True when the string is a secret reference rather than a literal.
bool is_secret_reference(std::string_view value);

}  // namespace mb

#endif  // METERBRIDGE_HOST_CONFIG_CONFIG_H_
