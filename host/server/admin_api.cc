#include "host/server/admin_api.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>
#include <filesystem>

#include "host/app/operations.h"
#include "host/common/json.h"
#include "host/common/metrics_catalog.h"
#include "host/common/redaction.h"
#include "host/server/api_body.h"
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
};

// One request as its endpoint sees it.
struct Endpoint {
  app::App& app;
  const std::atomic<bool>* stop_requested;  // may be null
  const ApiRequest& request;
  const PathParams& params;
};

using EndpointFn = Result<Answer> (*)(const Endpoint&);

// Who may call an endpoint, and where it is answered.
enum class Access {
  kToken,                // a valid bearer token, on a worker thread
  kOpen,                 // anyone, on a worker thread (readiness)
  kOpenAtAdmission,      // anyone, on the I/O thread from the head alone (liveness)
  kOpenIfMetricsPublic,  // anyone when the config sets api.metrics.public, else kToken
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
    const ConnectorRecord& r = by_id[c.id];
    arr.push_back(bj::object{{"id", c.id},
                             {"plugin", c.plugin},
                             {"partner", c.partner},
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
                                {"unmapped", unmapped},
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
  auto body = read_body(e.request, {{"dry_run", FieldKind::kBool}, {"force", FieldKind::kBool}});
  if (!body) return body.status();
  const std::string& id = e.params["id"];
  SyncOptions options;
  options.trigger = "api";
  options.cancelled = e.stop_requested;
  options.dry_run = body->flag("dry_run");
  options.force_full_push = body->flag("force");
  auto report = ops::sync_connector(e.app, id, options);
  if (!report) return report.status();
  return Answer{200,
                run_to_json(report->run, report->lines, e.app.report_names(id), report->notes)};
}

Result<Answer> import_usage(const Endpoint& e) {
  bool csv = e.request.header("content-type").find("csv") != std::string::npos;
  const std::string& text = e.request.body;
  // Reject what cannot be a usage document early with a clear message. No DOM is built: the
  // import parses the body with the streaming parser, which names any syntax error's position.
  if (!csv) {
    std::string_view body = std::string_view(text).starts_with("\xEF\xBB\xBF")
                                ? std::string_view(text).substr(3)
                                : std::string_view(text);
    size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || body[first] != '{')
      return Status::ConfigInvalid("usage must be JSON (or text/csv): expected a JSON object");
  }
  auto imported = ops::import_usage(e.app, text, "api");
  if (!imported) {
    // The first line is the message; every further line, one problem, goes to details.errors.
    const Status& st = imported.status();
    bj::array lines;
    const std::string& message = st.message();
    for (size_t start = 0, nl; start < message.size(); start = nl + 1) {
      nl = message.find('\n', start);
      if (nl == std::string::npos) nl = message.size();
      if (start > 0) lines.emplace_back(message.substr(start, nl - start));
    }
    return Answer{http_status_for(st.code()),
                  error_document(error_class_name(st.code()), message.substr(0, message.find('\n')),
                                 bj::object{{"errors", lines}})};
  }
  return Answer{201, ops::usage_imported_to_json(*imported)};
}

Result<Answer> list_approvals(const Endpoint& e) {
  auto query = read_query(e.request, {"connector"}, {});
  if (!query) return query.status();
  auto pending = ops::pending_approvals(e.app, query_value(e.request, "connector"));
  if (!pending) return pending.status();
  bj::array arr;
  std::map<std::string, ReportNames> names;
  for (const auto& p : *pending) {
    auto n = names.find(p.connector_id);
    if (n == names.end())
      n = names.emplace(p.connector_id, e.app.report_names(p.connector_id)).first;
    arr.push_back(pending_approval_to_json(p, n->second));
  }
  return Answer{200, bj::object{{"approvals", arr}}};
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
  auto runs = (*store)->list_runs(query_value(e.request, "connector"), limit);
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
  bj::value report = run_to_json(**run, *lines, e.app.report_names((*run)->connector_id), {});
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
  return Answer{200, run_to_json(report.run, report.lines,
                                 e.app.report_names(report.run.connector_id), report.notes)};
}

Result<Answer> approve_run(const Endpoint& e) {
  auto id = run_id(e);
  if (!id) return id.status();
  auto body = read_body(e.request, {{"lines", FieldKind::kPositiveIntArray}});
  if (!body) return body.status();
  SyncOptions options;
  options.trigger = "approve";
  options.cancelled = e.stop_requested;
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
  auto report = ops::retry_run(e.app, *id, options);
  if (!report) return report.status();
  return new_run_report(e, *report);
}

}  // namespace endpoints

ApiResponse unauthenticated() {
  ApiResponse r;
  r.status = 401;
  r.body = bj::serialize(error_document("unauthenticated", "a valid bearer token is required"));
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"meterbridge\"");
  return r;
}

std::string joined(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

}  // namespace

struct AdminApi::Route {
  EndpointFn handle;
  HandlerLane lane = HandlerLane::kQuick;  // kLong when the handler may reach a platform
  bool body_required = false;              // 411 when no length is given
  bool usage_body_limit = false;           // the usage document's limit, not every endpoint's
  Access access = Access::kToken;
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
      {"GET",    "/metrics",   {&ep::prometheus_metrics, {}, false, false, Access::kOpenIfMetricsPublic}},
      {"GET",    "/v1/connectors",                                          {&ep::list_connectors}},
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
      {"POST",   "/v1/usage",                                               {&ep::import_usage, {}, true, true}},
      {"GET",    "/v1/approvals",                                           {&ep::list_approvals}},
      {"GET",    "/v1/runs",                                                {&ep::list_runs}},
      {"GET",    "/v1/runs/{run}",                                          {&ep::get_run}},
      {"POST",   "/v1/runs/{run}/approve",                                  {&ep::approve_run, kLong}},
      {"POST",   "/v1/runs/{run}/dismiss",                                  {&ep::dismiss_run}},
      {"POST",   "/v1/runs/{run}/retry",                                    {&ep::retry_run, kLong}},
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

std::mutex& RunGate::mutex_for(const std::string& connector_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = per_connector_[connector_id];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

std::unique_lock<std::mutex> RunGate::enter(const std::string& connector_id) {
  return std::unique_lock<std::mutex>(mutex_for(connector_id));
}

bool AdminApi::authorized(const ApiRequest& request) const {
  std::string auth = request.header("authorization");
  std::lock_guard<std::mutex> lock(token_mu_);
  std::string expected = "Bearer " + options_.token;
  // Constant-time comparison: the token must not leak through response timing.
  return !options_.token.empty() && auth.size() == expected.size() &&
         sodium_memcmp(auth.data(), expected.data(), expected.size()) == 0;
}

void AdminApi::set_token(std::string token) {
  std::lock_guard<std::mutex> lock(token_mu_);
  options_.token = std::move(token);
}

Admission AdminApi::admit(const ApiRequest& head) const {
  Admission admission;
  admission.max_body_bytes = options_.max_body_bytes;
  auto match = routes().match(head.method, head.segments);
  if (match.found() && match.route->access == Access::kOpenAtAdmission) {
    admission.answer = dispatch(head, *match.route, match.params);
    return admission;
  }
  if (match.found() && open(*match.route)) return admission;
  if (!authorized(head)) {
    admission.answer = unauthenticated();
    return admission;
  }
  // An unknown endpoint is answered quickly, from the head, by handle().
  if (!match.found()) return admission;
  const Route& route = *match.route;
  if (route.usage_body_limit) admission.max_body_bytes = options_.max_usage_body_bytes;
  admission.body_required = route.body_required;
  admission.lane = route.lane;
  return admission;
}

ApiResponse AdminApi::handle(const ApiRequest& request) {
  auto match = routes().match(request.method, request.segments);
  if (match.found() && open(*match.route)) return dispatch(request, *match.route, match.params);
  // admit() has checked already; checked again so handle() is safe on its own.
  if (!authorized(request)) return unauthenticated();
  ApiResponse r = match.found() ? dispatch(request, *match.route, match.params)
                                : no_such_endpoint(request, match.allowed_methods);
  spdlog::info("admin API {} {} -> {}", request.method, request.path, r.status);
  return r;
}

ApiResponse AdminApi::dispatch(const ApiRequest& request, const Route& route,
                               const PathParams& params) const {
  Endpoint endpoint{app_, options_.stop_requested, request, params};
  Result<Answer> answer = route.handle(endpoint);
  if (!answer) return error_response(answer.status());
  if (answer->content_type.empty()) return json_response(answer->status, answer->body);
  ApiResponse r;
  r.status = answer->status;
  r.content_type = answer->content_type;
  r.body = redact(answer->text);
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
