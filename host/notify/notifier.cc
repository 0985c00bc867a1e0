#include "host/notify/notifier.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <cstring>
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

boost::json::value notification_payload(const ConnectorConfig& connector, const SyncReport& report,
                                        const ReportNames& names) {
  boost::json::object run = run_header_to_json(report.run).as_object();
  boost::json::array attention;
  for (const auto& l : report.lines) {
    if (l.outcome == outcome::kUnchanged || l.outcome == outcome::kUpdated ||
        l.outcome == outcome::kWouldUpdate)
      continue;
    auto ws = names.workspaces.find(l.workspace_id);
    auto num = [](const std::optional<int64_t>& v) {
      return v ? boost::json::value(*v) : boost::json::value(nullptr);
    };
    attention.push_back(boost::json::object{
        {"workspace_id", l.workspace_id},
        {"workspace", ws == names.workspaces.end() ? l.workspace_id : ws->second},
        {"service_id", l.service_id},
        {"outcome", l.outcome},
        {"current", num(l.current)},
        {"target", num(l.target)},
        {"message", l.message}});
    if (attention.size() >= 500) break;  // a webhook is a summary; `runs show` has everything
  }
  boost::json::array notes;
  for (const auto& n : report.notes) notes.emplace_back(n);
  return boost::json::object{{"event", "sync.completed"},
                             {"connector", connector.id},
                             {"partner", connector.partner},
                             {"summary", run_summary_line(report.run)},
                             {"run", run},
                             {"needs_attention", attention},
                             {"notes", notes}};
}

std::string notification_email(const EmailConfig& email, const ConnectorConfig& connector,
                               const SyncReport& report, const ReportNames& names, int64_t now_ms) {
  std::string to;
  for (const auto& r : email.to) to += (to.empty() ? "" : ", ") + r;
  std::string subject = "meterbridge: " + connector.id +
                        (connector.partner.empty() ? "" : " (" + connector.partner + ")") +
                        " sync " + std::string(to_text(report.run.state));
  ReportOptions options;
  options.max_lines = 100;
  std::string body = format_run_text(report.run, report.lines, names, report.notes, options);
  std::string message = "Date: " + format_iso8601_utc(now_ms) + "\r\nFrom: " + email.from +
                        "\r\nTo: " + to + "\r\nSubject: " + subject +
                        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  // Normalise line endings and dot-stuff nothing: libcurl handles the SMTP transparency.
  for (char c : body) {
    if (c == '\n')
      message += "\r\n";
    else
      message += c;
  }
  return message;
}

Notifier::Notifier(http::HttpEngine& engine, std::filesystem::path config_dir)
    : engine_(engine), config_dir_(std::move(config_dir)) {}

std::vector<Status> Notifier::notify(const NotificationsConfig& channels,
                                     const ConnectorConfig& connector, const SyncReport& report,
                                     const ReportNames& names) {
  std::vector<Status> out;
  if (channels.webhook && wants(channels.webhook->on, report)) {
    Status s = send_webhook(*channels.webhook,
                            boost::json::serialize(notification_payload(connector, report, names)));
    if (!s.ok())
      spdlog::warn("connector {}: webhook notification failed: {}", connector.id, s.message());
    out.push_back(s);
  }
  if (channels.email && wants(channels.email->on, report)) {
    Status s =
        send_email(*channels.email, notification_email(*channels.email, connector, report, names,
                                                       SystemClock::instance().now_ms()));
    if (!s.ok())
      spdlog::warn("connector {}: email notification failed: {}", connector.id, s.message());
    out.push_back(s);
  }
  return out;
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
