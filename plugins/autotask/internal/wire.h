// What Autotask's answers mean, read from the SDK's HttpResponse (<meterbridge/http.hpp>).
//
// Autotask reports almost everything as {"errors":["..."]}; business rules and bad
// credentials alike arrive as HTTP 500, and its thread limit may arrive with any status, so
// classification reads the text as well as the status.
//
// Autotask's wire format is camelCase ("companyID", "nextPageUrl"), but its own field matching
// is case-insensitive and PascalCase turns up in older tools and in the swagger, so the plugin
// reads members with field_any_case (<meterbridge/json_fields.hpp>); ids and counts may come
// as 412.0, which whole_number reads as 412.
//
//   HttpResponse r = call.http(requests)[0];
//   if (r.status != 200) throw_failure(classify_failure(r));  // class, message users may read,
//   wait
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_WIRE_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_WIRE_H_

#include <meterbridge/http.hpp>

#include <string>
#include <string_view>

namespace meterbridge::autotask {

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

// Why a non-200 response failed, as an ABI error class with a message (never a credential).
HttpFailure classify_failure(const HttpResponse& response);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_WIRE_H_
