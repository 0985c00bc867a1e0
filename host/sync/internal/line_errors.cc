#include "host/sync/internal/line_errors.h"

#include "host/common/redaction.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {

bool is_run_level(ErrorClass c) {
  return c == ErrorClass::kAuthFailed || c == ErrorClass::kConfigInvalid ||
         c == ErrorClass::kRateLimited || c == ErrorClass::kUnsupported;
}

void fail_line(SyncLine& line, ErrorClass cls, const std::string& message) {
  line.outcome = outcome::kFailed;
  line.error_class = std::string(error_class_name(cls));
  line.message = redact(message);
}

void fail_remaining(std::vector<SyncLine*>& lines, size_t from, const Status& why,
                    const std::string& prefix) {
  for (size_t i = from; i < lines.size(); ++i)
    if (lines[i]->outcome == outcome::kPending)
      fail_line(*lines[i], why.code(), prefix + why.message());
}

}  // namespace mb::sync_internal
