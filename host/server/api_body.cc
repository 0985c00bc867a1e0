#include "host/server/api_body.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "host/common/json.h"

namespace mb::server {
namespace {

namespace bj = boost::json;
namespace json = mb::json;

std::string kind_of(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return "null";
    case bj::kind::bool_:
      return "a boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_:
      return "a number";
    case bj::kind::string:
      return "a string";
    case bj::kind::array:
      return "an array";
    case bj::kind::object:
      return "an object";
  }
  return "a value";
}

std::string names_of(std::initializer_list<FieldSpec> fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out.empty() ? "none" : out;
}

Status field_error(const std::string& name, const std::string& why) {
  return Status::ConfigInvalid("request body: /" + name + ": " + why + "; nothing was done");
}

}  // namespace

bool ApiBody::flag(const std::string& name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second;
}

std::optional<std::string> ApiBody::text(const std::string& name) const {
  auto it = texts_.find(name);
  return it == texts_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::vector<int64_t> ApiBody::numbers(const std::string& name) const {
  auto it = numbers_.find(name);
  return it == numbers_.end() ? std::vector<int64_t>() : it->second;
}

Result<ApiBody> read_body(const ApiRequest& request, std::initializer_list<FieldSpec> fields) {
  ApiBody body;
  bj::object object;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = json::parse(request.body);
    if (!parsed)
      return Status::ConfigInvalid("request body is not JSON: " + parsed.status().message() +
                                   "; nothing was done");
    bj::value doc = std::move(*parsed);
    if (!doc.is_object())
      return Status::ConfigInvalid("request body must be a JSON object; nothing was done");
    object = std::move(doc.as_object());
  }
  std::set<std::string> seen;
  for (const auto& [key, value] : object) {
    std::string name(key);
    seen.insert(name);
    auto spec = std::find_if(fields.begin(), fields.end(),
                             [&](const FieldSpec& f) { return name == f.name; });
    if (spec == fields.end())
      return field_error(name, "unknown field (accepted: " + names_of(fields) + ")");
    switch (spec->kind) {
      case FieldKind::kBool:
        if (!value.is_bool())
          return field_error(name, "must be true or false, not " + kind_of(value));
        body.flags_[name] = value.as_bool();
        break;
      case FieldKind::kString:
      case FieldKind::kNonEmptyString: {
        if (!value.is_string()) return field_error(name, "must be a string, not " + kind_of(value));
        std::string text(value.as_string());
        if (spec->kind == FieldKind::kNonEmptyString && text.empty())
          return field_error(name, "must not be empty");
        if (!spec->one_of.empty() &&
            std::find(spec->one_of.begin(), spec->one_of.end(), text) == spec->one_of.end()) {
          std::string allowed;
          for (const auto& v : spec->one_of) allowed += (allowed.empty() ? "" : ", ") + v;
          return field_error(name, "must be one of " + allowed + ", not '" + text + "'");
        }
        body.texts_[name] = std::move(text);
        break;
      }
      case FieldKind::kPositiveIntArray: {
        if (!value.is_array())
          return field_error(name, "must be an array of line numbers, not " + kind_of(value));
        std::vector<int64_t> numbers;
        for (const auto& item : value.as_array()) {
          if (!item.is_int64() || item.as_int64() < 1)
            return field_error(name,
                               "must hold only whole numbers from 1, not " + bj::serialize(item));
          numbers.push_back(item.as_int64());
        }
        body.numbers_[name] = std::move(numbers);
        break;
      }
    }
  }
  for (const auto& f : fields)
    if (f.required && seen.count(f.name) == 0) return field_error(f.name, "required");
  return body;
}

Result<std::map<std::string, bool>> read_query(const ApiRequest& request,
                                               std::initializer_list<const char*> allowed,
                                               std::initializer_list<const char*> flags) {
  std::map<std::string, bool> out;
  for (const char* f : flags) out[f] = false;
  for (const auto& [name, value] : request.query) {
    bool known =
        std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; });
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::ConfigInvalid("query parameter '" + name +
                                   "' is not accepted here (accepted: " +
                                   (list.empty() ? "none" : list) + "); nothing was done");
    }
    if (out.count(name) == 0) continue;
    if (value == "true" || value == "1")
      out[name] = true;
    else if (value == "false" || value == "0")
      out[name] = false;
    else
      return Status::ConfigInvalid("query parameter '" + name + "' must be true or false, not '" +
                                   value + "'");
  }
  return out;
}

}  // namespace mb::server
