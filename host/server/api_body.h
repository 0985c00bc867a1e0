// Strict reading of admin API request bodies and query flags: a body may hold only the fields
// an endpoint names, each of its type, so a typo (`dryRun`) or a wrong type (`"dry_run":"true"`)
// is a 400 naming the field — never a default that turns a preview into a write.
//
//   auto body = read_body(request, {{"dry_run", FieldKind::kBool}, {"force", FieldKind::kBool}});
//   if (!body) return error_response(body.status());        // 400, names the field
//   bool dry_run = body->flag("dry_run");
#ifndef METERBRIDGE_HOST_SERVER_API_BODY_H_
#define METERBRIDGE_HOST_SERVER_API_BODY_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/server/http_server.h"

namespace mb::server {

enum class FieldKind { kBool, kString, kNonEmptyString, kPositiveIntArray };

struct FieldSpec {
  const char* name;
  FieldKind kind;
  bool required = false;
  std::vector<std::string> one_of =
      {};  // kString / kNonEmptyString: the allowed values, if limited
};

// A body that passed its endpoint's fields. Absent fields read as their empty value.
class ApiBody {
 public:
  bool flag(const std::string& name) const;
  std::optional<std::string> text(const std::string& name) const;
  std::vector<int64_t> numbers(const std::string& name) const;

 private:
  friend Result<ApiBody> read_body(const ApiRequest& request,
                                   std::initializer_list<FieldSpec> fields);
  std::map<std::string, bool> flags_;
  std::map<std::string, std::string> texts_;
  std::map<std::string, std::vector<int64_t>> numbers_;
};

// Reads a JSON object body holding only `fields` (an empty body counts as {}). Unknown fields,
// wrong types and missing required fields are ConfigInvalid naming the field
// ("/dry_run: must be true or false, not a string").
Result<ApiBody> read_body(const ApiRequest& request, std::initializer_list<FieldSpec> fields);

// Reads the query parameters: only `allowed` names; each flag in `flags` must be true, false,
// 1 or 0. Returns the flags' values (absent: false).
Result<std::map<std::string, bool>> read_query(const ApiRequest& request,
                                               std::initializer_list<const char*> allowed,
                                               std::initializer_list<const char*> flags);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_API_BODY_H_
