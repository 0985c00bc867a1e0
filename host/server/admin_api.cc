#include "host/server/admin_api.h"

#include <boost/json.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "host/app/operations.h"
#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/server/api_body.h"
#include "host/sync/report.h"

namespace mb::server {
namespace {

namespace bj = boost::json;

int http_status_for(ErrorClass c) {
  switch (c) {
    case ErrorClass::kConfigInvalid: return 400;
    case ErrorClass::kNotFound: return 404;
    case ErrorClass::kConflict: return 409;
    case ErrorClass::kUnsupported: return 501;
    case ErrorClass::kRetry:
    case ErrorClass::kRateLimited: return 503;
    case ErrorClass::kAuthFailed: return 502;  // the platform refused our credentials
    default: return 500;
  }
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

bj::value account_json(const PsaAccount& a) {
  return bj::object{{"id", a.id}, {"name", a.name}, {"active", a.active}, {"excluded", a.excluded},
                      {"missing", a.missing_since.has_value()}};
}

}  // namespace

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
  return json_response(status, bj::object{{"error", bj::object{{"code", code},
                                                               {"message", message},
                                                               {"details", std::move(details)}}}});
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

namespace {

bool is_route(const ApiRequest& r, std::string_view method,
              std::initializer_list<std::string_view> parts) {
  return r.method == method &&
         std::equal(r.segments.begin(), r.segments.end(), parts.begin(), parts.end(),
                    [](const std::string& s, std::string_view p) { return p == "*" || s == p; });
}

// GET or HEAD of a health probe (load balancers use either).
bool is_probe(const ApiRequest& r, std::string_view name) {
  return (r.method == "GET" || r.method == "HEAD") && r.segments.size() == 2 &&
         r.segments[0] == "v1" && r.segments[1] == name;
}

// Requests whose handler may reach a platform and run for minutes.
bool reaches_platform(const ApiRequest& r) {
  const auto& s = r.segments;
  if (s.size() >= 4 && s[0] == "v1" && s[1] == "connectors")
    return !is_route(r, "GET", {"v1", "connectors", "*", "mappings"});
  return is_route(r, "POST", {"v1", "runs", "*", "approve"}) ||
         is_route(r, "POST", {"v1", "runs", "*", "retry"});
}

// Requests that mean nothing without a body: 411 when no length is given.
bool needs_body(const ApiRequest& r) {
  return is_route(r, "POST", {"v1", "usage"}) ||
         is_route(r, "PUT", {"v1", "connectors", "*", "credentials"}) ||
         is_route(r, "PUT", {"v1", "connectors", "*", "links", "*"}) ||
         is_route(r, "PUT", {"v1", "connectors", "*", "mappings", "accounts", "*"}) ||
         is_route(r, "PUT", {"v1", "connectors", "*", "mappings", "services", "*"});
}

ApiResponse unauthenticated() {
  ApiResponse r;
  r.status = 401;
  r.body = bj::serialize(bj::object{
      {"error", bj::object{{"code", "unauthenticated"},
                           {"message", "a valid bearer token is required"},
                           {"details", bj::object()}}}});
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"meterbridge\"");
  return r;
}

}  // namespace

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
  // Liveness: the process answers. No data, no token, no worker thread.
  if (is_probe(head, "health")) {
    admission.answer = json_response(200, bj::object{{"status", "ok"}});
    return admission;
  }
  if (is_probe(head, "ready")) return admission;
  if (!authorized(head)) {
    admission.answer = unauthenticated();
    return admission;
  }
  if (is_route(head, "POST", {"v1", "usage"}))
    admission.max_body_bytes = options_.max_usage_body_bytes;
  admission.body_required = needs_body(head);
  admission.lane = reaches_platform(head) ? HandlerLane::kLong : HandlerLane::kQuick;
  return admission;
}

// Readiness: the config, the plugin folder and the store are usable. Says which check failed,
// never why (the probe is unauthenticated).
ApiResponse AdminApi::ready() {
  bool stopping = options_.stop_requested != nullptr && options_.stop_requested->load();
  bool config = static_cast<bool>(app_.config());
  bool plugins = static_cast<bool>(app_.plugins());
  auto store = app_.store();
  bool store_ok = store && (*store)->list_runs("", 1).ok();
  auto verdict = [](bool ok) { return ok ? "ok" : "failed"; };
  bool ready = !stopping && config && plugins && store_ok;
  return json_response(
      ready ? 200 : 503,
      bj::object{{"status", ready ? "ready" : (stopping ? "stopping" : "not_ready")},
                 {"checks", bj::object{{"config", verdict(config)},
                                       {"plugins", verdict(plugins)},
                                       {"store", verdict(store_ok)}}}});
}

ApiResponse AdminApi::handle(const ApiRequest& request) {
  if (is_probe(request, "ready")) return ready();
  // admit() has checked already; checked again so handle() is safe on its own.
  if (!authorized(request)) return unauthenticated();
  ApiResponse r = route(request);
  spdlog::info("admin API {} {} -> {}", request.method, request.path, r.status);
  return r;
}

ApiResponse AdminApi::route(const ApiRequest& req) {
  const auto& s = req.segments;
  const std::string& m = req.method;
  auto is = [&](std::initializer_list<const char*> parts) {
    if (s.size() != parts.size()) return false;
    size_t i = 0;
    for (const char* p : parts) {
      if (*p != '*' && s[i] != p) return false;
      ++i;
    }
    return true;
  };
  if (s.empty() || s[0] != "v1") return error_response(404, "not_found", "no such endpoint");

  if (m == "GET" && is({"v1", "connectors"})) {
    auto config = app_.config();
    if (!config) return error_response(config.status());
    auto store = app_.store();
    if (!store) return error_response(store.status());
    auto records = (*store)->list_connectors();
    if (!records) return error_response(records.status());
    std::map<std::string, ConnectorRecord> by_id;
    for (auto& r : *records) by_id[r.id] = r;
    bj::array arr;
    for (const auto& c : (*config)->connectors) {
      const ConnectorRecord& r = by_id[c.id];
      arr.push_back(bj::object{{"id", c.id}, {"plugin", c.plugin}, {"partner", c.partner}, {"enabled", c.enabled},
                                 {"status", r.status}, {"status_message", r.status_message},
                                 {"status_at", r.status_at}, {"has_credentials", r.has_credentials}});
    }
    return json_response(200, bj::object{{"connectors", arr}});
  }

  if (s.size() >= 3 && s[1] == "connectors") {
    const std::string& id = s[2];
    auto verdict_json = [](const ops::ConnectorVerdict& v) {
      bj::array provisioned;
      for (const auto& note : v.provisioned) provisioned.push_back(bj::value(note));
      return bj::object{{"id", v.id},
                        {"status", v.status},
                        {"message", v.message},
                        {"error_class", v.status == "error" ? error_class_name(v.error_class) : ""},
                        {"provisioned", std::move(provisioned)}};
    };
    if (m == "POST" && is({"v1", "connectors", "*", "test"})) {
      if (auto body = read_body(req, {}); !body) return error_response(body.status());
      auto v = ops::test_connector(app_, id);
      return v ? json_response(200, verdict_json(*v)) : error_response(v.status());
    }
    if (m == "PUT" && is({"v1", "connectors", "*", "credentials"})) {
      auto query = read_query(req, {"force"}, {"force"});
      if (!query) return error_response(query.status());
      auto body = body_object(req, false);
      if (!body) return error_response(body.status());
      auto v = ops::connect_connector(app_, id, bj::serialize(*body), (*query)["force"]);
      return v ? json_response(200, verdict_json(*v)) : error_response(v.status());
    }
    if (m == "POST" && is({"v1", "connectors", "*", "disconnect"})) {
      if (auto body = read_body(req, {}); !body) return error_response(body.status());
      auto note = ops::disconnect_connector(app_, id);
      return note ? json_response(200, bj::object{{"id", id}, {"status", "disconnected"}, {"note", *note}})
                  : error_response(note.status());
    }
    if (m == "GET" && is({"v1", "connectors", "*", "accounts"})) {
      auto query = read_query(req, {"search", "refresh"}, {"refresh"});
      if (!query) return error_response(query.status());
      auto it = req.query.find("search");
      auto accounts = ops::list_accounts(app_, id, it == req.query.end() ? "" : it->second, (*query)["refresh"]);
      if (!accounts) return error_response(accounts.status());
      bj::array arr;
      for (const auto& a : *accounts) arr.push_back(account_json(a));
      return json_response(200, bj::object{{"accounts", arr}});
    }
    if (m == "GET" && is({"v1", "connectors", "*", "services"})) {
      auto query = read_query(req, {"refresh"}, {"refresh"});
      if (!query) return error_response(query.status());
      auto services = ops::list_services(app_, id, (*query)["refresh"]);
      if (!services) return error_response(services.status());
      bj::array arr;
      for (const auto& x : *services) arr.push_back(bj::object{{"id", x.id}, {"name", x.name}});
      return json_response(200, bj::object{{"services", arr}});
    }
    if (m == "GET" && is({"v1", "connectors", "*", "mappings"})) {
      auto query = read_query(req, {"unmapped"}, {"unmapped"});
      if (!query) return error_response(query.status());
      auto doc = ops::mappings_json(app_, id, (*query)["unmapped"]);
      return doc ? json_response(200, *doc) : error_response(doc.status());
    }
    if (m == "POST" && is({"v1", "connectors", "*", "mappings", "auto"})) {
      if (auto body = read_body(req, {}); !body) return error_response(body.status());
      auto report = ops::map_auto(app_, id);
      if (!report) return error_response(report.status());
      bj::array created, unmapped;
      for (const auto& x : report->created)
        created.push_back(bj::object{{"workspace_id", x.workspace_id}, {"account_id", *x.account_id},
                                       {"account_name", x.account_name}});
      for (const auto& [w, why] : report->unmapped)
        unmapped.push_back(bj::object{{"workspace_id", w.id}, {"name", w.name}, {"reason", why}});
      return json_response(200, bj::object{{"mapped", created}, {"unmapped", unmapped},
                                             {"already_mapped", report->kept_existing}});
    }
    bool accounts_path = is({"v1", "connectors", "*", "mappings", "accounts", "*"}) ||
                         is({"v1", "connectors", "*", "links", "*"});
    if (accounts_path) {
      const std::string& workspace = s.back();
      if (m == "PUT") {
        const char* field = s[3] == "links" ? "customer_id" : "account_id";
        auto body = read_body(req, {{field, FieldKind::kNonEmptyString, true}});
        if (!body) return error_response(body.status());
        auto mapping = ops::map_account(app_, id, workspace, *body->text(field));
        if (!mapping) return error_response(mapping.status());
        return json_response(200, bj::object{{"workspace_id", workspace},
                                             {"account_id", *mapping->account_id},
                                             {"account_name", mapping->account_name},
                                             {"source", to_text(mapping->source)}});
      }
      if (m == "DELETE") {
        if (auto body = read_body(req, {}); !body) return error_response(body.status());
        Status st = ops::unmap_account(app_, id, workspace);
        return st.ok() ? json_response(200, bj::object{{"workspace_id", workspace}, {"state", "unmapped"}})
                       : error_response(st);
      }
    }
    if (is({"v1", "connectors", "*", "exclusions", "*", "*"}) && (m == "PUT" || m == "DELETE") &&
        (s[4] == "workspaces" || s[4] == "accounts")) {
      bool workspace = s[4] == "workspaces";
      if (auto body = read_body(req, {}); !body) return error_response(body.status());
      Status st = ops::set_excluded(app_, id, workspace ? s[5] : "", workspace ? "" : s[5], m == "PUT");
      return st.ok() ? json_response(200, bj::object{{"id", s[5]}, {"excluded", m == "PUT"}}) : error_response(st);
    }
    if (is({"v1", "connectors", "*", "mappings", "services", "*"})) {
      const std::string& service = s[5];
      if (m == "PUT") {
        auto body = read_body(req, {{"psa_service_id", FieldKind::kNonEmptyString, true},
                                    {"metric", FieldKind::kString, false, {"users", "devices"}}});
        if (!body) return error_response(body.status());
        std::string psa = *body->text("psa_service_id");
        std::string metric = body->text("metric").value_or("users");
        Status st = ops::map_service(app_, id, service, psa, metric);
        return st.ok() ? json_response(200, bj::object{{"service_id", service}, {"psa_service_id", psa},
                                                         {"metric", metric}})
                       : error_response(st);
      }
      if (m == "DELETE") {
        if (auto body = read_body(req, {}); !body) return error_response(body.status());
        Status st = ops::unmap_service(app_, id, service);
        return st.ok() ? json_response(200, bj::object{{"service_id", service}, {"state", "unmapped"}})
                       : error_response(st);
      }
    }
    if (m == "POST" && is({"v1", "connectors", "*", "sync"})) {
      auto body = read_body(req, {{"dry_run", FieldKind::kBool}, {"force", FieldKind::kBool}});
      if (!body) return error_response(body.status());
      SyncOptions options;
      options.trigger = "api";
      options.cancelled = options_.stop_requested;
      options.dry_run = body->flag("dry_run");
      options.force_full_push = body->flag("force");
      auto report = ops::sync_connector(app_, id, options);
      if (!report) return error_response(report.status());
      return json_response(200, run_to_json(report->run, report->lines, app_.report_names(id), report->notes));
    }
  }

  if (m == "POST" && is({"v1", "usage"})) {
    bool csv = req.header("content-type").find("csv") != std::string::npos;
    std::string text = req.body;
    if (!csv) {
      auto doc = mb::json::parse(text);  // reject non-JSON early with a clear message
      if (!doc) return error_response(400, "config_invalid", "usage must be JSON (or text/csv): " + doc.status().message());
    }
    auto imported = ops::import_usage(app_, text, "api");
    if (!imported) {
      const Status& st = imported.status();
      bj::array lines;
      std::string message = st.message();
      for (size_t start = 0, nl; start < message.size(); start = nl + 1) {
        nl = message.find('\n', start);
        if (nl == std::string::npos) nl = message.size();
        if (start > 0) lines.emplace_back(message.substr(start, nl - start));
      }
      return error_response(http_status_for(st.code()), error_class_name(st.code()),
                            message.substr(0, message.find('\n')), bj::object{{"errors", lines}});
    }
    return json_response(201, ops::usage_imported_to_json(*imported));
  }

  if (m == "GET" && is({"v1", "approvals"})) {
    auto query = read_query(req, {"connector"}, {});
    if (!query) return error_response(query.status());
    auto it = req.query.find("connector");
    auto pending = ops::pending_approvals(app_, it == req.query.end() ? "" : it->second);
    if (!pending) return error_response(pending.status());
    bj::array arr;
    std::map<std::string, ReportNames> names;
    for (const auto& p : *pending) {
      auto n = names.find(p.connector_id);
      if (n == names.end()) n = names.emplace(p.connector_id, app_.report_names(p.connector_id)).first;
      arr.push_back(pending_approval_to_json(p, n->second));
    }
    return json_response(200, bj::object{{"approvals", arr}});
  }

  if (m == "GET" && is({"v1", "runs"})) {
    if (auto query = read_query(req, {"connector", "limit"}, {}); !query) return error_response(query.status());
    auto store = app_.store();
    if (!store) return error_response(store.status());
    auto it = req.query.find("connector");
    int limit = 50;
    if (auto l = req.query.find("limit"); l != req.query.end()) {
      auto v = to_int(l->second);
      if (!v || *v < 1 || *v > 1000) return error_response(400, "config_invalid", "limit must be 1..1000");
      limit = static_cast<int>(*v);
    }
    auto runs = (*store)->list_runs(it == req.query.end() ? "" : it->second, limit);
    if (!runs) return error_response(runs.status());
    bj::array arr;
    for (const auto& r : *runs) arr.push_back(run_header_to_json(r));
    return json_response(200, bj::object{{"runs", arr}});
  }
  if (s.size() >= 3 && s[1] == "runs") {
    auto run_id = to_int(s[2]);
    if (!run_id) return error_response(400, "config_invalid", "run id must be a number");
    if (m == "GET" && s.size() == 3) {
      auto store = app_.store();
      if (!store) return error_response(store.status());
      auto run = (*store)->get_run(*run_id);
      if (!run) return error_response(run.status());
      if (!*run) return error_response(404, "not_found", "no run " + s[2]);
      auto lines = (*store)->list_lines(*run_id);
      if (!lines) return error_response(lines.status());
      return json_response(200, run_to_json(**run, *lines, app_.report_names((*run)->connector_id), {}));
    }
    if (m == "POST" && s.size() == 4 && s[3] == "dismiss") {
      auto body = read_body(req, {{"lines", FieldKind::kPositiveIntArray}});
      if (!body) return error_response(body.status());
      auto dismissed = ops::dismiss_run(app_, *run_id, body->numbers("lines"), "the admin API");
      if (!dismissed) return error_response(dismissed.status());
      bj::array arr;
      for (const auto& l : *dismissed)
        arr.push_back(bj::object{{"line", l.number}, {"workspace_id", l.workspace_id}, {"service_id", l.service_id}});
      return json_response(200, bj::object{{"run", *run_id}, {"dismissed", arr}});
    }
    if (m == "POST" && s.size() == 4 && (s[3] == "approve" || s[3] == "retry")) {
      bool approve = s[3] == "approve";
      auto body = approve ? read_body(req, {{"lines", FieldKind::kPositiveIntArray}}) : read_body(req, {});
      if (!body) return error_response(body.status());
      SyncOptions options;
      options.trigger = s[3];
      options.cancelled = options_.stop_requested;
      auto report = approve ? ops::approve_run(app_, *run_id, body->numbers("lines"), options)
                            : ops::retry_run(app_, *run_id, options);
      if (!report) return error_response(report.status());
      return json_response(200, run_to_json(report->run, report->lines, app_.report_names(report->run.connector_id),
                                            report->notes));
    }
  }
  return error_response(404, "not_found", "no such endpoint: " + req.method + " " + req.path);
}

}  // namespace mb::server
