#include "host/server/console_connectors.h"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <regex>
#include <set>

#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/config/config.h"
#include "host/plugin/loader.h"
#include "host/plugin/manifest.h"

namespace mb::server {
namespace {

namespace bj = boost::json;

constexpr size_t kMaxNameLength = 200;

// The fields of a new connector, as the request gives them.
struct NewConnector {
  std::string id;
  std::string plugin;
  std::string partner;
  std::string partner_id;
  bj::object config;
};

Result<std::string> text_field(const bj::object& body, std::string_view field, bool required) {
  const bj::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (required) return Status::ConfigInvalid(std::string(field) + ": required");
    return std::string();
  }
  if (!v->is_string()) return Status::ConfigInvalid(std::string(field) + ": must be a string");
  std::string text(v->get_string());
  if (text.size() > kMaxNameLength)
    return Status::ConfigInvalid(std::string(field) + ": at most " +
                                 std::to_string(kMaxNameLength) + " characters");
  return text;
}

Result<NewConnector> parse_new_connector(const std::string& body_text) {
  auto doc = json::parse(body_text);
  if (!doc) return Status::ConfigInvalid("request body: " + doc.status().message());
  if (!doc->is_object()) return Status::ConfigInvalid("request body must be a JSON object");
  const bj::object& body = doc->get_object();
  static const std::set<std::string, std::less<>> kFields = {"id", "plugin", "partner",
                                                             "partner_id", "config"};
  for (const auto& [key, value] : body)
    if (!kFields.contains(key))
      return Status::ConfigInvalid(std::string(key) + ": not a field of a connector");
  NewConnector c;
  auto id = text_field(body, "id", true);
  if (!id) return id.status();
  static const std::regex kIdPattern("^[a-z0-9][a-z0-9_-]{0,63}$");
  if (!std::regex_match(*id, kIdPattern))
    return Status::ConfigInvalid(
        "id: 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit");
  c.id = *id;
  auto plugin = text_field(body, "plugin", true);
  if (!plugin) return plugin.status();
  c.plugin = *plugin;
  auto partner = text_field(body, "partner", false);
  if (!partner) return partner.status();
  c.partner = *partner;
  auto partner_id = text_field(body, "partner_id", false);
  if (!partner_id) return partner_id.status();
  c.partner_id = *partner_id;
  const bj::value* config = body.if_contains("config");
  if (config == nullptr || !config->is_object())
    return Status::ConfigInvalid("config: must be a JSON object of the plugin's settings");
  c.config = config->get_object();
  return c;
}

// A reference would let whoever adds a connector read the server's environment or files.
Status refuse_references(const bj::value& v, const std::string& pointer) {
  if (v.is_string() && is_secret_reference(v.get_string()))
    return Status::ConfigInvalid(pointer +
                                 ": references (${...}) are for the config file; type the value");
  if (v.is_object())
    for (const auto& [key, inner] : v.get_object())
      MB_RETURN_IF_ERROR(refuse_references(inner, pointer + "/" + json::pointer_token(key)));
  if (v.is_array())
    for (size_t i = 0; i < v.get_array().size(); ++i)
      MB_RETURN_IF_ERROR(refuse_references(v.get_array()[i], pointer + "/" + std::to_string(i)));
  return Status::Ok();
}

// The token after the last '/' of a JSON Pointer, unescaped (RFC 6901).
std::string last_token(const std::string& pointer) {
  std::string token = pointer.substr(pointer.rfind('/') + 1);
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// Moves the secret fields out of `config` into a credentials document keyed by JSON Pointer,
// the form stored credentials take.
bj::object take_secrets(bj::value& config, const std::vector<std::string>& secret_fields) {
  bj::object credentials;
  for (const auto& pointer : secret_fields) {
    boost::system::error_code ec;
    bj::value* v = config.find_pointer(pointer, ec);
    if (v == nullptr || !v->is_string()) continue;
    credentials[pointer] = *v;
    std::string parent = pointer.substr(0, pointer.rfind('/'));
    bj::value* holder = parent.empty() ? &config : config.find_pointer(parent, ec);
    if (holder != nullptr && holder->is_object()) holder->get_object().erase(last_token(pointer));
  }
  return credentials;
}

Status check_partner(const Principal& principal, NewConnector& c) {
  if (principal.vendor_wide()) return Status::Ok();
  if (!c.partner_id.empty() && c.partner_id != principal.partner_id)
    return Status::ConfigInvalid("partner_id: you add connectors for your own partner ('" +
                                 principal.partner_id + "') only");
  c.partner_id = principal.partner_id;
  return Status::Ok();
}

}  // namespace

Result<bj::value> connector_plugin_forms(app::App& app) {
  auto plugins = app.plugins();
  if (!plugins) return plugins.status();
  bj::array forms;
  for (const auto& record : (*plugins)->records()) {
    if (record.state != PluginState::kLoaded) continue;
    const PluginManifest& m = record.plugin->manifest();
    bj::array secrets;
    for (const auto& pointer : m.secret_fields) secrets.emplace_back(pointer);
    forms.push_back(bj::object{{"id", m.id},
                               {"name", m.name},
                               {"version", m.version},
                               {"config_schema", m.config_schema},
                               {"secret_fields", std::move(secrets)}});
  }
  return bj::value(bj::object{{"plugins", std::move(forms)}});
}

Result<ConsoleConnectorAdded> add_console_connector(app::App& app, const Principal& principal,
                                                    const std::string& body) {
  auto parsed = parse_new_connector(body);
  if (!parsed) return parsed.status();
  NewConnector& c = *parsed;
  MB_RETURN_IF_ERROR(check_partner(principal, c));
  auto plugins = app.plugins();
  if (!plugins) return plugins.status();
  const PluginRecord* record = (*plugins)->record(c.plugin);
  if (record == nullptr || record->state != PluginState::kLoaded)
    return Status::ConfigInvalid("plugin: no plugin '" + c.plugin + "' is loaded");
  const PluginManifest& manifest = record->plugin->manifest();
  bj::value config = c.config;
  // Masked from here on, in the validation's messages too.
  for (const auto& pointer : manifest.secret_fields) {
    boost::system::error_code ec;
    const bj::value* secret = config.find_pointer(pointer, ec);
    if (secret != nullptr && secret->is_string())
      SecretRegistry::global().add(secret->get_string());
  }
  MB_RETURN_IF_ERROR(refuse_references(config, "config"));
  auto problems = validate_against_schema(manifest.config_schema, config, "config");
  if (!problems.empty()) {
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    return Status::ConfigInvalid(redact(joined));
  }
  if (auto store = app.store(); !store) return store.status();
  if (auto existing = app.connector(c.id); existing)
    return Status::Conflict("id: a connector '" + c.id + "' exists");
  bj::object credentials = take_secrets(config, manifest.secret_fields);
  std::string credentials_json = json::serialize(credentials);

  ConsoleConnector to_store{.id = c.id,
                            .plugin_id = c.plugin,
                            .partner = c.partner,
                            .partner_id = c.partner_id,
                            .plugin_config_json = json::serialize(config),
                            .created_by = principal.name};
  ConsoleConnectorAdded added;
  added.id = c.id;
  added.verdict =
      ops::test_new_connector(app, app::console_connector_config(to_store), credentials_json);
  if (added.verdict.status == ConnectorStatus::kError) return added;

  MB_RETURN_IF_ERROR(app.add_console_connector(to_store, credentials_json));
  added.stored = true;
  spdlog::info("connector '{}' ({}) added in the console by '{}'", c.id, c.plugin, principal.name);
  // The full connect (provisioning, the platform's status) as `connectors connect` does it.
  auto connected = ops::connect_connector(app, c.id, std::nullopt);
  if (connected) {
    added.verdict = *connected;
  } else {
    added.verdict.status = ConnectorStatus::kError;
    added.verdict.error_class = connected.status().code();
    added.verdict.message = redact(connected.status().message());
  }
  return added;
}

Status update_console_connector_settings(app::App& app, const Principal& principal,
                                         const std::string& id, const std::string& body_text) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  if (!(*connector)->from_console)
    return Status::Conflict("connector '" + id +
                            "' is declared in the configuration file; change it there");
  auto doc = json::parse(body_text);
  if (!doc) return Status::ConfigInvalid("request body: " + doc.status().message());
  if (!doc->is_object()) return Status::ConfigInvalid("request body must be a JSON object");
  for (const auto& [key, value] : doc->get_object())
    if (key != "policies" && key != "schedule" && key != "alerts")
      return Status::ConfigInvalid(std::string(key) +
                                   ": not editable here (policies, schedule and alerts are)");
  auto store = app.store();
  if (!store) return store.status();
  auto stored = (*store)->list_console_connectors();
  if (!stored) return stored.status();
  bj::object settings;
  for (const auto& c : *stored)
    if (c.id == id && !c.settings_json.empty())
      if (auto parsed = json::parse(c.settings_json); parsed && parsed->is_object())
        settings = parsed->get_object();
  for (const auto& [key, value] : doc->get_object()) {
    if (value.is_null())
      settings.erase(key);
    else
      settings[key] = value;
  }
  auto config = app.config();
  if (!config) return config.status();
  ConnectorConfig checked = **connector;
  MB_RETURN_IF_ERROR(apply_connector_settings(settings, (*config)->schedule, checked));
  auto plugins = app.plugins();
  if (!plugins) return plugins.status();
  // A plugin that did not load offers no capability.
  auto plugin = (*plugins)->find(checked.plugin);
  if (std::string problem =
          alerts_capability_problem(checked, plugin ? plugin->manifest() : PluginManifest{});
      !problem.empty())
    return Status::ConfigInvalid("alerts: " + problem);
  MB_RETURN_IF_ERROR(app.set_console_connector_settings(id, json::serialize(settings)));
  spdlog::info("connector '{}': settings changed in the console by '{}': {}", id, principal.name,
               json::serialize(settings));
  return Status::Ok();
}

Status remove_console_connector(app::App& app, const std::string& id) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  if (!(*connector)->from_console)
    return Status::Conflict("connector '" + id +
                            "' is declared in the configuration file; remove it there");
  auto disconnected = ops::disconnect_connector(app, id);
  if (!disconnected) return disconnected.status();
  MB_RETURN_IF_ERROR(app.remove_console_connector(id));
  spdlog::info("connector '{}' removed in the console ({})", id, *disconnected);
  return Status::Ok();
}

}  // namespace mb::server
