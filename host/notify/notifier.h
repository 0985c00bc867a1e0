// Run notifications (ARCHITECTURE §6): when a run completes, a JSON summary is POSTed to the
// connector's webhook through the host's HTTP engine, and/or a plain-text report is mailed over
// SMTP (libcurl). A notification that fails is logged; it never changes the run.
//
//   Notifier notifier(engine, config_dir);
//   for (const Status& s : notifier.notify(connector.notifications, connector, report, names)) ...
#ifndef METERBRIDGE_HOST_NOTIFY_NOTIFIER_H_
#define METERBRIDGE_HOST_NOTIFY_NOTIFIER_H_

#include <boost/json/value.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/config/config.h"
#include "host/http/engine.h"
#include "host/store/model.h"
#include "host/sync/report.h"
#include "host/sync/sync_engine.h"

namespace mb {

// A webhook lists at most this many lines that need attention, an email's reasons as many.
inline constexpr size_t kMaxAttentionLines = 500;

// What a notification reports: "sync.completed", "sync.dry_run" (a preview, nothing written) or
// "reconcile.completed" (lines read back and compared, nothing written).
std::string_view notification_event(const SyncRun& run);
// "Sat, 05 Dec 2026 08:46:10 +0000": the date form RFC 5322 requires in a Date: header.
std::string format_rfc5322_date(int64_t epoch_ms);
// The webhook payload (documented in docs/admin-api.md, "Notifications").
boost::json::value notification_payload(const ConnectorConfig& connector, const SyncReport& report,
                                        const ReportNames& names);
// The email (RFC 5322, CRLF line endings, Date and Message-ID): a multipart/alternative of the
// plain-text report `meterbridge sync` prints plus every line that needs attention with its whole
// reason, and the same as HTML.
std::string notification_email(const EmailConfig& email, const ConnectorConfig& connector,
                               const SyncReport& report, const ReportNames& names, int64_t now_ms);
// Whether a run in this state (and with held lines or not) matches an "on" filter.
bool wants(const std::vector<std::string>& on, const SyncReport& report);

// An alerts run as its notifications report it (docs/alerts.md, "Notifications"). `state` is
// "ok" when no alert failed, "partial" when some did, "failed" when the run could not run at
// all (`error` says why; the run then has no id and no lines).
struct AlertRunNotice {
  AlertRun run;
  std::string state;
  std::string error;
};
AlertRunNotice alert_run_notice(const AlertRun& run);
AlertRunNotice failed_alert_run_notice(const std::string& connector_id, const std::string& trigger,
                                       const std::string& error);
bool wants(const std::vector<std::string>& on, const AlertRunNotice& notice);
// Event "alerts.completed": the run's counts, the tickets it opened (or found) and the alerts
// that need attention (failed, not routed), at most kMaxAttentionLines of each.
boost::json::value alerts_notification_payload(const ConnectorConfig& connector,
                                               const AlertRunNotice& notice);
std::string alerts_notification_email(const EmailConfig& email, const ConnectorConfig& connector,
                                      const AlertRunNotice& notice, int64_t now_ms);

class Notifier {
 public:
  Notifier(http::HttpEngine& engine, std::filesystem::path config_dir);
  // One Status per channel configured (webhook, email), in that order.
  std::vector<Status> notify(const NotificationsConfig& channels, const ConnectorConfig& connector,
                             const SyncReport& report, const ReportNames& names);
  // The same channels for an alerts run.
  std::vector<Status> notify_alerts(const NotificationsConfig& channels,
                                    const ConnectorConfig& connector, const AlertRunNotice& notice);

 private:
  // Sends `webhook_body` and `email` (built on demand) to the channels whose `on` wants it.
  template <typename WantsFn, typename EmailFn>
  std::vector<Status> send(const NotificationsConfig& channels, const ConnectorConfig& connector,
                           WantsFn wanted, const std::string& webhook_body, EmailFn email);
  Status send_webhook(const WebhookConfig& hook, const std::string& body);
  Status send_email(const EmailConfig& email, const std::string& message);

  http::HttpEngine& engine_;
  std::filesystem::path config_dir_;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_NOTIFY_NOTIFIER_H_
