// Status: the outcome of a host operation, carried across module boundaries instead of
// exceptions (as leveldb's Status). The codes mirror the plugin ABI's error classes, so an error
// a plugin reports keeps its class all the way to the CLI exit code and the run report.
//
//   Status s = store.put_connector(c);
//   if (!s.ok()) return s;              // propagate
//   Result<Config> r = load_config(path);
//   if (!r) std::cerr << r.status().message();
#ifndef METERBRIDGE_HOST_COMMON_STATUS_H_
#define METERBRIDGE_HOST_COMMON_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mb {

enum class ErrorClass : int32_t {
  kOk = 0,
  kRetry = 1,
  kRateLimited = 2,
  kAuthFailed = 3,
  kConfigInvalid = 4,
  kNotFound = 5,
  kConflict = 6,
  kUnsupported = 7,
  kFatal = 8,
};

// "retry", "rate_limited", ...: the names used in JSON documents and reports.
std::string_view error_class_name(ErrorClass c);
// The inverse; unknown names map to kFatal.
ErrorClass error_class_from_name(std::string_view name);
// ABI status values (mb_status) to classes; unknown values map to kFatal.
ErrorClass error_class_from_abi(int32_t status);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorClass code, std::string message, uint64_t retry_after_ms = 0)
      : code_(code), message_(std::move(message)), retry_after_ms_(retry_after_ms) {}

  static Status Ok() { return Status(); }
  static Status ConfigInvalid(std::string m) { return {ErrorClass::kConfigInvalid, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorClass::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorClass::kConflict, std::move(m)}; }
  static Status Unsupported(std::string m) { return {ErrorClass::kUnsupported, std::move(m)}; }
  static Status Fatal(std::string m) { return {ErrorClass::kFatal, std::move(m)}; }
  static Status AuthFailed(std::string m) { return {ErrorClass::kAuthFailed, std::move(m)}; }
  static Status Retry(std::string m, uint64_t after_ms = 0) {
    return {ErrorClass::kRetry, std::move(m), after_ms};
  }

  bool ok() const { return code_ == ErrorClass::kOk; }
  ErrorClass code() const { return code_; }
  const std::string& message() const { return message_; }
  uint64_t retry_after_ms() const { return retry_after_ms_; }
  // "config_invalid: connector 'x': ..." — for logs and CLI output.
  std::string to_string() const;

 private:
  ErrorClass code_ = ErrorClass::kOk;
  std::string message_;
  uint64_t retry_after_ms_ = 0;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mb

#define MB_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::mb::Status _mb_status = (expr);     \
    if (!_mb_status.ok()) return _mb_status; \
  } while (0)

#endif  // METERBRIDGE_HOST_COMMON_STATUS_H_
