// Typed HTTP for plugins: Call::http runs HttpRequests through the host's engine
// (callback_http_batch) and returns HttpResponses (<meterbridge/documents.hpp>), keeping what
// the host says about each: the error class and "may have been sent" of a request that got no
// answer, and the wait a throttled answer asks for. Retry-After is read here, once, for every
// plugin.
//
//   #include <meterbridge/http.hpp>
//   std::vector<HttpResponse> r = call.http(std::vector<HttpRequest>{{"GET", url, headers}});
//   if (r[0].status == 429) throw PluginError(MB_STATUS_RATE_LIMITED, "...", retry_after_ms(r[0]));
//
// When the host refuses the whole batch (no engine, a malformed batch, the connector's request
// budget spent), Call::http throws PluginError with the host's class, message and
// retry_after_ms: nothing was sent. Uses the SDK's codec, so it needs Boost.JSON.
#ifndef METERBRIDGE_HTTP_HPP_
#define METERBRIDGE_HTTP_HPP_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meterbridge/documents.hpp"
#include "meterbridge/documents_json.hpp"
#include "meterbridge/plugin.hpp"

namespace meterbridge {

// Runs `requests` as one batch (what Call::http does). Responses come back in request order.
inline std::vector<HttpResponse> run_http(const Call& call,
                                          const std::vector<HttpRequest>& requests) {
  const mb_host_services* services = call.services();
  if (services == nullptr || services->callback_http_batch == nullptr)
    throw PluginError(MB_STATUS_UNSUPPORTED, "host offers no HTTP engine");
  mb_str out{nullptr, 0};
  mb_status status =
      services->callback_http_batch(call.raw(), to_mb_str(encode_array(requests)), &out);
  const std::string_view answer = to_string_view(out);
  if (status != MB_STATUS_OK) {
    ErrorDocument refusal;
    try {
      refusal = decode<ErrorDocument>(answer);
    } catch (const DocumentError&) {
    }
    std::string message = "the host refused the HTTP batch";
    if (!refusal.message.empty()) message += ": " + refusal.message;
    throw PluginError(status, message, refusal.retry_after_ms);
  }
  std::vector<HttpResponse> responses;
  try {
    responses = decode_array<HttpResponse>(answer, "the host's HTTP responses");
  } catch (const DocumentError& e) {
    throw PluginError(MB_STATUS_FATAL, e.what());
  }
  if (responses.size() != requests.size())
    throw PluginError(MB_STATUS_FATAL, "the host answered an HTTP batch of " +
                                           std::to_string(requests.size()) + " requests with " +
                                           std::to_string(responses.size()) + " responses");
  return responses;
}

// Runs `requests` as host batches of at most `max_batch` (bounding the memory of one batch and
// letting cancellation be seen between batches; the engine's limits decide how many run at
// once). Responses come back in request order. What was sent keeps its answer whatever happens
// to the rest: between batches, a cancelled call leaves the rest unsent (status 0 with error
// {retry, "cancelled before it was sent", sent=false}), and when the host refuses a later batch
// (the request budget spent, say) its requests and the rest come back unsent with the host's
// class, message and wait. Throws like run_http only when the host refuses the first batch,
// when nothing was sent.
inline std::vector<HttpResponse> http_in_batches(const Call& call,
                                                 const std::vector<HttpRequest>& requests,
                                                 size_t max_batch) {
  if (max_batch == 0) max_batch = 1;
  std::vector<HttpResponse> responses;
  responses.reserve(requests.size());
  auto leave_unsent = [&](mb_status error_class, const std::string& message, uint64_t wait_ms) {
    HttpResponse unsent;
    unsent.error = HttpError{error_class, message, false};
    unsent.retry_after_ms = wait_ms;
    responses.resize(requests.size(), unsent);
  };
  for (size_t start = 0; start < requests.size(); start += max_batch) {
    if (start > 0 && call.cancelled()) {
      leave_unsent(MB_STATUS_RETRY, "cancelled before it was sent", 0);
      return responses;
    }
    const auto first = requests.begin() + static_cast<std::ptrdiff_t>(start);
    const std::vector<HttpRequest> batch(
        first, first + static_cast<std::ptrdiff_t>(std::min(max_batch, requests.size() - start)));
    std::vector<HttpResponse> answers;
    try {
      answers = run_http(call, batch);
    } catch (const PluginError& refusal) {
      if (start == 0) throw;
      leave_unsent(refusal.error_class(), refusal.what(), refusal.retry_after_ms());
      return responses;
    }
    for (HttpResponse& response : answers) responses.push_back(std::move(response));
  }
  return responses;
}

// The usual error class of a failed answer, for a plugin to start from after it has handled its
// platform's own exceptions: no answer -> the host's class (retry when it gave none); 401 and
// 403 -> auth_failed; 404 -> not_found; 409 -> conflict; 429 -> rate_limited; 5xx -> retry;
// anything else -> fatal.
inline mb_status usual_error_class(const HttpResponse& response) {
  switch (response.status) {
    case 0:
      return response.error ? response.error->error_class : MB_STATUS_RETRY;
    case 401:
    case 403:
      return MB_STATUS_AUTH_FAILED;
    case 404:
      return MB_STATUS_NOT_FOUND;
    case 409:
      return MB_STATUS_CONFLICT;
    case 429:
      return MB_STATUS_RATE_LIMITED;
    default:
      return response.status >= 500 ? MB_STATUS_RETRY : MB_STATUS_FATAL;
  }
}

// Sets a JSON body and the Content-Type that announces it.
inline void set_json_body(HttpRequest& request, std::string body) {
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
}

// A Retry-After header's wait in milliseconds when it is delta-seconds ("120"); nullopt for an
// HTTP-date (the host's engine reads those and reports them as retry_after_ms) or garbage.
inline std::optional<uint64_t> retry_after_header_ms(std::string_view value) {
  if (value.empty() || value.size() > 9) return std::nullopt;
  uint64_t seconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
  }
  return seconds * 1000;
}

// How long a throttled or unavailable answer asks to wait: the host's reading of it, else the
// Retry-After header's delta-seconds; 0 when it says nothing.
inline uint64_t retry_after_ms(const HttpResponse& response) {
  if (response.retry_after_ms > 0) return response.retry_after_ms;
  return retry_after_header_ms(response.header("retry-after")).value_or(0);
}

// RFC 4648 base64 with the standard alphabet and '=' padding, for credentials in headers
// ("Authorization: Basic " + base64_encode(user + ":" + password)).
inline std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t rest = bytes.size() - i;
    uint32_t n = byte(i) << 16;
    if (rest > 1) n |= byte(i + 1) << 8;
    if (rest > 2) n |= byte(i + 2);
    out += kAlphabet[(n >> 18) & 0x3F];
    out += kAlphabet[(n >> 12) & 0x3F];
    out += rest > 1 ? kAlphabet[(n >> 6) & 0x3F] : '=';
    out += rest > 2 ? kAlphabet[n & 0x3F] : '=';
  }
  return out;
}

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - . _ ~),
// UTF-8 bytes included: safe as a path segment and as a query name or value, so an id or a
// search term can never add a segment, a parameter or a fragment ("a/b?c" -> "a%2Fb%3Fc").
inline std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                            byte == '_' || byte == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

// Why a request failed, in the ABI's terms: what a hook reports for one line (an error class and
// a message for the user, never a secret) or throws for the whole call with throw_failure().
struct HttpFailure {
  mb_status status = MB_STATUS_FATAL;
  std::string message;
  uint64_t retry_after_ms = 0;
};

[[noreturn]] inline void throw_failure(const HttpFailure& failure) {
  throw PluginError(failure.status, failure.message, failure.retry_after_ms);
}

}  // namespace meterbridge

#endif  // METERBRIDGE_HTTP_HPP_
