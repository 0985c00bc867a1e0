// Gradient's error bodies and request-body validation. The API runs on NestJS: errors are
// {"statusCode": <int>, "message": <text>} (the documented 404 shape, reference §8), and DTO
// validation failures carry a list of messages in class-validator's wording, e.g.
// "unitCount must be a number conforming to the specified constraints".
//
//   FieldChecks checks(body);                       // body: the parsed JSON request body
//   checks.required_string("name");
//   checks.one_of("category", service_categories());
//   checks.finish();                                // throws ValidationError when any failed
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_API_ERROR_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_API_ERROR_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/http_types.h"
#include "sim/gradient/internal/settings.h"

namespace mb::sim::gradient {

// Documented texts (reference §6 and §11).
inline constexpr std::string_view kUnauthorized = "Unauthorized";
inline constexpr std::string_view kInvalidIdType = "You have provided an invalid Id type";
inline constexpr std::string_view kNoAccountMap = "No account map found with id: ";
inline constexpr std::string_view kDuplicateId = "A resource with this Id already exists.";
inline constexpr std::string_view kCountCreated = "Success - Created service unit count";
inline constexpr std::string_view kAnomaly =
    "Forbidden: Gradient detected an anomaly with your API usage";
// A NestJS guard's refusal: the alerting route for a vendor whose integration lacks the Alerts
// module (the reference lists the modules in VendorData; the refusal's text is the framework's).
inline constexpr std::string_view kForbidden = "Forbidden resource";
// The body parser's answer when the bulk-create body is not an array (NestJS ParseArrayPipe).
inline constexpr std::string_view kArrayExpected = "Validation failed (parsable array expected)";

// The body parser's refusal, in the framework's error shape (reference §8; the shape is
// assumed: older NestJS versions answered 500 instead).
inline constexpr std::string_view kBodyTooLarge = "request entity too large";

// A 400 whose message is a list (class-validator), rendered as an array or a joined string
// depending on the simulator's `validation_messages` setting.
class ValidationError : public std::runtime_error {
 public:
  explicit ValidationError(std::vector<std::string> messages);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

// {"statusCode": status, "message": message}
Response gradient_error(int status, const boost::json::value& message);

// 429 "Request limit reached (...)", with Retry-After when the settings ask for it.
Response rate_limited(const Settings& settings, std::chrono::steady_clock::duration wait);

// A 400 whose message is the list, or the list joined, as the settings say.
Response validation_failed(const Settings& settings, const std::vector<std::string>& messages);

// Whether the server's JSON body parser reads this request's body (Content-Type
// application/json).
bool has_json_content_type(const Request& request);

// The request body as the server's JSON body parser sees it: a body sent without an
// application/json Content-Type is not parsed, and an absent body reads as {}. Malformed JSON
// gives 400 (HttpError).
boost::json::value parsed_body(const Request& request);

// Collects class-validator style messages for one JSON object (a non-object reads as {}).
// `prefix` names an array element, e.g. "[2]." for the third account of a bulk create.
class FieldChecks {
 public:
  explicit FieldChecks(const boost::json::value& body, std::string prefix = "");

  // Present, a string and not empty.
  const boost::json::string* required_string(std::string_view field);
  // Absent/null, or a string (which may be empty unless `non_empty`).
  const boost::json::string* optional_string(std::string_view field, bool non_empty = false);
  // A string field (already checked) whose value must be one of `allowed`, exactly.
  void one_of(std::string_view field, const boost::json::string* value,
              std::span<const std::string_view> allowed);
  // Present and a JSON number (integer or decimal); null, strings and booleans fail.
  const boost::json::value* required_number(std::string_view field);
  // Present and an integer within [low, high].
  void required_int_in_range(std::string_view field, int64_t low, int64_t high);
  void fail(std::string message) { messages_.push_back(std::move(message)); }

  const boost::json::object& object() const { return object_; }
  bool ok() const { return messages_.empty(); }
  std::vector<std::string> take_messages() { return std::move(messages_); }
  // Throws ValidationError when any check failed.
  void finish();

 private:
  std::string name(std::string_view field) const { return prefix_ + std::string(field); }

  boost::json::object object_;
  std::string prefix_;
  std::vector<std::string> messages_;
};

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_API_ERROR_H_
