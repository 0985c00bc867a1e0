#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "host/cli/commands.h"
#include "host/cli/table.h"
#include "host/common/json.h"
#include "host/common/redaction.h"

namespace mb::cli {
namespace {

int connectors_list(App& app) {
  auto config = app.config();
  if (!config) return report_failure(app, config.status());
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto records = (*store)->list_connectors();
  if (!records) return report_failure(app, records.status());
  std::map<std::string, ConnectorRecord> by_id;
  for (auto& r : *records) by_id[r.id] = r;

  if (app.options().json) {
    boost::json::array arr;
    for (const auto& c : (*config)->connectors) {
      const ConnectorRecord& r = by_id[c.id];
      arr.push_back(boost::json::object{{"id", c.id}, {"plugin", c.plugin}, {"partner", c.partner},
                                        {"enabled", c.enabled}, {"status", r.status},
                                        {"status_message", redact(r.status_message)},
                                        {"status_at", r.status_at}, {"has_credentials", r.has_credentials}});
    }
    print_json(app, arr);
    return kExitOk;
  }
  Table table({"ID", "PLUGIN", "PARTNER", "STATUS", "CHECKED", "MESSAGE"});
  for (const auto& c : (*config)->connectors) {
    const ConnectorRecord& r = by_id[c.id];
    std::string status = c.enabled ? r.status : r.status + " (disabled)";
    table.add({c.id, c.plugin, c.partner.empty() ? "-" : c.partner, status,
               r.status_at.empty() ? "never" : r.status_at, redact(r.status_message)});
  }
  if (table.empty()) {
    app.out() << "No connectors in " << (*config)->file.string() << ".\n";
  } else {
    table.print(app.out());
  }
  return kExitOk;
}

// Runs the plugin's authenticate and records the verdict on the connector.
int connectors_test(App& app, const std::string& id) {
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  std::string verdict = "error";
  std::string message;
  int code = kExitFailed;
  auto session = app.open_session(id);
  if (!session) {
    if (session.status().code() == ErrorClass::kNotFound) return report_failure(app, session.status());
    message = std::string(error_class_name(session.status().code())) + ": " + session.status().message();
    code = exit_code_for(session.status());
  } else {
    auto result = (*session)->invoke(Operation::kAuthenticate, "{}");
    if (!result) {
      message = std::string(error_class_name(result.status().code())) + ": " + result.status().message();
      code = result.status().code() == ErrorClass::kUnsupported ? kExitPlugin : kExitFailed;
    } else {
      auto doc = json::parse(*result);
      std::string status = doc ? json::get_string(*doc, "status").value_or("") : "";
      message = doc ? json::get_string(*doc, "message").value_or("") : "";
      if (status == "ok" || status == "pending") {
        verdict = status;
        code = kExitOk;
      } else if (status.empty()) {
        message = "plugin returned an authenticate result without a status";
      } else {
        message = status + (message.empty() ? "" : ": " + message);
      }
    }
  }
  message = redact(message);
  Status s = (*store)->set_connector_status(id, verdict, message);
  if (!s.ok()) return report_failure(app, s);
  if (app.options().json) {
    print_json(app, boost::json::object{{"id", id}, {"status", verdict}, {"message", message}});
  } else {
    app.out() << id << ": " << verdict << (message.empty() ? "" : " — " + message) << "\n";
  }
  return code;
}

// Stores credentials (a JSON object of the plugin's secret fields) encrypted, then tests them.
int connectors_connect(App& app, const std::string& id, const std::string& source) {
  auto connector = app.connector(id);
  if (!connector) return report_failure(app, connector.status());
  auto registry = app.plugins();
  if (!registry) return report_failure(app, registry.status());
  auto plugin = (*registry)->find((*connector)->plugin);
  if (!plugin)
    return report_failure(app, Status::Unsupported("plugin '" + (*connector)->plugin + "' is not loaded"));
  std::string text;
  if (source == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(source);
    if (!in) return report_failure(app, Status::NotFound("cannot read credentials file " + source));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto doc = json::parse(text);
  if (!doc || !doc->is_object())
    return report_failure(app, Status::ConfigInvalid("credentials must be a JSON object of secret fields"));
  const auto& secrets = plugin->manifest().secret_fields;
  for (const auto& [key, value] : doc->get_object()) {
    std::string pointer = key.starts_with("/") ? std::string(key) : "/" + json::pointer_token(key);
    if (std::find(secrets.begin(), secrets.end(), pointer) == secrets.end())
      return report_failure(app, Status::ConfigInvalid("credentials: '" + std::string(key) +
                                                       "' is not a secret field of plugin '" +
                                                       plugin->manifest().id + "'"));
    if (value.is_string()) SecretRegistry::global().add(value.get_string());
  }
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  Status s = (*store)->put_credentials(id, json::serialize(*doc));
  if (!s.ok()) return report_failure(app, s);
  if (!app.options().json) app.out() << id << ": credentials stored (encrypted)\n";
  return connectors_test(app, id);
}

// Calls the plugin's disconnect hook (best effort: a platform that cannot be reached must not
// keep credentials on our side), then removes credentials and every mapping in one transaction.
int connectors_disconnect(App& app, const std::string& id) {
  auto connector = app.connector(id);
  if (!connector) return report_failure(app, connector.status());
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  std::string hook_note;
  auto session = app.open_session(id);
  if (session && (*session)->plugin().offers(Operation::kDisconnect)) {
    auto r = (*session)->invoke(Operation::kDisconnect, "{}");
    hook_note = r ? "platform notified" : "platform not notified: " + redact(r.status().message());
  } else if (!session) {
    hook_note = "platform not notified: " + redact(session.status().message());
  }
  Status s = (*store)->disconnect_connector(id);
  if (!s.ok()) return report_store_failure(app, s);
  if (app.options().json) {
    print_json(app, boost::json::object{{"id", id}, {"status", "disconnected"}, {"note", hook_note}});
  } else {
    app.out() << id << ": disconnected — credentials and every mapping removed; run history kept"
              << (hook_note.empty() ? "" : " (" + hook_note + ")") << "\n";
  }
  return kExitOk;
}

}  // namespace

void register_connector_commands(CLI::App& cli, CommandContext ctx) {
  auto* connectors = cli.add_subcommand("connectors", "List, test and connect connectors");
  connectors->require_subcommand(1);

  connectors->add_subcommand("list", "Show every configured connector with its last status")
      ->callback([ctx] { ctx.exit_code = connectors_list(ctx.app); });

  auto* test = connectors->add_subcommand("test", "Check a connector's credentials against its platform "
                                                  "and record the status");
  auto test_id = std::make_shared<std::string>();
  test->add_option("id", *test_id, "Connector id")->required();
  test->callback([ctx, test_id] { ctx.exit_code = connectors_test(ctx.app, *test_id); });

  auto* connect = connectors->add_subcommand(
      "connect", "Store a connector's credentials (encrypted at rest) and test them");
  auto connect_id = std::make_shared<std::string>();
  auto source = std::make_shared<std::string>("-");
  connect->add_option("id", *connect_id, "Connector id")->required();
  connect->add_option("--credentials", *source,
                      "JSON file with the plugin's secret fields, or - for standard input (default)");
  connect->callback([ctx, connect_id, source] {
    ctx.exit_code = connectors_connect(ctx.app, *connect_id, *source);
  });

  auto* disconnect = connectors->add_subcommand(
      "disconnect", "Tell the platform, then delete the connector's credentials and every mapping (history stays)");
  auto disconnect_id = std::make_shared<std::string>();
  disconnect->add_option("id", *disconnect_id, "Connector id")->required();
  disconnect->callback([ctx, disconnect_id] { ctx.exit_code = connectors_disconnect(ctx.app, *disconnect_id); });
}

}  // namespace mb::cli
