// ApiError: an answer in ConnectWise's ErrorResponseMessage shape,
//
//   {"code": "InvalidObject", "message": "pageSize object is invalid",
//    "errors": [{"code": "OutOfRange", "message": "...", "resource": "pageSize",
//                "field": "pageSize"}]}
//
// or with "errors": null. Handlers throw it; the platform turns it into the response. The
// simulator's own HttpError carries only a status and a message, which is not enough for the
// validation details ConnectWise returns.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_API_ERROR_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_API_ERROR_H_

#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace mb::sim::connectwise {

// One item of "errors": ConnectWise's ValidationError.
struct ValidationError {
  std::string code;  // e.g. "OutOfRange", "NullValue", "NotFound"
  std::string message;
  std::string resource;  // the object being validated, e.g. "addition" or "pageSize"
  std::string field;     // e.g. "product/id"
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string message,
           std::vector<ValidationError> errors = {});

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<ValidationError>& errors() const { return errors_; }

  // {"code","message","errors"}; "errors" is null when there are none, as ConnectWise sends.
  boost::json::value body() const;

  // 400 InvalidObject "<resource> object is invalid" with one validation error.
  static ApiError invalid_object(const std::string& resource, ValidationError error);

 private:
  int status_;
  std::string code_;
  std::vector<ValidationError> errors_;
};

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_API_ERROR_H_
