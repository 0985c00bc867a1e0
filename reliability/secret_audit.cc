#include "reliability/secret_audit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "bench/sim_control.h"
#include "bench/splitmix64.h"
#include "reliability/lab.h"

namespace mb::reliability {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string hex(bench::SplitMix64& rng, size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < digits) out += kHex[rng.next() & 0xF];
  return out;
}

// ---- An SMTP server that accepts every message ------------------------------------------------

// Plain SMTP on loopback, one session at a time, AUTH PLAIN and LOGIN accepted. It keeps what
// clients sent except the AUTH exchange (where the password legitimately goes, base64-encoded).
class SmtpSink {
 public:
  SmtpSink() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 8) != 0)
      throw std::runtime_error("the SMTP sink cannot listen");
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~SmtpSink() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const { return port_; }
  int64_t messages() {
    std::lock_guard<std::mutex> hold(lock_);
    return messages_;
  }
  std::string received() {
    std::lock_guard<std::mutex> hold(lock_);
    return received_;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) session(c);
    }
  }

  void session(int c) {
    auto say = [&](const std::string& s) { (void)::write(c, s.data(), s.size()); };
    say("220 reliability-sink ESMTP\r\n");
    std::string buffer, kept;
    bool in_data = false;
    int credential_lines = 0;  // AUTH continuation lines still to come
    char chunk[4096];
    for (int rounds = 0; rounds < 10000 && !stop_; ++rounds) {
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 10000) <= 0) break;
      ssize_t n = ::read(c, chunk, sizeof(chunk));
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      for (size_t nl; (nl = buffer.find("\r\n")) != std::string::npos;) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 2);
        if (in_data) {
          kept += line + "\n";
          if (line == ".") {
            in_data = false;
            say("250 queued\r\n");
            std::lock_guard<std::mutex> hold(lock_);
            ++messages_;
          }
          continue;
        }
        if (credential_lines > 0) {
          --credential_lines;
          say(credential_lines > 0 ? "334 UGFzc3dvcmQ6\r\n" : "235 accepted\r\n");
          continue;
        }
        if (line.rfind("AUTH", 0) == 0) {
          if (line == "AUTH PLAIN") {
            credential_lines = 1;
            say("334 \r\n");
          } else if (line.rfind("AUTH LOGIN", 0) == 0) {
            credential_lines = line == "AUTH LOGIN" ? 2 : 1;
            say("334 VXNlcm5hbWU6\r\n");
          } else {
            say("235 accepted\r\n");
          }
          continue;
        }
        kept += line + "\n";
        if (line.rfind("EHLO", 0) == 0)
          say("250-reliability-sink\r\n250 AUTH PLAIN LOGIN\r\n");
        else if (line == "DATA") {
          in_data = true;
          say("354 go ahead\r\n");
        } else if (line == "QUIT") {
          say("221 bye\r\n");
          break;
        } else {
          say("250 ok\r\n");
        }
      }
    }
    ::close(c);
    std::lock_guard<std::mutex> hold(lock_);
    received_ += kept;
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex lock_;
  std::string received_;
  int64_t messages_ = 0;
};

// ---- Scanning -----------------------------------------------------------------------------------

class Scanner {
 public:
  explicit Scanner(std::vector<std::pair<std::string, std::string>> canaries)
      : canaries_(std::move(canaries)) {}

  void scan(const std::string& where, const std::string& text) {
    ++result_.sources;
    result_.bytes += static_cast<int64_t>(text.size());
    for (const auto& [name, value] : canaries_) {
      int64_t found = 0;
      for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at + 1))
        ++found;
      if (found == 0) continue;
      result_.occurrences += found;
      result_.problems.push_back(name + " in plain text " + std::to_string(found) + " time(s) in " +
                                 where);
    }
  }

  AuditResult& result() { return result_; }

 private:
  std::vector<std::pair<std::string, std::string>> canaries_;
  AuditResult result_;
};

// What meterbridge sent the simulator at `base_url`, outside the credential headers.
void scan_request_log(Scanner& scanner, const std::string& label, const std::string& base_url,
                      const std::vector<std::string>& credential_headers) {
  json::value log = json::parse(bench::sim_control(base_url, "GET", "/_sim/requests?limit=100000"));
  for (const auto& r : log.at("requests").as_array()) {
    std::string text = std::string(r.at("method").as_string()) + " " +
                       std::string(r.at("target").as_string()) + "\n";
    for (const auto& [name, value] : r.at("headers").as_object()) {
      if (std::find(credential_headers.begin(), credential_headers.end(), std::string(name)) !=
          credential_headers.end())
        continue;
      text += std::string(name) + ": " + (value.is_string() ? std::string(value.as_string()) : "") +
              "\n";
    }
    text += r.at("body").is_string() ? std::string(r.at("body").as_string()) : "";
    scanner.scan(label + " request " + std::to_string(r.at("id").to_number<int64_t>()), text);
  }
}

// ---- The flow -----------------------------------------------------------------------------------

struct Canaries {
  std::vector<ConnectorSecret> connector;  // the plugin's secret fields
  std::string sealing_key;                 // 64 hex digits
  std::string api_token;
  std::string webhook_secret;
  std::string smtp_password;
  std::string wrong_secret;  // offered by `connectors connect` and refused

  std::vector<std::pair<std::string, std::string>> named(const PlatformModel& platform) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& s : connector) out.emplace_back("connector secret '" + s.field + "'", s.value);
    for (const auto& e : platform.encoded_credentials(connector))
      out.emplace_back("encoded platform credentials", e);
    out.emplace_back("sealing key", sealing_key);
    std::string raw;  // the key's 32 bytes, as a careless store would write them
    for (size_t i = 0; i + 1 < sealing_key.size(); i += 2)
      raw += static_cast<char>(std::stoi(sealing_key.substr(i, 2), nullptr, 16));
    out.emplace_back("sealing key (raw bytes)", raw);
    out.emplace_back("admin API token", api_token);
    out.emplace_back("webhook secret", webhook_secret);
    out.emplace_back("SMTP password", smtp_password);
    out.emplace_back("refused secret", wrong_secret);
    return out;
  }
};

Canaries make_canaries(const PlatformModel& platform, uint64_t seed) {
  bench::SplitMix64 rng(seed ^ 0xca9a41e5ULL);
  Canaries c;
  for (ConnectorSecret s : platform.secrets()) {
    if (s.field == "client_id")  // the schema wants a GUID
      s.value = hex(rng, 8) + "-" + hex(rng, 4) + "-4" + hex(rng, 3) + "-8" + hex(rng, 3) + "-" +
                hex(rng, 12);
    else
      s.value = "MBCANARY" + s.field + hex(rng, 16);
    c.connector.push_back(s);
  }
  c.sealing_key = hex(rng, 64);
  c.api_token = "MBCANARYapitoken" + hex(rng, 16);
  c.webhook_secret = "MBCANARYwebhook" + hex(rng, 16);
  c.smtp_password = "MBCANARYsmtp" + hex(rng, 16);
  c.wrong_secret = "MBCANARYrefused" + hex(rng, 16);
  return c;
}

std::string credentials_json(const std::vector<ConnectorSecret>& secrets) {
  json::object o;
  for (const auto& s : secrets) o[s.field] = s.value;
  return json::serialize(o);
}

// The commands an operator runs, with every log at trace; their output goes to the transcript.
void operator_flow(Lab& lab, const Canaries& canaries, const WorkFolder& work) {
  const std::string c = kConnectorId;
  work.run({"config", "check"});
  work.run({"plugins", "list"});
  work.run({"connectors", "list", "--json"});
  work.run({"connectors", "test", c});
  work.run({"sync", c, "--dry-run", "--json"});
  std::vector<int64_t> targets;
  for (const auto& initial : lab.initial()) targets.push_back(initial.value_or(5) + 3);
  lab.import_targets(work, targets);
  work.run({"sync", c, "--json"});
  work.run({"sync", c});  // the table form too
  // Error paths: the platform refuses, fails and cuts answers.
  lab.sim().set_faults(json::parse(R"({"seed":1,"rules":[{"kind":401,"count":1},
      {"kind":"status","status":500,"count":2},{"kind":"reset","count":1},
      {"kind":"malformed","count":1}]})")
                           .as_object());
  for (auto& t : targets) t += 2;
  lab.import_targets(work, targets);
  work.run({"sync", c, "--json"});
  lab.sim().clear_faults();
  work.run({"sync", c, "--json"});
  CliRun runs = work.run({"runs", "list", c, "--json"});
  json::value history = parse_output(runs.out);
  if (history.is_array())
    for (const auto& r : history.as_array())
      work.run(
          {"runs", "show", std::to_string(r.at("id").to_number<int64_t>()), "--all", "--json"});
  work.run({"runs", "pending", "--json"});
  work.run({"reconcile", c, "--json"});
  work.run({"accounts", "list", c, "--json"});
  work.run({"map", "show", c, "--json"});

  // Credentials stored sealed, then refused ones.
  write_text(work.dir() / "good.credentials", credentials_json(canaries.connector));
  work.run(
      {"connectors", "connect", c, "--credentials", (work.dir() / "good.credentials").string()});
  std::vector<ConnectorSecret> wrong = canaries.connector;
  wrong.front().value = canaries.wrong_secret;
  write_text(work.dir() / "wrong.credentials", credentials_json(wrong));
  work.run(
      {"connectors", "connect", c, "--credentials", (work.dir() / "wrong.credentials").string()});
  fs::remove(work.dir() / "good.credentials");
  fs::remove(work.dir() / "wrong.credentials");
  for (auto& t : targets) t += 1;
  lab.import_targets(work, targets);
  work.run({"sync", c, "--json"});
}

// The admin API: what an operator's tools see, and serve's own logs.
void api_flow(const Canaries& canaries, const WorkFolder& work, Scanner& scanner) {
  bench::ChildProcess serve =
      work.start({"serve", "--no-schedule", "--listen", "127.0.0.1:0"}, "audit-serve");
  std::string line =
      serve.wait_for_first_line(work.dir() / "audit-serve.out", std::chrono::seconds(30));
  const std::string url = line.substr(line.find("http://"));
  const std::vector<std::pair<std::string, std::string>> auth{
      {"Authorization", "Bearer " + canaries.api_token}};
  const std::string c = kConnectorId;
  const std::vector<std::pair<std::string, std::string>> calls{
      {"GET", "/v1/connectors"},
      {"POST", "/v1/connectors/" + c + "/test"},
      {"GET", "/v1/connectors/" + c + "/accounts?refresh=true"},
      {"GET", "/v1/connectors/" + c + "/mappings"},
      {"POST", "/v1/connectors/" + c + "/sync"},
      {"GET", "/v1/runs?connector=" + c},
      {"GET", "/v1/runs/1"},
      {"GET", "/v1/approvals"},
      {"GET", "/v1/ready"}};
  for (const auto& [method, path] : calls) {
    bench::SimResponse r =
        bench::sim_request(url, method, path, method == "POST" ? "{}" : "", auth);
    scanner.scan("API " + method + " " + path, r.body);
  }
  bench::SimResponse put = bench::sim_request(url, "PUT", "/v1/connectors/" + c + "/credentials",
                                              credentials_json(canaries.connector), auth);
  scanner.scan("API PUT credentials", put.body);
  bench::SimResponse wrong_token = bench::sim_request(
      url, "GET", "/v1/connectors", "", {{"Authorization", "Bearer " + canaries.wrong_secret}});
  scanner.scan("API with a wrong token", wrong_token.body);
  serve.terminate();
  CliRun ended = work.finish(serve, "audit-serve");
  scanner.scan("serve stdout", ended.out);
  scanner.scan("serve stderr", ended.err);
}

}  // namespace

AuditResult run_secret_audit(const PlatformModel& platform, const Tools& tools, const fs::path& dir,
                             uint64_t seed) {
  const Canaries canaries = make_canaries(platform, seed);
  Scanner scanner(canaries.named(platform));
  try {
    std::error_code ec;
    fs::remove_all(dir, ec);  // what an earlier run left
    export_secrets(canaries.connector, canaries.api_token);
    ::setenv("MB_SECRET_KEY", canaries.sealing_key.c_str(), 1);
    ::setenv("MB_REL_HOOK_SECRET", canaries.webhook_secret.c_str(), 1);
    ::setenv("MB_REL_SMTP_PASSWORD", canaries.smtp_password.c_str(), 1);

    Simulator hooks = Simulator::start(tools, "test", {}, dir / "webhooks");
    SmtpSink smtp;
    LabOptions options;
    options.companies = 4;
    options.services = 2;
    options.seed = seed;
    options.secrets = canaries.connector;
    options.log_level = "trace";
    options.transcript = std::make_shared<Transcript>();
    options.notifications = {
        {"webhook",
         {{"url", hooks.base_url() + "/api/echo"}, {"secret", "${env:MB_REL_HOOK_SECRET}"}}},
        {"email",
         {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(smtp.port())},
          {"tls", "none"},
          {"username", "meterbridge"},
          {"password", "${env:MB_REL_SMTP_PASSWORD}"},
          {"from", "meterbridge@vendor.example"},
          {"to", json::array{"billing@msp.example"}}}}};
    Lab lab(platform, tools, dir / "lab", options);
    lab.set_up();
    WorkFolder work = lab.fresh_trial("audit");
    operator_flow(lab, canaries, work);
    api_flow(canaries, work, scanner);

    std::string transcript;
    for (const auto& [label, text] : options.transcript->entries) {
      scanner.scan(label, text);
      transcript += "==== " + label + "\n" + text + "\n";
    }
    // Kept beside the folder for whoever inspects the audit (it was scanned above).
    write_text(dir / "transcript.log", transcript);
    // Every file the processes left: the database and its WAL as raw bytes, logs, the config.
    for (const auto& folder : {work.dir(), lab.dir() / "template"})
      for (const auto& entry : fs::recursive_directory_iterator(folder))
        if (entry.is_regular_file())
          scanner.scan("file " + fs::relative(entry.path(), dir).string(), read_text(entry.path()));
    scan_request_log(scanner, "webhook receiver", hooks.base_url(), {"authorization"});
    scanner.scan("e-mail received (outside AUTH)", smtp.received());
    scan_request_log(scanner, platform.id() + " simulator", lab.sim().base_url(),
                     platform.credential_headers());
    // The canaries must have reached the platform in its credential headers, and the logs must
    // be at trace: otherwise finding nothing proves nothing.
    Scanner reached(canaries.named(platform));
    scan_request_log(reached, "credential headers", lab.sim().base_url(), {});
    if (reached.result().occurrences == 0)
      scanner.result().problems.push_back(
          "no canary reached the platform: the audit proves nothing");
    if (transcript.find(" trace ") == std::string::npos)
      scanner.result().problems.push_back("no trace log line was written");
    json::value hook_log =
        json::parse(bench::sim_control(hooks.base_url(), "GET", "/_sim/requests"));
    if (hook_log.at("requests").as_array().empty())
      scanner.result().problems.push_back("no webhook arrived: the audit did not see one");
    if (smtp.messages() == 0)
      scanner.result().problems.push_back("no e-mail arrived: the audit did not see one");
  } catch (const std::exception& e) {
    scanner.result().error = e.what();
  }
  ::unsetenv("MB_SECRET_KEY");
  scanner.result().canaries = static_cast<int64_t>(canaries.named(platform).size());
  return scanner.result();
}

}  // namespace mb::reliability
