// Config: the one JSON file (comments allowed) that describes a deployment — state store,
// plugin folder and pins, usage policy, schedule, notifications, admin API and connectors.
// Its published schema is config/schema/meterbridge.schema.json (embedded in the binary).
//
//   Result<Config> config = load_config("/etc/meterbridge/config.json");
//   if (!config) { std::cerr << config.status().message(); }   // every error, one per line
//
// Every error names the file (as the caller spelled it), the JSON Pointer and the reason, and all
// errors are reported at once.
//
// References: a string that is exactly `${env:NAME}` or `${file:PATH}` is replaced by the
// variable's value or the file's content — in the config file only, and only where a secret or
// a connector's plugin config is expected (connectors[].config, api.token,
// notifications.webhook.secret, notifications.email.password, state.postgresql.url and
// state.postgresql.password). load_config resolves each one once
// so a broken reference is a config error everywhere, not a surprise at 2 a.m.; they are resolved
// again when used, so a rotated secret file is picked up. Values stored through `connectors
// connect` or the API are literals, never references. Only values of fields a plugin's schema
// marks secret (and the host's own secrets) are registered for redaction.
#ifndef METERBRIDGE_HOST_CONFIG_CONFIG_H_
#define METERBRIDGE_HOST_CONFIG_CONFIG_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"

namespace mb {

class PluginRegistry;
struct PluginManifest;

// Size limits of what the config points at (docs/configuration.md).
inline constexpr size_t kMaxConfigFileBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxReferencedFileBytes = 64 * 1024;

// The PostgreSQL database a deployment keeps its state in (docs/scale-out.md): `"state":
// "postgresql://..."` or `"state": {"postgresql": {"url": ..., "password": ...}}`. Both are kept
// as written (a reference or a literal, like api.token) and resolved when the store opens; a URL
// may hold a password, so neither is ever printed.
struct PostgresStateConfig {
  std::string url;
  std::string password;  // empty: whatever the URL (or libpq's environment) says

  bool operator==(const PostgresStateConfig&) const = default;
};

// A bearer token scoped to one partner: it sees and changes only the connectors whose
// partner_id is `partner_id`, as a partner_admin does in the console.
struct PartnerToken {
  std::string partner_id;
  std::string token;  // unresolved reference or literal
};

// How long a console session lasts (api.sessions).
struct ApiSessions {
  int idle_minutes = 30;    // without a request
  int absolute_hours = 12;  // from sign-in, however busy
};

// How a `serve` node runs due syncs from the job queue (workers; docs/scale-out.md).
struct WorkersConfig {
  int concurrency = 4;         // syncs this node runs at once; 0: it runs none (API only)
  int claim_ttl_seconds = 60;  // a job whose node stops renewing its claim is taken over after
  int poll_seconds = 2;        // how often an idle worker looks for jobs other nodes enqueued
  int job_retention_days = 30;  // finished jobs are deleted this long after they end
};

struct Config {
  std::filesystem::path file;  // as given: relative stays relative, so messages name it that way
  std::filesystem::path state_path;  // the SQLite file, unless state_postgres is set
  std::optional<PostgresStateConfig> state_postgres;
  std::filesystem::path key_file;
  std::filesystem::path plugin_dir;
  std::map<std::string, std::string> plugin_pins;
  std::string ended_workspaces = "zero";
  std::optional<size_t> max_usage_bytes;  // usage.max_file_mib; unset: the usage parser's default
  ScheduleConfig schedule;
  NotificationsConfig notifications;
  std::string api_listen = "127.0.0.1:8470";
  std::string api_token;  // unresolved reference or literal; empty: API refuses to start
  ApiLimits api_limits;
  bool api_metrics_public = false;  // api.metrics.public: GET /metrics without the token
  // api.partner_tokens: bearer tokens that see only one partner's connectors (docs/console.md).
  std::vector<PartnerToken> api_partner_tokens;
  ApiSessions api_sessions;
  // api.tls: the admin listener's certificate chain and key (PEM); empty: plain HTTP.
  std::filesystem::path api_tls_cert_file;
  std::filesystem::path api_tls_key_file;
  int shutdown_grace_seconds = 30;  // serve: how long SIGTERM waits for running syncs
  WorkersConfig workers;
  std::vector<ConnectorConfig> connectors;

  const ConnectorConfig* find_connector(std::string_view id) const;
};

// The schema text embedded at build time.
std::string_view config_schema_text();

// Reads (at most kMaxConfigFileBytes), parses (comments allowed, a UTF-8 BOM accepted, duplicate
// keys refused), validates against the schema, checks cross-field rules and resolves every
// reference once. `default_plugin_dir` is used when the file does not name one.
Result<Config> load_config(const std::filesystem::path& file,
                           const std::filesystem::path& default_plugin_dir = {});

// Validates one JSON document against a JSON Schema; returns "pointer: reason" lines, empty
// when valid. `pointer_prefix` is prepended to every pointer.
std::vector<std::string> validate_against_schema(const boost::json::value& schema,
                                                 const boost::json::value& document,
                                                 std::string_view pointer_prefix);

// A connector's settings as the console stores them (docs/console.md, "Edit a connector"):
// {"policies": {...}, "schedule": {...}, "alerts": {...}}, each optional, checked by the config
// schema's own rules for a connector's "policies" and "schedule", the time zone check load_config
// makes and the reader of a connector's "alerts" policy (parse_alert_policy). On success sets
// connector.policies (defaults for what is not given), connector.schedule (`global_schedule` for
// what is not given) and connector.alerts (none when not given); otherwise a kConfigInvalid with
// one "field: reason" line per problem (e.g. "policies/decreases: ...", "alerts/board: ..."), and
// `connector` is left as it was. Whether the plugin offers tickets is
// alerts_capability_problem's.
Status apply_connector_settings(const boost::json::value& settings,
                                const ScheduleConfig& global_schedule, ConnectorConfig& connector);

// The connector's effective policies, schedule and alerts policy (null when none), in the shape
// apply_connector_settings reads.
boost::json::object connector_settings_json(const ConnectorConfig& connector);

// Why the connector's alerts policy cannot apply to its plugin — it is enabled and the plugin
// does not offer the "tickets" capability — or empty when it can. One rule for the config file
// (check_connectors) and the console.
std::string alerts_capability_problem(const ConnectorConfig& connector,
                                      const PluginManifest& manifest);

// Checks every connector against the loaded plugins: the plugin exists and loaded, and its
// config (references resolved) validates against the plugin's schema. All problems are reported
// at once. A required secret field that is in neither the file nor the store
// (`has_stored_credentials(connector_id)`) is not an error — `connectors connect` is how it
// arrives — but a warning, as is a secret written literally in the file.
Status check_connectors(const Config& config, const PluginRegistry& plugins,
                        const std::map<std::string, bool>& has_stored_credentials,
                        std::vector<std::string>* warnings = nullptr);

// The config a plugin session receives: the file's plugin config with its references resolved,
// overlaid with stored credentials (a JSON object of secret fields, used literally), validated
// against the plugin's schema, with the value of every secret field registered for redaction.
Result<std::string> effective_plugin_config(const Config& config, const ConnectorConfig& connector,
                                            const PluginManifest& manifest,
                                            const std::optional<std::string>& stored_credentials);

// Resolves a reference written in the config file: "${env:NAME}" or "${file:PATH}" (PATH
// relative to `base_dir`, the config file's folder; a regular file of at most
// kMaxReferencedFileBytes, trailing newlines dropped). Any other scheme is an error; a string
// that is not a reference is returned as is. The error names the reference and the reason.
Result<std::string> resolve_reference(std::string_view value,
                                      const std::filesystem::path& base_dir);

// resolve_reference for a secret the host itself holds (the admin API token, the webhook
// secret, the SMTP password): the value, literal or resolved, is registered for redaction.
Result<std::string> resolve_secret_reference(std::string_view value,
                                             const std::filesystem::path& base_dir);

// The PostgreSQL state database's URL and password (config.state_postgres, which must be set)
// with references resolved; the password, any password written in the URL, and the URL itself
// are registered for redaction. Errors name the field, never its value.
struct ResolvedPostgresState {
  std::string url;
  std::optional<std::string> password;
};
Result<ResolvedPostgresState> resolve_postgres_state(const Config& config);

// True when the whole string has the form of a reference, "${...}", whatever its scheme.
bool is_secret_reference(std::string_view value);

// The folder relative references and paths in `config` are resolved against.
std::filesystem::path config_dir(const Config& config);

}  // namespace mb

#endif  // METERBRIDGE_HOST_CONFIG_CONFIG_H_
