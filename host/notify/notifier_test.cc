#include "host/notify/notifier.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <thread>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

SyncReport sample_report(const std::string& state) {
  SyncReport r;
  r.run.id = 7;
  r.run.connector_id = "acme";
  r.run.state = *parse_state<RunState>(state);
  r.run.message = "1 updated, 1 held, 1 failed";
  r.run.started_at = "2026-11-22T02:00:00Z";
  r.run.finished_at = "2026-11-22T02:00:03Z";
  auto line = [](const std::string& ws, const std::string& outcome, int64_t current,
                 int64_t target) {
    SyncLine l;
    l.workspace_id = ws;
    l.service_id = "edr";
    l.outcome = outcome;
    l.current = current;
    l.target = target;
    l.delta = target - current;
    return l;
  };
  r.lines = {line("w1", "updated", 3, 5), line("w2", "held", 9, 4), line("w3", "failed", 1, 2)};
  r.counts = {{"updated", 1}, {"held", 1}, {"failed", 1}};
  return r;
}

ConnectorConfig connector() {
  ConnectorConfig c;
  c.id = "acme";
  c.partner = "Acme IT";
  return c;
}

TEST(Notifications, PayloadSummarisesTheRunAndListsWhatNeedsAttention) {
  ReportNames names;
  names.workspaces["w2"] = "Beta Ltd";
  auto payload = notification_payload(connector(), sample_report("partial"), names);
  EXPECT_EQ(payload.at("event").as_string(), "sync.completed");
  EXPECT_EQ(payload.at("run").at("state").as_string(), "partial");
  const auto& attention = payload.at("needs_attention").as_array();
  ASSERT_EQ(attention.size(), 2u);  // held and failed; not the updated line
  EXPECT_EQ(attention[0].at("workspace").as_string(), "Beta Ltd");
}

TEST(Notifications, DryRunsAndReconcilesAreTheirOwnEvents) {
  SyncReport report = sample_report("ok");
  EXPECT_EQ(notification_payload(connector(), report, {}).at("event").as_string(),
            "sync.completed");
  report.run.dry_run = true;
  EXPECT_EQ(notification_payload(connector(), report, {}).at("event").as_string(), "sync.dry_run");
  report.run.trigger = "reconcile";
  EXPECT_EQ(notification_payload(connector(), report, {}).at("event").as_string(),
            "reconcile.completed");

  EmailConfig email;
  email.from = "meterbridge@vendor.example";
  email.to = {"billing@msp.example"};
  EXPECT_NE(notification_email(email, connector(), report, {}, 0)
                .find("Subject: meterbridge: acme (Acme IT) reconcile ok\r\n"),
            std::string::npos);
  report.run.trigger = "manual";
  EXPECT_NE(notification_email(email, connector(), report, {}, 0)
                .find("Subject: meterbridge: acme (Acme IT) dry run ok\r\n"),
            std::string::npos);
}

TEST(Notifications, ARunThatBilledNothingSaysItNeedsAttention) {
  SyncReport report = sample_report("needs_attention");
  report.run.message = "nothing billed: nothing is mapped or linked (3 not_mapped)";
  report.lines = {};
  report.counts = {{"not_mapped", 3}};
  auto payload = notification_payload(connector(), report, {});
  EXPECT_EQ(payload.at("event").as_string(), "sync.completed");
  EXPECT_EQ(payload.at("run").at("state").as_string(), "needs_attention");
  EmailConfig email;
  email.from = "meterbridge@vendor.example";
  email.to = {"billing@msp.example"};
  std::string message = notification_email(email, connector(), report, {}, 0);
  EXPECT_NE(message.find("Subject: meterbridge: acme (Acme IT) sync needs attention\r\n"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("nothing billed: nothing is mapped or linked (3 not_mapped)"),
            std::string::npos);
  EXPECT_TRUE(wants({"needs_attention"}, report));
  EXPECT_FALSE(wants({"needs_attention"}, sample_report("ok")));
}

TEST(Notifications, EmailDateAndMessageIdFollowRfc5322) {
  EXPECT_EQ(format_rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_rfc5322_date(1764924370123), "Fri, 05 Dec 2025 08:46:10 +0000");
  EmailConfig email;
  email.from = "meterbridge@vendor.example";
  email.to = {"billing@msp.example"};
  const std::string message =
      notification_email(email, connector(), sample_report("partial"), {}, 1764924370123);
  EXPECT_EQ(message.rfind("Date: Fri, 05 Dec 2025 08:46:10 +0000\r\n", 0), 0u) << message;
  EXPECT_NE(
      message.find("\r\nMessage-ID: <meterbridge.acme.run-7.1764924370123@vendor.example>\r\n"),
      std::string::npos)
      << message;
  // Every line ends in CRLF: no bare LF anywhere.
  for (size_t i = message.find('\n'); i != std::string::npos; i = message.find('\n', i + 1))
    ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
}

TEST(Notifications, EmailCarriesEveryReasonInFullAsPlainTextAndHtml) {
  SyncReport report = sample_report("partial");
  const std::string reason =
      "The platform refused the change (HTTP 409): the addition is cancelled; reopen it or map "
      "the service to another addition, then approve the line <again>";
  report.lines[2].message = reason;
  ReportNames names;
  names.workspaces["w3"] = "Gamma & Sons";
  EmailConfig email;
  email.from = "meterbridge@vendor.example";
  email.to = {"billing@msp.example"};
  const std::string message = notification_email(email, connector(), report, names, 0);
  EXPECT_NE(message.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  const size_t plain = message.find("Content-Type: text/plain; charset=utf-8");
  const size_t html = message.find("Content-Type: text/html; charset=utf-8");
  ASSERT_NE(plain, std::string::npos);
  ASSERT_NE(html, std::string::npos);
  ASSERT_LT(plain, html) << "the plain part first: mail clients show the last they can render";
  const std::string plain_part = message.substr(plain, html - plain);
  EXPECT_NE(plain_part.find("- Gamma & Sons / edr: failed (1 -> 2): " + reason), std::string::npos)
      << plain_part;
  const std::string html_part = message.substr(html);
  EXPECT_NE(html_part.find("<td>Gamma &amp; Sons</td>"), std::string::npos) << html_part;
  EXPECT_NE(html_part.find("approve the line &lt;again&gt;</td>"), std::string::npos) << html_part;
  EXPECT_EQ(html_part.find("<again>"), std::string::npos) << "platform text is escaped";
}

TEST(Notifications, NoEmailLineIsLongerThanSmtpAllows) {
  SyncReport report = sample_report("partial");
  report.lines[2].message = std::string(5000, 'x');
  EmailConfig email;
  email.from = "meterbridge@vendor.example";
  email.to = {"billing@msp.example"};
  const std::string message = notification_email(email, connector(), report, {}, 0);
  size_t start = 0;
  for (size_t end = message.find("\r\n"); end != std::string::npos;
       start = end + 2, end = message.find("\r\n", start))
    ASSERT_LE(end - start, 998u);
  size_t xs = 0;
  for (char c : message) xs += c == 'x' ? 1 : 0;
  EXPECT_GE(xs, 2 * 5000u) << "the whole reason, broken into lines, in both parts";
}

TEST(Notifications, OnFiltersByStateAndHeldLines) {
  EXPECT_TRUE(wants({}, sample_report("ok")));
  EXPECT_FALSE(wants({"failed"}, sample_report("ok")));
  EXPECT_TRUE(wants({"held"}, sample_report("ok")));
  SyncReport clean = sample_report("ok");
  clean.counts = {{"updated", 3}};
  EXPECT_FALSE(wants({"held", "failed"}, clean));
}

AlertRun sample_alert_run() {
  AlertRun run;
  run.id = 4;
  run.connector_id = "acme";
  run.trigger = "push";
  run.started_at = "2026-12-05T10:00:02Z";
  run.finished_at = "2026-12-05T10:00:03Z";
  run.lines = {{"al-1", "opened", "5012", ""},
               {"al-2", "failed", "", "create refused: <board> is inactive"},
               {"al-3", "not_routed", "", "workspace 'w9' is not mapped to a company"},
               {"al-4", "closed", "5007", ""}};
  run.counts = {{"opened", 1}, {"failed", 1}, {"not_routed", 1}, {"closed", 1}};
  return run;
}

TEST(Notifications, AlertsRunsHaveTheirOwnEventWithTicketsOpenedAndWhatNeedsAttention) {
  const AlertRunNotice notice = alert_run_notice(sample_alert_run());
  EXPECT_EQ(notice.state, "partial");  // an alert failed
  auto payload = alerts_notification_payload(connector(), notice);
  EXPECT_EQ(payload.at("event").as_string(), "alerts.completed");
  EXPECT_EQ(payload.at("run").at("state").as_string(), "partial");
  EXPECT_EQ(payload.at("run").at("counts").at("opened").as_int64(), 1);
  const auto& opened = payload.at("tickets_opened").as_array();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].at("ticket_id").as_string(), "5012");
  const auto& attention = payload.at("needs_attention").as_array();
  ASSERT_EQ(attention.size(), 2u);  // failed and not routed; not the opened or closed ones
  EXPECT_EQ(attention[1].at("message").as_string(), "workspace 'w9' is not mapped to a company");

  AlertRun quiet = sample_alert_run();
  quiet.lines = {quiet.lines[0]};
  quiet.counts = {{"opened", 1}};
  EXPECT_EQ(alert_run_notice(quiet).state, "ok");
  auto failed = failed_alert_run_notice("acme", "push", "the platform cannot be reached");
  EXPECT_EQ(alerts_notification_payload(connector(), failed).at("run").at("error").as_string(),
            "the platform cannot be reached");
  EXPECT_TRUE(wants({"failed"}, failed));
  EXPECT_FALSE(wants({"failed"}, notice));
  EXPECT_TRUE(wants({}, notice));

  EmailConfig email;
  email.from = "meterbridge@vendor.example";
  email.to = {"soc@msp.example"};
  std::string message = alerts_notification_email(email, connector(), notice, 1'764'928'800'000);
  EXPECT_NE(message.find("Subject: meterbridge: acme (Acme IT) alerts run partial\r\n"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("&lt;board&gt;"), std::string::npos) << "the HTML part is escaped";
  EXPECT_NE(message.find("- al-1: opened (ticket 5012)"), std::string::npos) << message;
}

TEST(Notifications, WebhookPostsTheJsonSummaryWithItsBearerSecret) {
  auto sim = sim::Simulator::start("test", {});
  http::HttpEngine engine;
  ::setenv("MB_TEST_HOOK_SECRET", "hook-secret-123", 1);
  NotificationsConfig channels;
  channels.webhook = WebhookConfig{sim->base_url() + "/api/echo", "${env:MB_TEST_HOOK_SECRET}", {}};
  Notifier notifier(engine, ".");
  auto results = notifier.notify(channels, connector(), sample_report("ok"), {});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok()) << results[0].message();

  sim::testing::RawHttpConnection c(sim->port());
  auto log = c.send("GET", "/_sim/requests");
  ASSERT_TRUE(log.response);
  auto doc = boost::json::parse(log.response->body);
  const auto& requests = doc.at("requests").as_array();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].at("method").as_string(), "POST");
  std::string dumped = boost::json::serialize(requests[0]);
  EXPECT_NE(dumped.find("Bearer hook-secret-123"), std::string::npos) << dumped;
}

TEST(Notifications, AFailingWebhookIsReportedNotThrown) {
  http::HttpEngine engine;
  NotificationsConfig channels;
  channels.webhook = WebhookConfig{"http://127.0.0.1:9/nothing-listens-here", "", {}};
  Notifier notifier(engine, ".");
  auto results = notifier.notify(channels, connector(), sample_report("failed"), {});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok());
}

// A minimal SMTP server on loopback that accepts one message and keeps the whole conversation.
// It offers AUTH PLAIN but never STARTTLS, like a misconfigured or downgrading server.
class SmtpSink {
 public:
  SmtpSink() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 1);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SmtpSink() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string transcript() {
    if (thread_.joinable()) thread_.join();
    return transcript_;
  }

 private:
  void serve() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) return;  // bounded: the test fails instead of hanging
    int c = ::accept(fd_, nullptr, nullptr);
    auto say = [&](const std::string& s) { (void)::write(c, s.data(), s.size()); };
    say("220 sink ESMTP\r\n");
    std::string buffer;
    bool in_data = false;
    bool awaiting_credentials = false;
    char chunk[4096];
    for (int rounds = 0; rounds < 1000; ++rounds) {
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 20000) <= 0) break;
      ssize_t n = ::read(c, chunk, sizeof(chunk));
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      transcript_.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while (!in_data && (nl = buffer.find("\r\n")) != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 2);
        if (awaiting_credentials) {
          awaiting_credentials = false;
          say("235 2.7.0 accepted\r\n");
        } else if (line.rfind("EHLO", 0) == 0)
          say("250-sink\r\n250 AUTH PLAIN\r\n");
        else if (line.rfind("HELO", 0) == 0)
          say("250 sink\r\n");
        else if (line == "AUTH PLAIN") {
          awaiting_credentials = true;
          say("334 \r\n");
        } else if (line.rfind("AUTH", 0) == 0)
          say("235 2.7.0 accepted\r\n");
        else if (line.rfind("MAIL", 0) == 0 || line.rfind("RCPT", 0) == 0)
          say("250 ok\r\n");
        else if (line == "DATA") {
          say("354 go ahead\r\n");
          in_data = true;
        } else if (line == "QUIT") {
          say("221 bye\r\n");
          ::close(c);
          return;
        } else
          say("250 ok\r\n");
      }
      if (in_data && buffer.find("\r\n.\r\n") != std::string::npos) {
        buffer.erase(0, buffer.find("\r\n.\r\n") + 5);
        in_data = false;
        say("250 queued\r\n");
      }
    }
    ::close(c);
  }

  int fd_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string transcript_;
};

constexpr char kSmtpPassword[] = "smtp-pw-never-in-clear-42";

// An email channel to `sink` that logs in with a password from the environment.
EmailConfig email_with_login(const SmtpSink& sink) {
  ::setenv("MB_TEST_SMTP_PASSWORD", kSmtpPassword, 1);
  EmailConfig email;
  email.smtp_url = "smtp://127.0.0.1:" + std::to_string(sink.port());
  email.from = "meterbridge@vendor.example";
  email.to = {"billing@msp.example", "ops@msp.example"};
  email.username = "mailer";
  email.password = "${env:MB_TEST_SMTP_PASSWORD}";
  return email;
}

// Sends the sample report through `email` only and returns the outcome.
Status send_report(const EmailConfig& email) {
  http::HttpEngine engine;
  NotificationsConfig channels;
  channels.email = email;
  Notifier notifier(engine, ".");
  auto results = notifier.notify(channels, connector(), sample_report("partial"), {});
  if (results.size() != 1) return Status::Fatal("expected one result");
  return results[0];
}

TEST(Notifications, EmailIsNotSentWhenTheServerDoesNotOfferStartTls) {
  SmtpSink sink;
  Status sent = send_report(email_with_login(sink));
  EXPECT_FALSE(sent.ok());
  EXPECT_NE(sent.message().find("does not offer STARTTLS"), std::string::npos) << sent.message();
  EXPECT_EQ(sent.message().find(kSmtpPassword), std::string::npos);
  std::string t = sink.transcript();
  EXPECT_NE(t.find("EHLO"), std::string::npos) << t;
  EXPECT_EQ(t.find("AUTH"), std::string::npos) << "credentials were offered in clear:\n" << t;
  EXPECT_EQ(t.find("MAIL FROM"), std::string::npos) << t;
  EXPECT_EQ(t.find("Subject:"), std::string::npos) << t;
}

TEST(Notifications, EmailGoesInClearOnlyWhenTheConfigSaysTlsNone) {
  SmtpSink sink;
  EmailConfig relay = email_with_login(sink);
  relay.require_tls = false;  // "tls": "none": a relay on this host
  Status sent = send_report(relay);
  EXPECT_TRUE(sent.ok()) << sent.message();
  std::string t = sink.transcript();
  EXPECT_NE(t.find("AUTH PLAIN"), std::string::npos) << t;
  EXPECT_NE(t.find("MAIL FROM:<meterbridge@vendor.example>"), std::string::npos) << t;
  EXPECT_NE(t.find("RCPT TO:<ops@msp.example>"), std::string::npos);
  EXPECT_NE(t.find("Subject: meterbridge: acme (Acme IT) sync partial"), std::string::npos);
  EXPECT_NE(t.find("held"), std::string::npos);
}

TEST(Notifications, PlainSmtpNeverSendsCredentialsBeyondLoopback) {
  EmailConfig email;
  email.smtp_url = "smtp://192.0.2.25:25";  // TEST-NET-1: refused before any connection
  email.require_tls = false;
  email.from = "meterbridge@vendor.example";
  email.to = {"ops@msp.example"};
  email.username = "mailer";
  email.password = kSmtpPassword;
  Status sent = send_report(email);
  EXPECT_EQ(sent.code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(sent.message().find("in clear to 192.0.2.25"), std::string::npos) << sent.message();
}

TEST(Notifications, EmailTlsIsRequiredUnlessTheConfigSaysNone) {
  testing::TempDir dir;
  auto config_with = [&](const std::string& tls_field) {
    return load_config(dir.write(
        "mb.json",
        R"({"plugins": {"dir": "."}, "notifications": {"email": {"smtp_url": "smtp://127.0.0.1:25",
        "from": "mb@vendor.example", "to": ["ops@msp.example"])" +
            tls_field + R"(}}, "connectors": []})"));
  };
  auto by_default = config_with("");
  ASSERT_TRUE(by_default) << by_default.status().message();
  EXPECT_TRUE(by_default->notifications.email->require_tls);
  auto relay = config_with(R"(, "tls": "none")");
  ASSERT_TRUE(relay) << relay.status().message();
  EXPECT_FALSE(relay->notifications.email->require_tls);
  auto typo = config_with(R"(, "tls": "off")");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.status().message().find("/notifications/email/tls"), std::string::npos)
      << typo.status().message();
}

}  // namespace
}  // namespace mb
