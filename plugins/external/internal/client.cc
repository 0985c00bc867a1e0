#include "internal/client.h"

#include <meterbridge/http.hpp>

#include <iterator>
#include <utility>

namespace meterbridge::external {
namespace {

// ": <the platform's code and message>" when the body is a protocol error.
std::string detail(const HttpResponse& r) {
  std::optional<ErrorBody> error = parse_error_body(r.body);
  if (!error) return "";
  return ": " + error->code + (error->message.empty() ? "" : " (" + error->message + ")");
}

// The protocol's refinements of the usual class of a refusal that is about neither the key nor
// the load: a 404 without the protocol's own code means the base URL serves no protocol at all.
mb_status error_class(const HttpResponse& r) {
  const mb_status usual = usual_error_class(r);
  if (usual != MB_STATUS_NOT_FOUND && usual != MB_STATUS_CONFLICT && usual != MB_STATUS_FATAL)
    return usual;
  const std::string code = error_code(r);
  if (r.status == 404 && (code.empty() || code == "not_found")) return MB_STATUS_CONFIG_INVALID;
  if (code == "unknown_customer") return MB_STATUS_NOT_FOUND;
  return r.status == 422 ? MB_STATUS_CONFLICT : usual;
}

}  // namespace

std::string error_code(const HttpResponse& response) {
  std::optional<ErrorBody> error = parse_error_body(response.body);
  return error ? error->code : "";
}

HttpFailure failure_for(const HttpResponse& r, std::string_view what) {
  const std::string action = "could not " + std::string(what);
  if (!r.answered()) {
    const HttpError e = r.error.value_or(HttpError{MB_STATUS_RETRY, "", false});
    std::string message = action + ": " + (e.message.empty() ? "no response" : e.message);
    if (e.sent) message += " (the request may have reached the platform)";
    return HttpFailure{e.error_class, message, 0};
  }
  const std::string status = "(HTTP " + std::to_string(r.status) + detail(r) + ")";
  switch (const mb_status cls = error_class(r)) {
    case MB_STATUS_AUTH_FAILED:
      return HttpFailure{cls, action + ": the platform refused the API key " + status, 0};
    case MB_STATUS_RATE_LIMITED:
      return HttpFailure{cls, action + ": the platform is throttling requests " + status,
                         retry_after_ms(r)};
    case MB_STATUS_RETRY:
      return HttpFailure{cls, action + ": the platform failed " + status, retry_after_ms(r)};
    case MB_STATUS_CONFIG_INVALID:
      return HttpFailure{cls,
                         action +
                             ": the platform does not serve the external protocol v1 at the "
                             "configured base_url " +
                             status,
                         0};
    case MB_STATUS_NOT_FOUND:
      return HttpFailure{cls, action + " " + status, 0};
    case MB_STATUS_CONFLICT:
      return HttpFailure{cls, action + " " + status, retry_after_ms(r)};
    default:
      return HttpFailure{cls, action + ": the platform refused the request " + status, 0};
  }
}

HttpRequest Client::request(std::string method, std::string_view target,
                            std::string endpoint) const {
  HttpRequest r;
  r.method = std::move(method);
  r.url = config_.base_url + std::string(target);
  r.headers = {{"Authorization", "Bearer " + config_.api_key}, {"Accept", "application/json"}};
  // Every request of the protocol may be retried after a reset or a timeout: GET, PUT and
  // DELETE are idempotent, and a POST of a batch carries an Idempotency-Key, so a retry that
  // reaches the platform again is answered with the stored result of the first attempt instead
  // of being applied twice.
  r.idempotent = true;
  r.endpoint = std::move(endpoint);
  return r;
}

std::vector<HttpResponse> Client::execute(Call& call,
                                          const std::vector<HttpRequest>& requests) const {
  return http_in_batches(call, requests, kMaxBatch);
}

std::string Client::get(Call& call, std::string_view target, std::string endpoint,
                        std::string_view what) const {
  HttpResponse r = execute(call, {request("GET", target, std::move(endpoint))}).front();
  if (!r.ok()) throw_failure(failure_for(r, what));
  return std::move(r.body);
}

std::optional<std::string> given(const std::optional<std::string>& text) {
  return text && !text->empty() ? text : std::nullopt;
}

std::string with_cursor(const std::string& target, const std::optional<std::string>& cursor) {
  if (!cursor) return target;
  return target + (target.find('?') == std::string::npos ? "?" : "&") +
         "cursor=" + percent_encode(*cursor);
}

std::vector<boost::json::object> fetch_all(Call& call, const Client& client,
                                           std::vector<std::string> targets,
                                           const std::string& endpoint, std::string_view what) {
  std::vector<boost::json::object> all;
  std::vector<std::pair<std::string, std::optional<std::string>>> pending;  // target, cursor
  for (std::string& target : targets) pending.emplace_back(std::move(target), std::nullopt);
  for (int round = 0; !pending.empty(); ++round) {
    if (round == kMaxPages) {
      throw PluginError(MB_STATUS_FATAL, "gave up paging to " + std::string(what) + " after " +
                                             std::to_string(kMaxPages) + " pages");
    }
    if (call.cancelled())
      throw PluginError(MB_STATUS_RETRY, "cancelled before it could " + std::string(what));
    std::vector<HttpRequest> requests;
    for (const auto& [target, cursor] : pending)
      requests.push_back(client.request("GET", with_cursor(target, cursor), endpoint));
    std::vector<HttpResponse> responses = client.execute(call, requests);
    std::vector<std::pair<std::string, std::optional<std::string>>> next;
    for (size_t i = 0; i < responses.size(); ++i) {
      if (!responses[i].ok()) throw_failure(failure_for(responses[i], what));
      const std::string& target = pending[i].first;
      Page page = parse_page(responses[i].body, "GET " + target.substr(0, target.find('?')));
      std::move(page.data.begin(), page.data.end(), std::back_inserter(all));
      if (page.next_cursor) next.emplace_back(target, std::move(page.next_cursor));
    }
    pending = std::move(next);
  }
  return all;
}

}  // namespace meterbridge::external
