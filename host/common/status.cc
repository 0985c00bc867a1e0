#include "host/common/status.h"

#include <array>

namespace mb {
namespace {
constexpr std::array<std::string_view, 9> kNames = {
    "ok",       "retry",          "rate_limited", "auth_failed", "config_invalid",
    "not_found", "conflict", "unsupported",  "fatal"};
}  // namespace

std::string_view error_class_name(ErrorClass c) {
  auto i = static_cast<size_t>(c);
  return i < kNames.size() ? kNames[i] : std::string_view("fatal");
}

ErrorClass error_class_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<ErrorClass>(i);
  return ErrorClass::kFatal;
}

ErrorClass error_class_from_abi(int32_t status) {
  if (status < 0 || static_cast<size_t>(status) >= kNames.size()) return ErrorClass::kFatal;
  return static_cast<ErrorClass>(status);
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string s(error_class_name(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace mb
