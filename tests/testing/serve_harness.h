// ServeHarness: a `meterbridge serve` process for black-box tests of the daemon. A temporary
// folder holds the config, an API token file, a plugin folder with the test plugins a test asks
// for, and the "ledger" fake platform; the daemon listens on a loopback port the system picks,
// and its log goes to a file the test can read.
//
//   ServeHarness serve;
//   serve.write_config({serve.ledger_connector("led")});
//   serve.start();
//   auto reply = serve.call("GET", "/v1/connectors");
//   EXPECT_EQ(reply.status, 200);
#ifndef METERBRIDGE_TESTS_TESTING_SERVE_HARNESS_H_
#define METERBRIDGE_TESTS_TESTING_SERVE_HARNESS_H_

#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/child_process.h"
#include "tests/testing/raw_socket.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb::testing {

constexpr const char* kServeToken = "serve-test-token-5d1c";

struct HttpReply {
  int status = 0;
  boost::json::value body;  // null when the body is not JSON
  std::string raw;          // the whole response as received
};

// One request on a fresh connection, with the harness token unless `token` says otherwise.
inline HttpReply http_call(uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = "", const std::string& token = kServeToken,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  RawSocket socket(port);
  socket.send(request + "\r\n" + body);
  HttpReply reply;
  reply.raw = socket.read_response(timeout);
  reply.status = status_of(reply.raw);
  size_t start = reply.raw.find("\r\n\r\n");
  if (start != std::string::npos) {
    boost::system::error_code ec;
    reply.body = boost::json::parse(reply.raw.substr(start + 4), ec);
    if (ec) reply.body = nullptr;
  }
  return reply;
}

// Polls until `done` holds or `timeout` passes: what a signal asks a daemon to do happens
// asynchronously to the signal.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  for (auto deadline = std::chrono::steady_clock::now() + timeout;
       std::chrono::steady_clock::now() < deadline;) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class ServeHarness {
 public:
  ServeHarness() {
    std::filesystem::create_directories(plugins_dir());
    ::chmod(plugins_dir().c_str(), 0755);
    add_plugin("ledger");
    dir_.write("ledger.json", R"({"accounts": [{"id": "A1", "name": "Alpha Ltd", "active": true}],
      "services": [{"id": "S-EDR", "name": "EDR"}], "units": {}, "ambiguous": [], "writes": []})");
    write_token(kServeToken);
  }
  ~ServeHarness() { stop(); }

  const TempDir& dir() const { return dir_; }
  std::filesystem::path plugins_dir() const { return dir_ / "plugins"; }
  std::filesystem::path config_path() const { return dir_ / "mb.json"; }
  std::filesystem::path log_path() const { return dir_ / "serve.log"; }

  // Copies a test plugin (build/test-plugins/NAME, or build/plugins for a platform plugin).
  void add_plugin(const std::string& name) {
    auto from = build_dir() / "test-plugins" / name;
    if (std::filesystem::exists(from)) {
      for (const auto& e : std::filesystem::directory_iterator(from)) copy_plugin_file(e.path());
      return;
    }
    copy_plugin_file(build_dir() / "plugins" / ("libmeterbridge-" + name + ".so"));
    copy_plugin_file(build_dir() / "plugins" / (name + ".plugin.json"));
  }

  void write_token(const std::string& token) const { dir_.write("token", token, 0600); }

  // A connector on the ledger fake platform.
  std::string ledger_connector(const std::string& id) const {
    return R"({"id": ")" + id + R"(", "plugin": "ledger", "config": {"ledger": ")" +
           (dir_ / "ledger.json").string() + R"("}})";
  }

  // The config: `connectors` (JSON objects) plus `extra` top-level members (JSON text without
  // braces, e.g. R"("serve": {"shutdown_grace_seconds": 2})"). The API reads the token file.
  void write_config(const std::vector<std::string>& connectors,
                    const std::string& extra = "") const {
    std::string list;
    for (const auto& c : connectors) list += (list.empty() ? "" : ", ") + c;
    std::string api =
        extra.find("\"api\"") == std::string::npos ? R"("api": {"token": "${file:token}"}, )" : "";
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"}, )" +
                              api + (extra.empty() ? "" : extra + ", ") + R"("connectors": [)" +
                              list + "]}");
  }

  // Starts `serve --no-schedule --listen 127.0.0.1:0` (plus `args`, with `env` added to its
  // environment) and waits for its address.
  void start(const std::vector<std::string>& args = {"--no-schedule"},
             const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{meterbridge_binary(), "--config",   config_path().string(),
                                  "--log-level",        "info",       "serve",
                                  "--listen",           "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment{"MB_SECRET_KEY=" + std::string(64, 'e')};
    environment.insert(environment.end(), env.begin(), env.end());
    process_ = std::make_unique<ChildProcess>(argv, environment, log_path().string());
    auto line = process_->read_line();
    if (!line || line->find("http://127.0.0.1:") == std::string::npos)
      throw std::runtime_error("serve did not start: " + read_file(log_path()));
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  void stop() {
    if (process_) process_->stop();
  }

  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  std::string log() const { return read_file(log_path()); }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = kServeToken) const {
    return http_call(port_, method, target, body, token);
  }

  // Another meterbridge command on the same config and state; killed after 20 s, so a command
  // that wrongly keeps running (a `serve` that should have refused to start) fails the test.
  RunResult cli(const std::string& args) const {
    return run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'e') + " timeout -s KILL 20 " +
               meterbridge_binary() + " --config '" + config_path().string() + "' " + args);
  }

 private:
  void copy_plugin_file(const std::filesystem::path& from) const {
    auto to = plugins_dir() / from.filename();
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0755);
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
};

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_SERVE_HARNESS_H_
