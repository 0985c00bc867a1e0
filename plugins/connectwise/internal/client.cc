#include "internal/client.h"

#include <meterbridge/http.hpp>
#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <set>
#include <utility>

#include "internal/link_header.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

std::string status_text(int status) { return "HTTP " + std::to_string(status); }

// ": <ConnectWise's message>" when the body has one.
std::string detail(const HttpResponse& r) {
  std::string text = error_text(r.body);
  return text.empty() ? std::string() : ": " + text;
}

// What went wrong, in ConnectWise's terms, for a failed response.
std::string problem(const HttpResponse& r) {
  switch (r.status) {
    case 0: {
      const HttpError e = r.error.value_or(HttpError{});
      return (e.sent ? "no answer from ConnectWise after the request was sent"
                     : "ConnectWise could not be reached") +
             (e.message.empty() ? "" : " (" + e.message + ")");
    }
    case 400:
      return "ConnectWise refused the request (HTTP 400)" + detail(r);
    case 401:
      return "ConnectWise rejected the credentials (HTTP 401)" + detail(r) +
             "; check the company id, the public and private keys and that the API member is "
             "active";
    case 403:
      return "the API member's security role does not allow this (HTTP 403)" + detail(r);
    case 404:
      return "ConnectWise answered HTTP 404" + detail(r);
    case 409:
      return "ConnectWise refused the change (HTTP 409)" + detail(r);
    case 429:
      return "ConnectWise is throttling requests (HTTP 429)" + detail(r);
  }
  if (r.status >= 500) return "ConnectWise failed (" + status_text(r.status) + ")" + detail(r);
  return "unexpected " + status_text(r.status) + " from ConnectWise" + detail(r);
}

}  // namespace

HttpFailure failure_for(const HttpResponse& r, std::string_view what) {
  HttpFailure f{usual_error_class(r), std::string(what) + ": " + problem(r), 0};
  if (r.status == 429 || r.status >= 500) f.retry_after_ms = retry_after_ms(r);
  // An unsupported Accept version and a missing or unregistered clientId are configuration.
  if (r.status == 400) {
    const std::string text = error_text(r.body);
    for (const char* word : {"version", "clientId", "ClientId", "clientid"})
      if (text.find(word) != std::string::npos) f.status = MB_STATUS_CONFIG_INVALID;
  }
  return f;
}

// ---- Client -----------------------------------------------------------------------------------

std::optional<HttpFailure> Client::discover(Call& call) {
  const std::string root = discovery_root(config_);
  HttpRequest request;
  request.url = root + "/login/companyinfo/" + encode_query_value(config_.company_id);
  request.headers = {{"clientId", config_.client_id}, {"Accept", "application/json"}};
  request.endpoint = "companyinfo";
  HttpResponse r = std::move(call.http(std::vector<HttpRequest>{std::move(request)}).front());

  const std::string where = "companyinfo at " + root;
  const std::string not_connectwise = "; is '" + config_.site + "' the ConnectWise site";
  if (r.status == 0) {
    const std::string why = r.error ? r.error->message : "";
    return HttpFailure{MB_STATUS_RETRY, where + ": " + (why.empty() ? "no response" : why)};
  }
  if (r.status == 429)
    return HttpFailure{MB_STATUS_RATE_LIMITED,
                       where + ": ConnectWise is throttling requests (HTTP 429)",
                       retry_after_ms(r)};
  if (r.status >= 500)
    return HttpFailure{MB_STATUS_RETRY,
                       where + ": ConnectWise failed (" + status_text(r.status) + ")" + detail(r)};
  if (!r.ok())
    return HttpFailure{MB_STATUS_CONFIG_INVALID, where + " answered " + status_text(r.status) +
                                                     detail(r) + not_connectwise +
                                                     " (for example na.myconnectwise.net)?"};
  CompanyInfoReply reply = parse_company_info(r.body);
  switch (reply.kind) {
    case CompanyInfoReply::Kind::kUnknownCompany:
      return HttpFailure{MB_STATUS_CONFIG_INVALID,
                         "ConnectWise at " + config_.site + " does not know the company '" +
                             config_.company_id +
                             "'; use the company id you enter on the ConnectWise login page"};
    case CompanyInfoReply::Kind::kMalformed:
      return HttpFailure{MB_STATUS_CONFIG_INVALID,
                         where + ": " + reply.problem + not_connectwise + "?"};
    case CompanyInfoReply::Kind::kFound:
      break;
  }
  info_ = reply.info;
  api_base_ = api_root(config_, info_->is_cloud) + "/" + info_->codebase + "apis/3.0/";
  return std::nullopt;
}

void Client::ensure_discovered(Call& call) {
  if (info_) return;
  if (std::optional<HttpFailure> failure = discover(call)) throw_failure(*failure);
}

HttpRequest Client::http_request(const ApiRequest& request) const {
  HttpRequest r;
  r.method = request.method;
  r.url = api_base_ + request.target;
  r.endpoint = request.endpoint;
  r.headers = {{"Authorization", basic_authorization(config_)},
               {"clientId", config_.client_id},
               {"Accept", accept_header(config_)}};
  if (!request.body.empty()) set_json_body(r, request.body);
  // Only GETs are retried by the engine after a 5xx, timeout or reset. A JSON-Patch replace
  // of an absolute quantity would be safe to resend, but the plugin re-reads the addition
  // instead, so an unknown outcome is always settled by what ConnectWise holds.
  r.idempotent = request.method == "GET";
  return r;
}

std::vector<HttpResponse> Client::send(Call& call, const std::vector<ApiRequest>& requests) {
  std::vector<HttpRequest> batch;
  batch.reserve(requests.size());
  for (const ApiRequest& request : requests) batch.push_back(http_request(request));
  return http_in_batches(call, batch, kMaxBatch);
}

std::vector<HttpResponse> Client::execute(Call& call, const std::vector<ApiRequest>& requests) {
  if (!info_) throw PluginError(MB_STATUS_FATAL, "ConnectWise request before codebase discovery");
  std::vector<HttpResponse> responses = send(call, requests);
  std::vector<size_t> missing;
  for (size_t i = 0; i < responses.size(); ++i)
    if (responses[i].status == 404) missing.push_back(i);
  if (missing.empty() || refreshed_in_hook_) return responses;

  // A cloud upgrade moves the codebase and the old one answers 404: look again, once.
  refreshed_in_hook_ = true;
  const std::string before = info_->codebase;
  if (discover(call) || info_->codebase == before) return responses;
  call.info("ConnectWise codebase changed from " + before + " to " + info_->codebase +
            "; repeating " + std::to_string(missing.size()) + " request(s)");
  std::vector<ApiRequest> again;
  for (size_t i : missing) again.push_back(requests[i]);
  std::vector<HttpResponse> repeated = send(call, again);
  for (size_t k = 0; k < missing.size(); ++k) responses[missing[k]] = std::move(repeated[k]);
  return responses;
}

// ---- Listing ----------------------------------------------------------------------------------

namespace {

ApiRequest page_request(const ListQuery& list, int64_t page) {
  Query q = list.query;
  q.set("pageSize", std::to_string(kPageSize));
  return ApiRequest{"GET", q.target_for_page(page), "", list.endpoint};
}

// Turns one page's response into rows and the next page number; throws on failure.
Page read_page(const ListQuery& list, const HttpResponse& r, int64_t page) {
  Page out;
  if (r.status == 404 && list.missing_is_empty) return out;
  if (!r.ok()) throw_failure(failure_for(r, list.what));
  std::optional<std::vector<json::object>> rows = parse_json_objects(r.body);
  if (!rows)
    throw PluginError(MB_STATUS_RETRY,
                      list.what + ": ConnectWise answered something other than a JSON array");
  const std::string link = r.header("link");
  out.next =
      next_page(r.headers.count("link") > 0 ? std::optional<std::string_view>(link) : std::nullopt,
                page, rows->size(), kPageSize);
  out.rows = std::move(*rows);
  return out;
}

}  // namespace

Page fetch_page(Call& call, Client& client, const ListQuery& list, int64_t page) {
  std::vector<HttpResponse> r = client.execute(call, {page_request(list, page)});
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
    std::vector<HttpResponse> responses = client.execute(call, requests);
    for (size_t k = 0; k < which.size(); ++k) {
      size_t i = which[k];
      Page page = read_page(lists[i], responses[k], *next[i]);
      for (json::object& row : page.rows) {
        std::optional<int64_t> id = whole_number(row.if_contains("id"));
        if (id && !seen[i].insert(*id).second) continue;  // a page boundary moved under us
        rows[i].push_back(std::move(row));
      }
      next[i] = page.next;
    }
  }
}

}  // namespace meterbridge::connectwise
