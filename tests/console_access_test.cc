// Who may see what (docs/console.md): a real `meterbridge serve` on a loopback port chosen at
// run time with two connectors of two partners, console users added through the CLI, and a raw
// HTTP client. A partner-scoped caller — a partner token or a partner_admin's session — reaches
// only its partner's connectors, runs and approvals; sessions are cookies with CSRF tokens;
// failed sign-ins are rate-limited.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using sim::testing::Headers;
using sim::testing::RawHttpConnection;
using testing::TempDir;

constexpr const char* kVendorToken = "vendor-token-for-console-tests";
constexpr const char* kPartnerAToken = "partner-a-token-for-console-tests";
constexpr const char* kPassword = "correct horse battery";

constexpr const char* kLedger = R"({
  "accounts": [{"id": "A1", "name": "Alpha Ltd", "active": true}, {"id": "B1", "name": "Beta GmbH", "active": true}],
  "services": [{"id": "S-EDR", "name": "Coro EDR"}],
  "units": {"A1|S-EDR": 10, "B1|S-EDR": 5}, "ambiguous": [], "writes": []
})";

constexpr const char* kUsage = R"({"as_of": "2026-11-21",
  "workspaces": [{"id": "w-alpha", "name": "Alpha Ltd", "partner_id": "msp-a"},
                 {"id": "w-beta", "name": "Beta GmbH", "partner_id": "msp-b"}],
  "services": [{"id": "edr", "name": "EDR"}],
  "usage": [{"workspace_id": "w-alpha", "service_id": "edr", "users": 12, "devices": 14},
            {"workspace_id": "w-beta", "service_id": "edr", "users": 3, "devices": 3}]})";

struct Reply {
  int status = 0;
  json::value body;
  std::map<std::string, std::string> headers;
};

class ConsoleAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::install_plugin(testing::build_dir() / "test-plugins" / "ledger",
                            dir_.path() / "plugins");
    dir_.write("ledger-a.json", kLedger);
    dir_.write("ledger-b.json", kLedger);
    dir_.write("mb.json",
               std::string(R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
      "api": {"token": ")") +
                   kVendorToken + R"(",
              "partner_tokens": [{"partner_id": "msp-a", "token": ")" +
                   kPartnerAToken + R"("}]},
      "connectors": [
        {"id": "alpha-psa", "plugin": "ledger", "partner": "Alpha MSP", "partner_id": "msp-a",
         "config": {"ledger": ")" +
                   (dir_ / "ledger-a.json").string() + R"("}},
        {"id": "beta-psa", "plugin": "ledger", "partner": "Beta MSP", "partner_id": "msp-b",
         "config": {"ledger": ")" +
                   (dir_ / "ledger-b.json").string() + R"("}}]})");
    ASSERT_EQ(
        users("add ana --role partner_admin --partner-id msp-a", std::string(kPassword) + "\n")
            .exit_code,
        0);
    ASSERT_EQ(users("add vera --role vendor_admin", std::string(kPassword) + "\n").exit_code, 0);
    daemon_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::meterbridge_binary(), "--config",
                                 (dir_ / "mb.json").string(), "serve", "--no-schedule", "--listen",
                                 "127.0.0.1:0"},
        std::vector<std::string>{kSecretKeyEnv});
    auto line = daemon_->read_line();
    ASSERT_TRUE(line.has_value()) << "serve did not start";
    ASSERT_NE(line->find("http://127.0.0.1:"), std::string::npos) << *line;
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  testing::RunResult users(const std::string& args, const std::string& stdin_text = "") {
    return testing::run(std::string(kSecretKeyEnv) + " " + testing::meterbridge_binary() +
                            " --config " + (dir_ / "mb.json").string() + " users " + args,
                        stdin_text);
  }

  Reply call(const std::string& method, const std::string& target, const Headers& headers,
             const std::string& body = "") {
    RawHttpConnection c(port_);
    Headers all = headers;
    if (!body.empty()) all.emplace_back("Content-Type", "application/json");
    auto r = c.send(method, target, all, body, std::chrono::seconds(60));
    Reply out;
    if (!r.response) {
      ADD_FAILURE() << method << " " << target << ": " << r.error;
      return out;
    }
    out.status = r.response->status;
    out.headers = r.response->headers;
    boost::system::error_code ec;
    out.body = json::parse(r.response->body, ec);
    return out;
  }

  static Headers bearer(const char* token) {
    return {{"Authorization", std::string("Bearer ") + token}};
  }

  // Signs in; returns the cookie header value and the CSRF token.
  std::pair<std::string, std::string> sign_in(const std::string& name) {
    Reply r = call("POST", "/v1/session", {},
                   R"({"name": ")" + name + R"(", "password": ")" + kPassword + R"("})");
    EXPECT_EQ(r.status, 200) << json::serialize(r.body);
    std::string cookie = r.headers["set-cookie"];
    return {cookie.substr(0, cookie.find(';')), std::string(r.body.at("csrf_token").as_string())};
  }

  std::vector<std::string> connector_ids(const Reply& r, const char* list = "connectors") {
    std::vector<std::string> ids;
    for (const auto& c : r.body.at(list).as_array()) ids.emplace_back(c.at("id").as_string());
    return ids;
  }

  // Imports usage, maps both connectors' workspaces and services, and syncs both for real.
  void sync_both() {
    auto vendor = bearer(kVendorToken);
    ASSERT_EQ(call("POST", "/v1/usage", vendor, kUsage).status, 201);
    for (const auto& [id, workspace, account] :
         {std::tuple{"alpha-psa", "w-alpha", "A1"}, std::tuple{"beta-psa", "w-beta", "B1"}}) {
      std::string base = std::string("/v1/connectors/") + id;
      ASSERT_EQ(call("POST", base + "/test", vendor).status, 200);
      ASSERT_EQ(call("PUT", base + "/mappings/accounts/" + workspace, vendor,
                     std::string(R"({"account_id": ")") + account + "\"}")
                    .status,
                200);
      ASSERT_EQ(call("PUT", base + "/mappings/services/edr", vendor,
                     R"({"psa_service_id": "S-EDR", "metric": "users"})")
                    .status,
                200);
      Reply run = call("POST", base + "/sync", vendor, "{}");
      ASSERT_EQ(run.status, 200) << json::serialize(run.body);
      run_of_[id] = run.body.at("id").as_int64();
    }
  }

  static constexpr const char* kSecretKeyEnv =
      "MB_SECRET_KEY=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
  TempDir dir_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  uint16_t port_ = 0;
  std::map<std::string, int64_t> run_of_;
};

TEST_F(ConsoleAccessTest, APartnerTokenReachesOnlyItsPartnersConnectorsRunsAndApprovals) {
  sync_both();
  auto partner = bearer(kPartnerAToken);
  EXPECT_EQ(connector_ids(call("GET", "/v1/connectors", partner)),
            std::vector<std::string>{"alpha-psa"});
  EXPECT_EQ(connector_ids(call("GET", "/v1/console/connectors", partner)),
            std::vector<std::string>{"alpha-psa"});
  EXPECT_EQ(connector_ids(call("GET", "/v1/connectors", bearer(kVendorToken))),
            (std::vector<std::string>{"alpha-psa", "beta-psa"}));

  // Another partner's connector is answered exactly as one that does not exist.
  Reply other = call("GET", "/v1/connectors/beta-psa/mappings", partner);
  Reply missing = call("GET", "/v1/connectors/no-such/mappings", partner);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(missing.status, 404);
  std::string other_message(other.body.at("error").at("message").as_string());
  std::string missing_message(missing.body.at("error").at("message").as_string());
  EXPECT_EQ(other_message.replace(other_message.find("beta-psa"), 8, "no-such"), missing_message);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/connectors/beta-psa/sync"},
           {"POST", "/v1/connectors/beta-psa/test"},
           {"POST", "/v1/connectors/beta-psa/disconnect"},
           {"GET", "/v1/connectors/beta-psa/accounts"},
           {"DELETE", "/v1/connectors/beta-psa/mappings/accounts/w-beta"},
           {"PUT", "/v1/connectors/beta-psa/exclusions/workspaces/w-beta"},
           {"GET", "/v1/runs?connector=beta-psa"},
           {"GET", "/v1/approvals?connector=beta-psa"}})
    EXPECT_EQ(call(method, path, partner, method == "GET" ? "" : "{}").status, 404)
        << method << " " << path;

  std::string beta_run = "/v1/runs/" + std::to_string(run_of_["beta-psa"]);
  EXPECT_EQ(call("GET", beta_run, partner).status, 404);
  EXPECT_EQ(call("POST", beta_run + "/retry", partner, "{}").status, 404);
  EXPECT_EQ(call("POST", beta_run + "/dismiss", partner, R"({"lines": [1]})").status, 404);
  EXPECT_EQ(call("POST", beta_run + "/approve", partner, R"({"lines": [1]})").status, 404);
  EXPECT_EQ(call("GET", "/v1/runs/" + std::to_string(run_of_["alpha-psa"]), partner).status, 200);

  Reply runs = call("GET", "/v1/runs", partner);
  ASSERT_EQ(runs.status, 200);
  for (const auto& run : runs.body.at("runs").as_array())
    EXPECT_EQ(run.at("connector").as_string(), "alpha-psa");
  EXPECT_FALSE(runs.body.at("runs").as_array().empty());

  // Usage belongs to the vendor; a partner may not import it.
  EXPECT_EQ(call("POST", "/v1/usage", partner, kUsage).status, 403);
  // Nothing of the other partner changed: its connector is still connected and mapped.
  Reply beta = call("GET", "/v1/connectors/beta-psa/mappings", bearer(kVendorToken));
  EXPECT_EQ(beta.body.at("workspaces").at(0).at("state").as_string(), "mapped");
}

TEST_F(ConsoleAccessTest, TheLiveProgressShowsTheRunsTheApiRanOfTheCallersConnectorsOnly) {
  sync_both();
  auto progress_of = [&](const Headers& caller) {
    Reply r = call("GET", "/v1/console/progress", caller);
    EXPECT_EQ(r.status, 200) << json::serialize(r.body);
    std::map<std::string, json::object> by_connector;
    for (const auto& run : r.body.at("runs").as_array())
      by_connector[std::string(run.at("connector").as_string())] = run.as_object();
    return by_connector;
  };
  auto all = progress_of(bearer(kVendorToken));
  ASSERT_EQ(all.size(), 2u);
  for (const auto& [id, run] : all) {
    EXPECT_EQ(run.at("run").as_int64(), run_of_[id]) << id;
    EXPECT_EQ(run.at("phase").as_string(), "finished") << id;
    EXPECT_FALSE(run.at("running").as_bool()) << id;
    EXPECT_EQ(run.at("trigger").as_string(), "sync") << id;
  }
  auto partner = progress_of(bearer(kPartnerAToken));
  ASSERT_EQ(partner.size(), 1u);
  EXPECT_EQ(partner.begin()->first, "alpha-psa");
}

TEST_F(ConsoleAccessTest, APartnerAdminsSessionSeesOnlyTheirConnectorsAndNeedsTheCsrfToken) {
  auto [cookie, csrf] = sign_in("ana");
  Headers session{{"Cookie", cookie}};
  Reply who = call("GET", "/v1/session", session);
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(who.body.at("user").at("partner_id").as_string(), "msp-a");
  EXPECT_EQ(who.body.at("csrf_token").as_string(), csrf);
  EXPECT_EQ(connector_ids(call("GET", "/v1/console/connectors", session)),
            std::vector<std::string>{"alpha-psa"});
  EXPECT_EQ(call("GET", "/v1/connectors/beta-psa/mappings", session).status, 404);

  // A state-changing request with the cookie alone (what a forged cross-site form sends) is
  // refused before it does anything.
  Reply forged = call("POST", "/v1/connectors/alpha-psa/test", session, "{}");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.body.at("error").at("code").as_string(), "csrf_token_invalid");
  Headers with_csrf = session;
  with_csrf.emplace_back("X-CSRF-Token", csrf);
  EXPECT_EQ(call("POST", "/v1/connectors/alpha-psa/test", with_csrf, "{}").status, 200);
  EXPECT_EQ(call("POST", "/v1/connectors/beta-psa/test", with_csrf, "{}").status, 404);

  Reply out = call("DELETE", "/v1/session", with_csrf);
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(call("GET", "/v1/session", session).status, 401);
}

TEST_F(ConsoleAccessTest, SignInSetsAStrictHttpOnlyCookieAndWrongPasswordsAreRateLimited) {
  Reply ok = call("POST", "/v1/session", {},
                  std::string(R"({"name": "vera", "password": ")") + kPassword + "\"}");
  ASSERT_EQ(ok.status, 200);
  std::string cookie = ok.headers["set-cookie"];
  EXPECT_NE(cookie.find("mb_session="), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "no TLS on this listener";
  EXPECT_EQ(ok.body.at("user").at("role").as_string(), "vendor_admin");
  EXPECT_EQ(json::serialize(ok.body).find(kPassword), std::string::npos);

  // An unknown name and a wrong password get the same answer.
  Reply unknown =
      call("POST", "/v1/session", {}, R"({"name": "nobody", "password": "whatever-it-is"})");
  EXPECT_EQ(unknown.status, 401);
  for (int i = 0; i < 5; ++i) {
    Reply wrong =
        call("POST", "/v1/session", {}, R"({"name": "ana", "password": "not the password"})");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.body.at("error").at("message"), unknown.body.at("error").at("message"));
  }
  // Past five failures the user is locked out for a while, even with the right password.
  Reply locked = call("POST", "/v1/session", {},
                      std::string(R"({"name": "ana", "password": ")") + kPassword + "\"}");
  EXPECT_EQ(locked.status, 429);
  EXPECT_FALSE(locked.headers["retry-after"].empty());
  // Another user is not locked out by ana's failures.
  EXPECT_EQ(call("POST", "/v1/session", {},
                 std::string(R"({"name": "vera", "password": ")") + kPassword + "\"}")
                .status,
            200);
  // A cross-site form can only post text/plain: refused, so nobody is signed in as someone else.
  RawHttpConnection c(port_);
  auto form = c.send("POST", "/v1/session", {{"Content-Type", "text/plain"}},
                     std::string(R"({"name": "vera", "password": ")") + kPassword + "\"}");
  ASSERT_TRUE(form.response);
  EXPECT_EQ(form.response->status, 415);
  EXPECT_TRUE(form.response->headers["set-cookie"].empty());
  // A forged cookie is no session.
  EXPECT_EQ(call("GET", "/v1/session", {{"Cookie", "mb_session=forged"}}).status, 401);
}

TEST_F(ConsoleAccessTest, TheConsoleIsServedWithoutSignInAndOnlyItsOwnFiles) {
  RawHttpConnection c(port_);
  auto page = c.send("GET", "/");
  ASSERT_TRUE(page.response);
  EXPECT_EQ(page.response->status, 200);
  EXPECT_NE(page.response->headers["content-type"].find("text/html"), std::string::npos);
  EXPECT_NE(page.response->body.find("/console/app.js"), std::string::npos);
  EXPECT_NE(page.response->headers["content-security-policy"].find("default-src 'self'"),
            std::string::npos);
  auto script = c.send("GET", "/console/app.js");
  ASSERT_TRUE(script.response);
  EXPECT_EQ(script.response->status, 200);
  EXPECT_NE(script.response->headers["content-type"].find("text/javascript"), std::string::npos);
  for (const char* outside :
       {"/console/..%2Fmb.json", "/console/.hidden.js", "/console/mb.json", "/console/no-such.js"})
    EXPECT_EQ(c.send("GET", outside).response->status, 404) << outside;
}

TEST_F(ConsoleAccessTest, WithTlsTheListenerSpeaksOnlyTlsAndTheSessionCookieIsSecure) {
  auto made = testing::run(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -subj /CN=127.0.0.1 -days 1 -keyout '" +
      (dir_ / "key.pem").string() + "' -out '" + (dir_ / "cert.pem").string() + "'");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string config = testing::read_file(dir_ / "mb.json");
  config.replace(config.find(R"("api": {)"), 8,
                 R"("api": {"tls": {"cert_file": "cert.pem", "key_file": "key.pem"}, )");
  dir_.write("mb-tls.json", config);
  testing::ChildProcess tls_daemon(
      {testing::meterbridge_binary(), "--config", (dir_ / "mb-tls.json").string(), "serve",
       "--no-schedule", "--listen", "127.0.0.1:0"},
      {kSecretKeyEnv});
  auto line = tls_daemon.read_line();
  ASSERT_TRUE(line.has_value()) << "serve with TLS did not start";
  ASSERT_NE(line->find("https://127.0.0.1:"), std::string::npos) << *line;
  auto port = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));

  RawHttpConnection tls(port, /*tls=*/true);
  auto signed_in = tls.send("POST", "/v1/session", {{"Content-Type", "application/json"}},
                            std::string(R"({"name": "vera", "password": ")") + kPassword + "\"}");
  ASSERT_TRUE(signed_in.response) << signed_in.error;
  EXPECT_EQ(signed_in.response->status, 200);
  EXPECT_NE(signed_in.response->headers["set-cookie"].find("; Secure"), std::string::npos);
  auto page = tls.send("GET", "/");
  ASSERT_TRUE(page.response);
  EXPECT_EQ(page.response->status, 200);

  // A key that is not there stops serve at start, naming the file.
  std::string broken = config;
  broken.replace(broken.find("key.pem"), 7, "missing-key.pem");
  dir_.write("mb-broken-tls.json", broken);
  auto refused_start = testing::run(
      std::string(kSecretKeyEnv) + " timeout 20 " + testing::meterbridge_binary() + " --config " +
      (dir_ / "mb-broken-tls.json").string() + " serve --no-schedule --listen 127.0.0.1:0");
  EXPECT_NE(refused_start.exit_code, 0);
  EXPECT_NE(refused_start.err.find("missing-key.pem"), std::string::npos) << refused_start.err;

  // Plain HTTP on the TLS port gets no HTTP answer, and the server keeps serving.
  RawHttpConnection plain(port);
  auto refused = plain.send("GET", "/v1/health", {}, "", std::chrono::seconds(5));
  EXPECT_FALSE(refused.response.has_value());
  RawHttpConnection again(port, /*tls=*/true);
  auto health = again.send("GET", "/v1/health");
  ASSERT_TRUE(health.response);
  EXPECT_EQ(health.response->status, 200);
}

TEST_F(ConsoleAccessTest, UsersAreListedReplacedAndRemovedAndPasswordsAreNeverArguments) {
  auto listed = users("list --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto doc = json::parse(listed.out);
  ASSERT_EQ(doc.as_array().size(), 2u);
  EXPECT_EQ(doc.at(0).at("name").as_string(), "ana");
  EXPECT_EQ(listed.out.find("argon2"), std::string::npos) << "the hash is never shown";

  EXPECT_NE(users("add short --role vendor_admin", "too-short\n").exit_code, 0);
  auto no_partner = users("add pat --role partner_admin", std::string(kPassword) + "\n");
  EXPECT_NE(no_partner.exit_code, 0);
  EXPECT_NE(no_partner.err.find("partner_id"), std::string::npos) << no_partner.err;
  EXPECT_NE(users("add ana --role vendor_admin", std::string(kPassword) + "\n").exit_code, 0);
  EXPECT_NE(users(std::string("add eve --role vendor_admin --password ") + kPassword).exit_code, 0);

  auto [cookie, csrf] = sign_in("ana");
  ASSERT_EQ(users("reset-password ana", "another long password\n").exit_code, 0);
  EXPECT_EQ(call("GET", "/v1/session", {{"Cookie", cookie}}).status, 401)
      << "a new password ends the sessions";
  EXPECT_EQ(
      call("POST", "/v1/session", {}, R"({"name": "ana", "password": "another long password"})")
          .status,
      200);
  ASSERT_EQ(users("remove ana").exit_code, 0);
  EXPECT_EQ(users("remove ana").exit_code, 7) << "no such user";
  EXPECT_EQ(json::parse(users("list --json").out).as_array().size(), 1u);
}

}  // namespace
}  // namespace mb
