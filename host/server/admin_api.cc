#include "host/server/admin_api.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "host/app/operations.h"
#include "host/app/users.h"
#include "host/common/json.h"
#include "host/common/metrics_catalog.h"
#include "host/common/redaction.h"
#include "host/server/alerts_api.h"
#include "host/server/api_body.h"
#include "host/server/connector_cards.h"
#include "host/server/console_assets.h"
#include "host/server/console_connectors.h"
#include "host/sync/report.h"

namespace mb::server {
namespace {

namespace bj = boost::json;

int http_status_for(ErrorClass c) {
  switch (c) {
    case ErrorClass::kConfigInvalid:
      return 400;
    case ErrorClass::kNotFound:
      return 404;
    case ErrorClass::kConflict:
      return 409;
    case ErrorClass::kUnsupported:
      return 501;
    case ErrorClass::kRetry:
    case ErrorClass::kRateLimited:
      return 503;
    case ErrorClass::kAuthFailed:
      return 502;  // the platform refused our credentials
    default:
      return 500;
  }
}

bj::object error_document(std::string_view code, const std::string& message,
                          bj::object details = {}) {
  return bj::object{
      {"error", bj::object{{"code", code}, {"message", message}, {"details", std::move(details)}}}};
}

Result<bj::object> body_object(const ApiRequest& req, bool allow_empty = true) {
  if (req.body.empty() && allow_empty) return bj::object();
  auto doc = mb::json::parse(req.body);
  if (!doc) return Status::ConfigInvalid("request body: " + doc.status().message());
  if (!doc->is_object()) return Status::ConfigInvalid("request body must be a JSON object");
  return doc->get_object();
}

std::optional<int64_t> to_int(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string query_value(const ApiRequest& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? "" : it->second;
}

bj::value account_json(const PsaAccount& a) {
  return bj::object{{"id", a.id},
                    {"name", a.name},
                    {"active", a.active},
                    {"excluded", a.excluded},
                    {"missing", a.missing_since.has_value()}};
}

bj::object verdict_json(const ops::ConnectorVerdict& v) {
  bj::array provisioned;
  for (const auto& note : v.provisioned) provisioned.push_back(bj::value(note));
  return bj::object{
      {"id", v.id},
      {"status", to_text(v.status)},
      {"message", v.message},
      {"error_class", v.status == ConnectorStatus::kError ? error_class_name(v.error_class) : ""},
      {"provisioned", std::move(provisioned)}};
}

// ---- Scope --------------------------------------------------------------------------------------

// Ok when the caller may reach the connector. One the caller may not reach is answered exactly
// as one that does not exist, so a partner learns nothing of other partners' connectors.
Status check_reach(app::App& app, const Principal& principal, const std::string& connector_id) {
  if (principal.vendor_wide()) return Status::Ok();
  auto config = app.config();
  if (!config) return config.status();
  const ConnectorConfig* c = (*config)->find_connector(connector_id);
  if (c != nullptr && principal.reaches(c->partner_id)) return Status::Ok();
  return Status::NotFound("no connector '" + connector_id + "' in " + (*config)->file.string());
}

// The connectors of the config the caller may reach, in config order.
Result<std::vector<std::string>> reachable_connectors(app::App& app, const Principal& principal) {
  auto config = app.config();
  if (!config) return config.status();
  std::vector<std::string> ids;
  for (const auto& c : (*config)->connectors)
    if (principal.reaches(c.partner_id)) ids.push_back(c.id);
  return ids;
}

// ---- Endpoints --------------------------------------------------------------------------------

// What an endpoint answers when it does not fail: a status and a JSON body. A failure is a
// Status, answered with its class's HTTP status and Retry-After.
struct Answer {
  Answer(int status_code, bj::value json) : status(status_code), body(std::move(json)) {}
  // A body that is not JSON (GET /metrics): `text` as is, with this Content-Type.
  static Answer plain(std::string type, std::string text_body) {
    Answer answer(200, nullptr);
    answer.content_type = std::move(type);
    answer.text = std::move(text_body);
    return answer;
  }

  int status = 200;
  bj::value body;
  std::string content_type;  // empty: `body` as JSON
  std::string text;
  bool verbatim = false;  // `text` is a console file: sent as it is, not scanned for secrets
  std::vector<std::pair<std::string, std::string>> headers;
};

// One request as its endpoint sees it.
struct Endpoint {
  app::App& app;
  const std::atomic<bool>* stop_requested;  // may be null
  const ApiRequest& request;
  const PathParams& params;
  const Principal& principal;  // who asks; empty on open routes
  ConsoleAccess& auth;
};

using EndpointFn = Result<Answer> (*)(const Endpoint&);

// Who may call an endpoint, and where it is answered.
enum class Access {
  kToken,                // a valid bearer token or console session, on a worker thread
  kOpen,                 // anyone, on a worker thread (readiness)
  kOpenAtAdmission,      // anyone, on the I/O thread from the head alone (liveness)
  kOpenIfMetricsPublic,  // anyone when the config sets api.metrics.public, else kToken
};

// What an authenticated caller must be allowed to reach, checked before the handler runs
// (docs/console.md, "Who may see what").
enum class Scope {
  kConnectorInPath,  // the connector {id}: its partner_id must be the caller's
  kRunInPath,        // the run {run}: its connector's partner_id must be the caller's
  kFilters,          // the handler itself leaves out what the caller may not see
  kVendorOnly,       // vendor-wide callers only (usage import, metrics)
};

namespace endpoints {

// Liveness: the process answers. No data, no token, no worker thread.
Result<Answer> health(const Endpoint&) { return Answer{200, bj::object{{"status", "ok"}}}; }

// Readiness: the config, the plugin folder and the store are usable. Says which check failed,
// never why (the probe is unauthenticated).
Result<Answer> ready(const Endpoint& e) {
  bool stopping = e.stop_requested != nullptr && e.stop_requested->load();
  bool config = static_cast<bool>(e.app.config());
  bool plugins = static_cast<bool>(e.app.plugins());
  auto store = e.app.store();
  bool store_ok = store && (*store)->list_runs("", 1).ok();
  auto verdict = [](bool ok) { return ok ? "ok" : "failed"; };
  bool ready = !stopping && config && plugins && store_ok;
  return Answer{ready ? 200 : 503,
                bj::object{{"status", ready ? "ready" : (stopping ? "stopping" : "not_ready")},
                           {"checks", bj::object{{"config", verdict(config)},
                                                 {"plugins", verdict(plugins)},
                                                 {"store", verdict(store_ok)}}}}};
}

// Prometheus text format 0.0.4 (docs/operations.md, "Metrics").
Result<Answer> prometheus_metrics(const Endpoint&) {
  host_metrics().build_info.labels({MB_HOST_VERSION}).set(1);
  return Answer::plain(std::string(metrics::kContentType), metrics::default_registry().render());
}

Result<Answer> list_connectors(const Endpoint& e) {
  auto config = e.app.config();
  if (!config) return config.status();
  auto store = e.app.store();
  if (!store) return store.status();
  auto records = (*store)->list_connectors();
  if (!records) return records.status();
  std::map<std::string, ConnectorRecord> by_id;
  for (auto& r : *records) by_id[r.id] = r;
  bj::array arr;
  for (const auto& c : (*config)->connectors) {
    if (!e.principal.reaches(c.partner_id)) continue;
    const ConnectorRecord& r = by_id[c.id];
    arr.push_back(bj::object{{"id", c.id},
                             {"plugin", c.plugin},
                             {"partner", c.partner},
                             {"partner_id", c.partner_id},
                             {"from_config", !c.from_console},
                             {"enabled", c.enabled},
                             {"status", to_text(r.status)},
                             {"status_message", r.status_message},
                             {"status_at", r.status_at},
                             {"has_credentials", r.has_credentials}});
  }
  return Answer{200, bj::object{{"connectors", arr}}};
}

Result<Answer> test_connector(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  auto v = ops::test_connector(e.app, e.params["id"]);
  if (!v) return v.status();
  return Answer{200, verdict_json(*v)};
}

Result<Answer> store_credentials(const Endpoint& e) {
  auto query = read_query(e.request, {"force"}, {"force"});
  if (!query) return query.status();
  auto body = body_object(e.request, false);
  if (!body) return body.status();
  auto v = ops::connect_connector(e.app, e.params["id"], bj::serialize(*body), (*query)["force"]);
  if (!v) return v.status();
  return Answer{200, verdict_json(*v)};
}

Result<Answer> disconnect_connector(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  const std::string& id = e.params["id"];
  auto note = ops::disconnect_connector(e.app, id);
  if (!note) return note.status();
  return Answer{
      200,
      bj::object{{"id", id}, {"status", to_text(ConnectorStatus::kDisconnected)}, {"note", *note}}};
}

Result<Answer> list_accounts(const Endpoint& e) {
  auto query = read_query(e.request, {"search", "refresh"}, {"refresh"});
  if (!query) return query.status();
  auto accounts = ops::list_accounts(e.app, e.params["id"], query_value(e.request, "search"),
                                     (*query)["refresh"]);
  if (!accounts) return accounts.status();
  bj::array arr;
  for (const auto& a : *accounts) arr.push_back(account_json(a));
  return Answer{200, bj::object{{"accounts", arr}}};
}

Result<Answer> list_services(const Endpoint& e) {
  auto query = read_query(e.request, {"refresh"}, {"refresh"});
  if (!query) return query.status();
  auto services = ops::list_services(e.app, e.params["id"], (*query)["refresh"]);
  if (!services) return services.status();
  bj::array arr;
  for (const auto& x : *services) arr.push_back(bj::object{{"id", x.id}, {"name", x.name}});
  return Answer{200, bj::object{{"services", arr}}};
}

Result<Answer> get_mappings(const Endpoint& e) {
  auto query = read_query(e.request, {"unmapped"}, {"unmapped"});
  if (!query) return query.status();
  auto doc = ops::mappings_json(e.app, e.params["id"], (*query)["unmapped"]);
  if (!doc) return doc.status();
  return Answer{200, *doc};
}

Result<Answer> auto_map(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  auto report = ops::map_auto(e.app, e.params["id"]);
  if (!report) return report.status();
  bj::array created, unmapped;
  for (const auto& x : report->created)
    created.push_back(bj::object{{"workspace_id", x.workspace_id},
                                 {"account_id", *x.account_id},
                                 {"account_name", x.account_name}});
  for (const auto& [w, why] : report->unmapped)
    unmapped.push_back(bj::object{{"workspace_id", w.id}, {"name", w.name}, {"reason", why}});
  return Answer{200, bj::object{{"mapped", created},
                                {"mapped_count", report->created_count},
                                {"unmapped", unmapped},
                                {"unmapped_count", report->unmapped_count},
                                {"already_mapped", report->kept_existing}}};
}

// PUT mappings/accounts/{workspace} and links/{workspace}: the body names the account by `field`.
Result<Answer> put_account_mapping(const Endpoint& e, const char* field) {
  const std::string& workspace = e.params["workspace"];
  auto body = read_body(e.request, {{field, FieldKind::kNonEmptyString, true}});
  if (!body) return body.status();
  auto mapping = ops::map_account(e.app, e.params["id"], workspace, *body->text(field));
  if (!mapping) return mapping.status();
  return Answer{200, bj::object{{"workspace_id", mapping->workspace_id},
                                {"account_id", *mapping->account_id},
                                {"account_name", mapping->account_name},
                                {"source", to_text(mapping->source)}}};
}

Result<Answer> map_account(const Endpoint& e) { return put_account_mapping(e, "account_id"); }
Result<Answer> link_account(const Endpoint& e) { return put_account_mapping(e, "customer_id"); }

Result<Answer> unmap_account(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  const std::string& workspace = e.params["workspace"];
  auto unmapped = ops::unmap_account(e.app, e.params["id"], workspace);
  if (!unmapped) return unmapped.status();
  return Answer{200, bj::object{{"workspace_id", unmapped->id}, {"state", "unmapped"}}};
}

// exclusions/workspaces/{workspace} and exclusions/accounts/{account}: PUT excludes, DELETE
// includes.
Result<Answer> set_exclusion(const Endpoint& e, bool workspace, bool excluded) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  const std::string& which = e.params[workspace ? "workspace" : "account"];
  auto named = ops::set_excluded(e.app, e.params["id"], workspace ? which : "",
                                 workspace ? "" : which, excluded);
  if (!named) return named.status();
  return Answer{200, bj::object{{"id", named->id}, {"name", named->name}, {"excluded", excluded}}};
}

Result<Answer> exclude_workspace(const Endpoint& e) { return set_exclusion(e, true, true); }
Result<Answer> include_workspace(const Endpoint& e) { return set_exclusion(e, true, false); }
Result<Answer> exclude_account(const Endpoint& e) { return set_exclusion(e, false, true); }
Result<Answer> include_account(const Endpoint& e) { return set_exclusion(e, false, false); }

Result<Answer> map_service(const Endpoint& e) {
  const std::string& service = e.params["service"];
  auto body = read_body(e.request, {{"psa_service_id", FieldKind::kNonEmptyString, true},
                                    {"metric", FieldKind::kString, false, {"users", "devices"}}});
  if (!body) return body.status();
  std::string psa = *body->text("psa_service_id");
  auto mapped =
      ops::map_service(e.app, e.params["id"], service, psa, body->text("metric").value_or(""));
  if (!mapped) return mapped.status();
  bj::object answer{{"service_id", mapped->service.id},
                    {"psa_service_id", mapped->psa_service.id},
                    {"metric", to_text(mapped->metric)}};
  if (!mapped->chosen_by_name.empty()) answer["metric_from_name"] = mapped->chosen_by_name;
  return Answer{200, std::move(answer)};
}

Result<Answer> unmap_service(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  const std::string& service = e.params["service"];
  auto unmapped = ops::unmap_service(e.app, e.params["id"], service);
  if (!unmapped) return unmapped.status();
  return Answer{200, bj::object{{"service_id", unmapped->id}, {"state", "unmapped"}}};
}

Result<Answer> sync_connector(const Endpoint& e) {
  auto body = read_body(
      e.request,
      {{"dry_run", FieldKind::kBool}, {"force", FieldKind::kBool}, {"queue", FieldKind::kBool}});
  if (!body) return body.status();
  const std::string& id = e.params["id"];
  if (body->flag("queue")) {
    // For any node's workers (docs/scale-out.md): answered at once, the run comes later.
    if (body->flag("dry_run") || body->flag("force"))
      return Status::ConfigInvalid("\"queue\" syncs as scheduled: it takes no dry_run or force");
    auto job = ops::enqueue_sync(e.app, id, "api");
    if (!job) return job.status();
    return Answer{202, bj::object{{"job_id", job->id},
                                  {"connector_id", job->connector_id},
                                  {"state", to_text(job->state)},
                                  {"window_key", job->window_key}}};
  }
  SyncOptions options;
  options.trigger = "api";
  options.cancelled = e.stop_requested;
  options.dry_run = body->flag("dry_run");
  options.force_full_push = body->flag("force");
  auto tracked = e.auth.progress.track(id, options.dry_run ? "dry_run" : "sync");
  options.progress = tracked.callback();
  auto report = ops::sync_connector(e.app, id, options);
  if (!report) return report.status();
  return Answer{200, run_to_json(report->run, report->lines, e.app.report_names(id, report->lines),
                                 report->notes)};
}

std::vector<std::string> message_lines(const std::string& message) {
  std::vector<std::string> lines;
  for (size_t start = 0, nl; start < message.size(); start = nl + 1) {
    nl = message.find('\n', start);
    if (nl == std::string::npos) nl = message.size();
    lines.push_back(message.substr(start, nl - start));
  }
  return lines;
}

// A document refused whole (usage, alerts): the message's first line is the error's message,
// and every further line, one problem, goes to details.errors.
Answer rejected_document(const Status& st) {
  bj::array lines;
  const std::string& message = st.message();
  std::vector<std::string> all = message_lines(message);
  for (size_t i = 1; i < all.size(); ++i) lines.emplace_back(all[i]);
  return Answer{http_status_for(st.code()),
                error_document(error_class_name(st.code()), message.substr(0, message.find('\n')),
                               bj::object{{"errors", lines}})};
}

constexpr size_t kUsageStartBytes = 4096;

// The first kUsageStartBytes of a usage push: from the file the server spooled it to, or its
// body.
std::string usage_body_start(const ApiRequest& request) {
  if (request.body_file.empty()) return request.body.substr(0, kUsageStartBytes);
  std::ifstream in(request.body_file, std::ios::binary);
  std::string start(kUsageStartBytes, '\0');
  in.read(start.data(), static_cast<std::streamsize>(start.size()));
  start.resize(static_cast<size_t>(in.gcount()));
  return start;
}

Result<Answer> import_usage(const Endpoint& e) {
  bool csv = e.request.header("content-type").find("csv") != std::string::npos;
  // Reject what cannot be a usage document early with a clear message. No DOM is built: the
  // import parses the body with the streaming parser, which names any syntax error's position.
  if (!csv) {
    const std::string start = usage_body_start(e.request);
    std::string_view body = std::string_view(start);
    if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
    size_t first = body.find_first_not_of(" \t\r\n");
    // Blank start to end: not a document. Blank for all of its first bytes: the parser decides.
    const bool blank = first == std::string_view::npos;
    if (blank ? start.size() < kUsageStartBytes : body[first] != '{')
      return Status::ConfigInvalid("usage must be JSON (or text/csv): expected a JSON object");
  }
  // The server spools this route's body (Route::spool_body): it is read from the file a piece
  // at a time, so a push of millions of rows costs no more memory than a small one.
  auto imported = e.request.body_file.empty()
                      ? ops::import_usage(e.app, e.request.body, "api")
                      : ops::import_usage_spooled(e.app, e.request.body_file, "api");
  if (!imported) return rejected_document(imported.status());
  return Answer{201, ops::usage_imported_to_json(*imported)};
}

// ---- Alerts (host/server/alerts_api.h) ----

Result<Answer> push_alerts(const Endpoint& e) {
  auto pushed = alerts_api::push(e.app, e.request);
  if (!pushed) return rejected_document(pushed.status());
  return Answer{200, std::move(*pushed)};
}

Result<Answer> list_alerts(const Endpoint& e) {
  auto listed = alerts_api::list(e.app, e.request);
  if (!listed) return listed.status();
  return Answer{200, std::move(*listed)};
}

Result<Answer> show_alert(const Endpoint& e) {
  if (auto query = read_query(e.request, {}, {}); !query) return query.status();
  auto shown = alerts_api::show(e.app, e.params["alert"]);
  if (!shown) return shown.status();
  return Answer{200, std::move(*shown)};
}

Result<Answer> sync_connector_alerts(const Endpoint& e) {
  auto ran = alerts_api::sync_connector_alerts(e.app, e.request, e.params["id"]);
  if (!ran) return ran.status();
  return Answer{ran->status, std::move(ran->body)};
}

Result<Answer> connector_alerts(const Endpoint& e) {
  auto listed = alerts_api::connector_alerts(e.app, e.request, e.params["id"]);
  if (!listed) return listed.status();
  return Answer{200, std::move(*listed)};
}

Result<Answer> connector_alert_runs(const Endpoint& e) {
  auto listed = alerts_api::connector_alert_runs(e.app, e.request, e.params["id"]);
  if (!listed) return listed.status();
  return Answer{200, std::move(*listed)};
}

Result<Answer> check_connector_alerts(const Endpoint& e) {
  auto checked = alerts_api::check_connector_alerts(e.app, e.request, e.params["id"]);
  if (!checked) return checked.status();
  return Answer{200, std::move(*checked)};
}

Result<Answer> list_approvals(const Endpoint& e) {
  auto query = read_query(e.request, {"connector"}, {});
  if (!query) return query.status();
  std::string connector = query_value(e.request, "connector");
  if (!connector.empty()) MB_RETURN_IF_ERROR(check_reach(e.app, e.principal, connector));
  auto pending = ops::pending_approvals(e.app, connector);
  if (!pending) return pending.status();
  if (!e.principal.vendor_wide()) {
    auto reachable = reachable_connectors(e.app, e.principal);
    if (!reachable) return reachable.status();
    std::erase_if(*pending, [&](const PendingApproval& p) {
      return std::find(reachable->begin(), reachable->end(), p.connector_id) == reachable->end();
    });
  }
  bj::array arr;
  const auto names = e.app.pending_names(*pending);
  for (const auto& p : *pending)
    arr.push_back(pending_approval_to_json(p, names.at(p.connector_id)));
  return Answer{200, bj::object{{"approvals", arr}}};
}

// Newest first: of one connector, of every connector, or (a partner-scoped caller) of the
// connectors the caller reaches.
Result<std::vector<SyncRun>> runs_reached(Store& store, const Endpoint& e,
                                          const std::string& connector, int limit) {
  if (!connector.empty() || e.principal.vendor_wide()) return store.list_runs(connector, limit);
  auto reachable = reachable_connectors(e.app, e.principal);
  if (!reachable) return reachable.status();
  std::vector<SyncRun> runs;
  for (const auto& id : *reachable) {
    auto some = store.list_runs(id, limit);
    if (!some) return some.status();
    runs.insert(runs.end(), some->begin(), some->end());
  }
  std::sort(runs.begin(), runs.end(),
            [](const SyncRun& a, const SyncRun& b) { return a.id > b.id; });
  if (runs.size() > static_cast<size_t>(limit)) runs.resize(static_cast<size_t>(limit));
  return runs;
}

Result<Answer> list_runs(const Endpoint& e) {
  if (auto query = read_query(e.request, {"connector", "limit"}, {}); !query) return query.status();
  auto store = e.app.store();
  if (!store) return store.status();
  int limit = 50;
  if (auto l = e.request.query.find("limit"); l != e.request.query.end()) {
    auto v = to_int(l->second);
    if (!v || *v < 1 || *v > 1000) return Status::ConfigInvalid("limit must be 1..1000");
    limit = static_cast<int>(*v);
  }
  std::string connector = query_value(e.request, "connector");
  if (!connector.empty()) MB_RETURN_IF_ERROR(check_reach(e.app, e.principal, connector));
  auto runs = runs_reached(**store, e, connector, limit);
  if (!runs) return runs.status();
  bj::array arr;
  for (const auto& r : *runs) arr.push_back(run_header_to_json(r));
  return Answer{200, bj::object{{"runs", arr}}};
}

// The most lines GET /v1/runs/{run} answers at once.
constexpr int64_t kRunLinesPage = 10000;

Result<int64_t> run_id(const Endpoint& e) {
  auto id = to_int(e.params["run"]);
  if (!id) return Status::ConfigInvalid("run id must be a number");
  return *id;
}

Result<Answer> get_run(const Endpoint& e) {
  auto id = run_id(e);
  if (!id) return id.status();
  auto store = e.app.store();
  if (!store) return store.status();
  // A run's lines come a page at a time (docs/admin-api.md): a run may hold millions.
  if (auto query = read_query(e.request, {"after", "limit"}, {}); !query) return query.status();
  int64_t after = 0, limit = kRunLinesPage;
  if (auto a = e.request.query.find("after"); a != e.request.query.end()) {
    auto v = to_int(a->second);
    if (!v || *v < 0) return Status::ConfigInvalid("after must be a line number (0 or more)");
    after = *v;
  }
  if (auto l = e.request.query.find("limit"); l != e.request.query.end()) {
    auto v = to_int(l->second);
    if (!v || *v < 1 || *v > kRunLinesPage)
      return Status::ConfigInvalid("limit must be 1.." + std::to_string(kRunLinesPage));
    limit = *v;
  }
  auto run = (*store)->get_run(*id);
  if (!run) return run.status();
  if (!*run) return Status::NotFound("no run " + e.params["run"]);
  auto lines = (*store)->list_lines_page(*id, after, static_cast<size_t>(limit), false);
  if (!lines) return lines.status();
  bj::value report =
      run_to_json(**run, *lines, e.app.report_names((*run)->connector_id, *lines), {});
  if (static_cast<int64_t>(lines->size()) == limit && report.is_object())
    report.as_object()["next_after"] = lines->back().number;
  return Answer{200, std::move(report)};
}

Result<Answer> dismiss_run(const Endpoint& e) {
  auto id = run_id(e);
  if (!id) return id.status();
  auto body = read_body(e.request, {{"lines", FieldKind::kPositiveIntArray}});
  if (!body) return body.status();
  auto dismissed = ops::dismiss_run(e.app, *id, body->numbers("lines"), "the admin API");
  if (!dismissed) return dismissed.status();
  bj::array arr;
  for (const auto& l : *dismissed)
    arr.push_back(bj::object{
        {"line", l.number}, {"workspace_id", l.workspace_id}, {"service_id", l.service_id}});
  return Answer{200, bj::object{{"run", *id}, {"dismissed", arr}}};
}

// The report of a run that approve or retry started.
Answer new_run_report(const Endpoint& e, const SyncReport& report) {
  return Answer{
      200, run_to_json(report.run, report.lines,
                       e.app.report_names(report.run.connector_id, report.lines), report.notes)};
}

// Tracks the progress of the run that approving or retrying run `id` starts, under its
// connector (docs/console.md, "Runs").
Result<RunProgressBoard::TrackedRun> track_followup(const Endpoint& e, int64_t id,
                                                    const std::string& trigger) {
  auto store = e.app.store();
  if (!store) return store.status();
  auto run = (*store)->get_run(id);
  if (!run) return run.status();
  if (!*run) return Status::NotFound("no run " + std::to_string(id));
  return e.auth.progress.track((*run)->connector_id, trigger);
}

Result<Answer> approve_run(const Endpoint& e) {
  auto id = run_id(e);
  if (!id) return id.status();
  auto body = read_body(
      e.request, {{"lines", FieldKind::kPositiveIntArray}, {"effective_date", FieldKind::kString}});
  if (!body) return body.status();
  SyncOptions options;
  options.trigger = "approve";
  options.cancelled = e.stop_requested;
  options.effective_date = body->text("effective_date").value_or("");
  auto tracked = track_followup(e, *id, "approve");
  if (!tracked) return tracked.status();
  options.progress = tracked->callback();
  auto report = ops::approve_run(e.app, *id, body->numbers("lines"), options);
  if (!report) return report.status();
  return new_run_report(e, *report);
}

Result<Answer> retry_run(const Endpoint& e) {
  auto id = run_id(e);
  if (!id) return id.status();
  if (auto body = read_body(e.request, {}); !body) return body.status();
  SyncOptions options;
  options.trigger = "retry";
  options.cancelled = e.stop_requested;
  auto tracked = track_followup(e, *id, "retry");
  if (!tracked) return tracked.status();
  options.progress = tracked->callback();
  auto report = ops::retry_run(e.app, *id, options);
  if (!report) return report.status();
  return new_run_report(e, *report);
}

// ---- Console sign-in (docs/console.md) ----

bj::object user_json(const Principal& p) {
  return bj::object{{"name", p.name}, {"role", p.role}, {"partner_id", p.partner_id}};
}

Answer too_many_sign_ins(int64_t wait_ms) {
  Answer answer{429,
                error_document("rate_limited", "too many failed sign-ins; try again in " +
                                                   std::to_string((wait_ms + 999) / 1000) + " s")};
  answer.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
  return answer;
}

// POST /v1/session {"name","password"}: checks the password, starts a session, sets its cookie.
// A wrong name and a wrong password get the same answer, in about the same time.
Result<Answer> sign_in(const Endpoint& e) {
  // A cross-site form can post text/plain that parses as JSON (a login CSRF: the victim
  // signed in as the attacker); it cannot post application/json without this origin's consent.
  if (!e.request.header("content-type").starts_with("application/json"))
    return Answer{415, error_document("unsupported_media_type",
                                      "sign-in takes Content-Type: application/json")};
  auto body = read_body(e.request, {{"name", FieldKind::kNonEmptyString, true},
                                    {"password", FieldKind::kNonEmptyString, true}});
  if (!body) return body.status();
  std::string name = *body->text("name");
  std::string password = *body->text("password");
  const std::string& address = e.request.remote_address;
  if (int64_t wait = e.auth.limiter.wait_ms(name, address); wait > 0)
    return too_many_sign_ins(wait);
  auto store = e.app.store();
  if (!store) return store.status();
  auto user = (*store)->get_user(name);
  if (!user) return user.status();
  // Hashed once, so an unknown name costs the same Argon2id work as a wrong password.
  static const std::string kNoUserHash = [] {
    auto hash = users::hash_password("no such user");
    return hash ? *hash : std::string();
  }();
  bool matches = users::password_matches(*user ? (*user)->password_hash : kNoUserHash, password);
  if (!*user || !matches) {
    e.auth.limiter.record_failure(name, address);
    spdlog::warn("console sign-in refused for '{}' from {}", name, address);
    return Answer{401, error_document("unauthenticated", "the name or the password is wrong")};
  }
  e.auth.limiter.record_success(name);
  auto started = e.auth.sessions.start(**store, **user);
  if (!started) return started.status();
  spdlog::info("console sign-in: '{}' from {}", name, address);
  Answer answer{200, bj::object{{"user", user_json(started->principal)},
                                {"csrf_token", started->principal.csrf_token}}};
  answer.headers.emplace_back("Set-Cookie", session_cookie(started->cookie_value, e.auth.secure));
  return answer;
}

// GET /v1/session: who the caller is, and (signed in) the session's CSRF token.
Result<Answer> whoami(const Endpoint& e) {
  bj::object doc{{"user", user_json(e.principal)}};
  if (e.principal.by_session) doc["csrf_token"] = e.principal.csrf_token;
  return Answer{200, std::move(doc)};
}

// DELETE /v1/session: ends the session and clears its cookie.
Result<Answer> sign_out(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  auto store = e.app.store();
  if (!store) return store.status();
  if (auto cookie = cookie_value(e.request.header("cookie"), kSessionCookie))
    MB_RETURN_IF_ERROR(e.auth.sessions.end(**store, *cookie));
  Answer answer{200, bj::object{{"signed_out", e.principal.by_session}}};
  answer.headers.emplace_back("Set-Cookie", cleared_session_cookie(e.auth.secure));
  return answer;
}

// GET /v1/console/connectors: the Connectors screen's cards.
Result<Answer> connector_card_list(const Endpoint& e) {
  auto cards = connector_cards(e.app, e.principal, {.scheduler_on = e.auth.scheduler_on});
  if (!cards) return cards.status();
  return Answer{200, std::move(*cards)};
}

// One connector's card, as GET /v1/console/connectors shows it; null when the caller does not
// reach it.
Result<bj::value> connector_card(const Endpoint& e, const std::string& id) {
  auto cards = connector_cards(e.app, e.principal, {.scheduler_on = e.auth.scheduler_on});
  if (!cards) return cards.status();
  for (const auto& c : cards->at("connectors").as_array())
    if (c.at("id").as_string() == id) return c;
  return bj::value(nullptr);
}

// GET /v1/console/progress: the runs the API is running (and those that ended in the last
// minute) of the connectors the caller reaches, for the console's live progress.
Result<Answer> run_progress(const Endpoint& e) {
  if (auto query = read_query(e.request, {}, {}); !query) return query.status();
  return Answer{200, e.auth.progress.to_json([&](const std::string& connector) {
                  return check_reach(e.app, e.principal, connector).ok();
                })};
}

// GET /v1/console/plugins: what a connector can be added for, with each plugin's config schema.
Result<Answer> connector_plugin_list(const Endpoint& e) {
  auto forms = connector_plugin_forms(e.app);
  if (!forms) return forms.status();
  return Answer{200, std::move(*forms)};
}

// POST /v1/console/connectors: a connector added in the console, stored only once the platform
// accepted its credentials (docs/console.md, "Add a connector").
Result<Answer> add_connector(const Endpoint& e) {
  auto added = add_console_connector(e.app, e.principal, e.request.body);
  if (!added) return added.status();
  if (!added->stored) {
    return Answer{
        422,
        error_document("connector_test_failed",
                       "the test against the platform failed (" + added->verdict.message +
                           "); nothing was stored",
                       bj::object{{"field", "config"},
                                  {"error_class", error_class_name(added->verdict.error_class)}})};
  }
  if (e.auth.connectors_changed) e.auth.connectors_changed();
  auto card = connector_card(e, added->id);
  if (!card) return card.status();
  return Answer{
      201, bj::object{{"connector", std::move(*card)}, {"verdict", verdict_json(added->verdict)}}};
}

// PATCH /v1/console/connectors/{id}: a console connector's policies and schedule. Refused whole
// with every problem in details.errors, each naming its field, the first one in details.field.
Result<Answer> update_connector(const Endpoint& e) {
  Status updated =
      update_console_connector_settings(e.app, e.principal, e.params["id"], e.request.body);
  if (updated.code() == ErrorClass::kConfigInvalid) {
    bj::array errors;
    for (const std::string& line : message_lines(updated.message())) {
      size_t colon = line.find(": ");
      std::string field = colon == std::string::npos ? std::string() : line.substr(0, colon);
      errors.push_back(bj::object{{"field", field}, {"message", line}});
    }
    bj::value first_field = errors.empty() ? bj::value("") : errors.front().at("field");
    return Answer{400, error_document(error_class_name(updated.code()),
                                      updated.message().substr(0, updated.message().find('\n')),
                                      bj::object{{"field", first_field}, {"errors", errors}})};
  }
  MB_RETURN_IF_ERROR(updated);
  if (e.auth.connectors_changed) e.auth.connectors_changed();
  auto card = connector_card(e, e.params["id"]);
  if (!card) return card.status();
  return Answer{200, bj::object{{"connector", std::move(*card)}}};
}

// DELETE /v1/console/connectors/{id}: disconnects and removes a connector added in the console.
Result<Answer> remove_connector(const Endpoint& e) {
  if (auto body = read_body(e.request, {}); !body) return body.status();
  MB_RETURN_IF_ERROR(remove_console_connector(e.app, e.params["id"]));
  if (e.auth.connectors_changed) e.auth.connectors_changed();
  return Answer{200, bj::object{{"id", e.params["id"]}, {"removed", true}}};
}

// GET / and GET /console/{file}: the console's files.
Result<Answer> console_file(const Endpoint& e) {
  std::string name = e.params["file"].empty() ? "index.html" : e.params["file"];
  auto asset = read_console_asset(e.auth.console_dir, name);
  if (!asset) return asset.status();
  Answer answer = Answer::plain(asset->content_type, std::move(asset->body));
  answer.verbatim = true;
  // Only this origin's files run; nothing frames the console; no caching of a stale console.
  answer.headers = {{"Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                     "form-action 'self'; base-uri 'none'"},
                    {"X-Content-Type-Options", "nosniff"},
                    {"X-Frame-Options", "DENY"},
                    {"Referrer-Policy", "no-referrer"},
                    {"Cache-Control", "no-cache"}};
  return answer;
}

}  // namespace endpoints

ApiResponse unauthenticated() {
  ApiResponse r;
  r.status = 401;
  r.body = bj::serialize(
      error_document("unauthenticated", "a valid bearer token or console session is required"));
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"meterbridge\"");
  return r;
}

std::string joined(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

bool same_secret(const std::string& given, const std::string& expected) {
  // Constant-time: a token must not leak through response timing.
  return !expected.empty() && given.size() == expected.size() &&
         sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD"; }

}  // namespace

struct AdminApi::Route {
  EndpointFn handle;
  HandlerLane lane = HandlerLane::kQuick;  // kLong when the handler may reach a platform
  bool body_required = false;              // 411 when no length is given
  bool usage_body_limit = false;           // the usage document's limit, not every endpoint's
  Access access = Access::kToken;
  // Checked before the handler runs; the default refuses a partner-scoped caller any route
  // without a connector of theirs in its path.
  Scope scope = Scope::kConnectorInPath;
  // The body goes to a temporary file as it arrives (Admission::spool_body), not into memory.
  bool spool_body = false;
};

bool AdminApi::open(const Route& route) const {
  if (route.access != Access::kOpenIfMetricsPublic) return route.access != Access::kToken;
  // Read per request, so a reload that changes api.metrics.public takes effect at once.
  auto config = app_.config();
  return config && (*config)->api_metrics_public;
}

// Every endpoint of the API (docs/admin-api.md). A request whose path is here with another
// method is answered 405 with `Allow`; a path not here, 404. Each route: its handler, then the
// lane (kLong when the handler may reach a platform), whether a body is required, whether the
// usage document's body limit applies, and who may call it.
const Router<AdminApi::Route>& AdminApi::routes() {
  using HandlerLane::kLong;
  namespace ep = endpoints;
  // clang-format off
  static const Router<Route> router({
      {"GET",    "/v1/health", {&ep::health, {}, false, false, Access::kOpenAtAdmission}},
      {"HEAD",   "/v1/health", {&ep::health, {}, false, false, Access::kOpenAtAdmission}},
      {"GET",    "/v1/ready",  {&ep::ready, {}, false, false, Access::kOpen}},
      {"HEAD",   "/v1/ready",  {&ep::ready, {}, false, false, Access::kOpen}},
      {"GET",    "/metrics",   {&ep::prometheus_metrics, {}, false, false, Access::kOpenIfMetricsPublic, Scope::kVendorOnly}},
      {"GET",    "/",                  {&ep::console_file, {}, false, false, Access::kOpen}},
      {"GET",    "/console/{file}",    {&ep::console_file, {}, false, false, Access::kOpen}},
      {"POST",   "/v1/session",        {&ep::sign_in, {}, true, false, Access::kOpen}},
      {"GET",    "/v1/session",        {&ep::whoami, {}, false, false, Access::kToken, Scope::kFilters}},
      {"DELETE", "/v1/session",        {&ep::sign_out, {}, false, false, Access::kToken, Scope::kFilters}},
      {"GET",    "/v1/console/connectors", {&ep::connector_card_list, {}, false, false, Access::kToken, Scope::kFilters}},
      {"GET",    "/v1/console/progress",   {&ep::run_progress, {}, false, false, Access::kToken, Scope::kFilters}},
      {"POST",   "/v1/console/connectors", {&ep::add_connector, kLong, true, false, Access::kToken, Scope::kFilters}},
      {"PATCH",  "/v1/console/connectors/{id}", {&ep::update_connector, {}, true}},
      {"DELETE", "/v1/console/connectors/{id}", {&ep::remove_connector, kLong}},
      {"GET",    "/v1/console/plugins",    {&ep::connector_plugin_list, {}, false, false, Access::kToken, Scope::kFilters}},
      {"GET",    "/v1/connectors",                                          {&ep::list_connectors, {}, false, false, Access::kToken, Scope::kFilters}},
      {"POST",   "/v1/connectors/{id}/test",                                {&ep::test_connector, kLong}},
      {"PUT",    "/v1/connectors/{id}/credentials",                         {&ep::store_credentials, kLong, true}},
      {"POST",   "/v1/connectors/{id}/disconnect",                          {&ep::disconnect_connector, kLong}},
      {"GET",    "/v1/connectors/{id}/accounts",                            {&ep::list_accounts, kLong}},
      {"GET",    "/v1/connectors/{id}/services",                            {&ep::list_services, kLong}},
      {"GET",    "/v1/connectors/{id}/mappings",                            {&ep::get_mappings}},
      {"POST",   "/v1/connectors/{id}/mappings/auto",                       {&ep::auto_map, kLong}},
      {"PUT",    "/v1/connectors/{id}/mappings/accounts/{workspace}",       {&ep::map_account, kLong, true}},
      {"DELETE", "/v1/connectors/{id}/mappings/accounts/{workspace}",       {&ep::unmap_account, kLong}},
      {"PUT",    "/v1/connectors/{id}/links/{workspace}",                   {&ep::link_account, kLong, true}},
      {"DELETE", "/v1/connectors/{id}/links/{workspace}",                   {&ep::unmap_account, kLong}},
      {"PUT",    "/v1/connectors/{id}/exclusions/workspaces/{workspace}",   {&ep::exclude_workspace, kLong}},
      {"DELETE", "/v1/connectors/{id}/exclusions/workspaces/{workspace}",   {&ep::include_workspace, kLong}},
      {"PUT",    "/v1/connectors/{id}/exclusions/accounts/{account}",       {&ep::exclude_account, kLong}},
      {"DELETE", "/v1/connectors/{id}/exclusions/accounts/{account}",       {&ep::include_account, kLong}},
      {"PUT",    "/v1/connectors/{id}/mappings/services/{service}",         {&ep::map_service, kLong, true}},
      {"DELETE", "/v1/connectors/{id}/mappings/services/{service}",         {&ep::unmap_service, kLong}},
      {"POST",   "/v1/connectors/{id}/sync",                                {&ep::sync_connector, kLong}},
      {"GET",    "/v1/connectors/{id}/alerts",                              {&ep::connector_alerts}},
      {"GET",    "/v1/connectors/{id}/alerts/runs",                         {&ep::connector_alert_runs}},
      {"GET",    "/v1/connectors/{id}/alerts/check",                        {&ep::check_connector_alerts, kLong}},
      {"POST",   "/v1/connectors/{id}/alerts/sync",                         {&ep::sync_connector_alerts, kLong}},
      {"POST",   "/v1/usage",                                               {&ep::import_usage, {}, true, true, Access::kToken, Scope::kVendorOnly, true}},
      {"POST",   "/v1/alerts",                                              {&ep::push_alerts, {}, true, true, Access::kToken, Scope::kVendorOnly}},
      {"GET",    "/v1/alerts",                                              {&ep::list_alerts, {}, false, false, Access::kToken, Scope::kVendorOnly}},
      {"GET",    "/v1/alerts/{alert}",                                      {&ep::show_alert, {}, false, false, Access::kToken, Scope::kVendorOnly}},
      {"GET",    "/v1/approvals",                                           {&ep::list_approvals, {}, false, false, Access::kToken, Scope::kFilters}},
      {"GET",    "/v1/runs",                                                {&ep::list_runs, {}, false, false, Access::kToken, Scope::kFilters}},
      {"GET",    "/v1/runs/{run}",                                          {&ep::get_run, {}, false, false, Access::kToken, Scope::kRunInPath}},
      {"POST",   "/v1/runs/{run}/approve",                                  {&ep::approve_run, kLong, false, false, Access::kToken, Scope::kRunInPath}},
      {"POST",   "/v1/runs/{run}/dismiss",                                  {&ep::dismiss_run, {}, false, false, Access::kToken, Scope::kRunInPath}},
      {"POST",   "/v1/runs/{run}/retry",                                    {&ep::retry_run, kLong, false, false, Access::kToken, Scope::kRunInPath}},
  });
  // clang-format on
  return router;
}

ApiResponse AdminApi::json_response(int status, const bj::value& body) const {
  bj::value shown = redact_json(body);
  // The client learns which config file, not where the server keeps it.
  std::string given = app_.config_path().string();
  std::string absolute = std::filesystem::absolute(app_.config_path()).lexically_normal().string();
  std::string name = app_.config_path().filename().string();
  mb::json::for_each_string(shown, [&](bj::string& s) {
    std::string text(s);
    bool changed = false;
    for (const std::string* path : {&absolute, &given}) {
      if (*path == name) continue;
      for (size_t at; (at = text.find(*path)) != std::string::npos; changed = true)
        text.replace(at, path->size(), name);
    }
    if (changed) s = text;
  });
  ApiResponse r;
  r.status = status;
  r.body = bj::serialize(shown);
  return r;
}

ApiResponse AdminApi::error_response(int status, std::string_view code, const std::string& message,
                                     bj::object details) const {
  return json_response(status, error_document(code, message, std::move(details)));
}

ApiResponse AdminApi::error_response(const Status& s) const {
  ApiResponse r =
      error_response(http_status_for(s.code()), error_class_name(s.code()), s.message());
  if (s.retry_after_ms() > 0)
    r.headers.emplace_back("Retry-After", std::to_string((s.retry_after_ms() + 999) / 1000));
  return r;
}

AdminApi::AdminApi(app::App& app, AdminApiOptions options, RunGate& gate)
    : app_(app),
      options_(std::move(options)),
      gate_(gate),
      console_(std::make_unique<ConsoleAccess>(*options_.clock, options_.session_times)) {
  console_->secure = options_.tls;
  console_->scheduler_on = options_.scheduler_on;
  console_->connectors_changed = options_.connectors_changed;
  console_->console_dir =
      options_.console_dir.empty() ? server::console_dir() : options_.console_dir;
}

std::mutex& RunGate::mutex_for(const std::string& connector_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = per_connector_[connector_id];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

std::unique_lock<std::mutex> RunGate::enter(const std::string& connector_id) {
  return std::unique_lock<std::mutex>(mutex_for(connector_id));
}

std::optional<Principal> AdminApi::bearer_principal(const ApiRequest& request) const {
  std::string auth = request.header("authorization");
  if (!auth.starts_with("Bearer ")) return std::nullopt;
  std::string given = auth.substr(7);
  std::lock_guard<std::mutex> lock(token_mu_);
  if (same_secret(given, options_.token))
    return Principal{.name = "api token", .role = std::string(users::kVendorAdmin)};
  for (const auto& t : options_.partner_tokens)
    if (same_secret(given, t.token))
      return Principal{.name = "partner token",
                       .role = std::string(users::kPartnerAdmin),
                       .partner_id = t.partner_id};
  return std::nullopt;
}

bool AdminApi::may_be_authenticated(const ApiRequest& head) const {
  if (bearer_principal(head)) return true;
  // A session is looked up in the store on a worker thread, never here on the I/O thread.
  return cookie_value(head.header("cookie"), kSessionCookie).has_value();
}

Result<std::optional<Principal>> AdminApi::authenticate(const ApiRequest& request) const {
  if (auto principal = bearer_principal(request)) return principal;
  auto cookie = cookie_value(request.header("cookie"), kSessionCookie);
  if (!cookie) return std::optional<Principal>();
  auto store = app_.store();
  if (!store) return store.status();
  return console_->sessions.resume(**store, *cookie);
}

std::optional<ApiResponse> AdminApi::refusal_by_scope(const ApiRequest& request, const Route& route,
                                                      const PathParams& params,
                                                      const Principal& principal) const {
  if (principal.vendor_wide()) return std::nullopt;
  Status reached = Status::Ok();
  switch (route.scope) {
    case Scope::kFilters:
      return std::nullopt;
    case Scope::kVendorOnly:
      return error_response(403, "forbidden",
                            request.method + " " + request.path +
                                " is for the vendor's administrators, not a partner's");
    case Scope::kConnectorInPath:
      reached = check_reach(app_, principal, params["id"]);
      break;
    case Scope::kRunInPath:
      reached = check_run_reach(principal, params["run"]);
      break;
  }
  if (reached.ok()) return std::nullopt;
  return error_response(reached);
}

// A run of a connector the caller may not reach is answered as a run that does not exist.
Status AdminApi::check_run_reach(const Principal& principal, const std::string& run) const {
  auto id = to_int(run);
  if (!id) return Status::ConfigInvalid("run id must be a number");
  auto store = app_.store();
  if (!store) return store.status();
  auto found = (*store)->get_run(*id);
  if (!found) return found.status();
  if (*found && check_reach(app_, principal, (*found)->connector_id).ok()) return Status::Ok();
  return Status::NotFound("no run " + run);
}

void AdminApi::set_tokens(std::string token, std::vector<PartnerToken> partner_tokens) {
  std::lock_guard<std::mutex> lock(token_mu_);
  options_.token = std::move(token);
  options_.partner_tokens = std::move(partner_tokens);
}

void AdminApi::set_session_times(SessionTimes times) { console_->sessions.set_times(times); }

Admission AdminApi::admit(const ApiRequest& head) const {
  Admission admission;
  admission.max_body_bytes = options_.max_body_bytes;
  auto match = routes().match(head.method, head.segments);
  if (match.found() && match.route->access == Access::kOpenAtAdmission) {
    admission.answer = dispatch(head, *match.route, match.params, Principal{});
    return admission;
  }
  if (match.found() && open(*match.route)) {
    admission.body_required = match.route->body_required;
    return admission;
  }
  if (!may_be_authenticated(head)) {
    admission.answer = unauthenticated();
    return admission;
  }
  // An unknown endpoint is answered quickly, from the head, by handle().
  if (!match.found()) return admission;
  const Route& route = *match.route;
  if (route.usage_body_limit) admission.max_body_bytes = options_.max_usage_body_bytes;
  admission.spool_body = route.spool_body;
  admission.body_required = route.body_required;
  admission.lane = route.lane;
  return admission;
}

ApiResponse AdminApi::handle(const ApiRequest& request) {
  auto match = routes().match(request.method, request.segments);
  if (match.found() && open(*match.route))
    return dispatch(request, *match.route, match.params, Principal{});
  auto principal = authenticate(request);
  if (!principal) return error_response(principal.status());
  if (!*principal) return unauthenticated();
  // A browser sends the session cookie with any request to this origin; only the console's own
  // pages know the session's CSRF token.
  if ((*principal)->by_session && changes_state(request.method) &&
      !same_secret(request.header(std::string(kCsrfHeader)), (*principal)->csrf_token))
    return error_response(403, "csrf_token_invalid",
                          "a state-changing request of a console session needs its CSRF token "
                          "in X-CSRF-Token");
  ApiResponse r;
  if (!match.found()) {
    r = no_such_endpoint(request, match.allowed_methods);
  } else if (auto refused = refusal_by_scope(request, *match.route, match.params, **principal)) {
    r = std::move(*refused);
  } else {
    r = dispatch(request, *match.route, match.params, **principal);
  }
  spdlog::info("admin API {} {} by {} -> {}", request.method, request.path, (*principal)->name,
               r.status);
  return r;
}

ApiResponse AdminApi::dispatch(const ApiRequest& request, const Route& route,
                               const PathParams& params, const Principal& principal) const {
  Endpoint endpoint{app_, options_.stop_requested, request, params, principal, *console_};
  Result<Answer> answer = route.handle(endpoint);
  if (!answer) return error_response(answer.status());
  ApiResponse r;
  if (answer->content_type.empty()) {
    r = json_response(answer->status, answer->body);
  } else {
    r.status = answer->status;
    r.content_type = answer->content_type;
    r.body = answer->verbatim ? std::move(answer->text) : redact(answer->text);
  }
  for (auto& header : answer->headers) r.headers.push_back(std::move(header));
  return r;
}

ApiResponse AdminApi::no_such_endpoint(const ApiRequest& request,
                                       const std::vector<std::string>& allowed_methods) const {
  if (!allowed_methods.empty()) {
    ApiResponse r = error_response(
        405, "method_not_allowed",
        request.method + " is not allowed on " + request.path + "; use " + joined(allowed_methods));
    r.headers.emplace_back("Allow", joined(allowed_methods));
    return r;
  }
  const auto& s = request.segments;
  if (s.empty() || s[0] != "v1") return error_response(404, "not_found", "no such endpoint");
  return error_response(404, "not_found",
                        "no such endpoint: " + request.method + " " + request.path);
}

}  // namespace mb::server
