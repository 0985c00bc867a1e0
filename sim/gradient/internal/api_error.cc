#include "sim/gradient/internal/api_error.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

std::string joined(std::span<const std::string_view> values) {
  std::string text;
  for (std::string_view value : values) {
    if (!text.empty()) text += ", ";
    text += value;
  }
  return text;
}

}  // namespace

ValidationError::ValidationError(std::vector<std::string> messages)
    : std::runtime_error(messages.empty() ? std::string("Bad Request") : messages.front()),
      messages_(std::move(messages)) {}

Response gradient_error(int status, const json::value& message) {
  return Response::json(status, json::object{{"statusCode", status}, {"message", message}});
}

bool has_json_content_type(const Request& request) {
  const auto content_type = request.header("content-type");
  return content_type &&
         to_lower_ascii(*content_type).find("application/json") != std::string::npos;
}

json::value parsed_body(const Request& request) {
  if (!has_json_content_type(request) || request.body.empty()) return json::object{};
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec) throw HttpError(400, "Unexpected token in JSON body: " + ec.message());
  return body;
}

FieldChecks::FieldChecks(const json::value& body, std::string prefix)
    : object_(body.is_object() ? body.get_object() : json::object{}), prefix_(std::move(prefix)) {}

const json::string* FieldChecks::required_string(std::string_view field) {
  const json::value* value = object_.if_contains(field);
  if (value == nullptr || value->is_null()) {
    fail(name(field) + " should not be empty");
    fail(name(field) + " must be a string");
    return nullptr;
  }
  if (!value->is_string()) {
    fail(name(field) + " must be a string");
    return nullptr;
  }
  if (value->get_string().empty()) {
    fail(name(field) + " should not be empty");
    return nullptr;
  }
  return &value->get_string();
}

const json::string* FieldChecks::optional_string(std::string_view field, bool non_empty) {
  const json::value* value = object_.if_contains(field);
  if (value == nullptr || value->is_null()) return nullptr;
  if (!value->is_string()) {
    fail(name(field) + " must be a string");
    return nullptr;
  }
  if (non_empty && value->get_string().empty()) {
    fail(name(field) + " should not be empty");
    return nullptr;
  }
  return &value->get_string();
}

void FieldChecks::one_of(std::string_view field, const json::string* value,
                         std::span<const std::string_view> allowed) {
  if (value == nullptr) return;
  for (std::string_view candidate : allowed) {
    if (*value == candidate) return;
  }
  fail(name(field) + " must be one of the following values: " + joined(allowed));
}

const json::value* FieldChecks::required_number(std::string_view field) {
  const json::value* value = object_.if_contains(field);
  if (value == nullptr || !value->is_number()) {
    fail(name(field) + " must be a number conforming to the specified constraints");
    return nullptr;
  }
  return value;
}

void FieldChecks::required_int_in_range(std::string_view field, int64_t low, int64_t high) {
  const json::value* value = object_.if_contains(field);
  if (value == nullptr || !value->is_int64()) {
    if (value == nullptr || value->is_null()) fail(name(field) + " should not be empty");
    fail(name(field) + " must be an integer number");
    return;
  }
  if (value->get_int64() < low) {
    fail(name(field) + " must not be less than " + std::to_string(low));
  } else if (value->get_int64() > high) {
    fail(name(field) + " must not be greater than " + std::to_string(high));
  }
}

void FieldChecks::finish() {
  if (!messages_.empty()) throw ValidationError(std::move(messages_));
}

Response rate_limited(const Settings& settings, std::chrono::steady_clock::duration wait) {
  std::string message = "Request limit reached (" + std::to_string(settings.rate_limit_requests);
  message += settings.rate_limit_window_ms == 1000
                 ? " requests a second)"
                 : " requests per " + std::to_string(settings.rate_limit_window_ms) + " ms)";
  Response response = gradient_error(429, json::value(message));
  if (settings.rate_limit_retry_after) {
    const int64_t seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
    response.set_header("Retry-After", std::to_string(std::max<int64_t>(seconds, 1)));
  }
  return response;
}

Response validation_failed(const Settings& settings, const std::vector<std::string>& messages) {
  if (settings.validation_messages == "string") {
    std::string message;
    for (const std::string& item : messages) message += (message.empty() ? "" : ", ") + item;
    return gradient_error(400, json::value(message));
  }
  json::array list;
  for (const std::string& item : messages) list.push_back(json::value(item));
  return gradient_error(400, list);
}

}  // namespace mb::sim::gradient
