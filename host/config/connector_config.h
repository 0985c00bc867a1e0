// ConnectorConfig: one connector as the config file declares it (plugin, partner, plugin
// config, policies, declared mappings, HTTP overrides, schedule, notifications). Apart from
// Config so the parts that run one connector (the sync engine, the planner) see only this and
// never the whole deployment's config.
#ifndef METERBRIDGE_HOST_CONFIG_CONNECTOR_CONFIG_H_
#define METERBRIDGE_HOST_CONFIG_CONNECTOR_CONFIG_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/alerts/alert_policy.h"

namespace mb {

struct Policies {
  std::string decreases = "auto";        // auto | require_approval | never
  std::string effective_date = "today";  // today | first_of_month | first_of_next_month
  bool dry_run = false;
  std::optional<double> max_change_ratio;
  // Safety policies (docs/sync.md): on by default, because a wrong zero or a mass decrease
  // costs the MSP real money before anyone notices.
  bool hold_drops_to_zero = true;       // a positive quantity going to 0 waits for approval
  double max_decrease_share = 0.2;      // more decreases than this share of a run's lines: all held
  int64_t mass_decrease_min_lines = 2;  // ... when at least this many lines decrease
  // How long an unconfirmed non-idempotent write (the write journal) holds its line before a
  // run may write it again.
  int64_t unconfirmed_write_grace_seconds = 300;
};

struct ScheduleConfig {
  bool enabled = true;
  std::string time = "02:00";
  std::string timezone = "UTC";
  int jitter_minutes = 15;
};

struct WebhookConfig {
  std::string url;
  std::string secret;  // unresolved reference or literal
  std::vector<std::string> on;
};

struct EmailConfig {
  std::string smtp_url;
  std::string username;
  std::string password;  // unresolved reference or literal
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> on;
  // "tls": "required" (the default: STARTTLS must succeed, or smtps://) or "none" (a local relay).
  bool require_tls = true;
};

struct NotificationsConfig {
  std::optional<WebhookConfig> webhook;
  std::optional<EmailConfig> email;
};

// Limits of the admin API server (docs/admin-api.md, "Limits").
struct ApiLimits {
  size_t max_connections = 1024;
  int header_timeout_seconds = 10;
  int body_timeout_seconds = 30;
  size_t max_body_bytes = 64 * 1024;
  size_t max_usage_body_bytes = 32 * 1024 * 1024;
};

struct ConnectorConfig {
  std::string id;
  std::string plugin;
  std::string partner;
  // When set, the connector only sees workspaces whose usage names this partner_id.
  std::string partner_id;
  bool enabled = true;
  // Run a library plugin in a meterbridge-plugin-runner child process ("isolation": "process").
  bool isolated = false;
  // The runner's limits ("isolation_limits", checked at load); null: the defaults.
  boost::json::value isolation_limits;
  boost::json::value plugin_config;  // as written: secret references unresolved
  Policies policies;
  // Mappings declared in the config (`map apply`): workspace -> account, service -> mapping.
  std::map<std::string, std::string> declared_accounts;
  std::map<std::string, std::pair<std::string, std::string>>
      declared_services;     // -> (psa id, metric)
  boost::json::object http;  // HTTP policy overrides
  ScheduleConfig schedule;
  NotificationsConfig notifications;
  // The alerts policy ("alerts", docs/alerts.md); nullopt: the connector routes no alerts.
  std::optional<AlertPolicy> alerts;
  std::string pointer;  // "/connectors/3", for error messages
  // Added in the web console and kept in the state store, not declared in the config file.
  bool from_console = false;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_CONFIG_CONNECTOR_CONFIG_H_
