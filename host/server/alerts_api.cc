#include "host/server/alerts_api.h"

#include <boost/json.hpp>

#include <charconv>

#include <spdlog/spdlog.h>

#include "host/app/alert_operations.h"
#include "host/app/ticket_operations.h"
#include "host/common/clock.h"
#include "host/plugin/loader.h"
#include "host/server/api_body.h"

namespace mb::server::alerts_api {
namespace {

namespace bj = boost::json;

constexpr int64_t kDefaultListLimit = 100;
constexpr int64_t kMaxListLimit = 1000;
constexpr int64_t kDefaultRunsLimit = 20;
constexpr int64_t kMaxRunsLimit = 200;

// A limit query parameter: 1..max, `fallback` when absent.
Result<int64_t> read_limit(const ApiRequest& request, int64_t fallback, int64_t max) {
  int64_t limit = fallback;
  if (auto given = request.query.find("limit"); given != request.query.end()) {
    const std::string& text = given->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > max)
      return Status::ConfigInvalid("limit must be 1.." + std::to_string(max));
  }
  return limit;
}

}  // namespace

Result<bj::value> push(app::App& app, const ApiRequest& request) {
  std::string type = request.header("content-type");
  if (!type.empty() && type.find("json") == std::string::npos)
    return Status::ConfigInvalid("alerts must be JSON (Content-Type: application/json), not '" +
                                 type + "'");
  if (auto query = read_query(request, {}, {}); !query) return query.status();
  auto pushed = ops::push_alerts(app, request.body, "api");
  if (!pushed) return pushed.status();
  bj::value report = ops::alerts_pushed_to_json(*pushed);
  // Routed soon, not at the next sync: an alerts job per routing connector, coalesced with
  // the other pushes of its window (docs/alerts.md). The alerts are stored whatever happens
  // here; a job not queued only leaves them for the connector's next sync.
  bj::array queued;
  if (pushed->created + pushed->updated > 0) {
    auto jobs = ops::enqueue_alert_runs(app, SystemClock::instance().now_ms());
    if (!jobs)
      spdlog::warn("alerts pushed; no alerts run queued for them: {}", jobs.status().message());
    else
      for (const auto& id : *jobs) queued.emplace_back(id);
  }
  report.as_object()["alert_runs_queued"] = std::move(queued);
  return report;
}

Result<bj::value> list(app::App& app, const ApiRequest& request) {
  if (auto query = read_query(request, {"after", "limit"}, {}); !query) return query.status();
  auto given_limit = read_limit(request, kDefaultListLimit, kMaxListLimit);
  if (!given_limit) return given_limit.status();
  const int64_t limit = *given_limit;
  auto after = request.query.find("after");
  auto store = app.store();
  if (!store) return store.status();
  auto alerts = (*store)->list_alerts(after == request.query.end() ? "" : after->second,
                                      static_cast<size_t>(limit));
  if (!alerts) return alerts.status();
  bj::array listed;
  for (const auto& a : *alerts) listed.push_back(ops::alert_to_json(a));
  bj::object page{{"alerts", std::move(listed)}};
  // A full page may have more after it: the client asks again from the last id.
  if (static_cast<int64_t>(alerts->size()) == limit) page["next_after"] = alerts->back().id;
  return bj::value(std::move(page));
}

Result<bj::value> show(app::App& app, const std::string& alert_id) {
  auto store = app.store();
  if (!store) return store.status();
  auto alert = (*store)->get_alert(alert_id);
  if (!alert) return alert.status();
  if (!*alert) return Status::NotFound("no alert '" + alert_id + "'");
  auto changes = (*store)->list_alert_changes(alert_id);
  if (!changes) return changes.status();
  return bj::value(ops::alert_with_history_to_json(**alert, *changes));
}

Result<Answered> sync_connector_alerts(app::App& app, const ApiRequest& request,
                                       const std::string& connector_id) {
  auto body = read_body(request, {{"queue", FieldKind::kBool}});
  if (!body) return body.status();
  if (body->flag("queue")) {
    auto job = ops::enqueue_alerts_now(app, connector_id, "api");
    if (!job) return job.status();
    return Answered{202, bj::object{{"job_id", job->id},
                                    {"connector_id", job->connector_id},
                                    {"state", to_text(job->state)},
                                    {"window_key", job->window_key}}};
  }
  auto run = ops::sync_alerts(app, connector_id, "api");
  if (!run) return run.status();
  return Answered{200, ops::alert_run_to_json(*run)};
}

Result<bj::value> connector_alerts(app::App& app, const ApiRequest& request,
                                   const std::string& connector_id) {
  if (auto query = read_query(request, {}, {}); !query) return query.status();
  auto connector = app.connector(connector_id);
  if (!connector) return connector.status();
  auto store = app.store();
  if (!store) return store.status();
  auto tickets = (*store)->list_alert_tickets(connector_id);
  if (!tickets) return tickets.status();
  bj::array listed;
  for (const AlertTicket& t : *tickets) {
    auto alert = (*store)->get_alert(t.alert_id);
    if (!alert) return alert.status();
    bj::object entry{{"alert_id", t.alert_id},           {"state", to_text(t.state)},
                     {"ticket_id", t.ticket_id},         {"reason", t.reason},
                     {"alert_version", t.alert_version}, {"updated_at", t.updated_at}};
    if (*alert) entry["alert"] = ops::alert_to_json(**alert);
    listed.push_back(std::move(entry));
  }
  // Whether a policy could apply: the plugin offers tickets (the permissions check needs no
  // policy, it shows what one is written from).
  bool offers_tickets = false;
  if (auto plugins = app.plugins(); plugins)
    if (auto plugin = (*plugins)->find((*connector)->plugin))
      offers_tickets = plugin->manifest().has_capability("tickets");
  return bj::value(bj::object{
      {"connector", connector_id},
      {"routes_alerts", (*connector)->alerts.has_value() && (*connector)->alerts->enabled},
      {"tickets", offers_tickets},
      {"from_config", !(*connector)->from_console},
      {"alerts", std::move(listed)}});
}

Result<bj::value> connector_alert_runs(app::App& app, const ApiRequest& request,
                                       const std::string& connector_id) {
  if (auto query = read_query(request, {"limit"}, {}); !query) return query.status();
  auto limit = read_limit(request, kDefaultRunsLimit, kMaxRunsLimit);
  if (!limit) return limit.status();
  auto connector = app.connector(connector_id);
  if (!connector) return connector.status();
  auto store = app.store();
  if (!store) return store.status();
  auto runs = (*store)->list_alert_runs(connector_id, static_cast<int>(*limit));
  if (!runs) return runs.status();
  bj::array listed;
  for (const AlertRun& run : *runs) listed.push_back(ops::alert_run_to_json(run));
  return bj::value(bj::object{{"runs", std::move(listed)}});
}

Result<bj::value> check_connector_alerts(app::App& app, const ApiRequest& request,
                                         const std::string& connector_id) {
  if (auto query = read_query(request, {}, {}); !query) return query.status();
  auto check = ops::check_alerts(app, connector_id);
  if (!check) return check.status();
  return bj::value(ops::alerts_check_to_json(*check));
}

}  // namespace mb::server::alerts_api
