#include "host/config/config.h"

#include <boost/json.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "host/common/bounded_read.h"
#include "host/common/json.h"
#include "host/common/listen_address.h"
#include "host/common/redaction.h"
#include "host/http/policy.h"
#include "host/plugin/loader.h"
#include "host/plugin/manifest.h"
#include "host/plugin/process_plugin.h"

namespace mb {
namespace fs = std::filesystem;

namespace {

// Embedded by CMake from config/schema/meterbridge.schema.json.
constexpr std::string_view kSchemaText =
#include "meterbridge_schema.inc"
    ;

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += "\n";
    out += l;
  }
  return out;
}

// valijson context ["<root>", "[connectors]", "[0]"] -> "/connectors/0".
std::string context_to_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') token = token.substr(1, token.size() - 2);
    pointer += "/" + json::pointer_token(token);
  }
  return pointer;
}

bool is_strict_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() < b.size() && std::equal(a.begin(), a.end(), b.begin());
}

fs::path resolve_path(const fs::path& base, const std::string& value) {
  fs::path p(value);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

std::vector<std::string> string_list(const boost::json::value* v) {
  std::vector<std::string> out;
  if (v != nullptr && v->is_array())
    for (const auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

ScheduleConfig read_schedule(const boost::json::value* v, ScheduleConfig base) {
  if (v == nullptr) return base;
  if (auto b = json::get_bool(*v, "enabled")) base.enabled = *b;
  if (auto t = json::get_string(*v, "time")) base.time = *t;
  if (auto z = json::get_string(*v, "timezone")) base.timezone = *z;
  if (auto j = json::get_int(*v, "jitter_minutes")) base.jitter_minutes = static_cast<int>(*j);
  return base;
}

// The schema has checked types and ranges; what is not given keeps its default.
Policies read_policies(const boost::json::value& p) {
  Policies policies;
  policies.decreases = json::get_string(p, "decreases").value_or(policies.decreases);
  policies.effective_date = json::get_string(p, "effective_date").value_or(policies.effective_date);
  policies.dry_run = json::get_bool(p, "dry_run").value_or(false);
  if (const auto* r = json::get(p, "max_change_ratio"); r != nullptr && r->is_number())
    policies.max_change_ratio = r->to_number<double>();
  policies.hold_drops_to_zero = json::get_bool(p, "hold_drops_to_zero").value_or(true);
  if (const auto* r = json::get(p, "max_decrease_share"); r != nullptr && r->is_number())
    policies.max_decrease_share = r->to_number<double>();
  if (const auto* n = json::get(p, "mass_decrease_min_lines"); n != nullptr && n->is_int64())
    policies.mass_decrease_min_lines = n->as_int64();
  if (const auto* g = json::get(p, "unconfirmed_write_grace_seconds");
      g != nullptr && g->is_int64())
    policies.unconfirmed_write_grace_seconds = g->as_int64();
  return policies;
}

NotificationsConfig read_notifications(const boost::json::value* v, NotificationsConfig base) {
  if (v == nullptr) return base;
  if (const auto* w = json::get(*v, "webhook")) {
    WebhookConfig hook;
    hook.url = json::get_string(*w, "url").value_or("");
    hook.secret = json::get_string(*w, "secret").value_or("");
    hook.on = string_list(json::get(*w, "on"));
    base.webhook = hook;
  }
  if (const auto* e = json::get(*v, "email")) {
    EmailConfig mail;
    mail.smtp_url = json::get_string(*e, "smtp_url").value_or("");
    mail.username = json::get_string(*e, "username").value_or("");
    mail.password = json::get_string(*e, "password").value_or("");
    mail.from = json::get_string(*e, "from").value_or("");
    mail.to = string_list(json::get(*e, "to"));
    mail.on = string_list(json::get(*e, "on"));
    mail.require_tls = json::get_string(*e, "tls").value_or("required") != "none";
    base.email = mail;
  }
  return base;
}

// The schema has checked types and ranges.
ApiLimits read_api_limits(const boost::json::value* v) {
  ApiLimits limits;
  if (v == nullptr) return limits;
  auto read = [&](const char* key, auto& field) {
    if (auto n = json::get_int(*v, key))
      field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
  };
  read("max_connections", limits.max_connections);
  read("header_timeout_seconds", limits.header_timeout_seconds);
  read("body_timeout_seconds", limits.body_timeout_seconds);
  read("max_body_bytes", limits.max_body_bytes);
  read("max_usage_body_bytes", limits.max_usage_body_bytes);
  return limits;
}

bool timezone_known(const std::string& tz) {
  if (tz == "UTC" || tz == "Etc/UTC") return true;
  if (tz.find("..") != std::string::npos || tz.empty() || tz.front() == '/') return false;
  std::error_code ec;
  return fs::is_regular_file(fs::path("/usr/share/zoneinfo") / tz, ec);
}

// Splits "/a/b~1c" into {"a", "b/c"}.
std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos <= pointer.size()) {
    size_t next = pointer.find('/', pos);
    std::string token = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    for (size_t i; (i = token.find("~1")) != std::string::npos;) token.replace(i, 2, "/");
    for (size_t i; (i = token.find("~0")) != std::string::npos;) token.replace(i, 2, "~");
    out.push_back(std::move(token));
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return out;
}

// Sets `pointer` inside `doc` (objects only) to `value`, creating objects on the way.
void set_pointer(boost::json::value& doc, const std::string& pointer,
                 const boost::json::value& value) {
  boost::json::value* cur = &doc;
  std::vector<std::string> tokens = pointer_tokens(pointer);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!cur->is_object()) *cur = boost::json::object();
    boost::json::object& obj = cur->get_object();
    if (i + 1 == tokens.size()) {
      obj[tokens[i]] = value;
      return;
    }
    cur = &obj[tokens[i]];
  }
}

}  // namespace

std::string_view config_schema_text() { return kSchemaText; }

const ConnectorConfig* Config::find_connector(std::string_view id) const {
  for (const auto& c : connectors)
    if (c.id == id) return &c;
  return nullptr;
}

namespace {

struct SchemaError {
  std::string pointer;  // with the prefix; "" for the document itself
  std::string description;
};

std::vector<SchemaError> schema_errors(const boost::json::value& schema_doc,
                                       const boost::json::value& document,
                                       std::string_view pointer_prefix) {
  valijson::Schema schema;
  try {
    valijson::SchemaParser parser;
    valijson::adapters::BoostJsonAdapter schema_adapter(schema_doc);
    parser.populateSchema(schema_adapter, schema);
  } catch (const std::exception& e) {
    return {
        {std::string(pointer_prefix), std::string("the schema itself is invalid: ") + e.what()}};
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::BoostJsonAdapter doc_adapter(document);
  if (validator.validate(schema, doc_adapter, &results)) return {};

  std::vector<valijson::ValidationResults::Error> errors(results.begin(), results.end());
  // valijson also reports a summary at every level on the way down ("Failed to validate item
  // #0 in array."); drop those when a deeper error says what is actually wrong.
  std::vector<SchemaError> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& e : errors) {
    bool summary = e.description.rfind("Failed to validate", 0) == 0;
    bool has_deeper = std::any_of(errors.begin(), errors.end(),
                                  [&](const auto& other) { return is_strict_prefix(e.context, other.context); });
    if (summary && has_deeper) continue;
    std::string pointer = std::string(pointer_prefix) + context_to_pointer(e.context);
    if (seen.emplace(pointer, e.description).second) out.push_back({pointer, e.description});
  }
  return out;
}

std::string error_line(const SchemaError& e) {
  return (e.pointer.empty() ? "/" : e.pointer) + ": " + e.description;
}

// "Missing required property 'token'." at "/connectors/0/config" -> "/connectors/0/config/token".
std::optional<std::string> missing_property_pointer(const SchemaError& e) {
  constexpr std::string_view kPrefix = "Missing required property '";
  constexpr std::string_view kSuffix = "'.";
  std::string_view d = e.description;
  if (!d.starts_with(kPrefix) || !d.ends_with(kSuffix)) return std::nullopt;
  d = d.substr(kPrefix.size(), d.size() - kPrefix.size() - kSuffix.size());
  return e.pointer + "/" + json::pointer_token(d);
}

std::string_view reference_scheme(std::string_view inner) {
  return inner.substr(0, inner.find(':'));
}

// References are resolved in a connector's plugin config and in the host's own secrets, nowhere
// else: a "${...}" in, say, state.path would otherwise be a literal folder name.
bool reference_allowed_at(const std::string& pointer) {
  std::vector<std::string> t = pointer_tokens(pointer);
  if (t.size() >= 3 && t[0] == "connectors") {
    if (t[2] == "config") return true;
    t.erase(t.begin(), t.begin() + 2);  // a connector's own notifications
  }
  if (t == std::vector<std::string>{"api", "token"}) return true;
  if (t.size() == 4 && t[0] == "api" && t[1] == "partner_tokens" && t[3] == "token") return true;
  if (t.size() == 3 && t[0] == "state" && t[1] == "postgresql" &&
      (t[2] == "url" || t[2] == "password"))
    return true;
  return t.size() == 3 && t[0] == "notifications" &&
         ((t[1] == "webhook" && t[2] == "secret") || (t[1] == "email" && t[2] == "password"));
}

// Resolves every reference in `v` in place (in a plugin config any string may be one); collects
// "<origin><pointer>: <reason>" for each that fails.
void resolve_references_in(boost::json::value& v, const fs::path& base, const std::string& pointer,
                           const std::string& origin, std::vector<std::string>& errors) {
  if (auto* s = v.if_string()) {
    if (!is_secret_reference(*s)) return;
    auto r = resolve_reference(*s, base);
    if (r)
      *s = *r;
    else
      errors.push_back(origin + pointer + ": " + r.status().message());
  } else if (auto* o = v.if_object()) {
    for (auto& [key, sub] : *o)
      resolve_references_in(sub, base, pointer + "/" + json::pointer_token(key), origin, errors);
  } else if (auto* a = v.if_array()) {
    for (size_t i = 0; i < a->size(); ++i)
      resolve_references_in((*a)[i], base, pointer + "/" + std::to_string(i), origin, errors);
  }
}

// Checks every reference in the whole config file once: each must stand where references are
// resolved and must resolve. Values are discarded; they are read again when used.
void check_references(const boost::json::value& v, const fs::path& base, const std::string& pointer,
                      const std::string& origin, std::vector<std::string>& errors) {
  if (const auto* s = v.if_string()) {
    if (!is_secret_reference(*s)) return;
    if (!reference_allowed_at(pointer)) {
      errors.push_back(origin + ": " + pointer + ": " + std::string(*s) +
                       ": references are resolved only in connectors[].config, api.token, "
                       "api.partner_tokens[].token, notifications.webhook.secret, "
                       "notifications.email.password and state.postgresql.url/password");
      return;
    }
    auto r = resolve_reference(*s, base);
    if (!r) errors.push_back(origin + ": " + pointer + ": " + r.status().message());
  } else if (const auto* o = v.if_object()) {
    for (const auto& [key, sub] : *o)
      check_references(sub, base, pointer + "/" + json::pointer_token(key), origin, errors);
  } else if (const auto* a = v.if_array()) {
    for (size_t i = 0; i < a->size(); ++i)
      check_references((*a)[i], base, pointer + "/" + std::to_string(i), origin, errors);
  }
}

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// The PostgreSQL database `state` names, if any. Values are checked, never echoed: a URL may
// hold a password. A reference is checked when it resolves (the URL it yields is checked when the
// store opens, see resolve_postgres_state).
Result<std::optional<PostgresStateConfig>> read_postgres_state(const boost::json::value& state,
                                                               const std::string& origin) {
  const char* kNotAUrl =
      "must be a PostgreSQL URL (postgresql://user@host:port/database); for a "
      "SQLite file write {\"path\": \"...\"}";
  if (const auto* text = state.if_string()) {
    if (!is_postgres_url(*text))
      return Status::ConfigInvalid(origin + ": /state: a state string " + kNotAUrl);
    return std::optional<PostgresStateConfig>(PostgresStateConfig{std::string(*text), ""});
  }
  const auto* postgres = json::get(state, "postgresql");
  if (postgres == nullptr) return std::optional<PostgresStateConfig>();
  if (json::get(state, "path") != nullptr)
    return Status::ConfigInvalid(origin +
                                 ": /state: name either a SQLite file (path) or a PostgreSQL "
                                 "database (postgresql), not both");
  PostgresStateConfig out;
  out.url = json::get_string(*postgres, "url").value_or("");
  out.password = json::get_string(*postgres, "password").value_or("");
  if (!is_secret_reference(out.url) && !is_postgres_url(out.url))
    return Status::ConfigInvalid(origin + ": /state/postgresql/url: " + kNotAUrl);
  return std::optional<PostgresStateConfig>(std::move(out));
}

void register_secret_fields(const boost::json::value& doc,
                            const std::vector<std::string>& secret_fields) {
  for (const auto& pointer : secret_fields) {
    boost::system::error_code ec;
    const boost::json::value* v = doc.find_pointer(pointer, ec);
    if (v != nullptr && v->is_string()) SecretRegistry::global().add(v->get_string());
  }
}

}  // namespace

std::vector<std::string> validate_against_schema(const boost::json::value& schema_doc,
                                                 const boost::json::value& document,
                                                 std::string_view pointer_prefix) {
  std::vector<std::string> out;
  for (const auto& e : schema_errors(schema_doc, document, pointer_prefix))
    out.push_back(error_line(e));
  return out;
}

Status apply_connector_settings(const boost::json::value& settings,
                                const ScheduleConfig& global_schedule, ConnectorConfig& connector) {
  // The config file's own rules for a connector's "policies" and "schedule", nothing else.
  static const boost::json::value schema = [] {
    boost::json::value full = json::parse(kSchemaText).value();
    boost::json::object definitions = full.at("definitions").get_object();
    return boost::json::value(boost::json::object{
        {"type", "object"},
        {"additionalProperties", false},
        {"properties", boost::json::object{{"policies", {{"$ref", "#/definitions/policies"}}},
                                           {"schedule", {{"$ref", "#/definitions/schedule"}}},
                                           {"alerts", {{"type", "object"}}}}},
        {"definitions", std::move(definitions)}});
  }();
  std::vector<std::string> errors;
  for (const auto& e : schema_errors(schema, settings, ""))
    errors.push_back((e.pointer.empty() ? std::string("settings") : e.pointer.substr(1)) + ": " +
                     e.description);
  std::optional<AlertPolicy> alerts;
  if (errors.empty()) {
    ScheduleConfig schedule = read_schedule(json::get(settings, "schedule"), global_schedule);
    if (!timezone_known(schedule.timezone))
      errors.push_back("schedule/timezone: unknown IANA time zone '" + schedule.timezone + "'");
    // The alerts policy is read by the same reader as the file's connectors[].alerts.
    if (const auto* a = json::get(settings, "alerts")) {
      auto policy = parse_alert_policy(*a, "alerts");
      if (policy) {
        alerts = std::move(*policy);
      } else {
        // Its first line is the heading "alerts policy invalid:"; each line after names a field.
        std::istringstream lines(policy.status().message());
        std::string line;
        std::getline(lines, line);
        while (std::getline(lines, line)) errors.push_back(line);
      }
    }
  }
  if (!errors.empty()) return Status::ConfigInvalid(join_lines(errors));
  const auto* policies = json::get(settings, "policies");
  connector.policies = policies != nullptr ? read_policies(*policies) : Policies{};
  connector.schedule = read_schedule(json::get(settings, "schedule"), global_schedule);
  connector.alerts = std::move(alerts);
  return Status::Ok();
}

boost::json::object connector_settings_json(const ConnectorConfig& connector) {
  const Policies& p = connector.policies;
  boost::json::object policies{
      {"decreases", p.decreases},
      {"effective_date", p.effective_date},
      {"dry_run", p.dry_run},
      {"hold_drops_to_zero", p.hold_drops_to_zero},
      {"max_decrease_share", p.max_decrease_share},
      {"mass_decrease_min_lines", p.mass_decrease_min_lines},
      {"unconfirmed_write_grace_seconds", p.unconfirmed_write_grace_seconds}};
  if (p.max_change_ratio) policies["max_change_ratio"] = *p.max_change_ratio;
  const ScheduleConfig& s = connector.schedule;
  return boost::json::object{
      {"policies", std::move(policies)},
      {"schedule", boost::json::object{{"enabled", s.enabled},
                                       {"time", s.time},
                                       {"timezone", s.timezone},
                                       {"jitter_minutes", s.jitter_minutes}}},
      {"alerts", connector.alerts ? boost::json::value(alert_policy_to_json(*connector.alerts))
                                  : boost::json::value(nullptr)}};
}

std::string alerts_capability_problem(const ConnectorConfig& connector,
                                      const PluginManifest& manifest) {
  if (!connector.alerts || !connector.alerts->enabled || manifest.has_capability("tickets"))
    return "";
  return "plugin '" + connector.plugin +
         "' does not offer the tickets capability, so this connector's alerts cannot become "
         "tickets (leave \"alerts\" out, or set \"enabled\": false)";
}

fs::path config_dir(const Config& config) {
  return config.file.has_parent_path() ? config.file.parent_path() : fs::path(".");
}

Result<Config> load_config(const fs::path& file, const fs::path& default_plugin_dir) {
  std::string origin = file.string();
  auto text = read_regular_file(file, kMaxConfigFileBytes);
  if (!text) return Status::ConfigInvalid(origin + ": config file " + text.status().message());
  auto parsed = json::parse_lenient(*text);
  if (!parsed) return Status::ConfigInvalid(origin + ": " + parsed.status().message());
  const boost::json::value& doc = *parsed;

  static const boost::json::value schema = json::parse(kSchemaText).value();
  std::vector<std::string> errors;
  for (const auto& e : validate_against_schema(schema, doc, "")) errors.push_back(origin + ": " + e);
  Config config;
  config.file = file;
  fs::path base = config_dir(config);
  check_references(doc, base, "", origin, errors);
  if (!errors.empty()) return Status::ConfigInvalid(join_lines(errors));

  const auto* state = json::get(doc, "state");
  if (state != nullptr) {
    auto postgres = read_postgres_state(*state, origin);
    if (!postgres) return postgres.status();
    config.state_postgres = std::move(*postgres);
  }
  const boost::json::value* state_object = state != nullptr && state->is_object() ? state : nullptr;
  std::string state_path = state_object
                               ? json::get_string(*state_object, "path").value_or("meterbridge.db")
                               : "meterbridge.db";
  config.state_path =
      state_path == ":memory:" ? fs::path(state_path) : resolve_path(base, state_path);
  auto key_file = state_object ? json::get_string(*state_object, "key_file") : std::nullopt;
  // With PostgreSQL there is no database file to sit beside: the key sits beside the config.
  config.key_file = key_file ? resolve_path(base, *key_file)
                             : (config.state_path == ":memory:" || config.state_postgres
                                    ? base / "secret.key"
                                    : config.state_path.parent_path() / "secret.key");
  const auto* plugins = json::get(doc, "plugins");
  auto plugin_dir = plugins ? json::get_string(*plugins, "dir") : std::nullopt;
  config.plugin_dir = plugin_dir ? resolve_path(base, *plugin_dir) : default_plugin_dir;
  if (plugins != nullptr)
    if (const auto* pins = json::get(*plugins, "pins"))
      for (const auto& [id, digest] : pins->get_object())
        config.plugin_pins[std::string(id)] = std::string(digest.get_string());
  if (const auto* usage = json::get(doc, "usage")) {
    config.ended_workspaces = json::get_string(*usage, "ended_workspaces").value_or("zero");
    if (auto mib = json::get_int(*usage, "max_file_mib"))
      config.max_usage_bytes = static_cast<size_t>(*mib) << 20;
  }
  config.schedule = read_schedule(json::get(doc, "schedule"), {});
  config.notifications = read_notifications(json::get(doc, "notifications"), {});
  if (const auto* api = json::get(doc, "api")) {
    config.api_listen = json::get_string(*api, "listen").value_or(config.api_listen);
    config.api_token = json::get_string(*api, "token").value_or("");
    config.api_limits = read_api_limits(json::get(*api, "limits"));
    if (const auto* metrics = json::get(*api, "metrics"))
      config.api_metrics_public = json::get_bool(*metrics, "public").value_or(false);
    if (auto listen = parse_listen_address(config.api_listen, PortZero::kRefused); !listen)
      errors.push_back(origin + ": /api/listen: " + listen.status().message());
    if (const auto* tokens = json::get(*api, "partner_tokens"))
      for (const auto& t : tokens->get_array())
        config.api_partner_tokens.push_back({json::get_string(t, "partner_id").value_or(""),
                                             json::get_string(t, "token").value_or("")});
    if (const auto* tls = json::get(*api, "tls")) {
      config.api_tls_cert_file =
          resolve_path(base, json::get_string(*tls, "cert_file").value_or(""));
      config.api_tls_key_file = resolve_path(base, json::get_string(*tls, "key_file").value_or(""));
    }
    if (const auto* sessions = json::get(*api, "sessions")) {
      config.api_sessions.idle_minutes = static_cast<int>(
          json::get_int(*sessions, "idle_minutes").value_or(config.api_sessions.idle_minutes));
      config.api_sessions.absolute_hours = static_cast<int>(
          json::get_int(*sessions, "absolute_hours").value_or(config.api_sessions.absolute_hours));
    }
  }
  if (const auto* serve = json::get(doc, "serve"))
    if (auto grace = json::get_int(*serve, "shutdown_grace_seconds"))
      config.shutdown_grace_seconds = static_cast<int>(*grace);
  if (const auto* workers = json::get(doc, "workers")) {
    WorkersConfig& w = config.workers;
    w.concurrency =
        static_cast<int>(json::get_int(*workers, "concurrency").value_or(w.concurrency));
    w.claim_ttl_seconds = static_cast<int>(
        json::get_int(*workers, "claim_ttl_seconds").value_or(w.claim_ttl_seconds));
    w.poll_seconds =
        static_cast<int>(json::get_int(*workers, "poll_seconds").value_or(w.poll_seconds));
    w.job_retention_days = static_cast<int>(
        json::get_int(*workers, "job_retention_days").value_or(w.job_retention_days));
    if (w.poll_seconds >= w.claim_ttl_seconds)
      errors.push_back(origin +
                       ": /workers/poll_seconds: must be below workers.claim_ttl_seconds, or a "
                       "node's claims would expire between two renewals");
  }
  if (config.plugin_dir.empty()) errors.push_back(origin + ": /plugins/dir: no plugin folder configured");
  if (!timezone_known(config.schedule.timezone))
    errors.push_back(origin + ": /schedule/timezone: unknown IANA time zone '" + config.schedule.timezone + "'");

  std::set<std::string> ids;
  const auto& list = doc.get_object().at("connectors").get_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    ConnectorConfig c;
    c.pointer = "/connectors/" + std::to_string(i);
    c.id = std::string(item.at("id").get_string());
    c.plugin = std::string(item.at("plugin").get_string());
    c.partner = json::get_string(item, "partner").value_or("");
    c.partner_id = json::get_string(item, "partner_id").value_or("");
    c.enabled = json::get_bool(item, "enabled").value_or(true);
    c.isolated = json::get_string(item, "isolation").value_or("none") == "process";
    if (const auto* limits = json::get(item, "isolation_limits")) {
      std::string where = c.pointer + "/isolation_limits";
      plugin_internal::ProcessSpec scratch;  // validated now so `config check` names a bad key
      Status valid = apply_process_limits(*limits, where, true, scratch);
      if (!valid.ok()) errors.push_back(origin + ": " + valid.message());
      if (!c.isolated)
        errors.push_back(origin + ": " + where + ": applies only with \"isolation\": \"process\"");
      c.isolation_limits = *limits;
    }
    c.plugin_config = item.at("config");
    if (const auto* p = json::get(item, "policies")) c.policies = read_policies(*p);
    if (const auto* h = json::get(item, "http")) {
      c.http = h->get_object();
      http::HttpPolicy scratch;  // validated now so `config check` names a bad key
      Status valid = http::apply_http_policy_json(*h, &scratch);
      if (!valid.ok()) errors.push_back(origin + ": " + c.pointer + "/http: " + valid.message());
    }
    if (const auto* m = json::get(item, "mappings")) {
      if (const auto* a = json::get(*m, "accounts"))
        for (const auto& [ws, account] : a->get_object())
          c.declared_accounts[std::string(ws)] = std::string(account.get_string());
      if (const auto* sv = json::get(*m, "services"))
        for (const auto& [svc, spec] : sv->get_object())
          c.declared_services[std::string(svc)] = {json::get_string(spec, "psa_service_id").value_or(""),
                                                   json::get_string(spec, "metric").value_or("users")};
    }
    if (const auto* a = json::get(item, "alerts")) {
      auto policy = parse_alert_policy(*a, c.pointer + "/alerts");
      if (policy) {
        c.alerts = std::move(*policy);
      } else {
        std::istringstream lines(policy.status().message());
        for (std::string line; std::getline(lines, line);) errors.push_back(origin + ": " + line);
      }
    }
    c.schedule = read_schedule(json::get(item, "schedule"), config.schedule);
    c.notifications = read_notifications(json::get(item, "notifications"), config.notifications);
    if (!ids.insert(c.id).second)
      errors.push_back(origin + ": " + c.pointer + "/id: duplicate connector id '" + c.id + "'");
    if (!timezone_known(c.schedule.timezone))
      errors.push_back(origin + ": " + c.pointer + "/schedule/timezone: unknown IANA time zone '" +
                       c.schedule.timezone + "'");
    config.connectors.push_back(std::move(c));
  }
  if (!errors.empty()) return Status::ConfigInvalid(join_lines(errors));
  return config;
}

bool is_secret_reference(std::string_view value) {
  return value.size() >= 3 && value.starts_with("${") && value.back() == '}';
}

Result<std::string> resolve_reference(std::string_view value, const fs::path& base_dir) {
  if (!is_secret_reference(value)) return std::string(value);
  std::string reference(value);
  std::string_view inner = value.substr(2, value.size() - 3);
  std::string_view scheme = reference_scheme(inner);
  std::string_view argument =
      scheme.size() < inner.size() ? inner.substr(scheme.size() + 1) : std::string_view();
  if (scheme == "env") {
    if (argument.empty())
      return Status::ConfigInvalid(reference + ": the variable name is missing");
    std::string name(argument);
    const char* env = std::getenv(name.c_str());
    if (env == nullptr)
      return Status::ConfigInvalid(reference + ": environment variable " + name + " is not set");
    return std::string(env);
  }
  if (scheme == "file") {
    if (argument.empty()) return Status::ConfigInvalid(reference + ": the file name is missing");
    fs::path p = resolve_path(base_dir, std::string(argument));
    auto text = read_regular_file(p, kMaxReferencedFileBytes);
    if (!text)
      return Status::ConfigInvalid(reference + ": " + p.string() + " " + text.status().message());
    std::string resolved = std::move(*text);
    while (!resolved.empty() && (resolved.back() == '\n' || resolved.back() == '\r'))
      resolved.pop_back();
    return resolved;
  }
  return Status::ConfigInvalid(reference + ": unknown reference scheme '" + std::string(scheme) +
                               "' (use ${env:NAME} or ${file:PATH})");
}

Result<std::string> resolve_secret_reference(std::string_view value, const fs::path& base_dir) {
  auto resolved = resolve_reference(value, base_dir);
  if (resolved) SecretRegistry::global().add(*resolved);
  return resolved;
}

namespace {

// The password part of a URL's user information (postgresql://user:PASSWORD@host) or of a
// password=... parameter; empty when there is none.
std::vector<std::string> passwords_in_url(std::string_view url) {
  std::vector<std::string> out;
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view rest = url.substr(scheme + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      std::string_view user_info = authority.substr(0, at);
      if (size_t colon = user_info.find(':'); colon != std::string_view::npos)
        out.emplace_back(user_info.substr(colon + 1));
    }
  }
  for (size_t at = url.find("password="); at != std::string_view::npos;
       at = url.find("password=", at + 1)) {
    std::string_view value = url.substr(at + 9);
    out.emplace_back(value.substr(0, value.find('&')));
  }
  return out;
}

}  // namespace

Result<ResolvedPostgresState> resolve_postgres_state(const Config& config) {
  if (!config.state_postgres) return Status::Fatal("the config names no PostgreSQL state database");
  std::string origin = config.file.string();
  ResolvedPostgresState out;
  auto url = resolve_secret_reference(config.state_postgres->url, config_dir(config));
  if (!url)
    return Status::ConfigInvalid(origin + ": /state/postgresql/url: " + url.status().message());
  for (const auto& password : passwords_in_url(*url)) SecretRegistry::global().add(password);
  if (!is_postgres_url(*url))
    return Status::ConfigInvalid(origin +
                                 ": /state/postgresql/url: the reference does not yield a "
                                 "PostgreSQL URL (postgresql://user@host:port/database)");
  out.url = std::move(*url);
  if (!config.state_postgres->password.empty()) {
    auto password = resolve_secret_reference(config.state_postgres->password, config_dir(config));
    if (!password)
      return Status::ConfigInvalid(origin +
                                   ": /state/postgresql/password: " + password.status().message());
    out.password = std::move(*password);
  }
  return out;
}

namespace {

// Overlays stored credentials (an object of secret fields by JSON Pointer or by top-level key).
// They are literals: a stored "${file:...}" is sent as those characters, never read.
Status overlay_credentials(boost::json::value& plugin_config, const std::string& stored) {
  auto creds = json::parse(stored);
  if (!creds || !creds->is_object()) return Status::Fatal("stored credentials are not a JSON object");
  for (const auto& [key, value] : creds->get_object()) {
    std::string pointer = key.starts_with("/") ? std::string(key) : "/" + json::pointer_token(key);
    set_pointer(plugin_config, pointer, value);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> effective_plugin_config(const Config& config, const ConnectorConfig& connector,
                                            const PluginManifest& manifest,
                                            const std::optional<std::string>& stored_credentials) {
  std::string origin = config.file.string() + ": " + connector.pointer + "/config";
  boost::json::value effective = connector.plugin_config;
  std::vector<std::string> errors;
  resolve_references_in(effective, config_dir(config), "", origin, errors);
  if (!errors.empty()) return Status::ConfigInvalid(join_lines(errors));
  if (stored_credentials) MB_RETURN_IF_ERROR(overlay_credentials(effective, *stored_credentials));
  register_secret_fields(effective, manifest.secret_fields);
  for (const auto& e :
       validate_against_schema(manifest.config_schema, effective, connector.pointer + "/config"))
    errors.push_back(config.file.string() + ": " + e);
  if (!errors.empty()) return Status::ConfigInvalid(redact(join_lines(errors)));
  return json::serialize(effective);
}

namespace {

// One connector's plugin config against its plugin's schema, references resolved. Secret fields
// the store holds are stood in for; a required secret found nowhere is a warning.
void check_connector_config(const Config& config, const ConnectorConfig& c,
                            const PluginManifest& manifest, bool has_stored_credentials,
                            std::vector<std::string>& errors, std::vector<std::string>& warnings) {
  std::string origin = config.file.string() + ": ";
  std::string prefix = c.pointer + "/config";
  boost::json::value probe = c.plugin_config;
  size_t errors_before = errors.size();
  resolve_references_in(probe, config_dir(config), prefix, origin, errors);
  if (errors.size() > errors_before)
    return;  // each broken reference is named; the schema would repeat them
  register_secret_fields(probe, manifest.secret_fields);
  std::set<std::string> stand_ins;
  for (const auto& secret : manifest.secret_fields) {
    boost::system::error_code ec;
    const boost::json::value* v = c.plugin_config.find_pointer(secret, ec);
    if (v == nullptr && has_stored_credentials) {
      set_pointer(probe, secret, boost::json::string("(stored credential)"));
      stand_ins.insert(prefix + secret);
    } else if (v != nullptr && v->is_string() && !is_secret_reference(v->get_string())) {
      warnings.push_back(origin + prefix + secret +
                         ": secret written literally; prefer ${env:NAME} or ${file:PATH}");
    }
  }
  const auto& secrets = manifest.secret_fields;
  for (const auto& e : schema_errors(manifest.config_schema, probe, prefix)) {
    if (stand_ins.count(e.pointer) > 0) continue;  // the stand-in's own shape says nothing
    auto missing = missing_property_pointer(e);
    if (missing && std::find(secrets.begin(), secrets.end(), missing->substr(prefix.size())) !=
                       secrets.end()) {
      warnings.push_back(origin + *missing +
                         ": secret not in the config and no credentials stored; store it with "
                         "`meterbridge connectors connect " +
                         c.id + "`");
      continue;
    }
    errors.push_back(origin + error_line(e));
  }
}

}  // namespace

Status check_connectors(const Config& config, const PluginRegistry& plugins,
                        const std::map<std::string, bool>& has_stored_credentials,
                        std::vector<std::string>* warnings) {
  std::vector<std::string> errors;
  std::vector<std::string> notes;
  for (const auto& c : config.connectors) {
    std::string origin = config.file.string() + ": " + c.pointer;
    const PluginRecord* record = plugins.record(c.plugin);
    if (record == nullptr) {
      errors.push_back(origin + "/plugin: no plugin '" + c.plugin + "' in " + config.plugin_dir.string());
      continue;
    }
    if (record->state != PluginState::kLoaded || !record->plugin) {
      std::string refusal = origin + "/plugin: plugin '" + c.plugin + "' is " +
                            std::string(plugin_state_name(record->state)) + ": " + record->reason;
      // Isolation keeps a plugin's failures to its own connector, a failure to load included:
      // that connector's calls fail naming the refusal; the others run.
      if (c.isolated)
        notes.push_back(refusal + " (connector '" + c.id +
                        "' is isolated: it cannot run; the others do)");
      else
        errors.push_back(refusal);
      continue;
    }
    auto stored = has_stored_credentials.find(c.id);
    bool has_stored = stored != has_stored_credentials.end() && stored->second;
    check_connector_config(config, c, record->plugin->manifest(), has_stored, errors, notes);
    if (std::string problem = alerts_capability_problem(c, record->plugin->manifest());
        !problem.empty())
      errors.push_back(origin + "/alerts: " + problem);
  }
  if (warnings != nullptr)
    for (auto& n : notes) warnings->push_back(redact(n));
  if (!errors.empty()) return Status::ConfigInvalid(redact(join_lines(errors)));
  return Status::Ok();
}

}  // namespace mb
