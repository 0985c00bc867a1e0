#include <boost/json.hpp>

#include <unistd.h>

#include <iostream>

#include "host/cli/commands.h"
#include "host/app/operations.h"
#include "host/cli/table.h"
#include "host/common/bounded_read.h"
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
      arr.push_back(boost::json::object{{"id", c.id},
                                        {"plugin", c.plugin},
                                        {"partner", c.partner},
                                        {"enabled", c.enabled},
                                        {"status", to_text(r.status)},
                                        {"status_message", redact(r.status_message)},
                                        {"status_at", r.status_at},
                                        {"has_credentials", r.has_credentials}});
    }
    print_json(app, arr);
    return kExitOk;
  }
  Table table({"ID", "PLUGIN", "PARTNER", "STATUS", "CHECKED", "MESSAGE"});
  for (const auto& c : (*config)->connectors) {
    const ConnectorRecord& r = by_id[c.id];
    std::string status(to_text(r.status));
    if (!c.enabled) status += " (disabled)";
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

int print_verdict(App& app, const Result<ops::ConnectorVerdict>& v) {
  if (!v) return report_failure(app, v.status());
  if (app.options().json) {
    boost::json::array provisioned;
    for (const auto& note : v->provisioned) provisioned.push_back(boost::json::value(note));
    print_json(app, boost::json::object{{"id", v->id},
                                        {"status", to_text(v->status)},
                                        {"message", v->message},
                                        {"provisioned", std::move(provisioned)}});
  } else {
    app.out() << v->id << ": " << to_text(v->status)
              << (v->message.empty() ? "" : " — " + v->message) << "\n";
    for (const auto& note : v->provisioned) app.out() << "  " << note << "\n";
  }
  if (v->status != ConnectorStatus::kError) return kExitOk;
  if (v->error_class == ErrorClass::kConfigInvalid) return kExitConfigInvalid;
  if (v->error_class == ErrorClass::kUnsupported) return kExitPlugin;
  return kExitFailed;
}

int connectors_test(App& app, const std::string& id) { return print_verdict(app, ops::test_connector(app, id)); }

// Credentials come from a file, from "-" (standard input), or — with neither — from standard input
// when it is piped. A terminal is never read: `connectors connect ID` alone tests and reconnects
// with the secrets the config already names.
Result<std::optional<std::string>> read_credentials(App& app, const std::string& source) {
  constexpr size_t kMaxCredentialsBytes = 64 * 1024;
  Result<std::string> text = std::string();
  if (source.empty() && ::isatty(STDIN_FILENO)) {
    app.err() << "no credentials given (pipe a JSON object of the plugin's secret fields on "
                 "standard input, or use --credentials FILE): testing with the secrets the config "
                 "names\n";
    return std::optional<std::string>();
  }
  if (source.empty() || source == "-") {
    text = read_stream(std::cin, kMaxCredentialsBytes);
    if (!text)
      return Status(text.status().code(),
                    "credentials on standard input " + text.status().message());
    // Piped but empty (cron, systemd, </dev/null): nothing given.
    if (source.empty() && text->find_first_not_of(" \t\r\n") == std::string::npos)
      return std::optional<std::string>();
  } else {
    text = read_regular_file(source, kMaxCredentialsBytes);
    if (!text)
      return Status(text.status().code(),
                    "credentials file " + source + " " + text.status().message());
  }
  return std::optional<std::string>(std::move(*text));
}

int connectors_connect(App& app, const std::string& id, const std::string& source, bool force) {
  auto credentials = read_credentials(app, source);
  if (!credentials) return report_failure(app, credentials.status());
  auto verdict = ops::connect_connector(app, id, *credentials, force);
  if (verdict && verdict->credentials_stored && !app.options().json)
    app.out() << id << ": credentials stored (encrypted)\n";
  int code = print_verdict(app, verdict);
  if (verdict && force) return kExitOk;  // stored as asked; the recorded status says "error"
  return code;
}

int connectors_disconnect(App& app, const std::string& id) {
  auto note = ops::disconnect_connector(app, id);
  if (!note) return report_failure(app, note.status());
  if (app.options().json) {
    print_json(
        app, boost::json::object{
                 {"id", id}, {"status", to_text(ConnectorStatus::kDisconnected)}, {"note", *note}});
  } else {
    app.out() << id << ": disconnected — credentials and every mapping removed; run history kept"
              << (note->empty() ? "" : " (" + *note + ")") << "\n";
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
      "connect",
      "Test a connector's credentials against its platform, then store them (encrypted at rest); "
      "also reconnects a disconnected connector");
  auto connect_id = std::make_shared<std::string>();
  auto source = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  connect->add_option("id", *connect_id, "Connector id")->required();
  connect->add_option(
      "--credentials,--credentials-file", *source,
      "JSON file with the plugin's secret fields, or - for standard input (default: standard "
      "input when piped; none from a terminal)");
  connect->add_flag("--force", *force,
                    "Store the credentials even when the platform rejects them (the connector is "
                    "marked in error)");
  connect->callback([ctx, connect_id, source, force] {
    ctx.exit_code = connectors_connect(ctx.app, *connect_id, *source, *force);
  });

  auto* disconnect = connectors->add_subcommand(
      "disconnect", "Tell the platform, then delete the connector's credentials and every mapping (history stays)");
  auto disconnect_id = std::make_shared<std::string>();
  disconnect->add_option("id", *disconnect_id, "Connector id")->required();
  disconnect->callback([ctx, disconnect_id] { ctx.exit_code = connectors_disconnect(ctx.app, *disconnect_id); });
}

}  // namespace mb::cli
