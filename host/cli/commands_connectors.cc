#include <boost/json.hpp>

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>

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

// The terminal's settings while a secret is typed with echo off, so an interrupt (Ctrl-C) can
// give the terminal its echo back before the process ends.
struct termios g_terminal_before_hidden_input;
volatile sig_atomic_t g_echo_is_off = 0;

void restore_echo_and_reraise(int signal_number) {
  if (g_echo_is_off != 0) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_terminal_before_hidden_input);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Turns the terminal's echo off for its lifetime, so a secret typed or pasted on standard input
// never appears on the screen; an interrupt in between gives the echo back first.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_terminal_before_hidden_input) != 0) return;
    struct sigaction restore {};
    restore.sa_handler = restore_echo_and_reraise;
    ::sigaction(SIGINT, &restore, &previous_int_);
    ::sigaction(SIGTERM, &restore, &previous_term_);
    struct termios silent = g_terminal_before_hidden_input;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    silent.c_lflag |= ECHONL;  // the Enter still moves to the next line
    off_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &silent) == 0;
    g_echo_is_off = off_ ? 1 : 0;
  }
  ~EchoOff() {
    if (off_) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_terminal_before_hidden_input);
    g_echo_is_off = 0;
    ::sigaction(SIGINT, &previous_int_, nullptr);
    ::sigaction(SIGTERM, &previous_term_, nullptr);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  bool off_ = false;
  struct sigaction previous_int_ {
  }, previous_term_{};
};

// Shows `prompt` and reads one secret typed on the terminal (standard input), echo off from
// before the prompt shows, so nothing typed after it is echoed. nullopt when the input ends
// (Ctrl-D).
std::optional<std::string> read_typed_secret(App& app, const std::string& prompt) {
  std::string line;
  {
    EchoOff hidden;
    app.err() << prompt << std::flush;
    if (!std::getline(std::cin, line)) return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!line.empty()) SecretRegistry::global().add(line);
  return line;
}

// Asks for each secret field of the connector's plugin on the terminal, echo off, and returns
// the answers as a credentials document. A field left empty takes the schema's default, else
// is left out (the config's value, when it names one, is used). Nothing entered: nullopt.
Result<std::optional<std::string>> prompt_credentials(App& app, const std::string& id) {
  auto fields = ops::credential_fields(app, id);
  if (!fields) return fields.status();
  if (fields->empty()) {
    app.err() << id << ": its plugin has no secret fields to ask for; testing with the config\n";
    return std::optional<std::string>();
  }
  app.err() << "Credentials for " << id << " (typing is not shown; Enter alone skips a field):\n";
  boost::json::object answers;
  for (const ops::CredentialField& field : *fields) {
    if (!field.description.empty()) app.err() << "  " << field.description << "\n";
    std::string prompt = field.label;
    if (field.default_value)
      prompt += " [Enter: the plugin's default]";
    else if (field.in_config)
      prompt += " [Enter: the value the config names]";
    auto typed = read_typed_secret(app, prompt + ": ");
    if (!typed) return Status::ConfigInvalid("no credentials entered: the terminal's input ended");
    if (!typed->empty())
      answers[field.key] = *typed;
    else if (field.default_value)
      answers[field.key] = *field.default_value;
  }
  if (answers.empty()) {
    app.err() << "no credentials given: testing with the secrets the config names\n";
    return std::optional<std::string>();
  }
  return std::optional<std::string>(json::serialize(answers));
}

// Credentials come from a file, from "-" (standard input), or — with neither — from standard input
// when it is piped, or by asking for each secret field when standard input is a terminal.
Result<std::optional<std::string>> read_credentials(App& app, const std::string& id,
                                                    const std::string& source) {
  constexpr size_t kMaxCredentialsBytes = 64 * 1024;
  Result<std::string> text = std::string();
  const bool terminal = ::isatty(STDIN_FILENO) != 0;
  if (source.empty() && terminal) return prompt_credentials(app, id);
  if (source.empty() || source == "-") {
    std::optional<EchoOff> hidden;
    if (terminal) {
      hidden.emplace();
      app.err() << "reading a JSON object of the plugin's secret fields from standard input, "
                   "typing not shown (end with Ctrl-D)\n"
                << std::flush;
    }
    text = read_stream(std::cin, kMaxCredentialsBytes);
    hidden.reset();
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
  auto credentials = read_credentials(app, id, source);
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

std::optional<std::string> read_hidden_line(App& app, const std::string& prompt) {
  return read_typed_secret(app, prompt);
}

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
      "input when piped; on a terminal, each secret field is asked for with typing hidden)");
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
