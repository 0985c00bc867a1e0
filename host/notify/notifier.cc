#include "host/notify/notifier.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include "host/common/clock.h"
#include "host/common/redaction.h"
#include "host/sync/planner.h"

namespace mb {

bool wants(const std::vector<std::string>& on, const SyncReport& report) {
  if (on.empty()) return true;
  auto held = report.counts.find(outcome::kHeld);
  bool has_held = held != report.counts.end() && held->second > 0;
  for (const auto& state : on) {
    if (state == to_text(report.run.state)) return true;
    if (state == "held" && has_held) return true;
  }
  return false;
}

namespace {

// The run's state as a subject says it: "needs attention", not "needs_attention".
std::string state_words(const SyncRun& run) {
  std::string words(to_text(run.state));
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

// Lines worth a reader's attention: everything but what went as planned.
bool needs_attention(const SyncLine& line) {
  return line.outcome != outcome::kUnchanged && line.outcome != outcome::kUpdated &&
         line.outcome != outcome::kWouldUpdate;
}

// The lines that need attention, at most kMaxAttentionLines of them: a notification is a
// summary; `runs show` has everything.
std::vector<const SyncLine*> attention_lines(const SyncReport& report) {
  std::vector<const SyncLine*> lines;
  for (const SyncLine& l : report.lines) {
    if (lines.size() == kMaxAttentionLines) break;
    if (needs_attention(l)) lines.push_back(&l);
  }
  return lines;
}

std::string workspace_name(const ReportNames& names, const std::string& workspace_id) {
  auto it = names.workspaces.find(workspace_id);
  return it == names.workspaces.end() ? workspace_id : it->second;
}

// What the run was, in a subject: a reconcile and a dry run wrote nothing, and say so.
std::string_view run_kind(const SyncRun& run) {
  if (run.trigger == "reconcile") return "reconcile";
  if (run.dry_run) return "dry run";
  return "sync";
}

std::string html_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number_text(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : std::string("-");
}

// The plain-text part: the table `meterbridge sync` prints, then every line that needs
// attention with its whole reason in one place, apart from the table's columns.
std::string plain_text_report(const SyncReport& report, const ReportNames& names) {
  ReportOptions options;
  options.max_lines = 100;
  options.partial_lines = true;  // a report keeps only the lines worth reading
  std::string text = format_run_text(report.run, report.lines, names, report.notes, options);
  std::string reasons;
  for (const SyncLine* line : attention_lines(report)) {
    const SyncLine& l = *line;
    reasons += "- " + workspace_name(names, l.workspace_id) + " / " + l.service_id + ": " +
               l.outcome + " (" + number_text(l.current) + " -> " + number_text(l.target) + ")" +
               (l.message.empty() ? "" : ": " + l.message) + "\n";
  }
  if (!reasons.empty()) text += "\nNeeds attention:\n" + reasons;
  return text;
}

// The HTML part: the same facts as a table a mail client renders.
std::string html_report(const SyncReport& report, const ReportNames& names) {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p>" +
                     html_escaped(run_summary_line(report.run)) + "</p>\n";
  std::string rows;
  for (const SyncLine* line : attention_lines(report)) {
    const SyncLine& l = *line;
    rows += "<tr><td>" + html_escaped(workspace_name(names, l.workspace_id)) + "</td><td>" +
            html_escaped(l.service_id) + "</td><td>" + html_escaped(l.outcome) + "</td><td>" +
            number_text(l.current) + "</td><td>" + number_text(l.target) + "</td><td>" +
            html_escaped(l.message) + "</td></tr>\n";
  }
  if (!rows.empty())
    html +=
        "<h3>Needs attention</h3>\n<table border=\"1\" cellpadding=\"4\">\n<tr><th>Workspace"
        "</th><th>Service</th><th>Outcome</th><th>Current</th><th>Target</th><th>Reason"
        "</th></tr>\n" +
        rows + "</table>\n";
  if (!report.notes.empty()) {
    html += "<ul>\n";
    for (const auto& n : report.notes) html += "<li>" + html_escaped(n) + "</li>\n";
    html += "</ul>\n";
  }
  return html + "</body></html>\n";
}

// CRLF line endings, and no line longer than SMTP's 998 octets (a long reason is broken, not
// refused by a relay).
std::string smtp_lines(std::string_view text) {
  constexpr size_t kMaxLine = 998;
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  size_t column = 0;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n' || column == kMaxLine) {
      out += "\r\n";
      column = 0;
      if (c == '\n') continue;
    }
    out += c;
    ++column;
  }
  return out;
}

// The domain a Message-ID names: the sender's, which the sender controls.
std::string message_id_domain(const std::string& from) {
  std::string domain =
      from.substr(from.rfind('@') == std::string::npos ? from.size() : from.rfind('@') + 1);
  while (!domain.empty() && (domain.back() == '>' || domain.back() == ' ')) domain.pop_back();
  for (char c : domain) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    if (!ok) return "meterbridge.invalid";
  }
  return domain.empty() ? "meterbridge.invalid" : domain;
}

std::string message_id_part(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

// The whole message: headers, then the plain and HTML alternatives. libcurl does the SMTP
// transparency (dot-stuffing); the text only needs CRLF endings.
std::string mime_message(const EmailConfig& email, const std::string& subject,
                         const std::string& unique, const std::string& plain,
                         const std::string& html, int64_t now_ms) {
  std::string to;
  for (const auto& r : email.to) to += (to.empty() ? "" : ", ") + r;
  const std::string boundary = "=_meterbridge_" + unique;
  auto part = [&](std::string_view type, const std::string& body) {
    return "--" + boundary + "\r\nContent-Type: " + std::string(type) +
           "; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + smtp_lines(body) + "\r\n";
  };
  return "Date: " + format_rfc5322_date(now_ms) + "\r\nFrom: " + email.from + "\r\nTo: " + to +
         "\r\nSubject: " + subject + "\r\nMessage-ID: <meterbridge." + unique + "@" +
         message_id_domain(email.from) +
         ">\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"" + boundary +
         "\"\r\n\r\n" + part("text/plain", plain) + part("text/html", html) + "--" + boundary +
         "--\r\n";
}

std::string subject_for(const ConnectorConfig& connector, const std::string& what) {
  return "meterbridge: " + connector.id +
         (connector.partner.empty() ? "" : " (" + connector.partner + ")") + " " + what;
}

}  // namespace

std::string_view notification_event(const SyncRun& run) {
  if (run.trigger == "reconcile") return "reconcile.completed";
  if (run.dry_run) return "sync.dry_run";
  return "sync.completed";
}

std::string format_rfc5322_date(int64_t epoch_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

boost::json::value notification_payload(const ConnectorConfig& connector, const SyncReport& report,
                                        const ReportNames& names) {
  boost::json::object run = run_header_to_json(report.run).as_object();
  boost::json::array attention;
  for (const SyncLine* line : attention_lines(report)) {
    const SyncLine& l = *line;
    auto num = [](const std::optional<int64_t>& v) {
      return v ? boost::json::value(*v) : boost::json::value(nullptr);
    };
    attention.push_back(boost::json::object{{"workspace_id", l.workspace_id},
                                            {"workspace", workspace_name(names, l.workspace_id)},
                                            {"service_id", l.service_id},
                                            {"outcome", l.outcome},
                                            {"current", num(l.current)},
                                            {"target", num(l.target)},
                                            {"message", l.message}});
  }
  boost::json::array notes;
  for (const auto& n : report.notes) notes.emplace_back(n);
  return boost::json::object{{"event", notification_event(report.run)},
                             {"connector", connector.id},
                             {"partner", connector.partner},
                             {"summary", run_summary_line(report.run)},
                             {"run", run},
                             {"needs_attention", attention},
                             {"notes", notes}};
}

std::string notification_email(const EmailConfig& email, const ConnectorConfig& connector,
                               const SyncReport& report, const ReportNames& names, int64_t now_ms) {
  const std::string unique = message_id_part(connector.id) + ".run-" +
                             std::to_string(report.run.id) + "." + std::to_string(now_ms);
  return mime_message(
      email,
      subject_for(connector, std::string(run_kind(report.run)) + " " + state_words(report.run)),
      unique, plain_text_report(report, names), html_report(report, names), now_ms);
}

// ---- Alerts runs ----

namespace {

bool opened_a_ticket(const AlertRunLine& l) {
  return l.outcome == "opened" || l.outcome == "found";
}
bool alert_needs_attention(const AlertRunLine& l) {
  return l.outcome == "failed" || l.outcome == "not_routed";
}

std::string alerts_summary(const ConnectorConfig& connector, const AlertRunNotice& notice) {
  if (notice.state == "failed")
    return connector.id + ": alerts run failed: " + redact(notice.error);
  std::string text =
      connector.id + ": alerts run " + std::to_string(notice.run.id) + " " + notice.state + " — ";
  bool first = true;
  for (const auto& [outcome, n] : notice.run.counts) {
    text += (first ? "" : ", ") + std::to_string(n) + " " + outcome;
    first = false;
  }
  if (first) text += "every alert's ticket is up to date";
  return text;
}

// The lines `pick` selects, at most kMaxAttentionLines.
template <typename Pick>
boost::json::array alert_lines_json(const AlertRun& run, Pick pick) {
  boost::json::array out;
  for (const AlertRunLine& l : run.lines) {
    if (out.size() == kMaxAttentionLines) break;
    if (!pick(l)) continue;
    out.push_back(boost::json::object{{"alert_id", l.alert_id},
                                      {"outcome", l.outcome},
                                      {"ticket_id", l.ticket_id},
                                      {"message", redact(l.message)}});
  }
  return out;
}

}  // namespace

AlertRunNotice alert_run_notice(const AlertRun& run) {
  return {run, run.counts.count("failed") ? "partial" : "ok", ""};
}

AlertRunNotice failed_alert_run_notice(const std::string& connector_id, const std::string& trigger,
                                       const std::string& error) {
  AlertRun run;
  run.connector_id = connector_id;
  run.trigger = trigger;
  return {run, "failed", error};
}

bool wants(const std::vector<std::string>& on, const AlertRunNotice& notice) {
  return on.empty() || std::find(on.begin(), on.end(), notice.state) != on.end();
}

boost::json::value alerts_notification_payload(const ConnectorConfig& connector,
                                               const AlertRunNotice& notice) {
  boost::json::object counts;
  for (const auto& [outcome, n] : notice.run.counts) counts[outcome] = n;
  boost::json::object run{{"id", notice.run.id},
                          {"trigger", notice.run.trigger},
                          {"state", notice.state},
                          {"started_at", notice.run.started_at},
                          {"finished_at", notice.run.finished_at},
                          {"counts", std::move(counts)}};
  if (!notice.error.empty()) run["error"] = redact(notice.error);
  return boost::json::object{
      {"event", "alerts.completed"},
      {"connector", connector.id},
      {"partner", connector.partner},
      {"summary", alerts_summary(connector, notice)},
      {"run", std::move(run)},
      {"tickets_opened", alert_lines_json(notice.run, opened_a_ticket)},
      {"needs_attention", alert_lines_json(notice.run, alert_needs_attention)}};
}

std::string alerts_notification_email(const EmailConfig& email, const ConnectorConfig& connector,
                                      const AlertRunNotice& notice, int64_t now_ms) {
  const std::string unique = message_id_part(connector.id) + ".alerts-" +
                             std::to_string(notice.run.id) + "." + std::to_string(now_ms);
  std::string plain = alerts_summary(connector, notice) + "\n";
  std::string rows;
  for (const AlertRunLine& l : notice.run.lines) {
    plain += "- " + l.alert_id + ": " + l.outcome +
             (l.ticket_id.empty() ? "" : " (ticket " + l.ticket_id + ")") +
             (l.message.empty() ? "" : ": " + redact(l.message)) + "\n";
    rows += "<tr><td>" + html_escaped(l.alert_id) + "</td><td>" + html_escaped(l.outcome) +
            "</td><td>" + html_escaped(l.ticket_id) + "</td><td>" +
            html_escaped(redact(l.message)) + "</td></tr>\n";
  }
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p>" +
                     html_escaped(alerts_summary(connector, notice)) + "</p>\n";
  if (!rows.empty())
    html +=
        "<table border=\"1\" cellpadding=\"4\">\n<tr><th>Alert</th><th>Outcome</th>"
        "<th>Ticket</th><th>Detail</th></tr>\n" +
        rows + "</table>\n";
  html += "</body></html>\n";
  return mime_message(email, subject_for(connector, "alerts run " + notice.state), unique, plain,
                      html, now_ms);
}

Notifier::Notifier(http::HttpEngine& engine, std::filesystem::path config_dir)
    : engine_(engine), config_dir_(std::move(config_dir)) {}

template <typename WantsFn, typename EmailFn>
std::vector<Status> Notifier::send(const NotificationsConfig& channels,
                                   const ConnectorConfig& connector, WantsFn wanted,
                                   const std::string& webhook_body, EmailFn email) {
  std::vector<Status> out;
  if (channels.webhook && wanted(channels.webhook->on)) {
    Status s = send_webhook(*channels.webhook, webhook_body);
    if (!s.ok())
      spdlog::warn("connector {}: webhook notification failed: {}", connector.id, s.message());
    out.push_back(s);
  }
  if (channels.email && wanted(channels.email->on)) {
    Status s = send_email(*channels.email, email(*channels.email));
    if (!s.ok())
      spdlog::warn("connector {}: email notification failed: {}", connector.id, s.message());
    out.push_back(s);
  }
  return out;
}

std::vector<Status> Notifier::notify(const NotificationsConfig& channels,
                                     const ConnectorConfig& connector, const SyncReport& report,
                                     const ReportNames& names) {
  return send(
      channels, connector, [&](const std::vector<std::string>& on) { return wants(on, report); },
      boost::json::serialize(notification_payload(connector, report, names)),
      [&](const EmailConfig& email) {
        return notification_email(email, connector, report, names,
                                  SystemClock::instance().now_ms());
      });
}

std::vector<Status> Notifier::notify_alerts(const NotificationsConfig& channels,
                                            const ConnectorConfig& connector,
                                            const AlertRunNotice& notice) {
  return send(
      channels, connector, [&](const std::vector<std::string>& on) { return wants(on, notice); },
      boost::json::serialize(alerts_notification_payload(connector, notice)),
      [&](const EmailConfig& email) {
        return alerts_notification_email(email, connector, notice,
                                         SystemClock::instance().now_ms());
      });
}

Status Notifier::send_webhook(const WebhookConfig& hook, const std::string& body) {
  http::HttpPolicy policy;
  policy.max_retries = 3;
  std::vector<std::string> secrets;
  http::HttpRequest request;
  request.method = "POST";
  request.url = hook.url;
  request.body = body;
  request.idempotent = true;  // the payload names its run: receivers can de-duplicate
  request.endpoint = "webhook";
  request.headers = {{"Content-Type", "application/json"}};
  if (!hook.secret.empty()) {
    auto secret = resolve_secret_reference(hook.secret, config_dir_);
    if (!secret) return secret.status();
    SecretRegistry::global().add(*secret);
    secrets.push_back(*secret);
    request.headers.emplace_back("Authorization", "Bearer " + *secret);
  }
  auto client = engine_.make_client("notifications", policy, secrets);
  if (!client) return client.status();
  std::vector<http::HttpRequest> batch;
  batch.push_back(std::move(request));
  http::BatchOutcome outcome = (*client)->execute(std::move(batch), nullptr);
  if (!outcome.status.ok()) return outcome.status;
  const http::HttpResponse& r = outcome.responses.front();
  if (r.status == 0) return Status(r.error_class, "webhook: " + r.error_message);
  if (r.status < 200 || r.status >= 300)
    return Status::Fatal("webhook answered HTTP " + std::to_string(r.status));
  return Status::Ok();
}

namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t room = size * count;
  size_t left = up->data->size() - up->offset;
  size_t n = std::min(room, left);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

void curl_once() {
  static std::once_flag flag;
  std::call_once(flag, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The host of an SMTP URL as libcurl reads it ("[::1]" for IPv6), or empty when unparsable.
std::string smtp_host(const std::string& url) {
  CURLU* parsed = curl_url();
  std::string host;
  char* part = nullptr;
  if (parsed != nullptr && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(parsed, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
    host = part;
    curl_free(part);
  }
  curl_url_cleanup(parsed);
  return host;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

// Why this email config may not be used as written; empty when it may. Plain SMTP is an
// explicit choice for a local relay, and even then a password never leaves the machine in clear.
std::string plain_smtp_refusal(const EmailConfig& email) {
  if (email.require_tls || email.smtp_url.rfind("smtps://", 0) == 0) return "";
  if (email.username.empty() && email.password.empty()) return "";
  std::string host = smtp_host(email.smtp_url);
  if (is_loopback_host(host)) return "";
  return "email: \"tls\": \"none\" would send the SMTP credentials in clear to " +
         (host.empty() ? std::string("the server") : host) +
         "; without TLS a username or password is only sent to a relay on loopback";
}

Status email_failure(CURLcode rc, const EmailConfig& email) {
  if (rc == CURLE_USE_SSL_FAILED)
    return Status::Fatal(
        "email: the SMTP server " + redact(smtp_host(email.smtp_url)) +
        " does not offer STARTTLS, so nothing was sent (credentials would go in clear); "
        "enable STARTTLS on it, use smtps://, or set \"tls\": \"none\" for a local relay");
  return Status::Retry(std::string("email: ") + redact(curl_easy_strerror(rc)));
}

}  // namespace

Status Notifier::send_email(const EmailConfig& email, const std::string& message) {
  curl_once();
  if (std::string refusal = plain_smtp_refusal(email); !refusal.empty())
    return Status::ConfigInvalid(refusal);
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Fatal("email: libcurl failed to initialise");
  std::string password;
  if (!email.password.empty()) {
    auto p = resolve_secret_reference(email.password, config_dir_);
    if (!p) {
      curl_easy_cleanup(curl);
      return p.status();
    }
    password = *p;
    SecretRegistry::global().add(password);
  }
  std::string from = "<" + email.from + ">";
  curl_slist* rcpt = nullptr;
  for (const auto& r : email.to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  Upload upload{&message};
  curl_easy_setopt(curl, CURLOPT_URL, email.smtp_url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // smtp:// must upgrade with STARTTLS before anything else is said (libcurl gives up without
  // sending AUTH or the mail when the server does not offer it); smtps:// is TLS from the first
  // byte. Only an explicit "tls": "none" talks plain SMTP. Certificates are always verified.
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   static_cast<long>(email.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!email.username.empty()) curl_easy_setopt(curl, CURLOPT_USERNAME, email.username.c_str());
  if (!password.empty()) curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return email_failure(rc, email);
  return Status::Ok();
}

}  // namespace mb
