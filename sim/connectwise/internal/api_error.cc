#include "sim/connectwise/internal/api_error.h"

#include <boost/json.hpp>

#include <utility>

namespace mb::sim::connectwise {

ApiError::ApiError(int status, std::string code, std::string message,
                   std::vector<ValidationError> errors)
    : std::runtime_error(std::move(message)),
      status_(status),
      code_(std::move(code)),
      errors_(std::move(errors)) {}

boost::json::value ApiError::body() const {
  boost::json::value errors = nullptr;
  if (!errors_.empty()) {
    boost::json::array items;
    for (const ValidationError& error : errors_) {
      items.push_back(boost::json::object{{"code", error.code},
                                          {"message", error.message},
                                          {"resource", error.resource},
                                          {"field", error.field}});
    }
    errors = std::move(items);
  }
  return boost::json::object{{"code", code_}, {"message", what()}, {"errors", std::move(errors)}};
}

ApiError ApiError::invalid_object(const std::string& resource, ValidationError error) {
  if (error.resource.empty()) error.resource = resource;
  return ApiError(400, "InvalidObject", resource + " object is invalid", {std::move(error)});
}

}  // namespace mb::sim::connectwise
