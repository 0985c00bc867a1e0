#include "plugins/connectwise/internal/client.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "plugins/connectwise/internal/link_header.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

std::string status_text(int status) { return "HTTP " + std::to_string(status); }

// ": <ConnectWise's message>" when the body has one.
std::string detail(const ApiResponse& r) {
  std::string text = error_text(r.body);
  return text.empty() ? std::string() : ": " + text;
}

ApiResponse response_from(const json::value& v) {
  ApiResponse r;
  if (!v.is_object())
    throw PluginError(MB_STATUS_FATAL, "the host answered an HTTP batch with a non-object");
  const json::object& o = v.get_object();
  if (auto s = integral_id(o.if_contains("status"))) r.status = static_cast<int>(*s);
  if (auto a = integral_id(o.if_contains("attempts"))) r.attempts = static_cast<int>(*a);
  if (const json::value* h = o.if_contains("headers"); h != nullptr && h->is_object()) {
    for (const auto& [name, value] : h->get_object()) {
      if (!value.is_string()) continue;
      std::string lower(name);
      for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      r.headers[lower] = std::string(value.get_string());
    }
  }
  if (const json::value* b = o.if_contains("body"); b != nullptr && b->is_string())
    r.body = std::string(b->get_string());
  if (const json::value* e = o.if_contains("error"); e != nullptr && e->is_object()) {
    const json::object& err = e->get_object();
    if (const json::value* c = err.if_contains("class"); c != nullptr && c->is_string())
      r.error_class = std::string(c->get_string());
    if (const json::value* m = err.if_contains("message"); m != nullptr && m->is_string())
      r.error_message = std::string(m->get_string());
    if (const json::value* s = err.if_contains("sent"); s != nullptr && s->is_bool())
      r.maybe_sent = s->get_bool();
  }
  return r;
}

// Call::http_batch, keeping the host's retry_after_ms when it refuses a whole batch (for
// example when the connector's request budget is exhausted).
std::string host_batch(Call& call, const std::string& requests) {
  try {
    return call.http_batch(requests);
  } catch (const PluginError& e) {
    std::string_view what = e.what();
    size_t brace = what.find('{');
    uint64_t after = e.retry_after_ms();
    std::string message = "the host refused the HTTP batch";
    if (brace != std::string_view::npos) {
      boost::system::error_code ec;
      json::value doc = json::parse(what.substr(brace), ec);
      const json::value* err =
          !ec && doc.is_object() ? doc.get_object().if_contains("error") : nullptr;
      if (err != nullptr && err->is_object()) {
        const json::object& o = err->get_object();
        if (const json::value* m = o.if_contains("message"); m != nullptr && m->is_string())
          message += ": " + std::string(m->get_string());
        if (auto ms = integral_id(o.if_contains("retry_after_ms")); ms && *ms > 0)
          after = static_cast<uint64_t>(*ms);
      }
    }
    throw PluginError(e.error_class(), message, after);
  }
}

mb_status status_for_class(std::string_view cls) {
  if (cls == "retry") return MB_STATUS_RETRY;
  if (cls == "rate_limited") return MB_STATUS_RATE_LIMITED;
  if (cls == "auth_failed") return MB_STATUS_AUTH_FAILED;
  if (cls == "config_invalid") return MB_STATUS_CONFIG_INVALID;
  if (cls == "not_found") return MB_STATUS_NOT_FOUND;
  if (cls == "conflict") return MB_STATUS_CONFLICT;
  if (cls == "unsupported") return MB_STATUS_UNSUPPORTED;
  return MB_STATUS_FATAL;
}

}  // namespace

std::optional<std::string_view> ApiResponse::header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

uint64_t retry_after_ms(const ApiResponse& response) {
  auto value = response.header("retry-after");
  if (!value || value->empty() || value->size() > 9) return 0;
  uint64_t seconds = 0;
  for (char c : *value) {
    if (c < '0' || c > '9') return 0;  // an HTTP-date: the engine already honoured it
    seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
  }
  return seconds * 1000;
}

Failure failure_for(const ApiResponse& r, std::string_view what) {
  Failure f;
  const std::string prefix = std::string(what) + ": ";
  if (r.status == 0) {
    f.status = status_for_class(r.error_class);
    f.message = prefix +
                (r.maybe_sent ? "no answer from ConnectWise after the request was sent"
                              : "ConnectWise could not be reached") +
                (r.error_message.empty() ? "" : " (" + r.error_message + ")");
  } else if (r.status == 400) {
    std::string text = error_text(r.body);
    // An unsupported Accept version and a missing or unregistered clientId are configuration.
    bool config =
        text.find("version") != std::string::npos || text.find("clientId") != std::string::npos ||
        text.find("ClientId") != std::string::npos || text.find("clientid") != std::string::npos;
    f.status = config ? MB_STATUS_CONFIG_INVALID : MB_STATUS_FATAL;
    f.message = prefix + "ConnectWise refused the request (HTTP 400)" + detail(r);
  } else if (r.status == 401) {
    f.status = MB_STATUS_AUTH_FAILED;
    f.message =
        prefix + "ConnectWise rejected the credentials (HTTP 401)" + detail(r) +
        "; check the company id, the public and private keys and that the API member is active";
  } else if (r.status == 403) {
    f.status = MB_STATUS_AUTH_FAILED;
    f.message =
        prefix + "the API member's security role does not allow this (HTTP 403)" + detail(r);
  } else if (r.status == 404) {
    f.status = MB_STATUS_NOT_FOUND;
    f.message = prefix + "ConnectWise answered HTTP 404" + detail(r);
  } else if (r.status == 409) {
    f.status = MB_STATUS_CONFLICT;
    f.message = prefix + "ConnectWise refused the change (HTTP 409)" + detail(r);
  } else if (r.status == 429) {
    f.status = MB_STATUS_RATE_LIMITED;
    f.retry_after_ms = retry_after_ms(r);
    f.message = prefix + "ConnectWise is throttling requests (HTTP 429)" + detail(r);
  } else if (r.status >= 500) {
    f.status = MB_STATUS_RETRY;
    f.retry_after_ms = retry_after_ms(r);
    f.message = prefix + "ConnectWise failed (" + status_text(r.status) + ")" + detail(r);
  } else {
    f.status = MB_STATUS_FATAL;
    f.message = prefix + "unexpected " + status_text(r.status) + " from ConnectWise" + detail(r);
  }
  f.error_class = error_class_name(f.status);
  return f;
}

void throw_failure(const Failure& failure) {
  throw PluginError(failure.status, failure.message, failure.retry_after_ms);
}

// ---- Client -----------------------------------------------------------------------------------

Discovery Client::discover(Call& call, bool force) {
  Discovery d;
  if (info_ && !force) {
    d.outcome = Discovery::Outcome::kOk;
    return d;
  }
  const std::string root = discovery_root(config_);
  json::object headers{{"clientId", config_.client_id}, {"Accept", "application/json"}};
  json::object request{
      {"method", "GET"},
      {"url", root + "/login/companyinfo/" + encode_query_value(config_.company_id)},
      {"headers", std::move(headers)},
      {"endpoint", "companyinfo"}};
  std::string answer = host_batch(call, json::serialize(json::array{std::move(request)}));
  boost::system::error_code ec;
  json::value parsed = json::parse(answer, ec);
  if (ec || !parsed.is_array() || parsed.get_array().size() != 1)
    throw PluginError(MB_STATUS_FATAL,
                      "the host answered the companyinfo request with a malformed batch");
  ApiResponse r = response_from(parsed.get_array()[0]);

  const std::string where = "companyinfo at " + root;
  if (r.status == 0) {
    d.outcome = Discovery::Outcome::kUnreachable;
    d.message = where + ": " + (r.error_message.empty() ? "no response" : r.error_message);
    return d;
  }
  if (r.status == 429) {
    d.outcome = Discovery::Outcome::kThrottled;
    d.retry_after_ms = retry_after_ms(r);
    d.message = where + ": ConnectWise is throttling requests (HTTP 429)";
    return d;
  }
  if (r.status >= 500) {
    d.outcome = Discovery::Outcome::kUnreachable;
    d.message = where + ": ConnectWise failed (" + status_text(r.status) + ")" + detail(r);
    return d;
  }
  if (!r.ok()) {
    d.outcome = Discovery::Outcome::kNotConnectWise;
    d.message = where + " answered " + status_text(r.status) + detail(r) + "; is '" + config_.site +
                "' the ConnectWise site (for example na.myconnectwise.net)?";
    return d;
  }
  CompanyInfoReply reply = parse_company_info(r.body);
  switch (reply.kind) {
    case CompanyInfoReply::Kind::kUnknownCompany:
      d.outcome = Discovery::Outcome::kUnknownCompany;
      d.message = "ConnectWise at " + config_.site + " does not know the company '" +
                  config_.company_id +
                  "'; use the company id you enter on the ConnectWise login page";
      return d;
    case CompanyInfoReply::Kind::kMalformed:
      d.outcome = Discovery::Outcome::kNotConnectWise;
      d.message =
          where + ": " + reply.problem + "; is '" + config_.site + "' the ConnectWise site?";
      return d;
    case CompanyInfoReply::Kind::kFound:
      break;
  }
  info_ = reply.info;
  api_base_ = api_root(config_, info_->is_cloud) + "/" + info_->codebase + "apis/3.0/";
  d.outcome = Discovery::Outcome::kOk;
  return d;
}

void Client::ensure_discovered(Call& call) {
  if (info_) return;
  Discovery d = discover(call, false);
  switch (d.outcome) {
    case Discovery::Outcome::kOk:
      return;
    case Discovery::Outcome::kUnknownCompany:
    case Discovery::Outcome::kNotConnectWise:
      throw PluginError(MB_STATUS_CONFIG_INVALID, d.message);
    case Discovery::Outcome::kThrottled:
      throw PluginError(MB_STATUS_RATE_LIMITED, d.message, d.retry_after_ms);
    case Discovery::Outcome::kUnreachable:
      throw PluginError(MB_STATUS_RETRY, d.message);
  }
  throw PluginError(MB_STATUS_FATAL, d.message);
}

std::string Client::request_json(const ApiRequest& request) const {
  json::object headers{{"Authorization", basic_authorization(config_)},
                       {"clientId", config_.client_id},
                       {"Accept", accept_header(config_)}};
  json::object o{{"method", request.method},
                 {"url", api_base_ + request.target},
                 {"endpoint", request.endpoint}};
  if (!request.body.empty()) {
    headers["Content-Type"] = "application/json";
    o["body"] = request.body;
  }
  o["headers"] = std::move(headers);
  // Only GETs are retried by the engine after a 5xx, timeout or reset. A JSON-Patch replace
  // of an absolute quantity would be safe to resend, but the plugin re-reads the addition
  // instead, so an unknown outcome is always settled by what ConnectWise holds.
  o["idempotent"] = request.method == "GET";
  return json::serialize(o);
}

std::vector<ApiResponse> Client::send_batch(Call& call, const std::vector<ApiRequest>& requests) {
  std::string batch = "[";
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) batch += ',';
    batch += request_json(requests[i]);
  }
  batch += ']';
  std::string answer = host_batch(call, batch);
  boost::system::error_code ec;
  json::value parsed = json::parse(answer, ec);
  if (ec || !parsed.is_array() || parsed.get_array().size() != requests.size())
    throw PluginError(MB_STATUS_FATAL,
                      "the host answered an HTTP batch with a malformed response list");
  std::vector<ApiResponse> out;
  out.reserve(requests.size());
  for (const json::value& v : parsed.get_array()) out.push_back(response_from(v));
  return out;
}

std::vector<ApiResponse> Client::execute(Call& call, const std::vector<ApiRequest>& requests) {
  if (!info_) throw PluginError(MB_STATUS_FATAL, "ConnectWise request before codebase discovery");
  std::vector<ApiResponse> out;
  out.reserve(requests.size());
  for (size_t start = 0; start < requests.size(); start += kMaxBatch) {
    if (start > 0 && call.cancelled()) throw PluginError(MB_STATUS_RETRY, "cancelled");
    size_t end = std::min(requests.size(), start + kMaxBatch);
    std::vector<ApiRequest> slice(requests.begin() + static_cast<std::ptrdiff_t>(start),
                                  requests.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<ApiResponse> responses = send_batch(call, slice);

    std::vector<size_t> missing;
    for (size_t i = 0; i < responses.size(); ++i)
      if (responses[i].status == 404) missing.push_back(i);
    if (!missing.empty() && !refreshed_in_hook_) {
      // A cloud upgrade moves the codebase and the old one answers 404: look again, once.
      refreshed_in_hook_ = true;
      const std::string before = info_->codebase;
      Discovery d = discover(call, true);
      if (d.outcome == Discovery::Outcome::kOk && info_->codebase != before) {
        call.info("ConnectWise codebase changed from " + before + " to " + info_->codebase +
                  "; repeating " + std::to_string(missing.size()) + " request(s)");
        std::vector<ApiRequest> again;
        for (size_t i : missing) again.push_back(slice[i]);
        std::vector<ApiResponse> repeated = send_batch(call, again);
        for (size_t k = 0; k < missing.size(); ++k) responses[missing[k]] = std::move(repeated[k]);
      }
    }
    for (auto& r : responses) out.push_back(std::move(r));
  }
  return out;
}

// ---- Listing ----------------------------------------------------------------------------------

namespace {

ApiRequest page_request(const ListQuery& list, int64_t page) {
  Query q = list.query;
  q.set("pageSize", std::to_string(kPageSize));
  return ApiRequest{"GET", q.target_for_page(page), "", list.endpoint};
}

// Turns one page's response into rows and the next page number; throws on failure.
Page read_page(const ListQuery& list, const ApiResponse& r, int64_t page) {
  Page out;
  if (r.status == 404 && list.missing_is_empty) return out;
  if (!r.ok()) throw_failure(failure_for(r, list.what));
  auto rows = parse_rows(r.body);
  if (!rows)
    throw PluginError(MB_STATUS_RETRY,
                      list.what + ": ConnectWise answered something other than a JSON array");
  out.next = next_page(r.header("link"), page, rows->size(), kPageSize);
  out.rows = std::move(*rows);
  return out;
}

}  // namespace

Page fetch_page(Call& call, Client& client, const ListQuery& list, int64_t page) {
  std::vector<ApiResponse> r = client.execute(call, {page_request(list, page)});
  return read_page(list, r.at(0), page);
}

std::vector<std::vector<json::object>> fetch_all(Call& call, Client& client,
                                                 const std::vector<ListQuery>& lists) {
  // A listing never has more pages than this; a server that keeps sending rel="next" must not
  // keep the plugin busy forever.
  constexpr int64_t kMaxPages = 100000;
  std::vector<std::vector<json::object>> rows(lists.size());
  std::vector<std::set<int64_t>> seen(lists.size());
  std::vector<std::optional<int64_t>> next(lists.size(), int64_t{1});
  while (true) {
    std::vector<size_t> which;
    std::vector<ApiRequest> requests;
    for (size_t i = 0; i < lists.size(); ++i) {
      if (!next[i]) continue;
      if (*next[i] > kMaxPages)
        throw PluginError(MB_STATUS_FATAL, lists[i].what + ": more than 100000 pages");
      which.push_back(i);
      requests.push_back(page_request(lists[i], *next[i]));
    }
    if (requests.empty()) return rows;
    if (call.cancelled()) throw PluginError(MB_STATUS_RETRY, "cancelled while reading ConnectWise");
    std::vector<ApiResponse> responses = client.execute(call, requests);
    for (size_t k = 0; k < which.size(); ++k) {
      size_t i = which[k];
      Page page = read_page(lists[i], responses[k], *next[i]);
      for (json::object& row : page.rows) {
        auto id = integral_id(row.if_contains("id"));
        if (id && !seen[i].insert(*id).second) continue;  // a page boundary moved under us
        rows[i].push_back(std::move(row));
      }
      next[i] = page.next;
    }
  }
}

}  // namespace meterbridge::connectwise
