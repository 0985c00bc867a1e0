// HTTP as the plugin sees it: the host's batch documents (abi.h, callback_http_batch) and
// what Autotask's answers mean.
//
// Autotask reports almost everything as {"errors":["..."]}; business rules and bad
// credentials alike arrive as HTTP 500, and its thread limit may arrive with any status, so
// classification reads the text as well as the status.
//
//   HttpResponse r = ...;                       // one element of the host's response array
//   if (r.status != 200) {
//     Failure f = classify_failure(r);          // error class, message users may read, wait
//     throw meterbridge::PluginError(f.error_class, f.message, f.retry_after_ms);
//   }
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_WIRE_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_WIRE_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meterbridge::autotask {

// The SDK's request; its endpoint is the Autotask entity, which is what Autotask's thread limit
// counts ("3 concurrent requests per entity"), and idempotent is false for writes that must not
// be resent after they may have reached Autotask.
using HttpRequest = meterbridge::HttpRequest;

struct HttpResponse {
  int status = 0;  // 0: no HTTP response was obtained
  std::string body;
  std::string retry_after;      // the Retry-After header, when present
  uint64_t retry_after_ms = 0;  // the host's reading of it, when retries ran out
  // When status == 0: the host's error class ("retry", "config_invalid", "fatal"), its message,
  // and whether the request may have reached Autotask (an ambiguous outcome for a write).
  std::string transport_error_class;
  std::string transport_error;
  bool maybe_sent = false;
};

// The host's request array for `requests` (the SDK's codec).
std::string serialize_requests(const std::vector<HttpRequest>& requests);

// The host's answers as this plugin reads them.
std::vector<HttpResponse> from_host(std::vector<meterbridge::HttpResponse> responses);
// The host's response array; throws PluginError(FATAL) unless it has `expected` elements.
std::vector<HttpResponse> parse_responses(std::string_view json, size_t expected);

// Autotask's own words from an error body: the "errors" entries (strings, or objects with a
// "message") joined with "; ", or ASP.NET's {"Message": ...}, or a short plain-text body.
// Empty when the body says nothing readable.
std::string platform_message(std::string_view body);

// The thread limit ("...thread threshold of 3 threads has been exceeded", code Itgenatr005),
// whatever the status: Autotask refused before doing any work.
bool is_thread_threshold_refusal(const HttpResponse& response);
// "Zone information could not be determined": Autotask does not know the user name.
bool is_unknown_user_refusal(const HttpResponse& response);
// "IntegrationCode is invalid.": the API tracking identifier was rejected.
bool is_invalid_integration_code_refusal(const HttpResponse& response);
// Missing rights: 403, or a 500 saying the user "does not have the adequate permissions".
bool is_permission_refusal(const HttpResponse& response);
// A business rule Autotask checked and refused (adjustment outside the contract window,
// units below zero, a second adjustment for the same date).
bool is_business_rule_refusal(const HttpResponse& response);

// Whether the request certainly did not change anything on Autotask: it never reached it, or
// Autotask refused it before doing any work (auth, throttling, 4xx). A write whose response
// fails this test may have been applied and must be re-read before anyone decides.
bool certainly_not_applied(const HttpResponse& response);

struct Failure {
  mb_status error_class = MB_STATUS_FATAL;
  std::string message;  // never contains a credential
  uint64_t retry_after_ms = 0;
};

// Why a non-200 response failed, as an ABI error class with a message.
Failure classify_failure(const HttpResponse& response);

// The ABI's names of error classes ("retry", "auth_failed", ...), from the SDK.
using ::meterbridge::error_class_name;

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_WIRE_H_
