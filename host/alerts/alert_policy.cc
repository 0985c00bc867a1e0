#include "host/alerts/alert_policy.h"

#include <boost/json.hpp>

#include <utility>
#include <vector>

#include "host/alerts/internal/known_fields.h"
#include "host/common/json.h"

namespace mb {
namespace {

namespace bj = boost::json;

class PolicyReader {
 public:
  PolicyReader(const bj::object& object, std::string where)
      : object_(object), where_(std::move(where)) {}

  Result<AlertPolicy> read() {
    for (const auto& field : alerts_internal::unknown_fields(
             object_, {"enabled", "board", "status_new", "status_closed", "min_severity",
                       "priorities", "type", "subtype"}))
      error(field,
            "unknown field (an alerts policy has enabled, board, status_new, status_closed, "
            "min_severity, priorities, type and subtype)");
    AlertPolicy p;
    if (const bj::value* enabled = object_.if_contains("enabled")) {
      if (enabled->is_bool())
        p.enabled = enabled->get_bool();
      else
        error("enabled", "must be true or false");
    }
    p.board = name("board");
    p.status_new = name("status_new");
    p.status_closed = name("status_closed");
    p.type = name("type");
    p.subtype = name("subtype");
    if (!p.subtype.empty() && p.type.empty()) error("subtype", "needs a type");
    if (object_.contains("min_severity"))
      if (auto severity = severity_of("min_severity", object_.at("min_severity")))
        p.min_severity = *severity;
    read_priorities(p);
    if (!errors_.empty()) {
      std::string text = "alerts policy invalid:";
      for (const auto& e : errors_) text += "\n" + e;
      return Status::ConfigInvalid(text);
    }
    return p;
  }

 private:
  void error(const std::string& field, const std::string& reason) {
    errors_.push_back(where_ + "/" + json::pointer_token(field) + ": " + reason);
  }

  std::string name(const char* field) {
    const bj::value* v = object_.if_contains(field);
    if (v == nullptr) return "";
    if (!v->is_string() || v->get_string().empty()) {
      error(field, "must be a non-empty string (an id or a name)");
      return "";
    }
    return std::string(v->get_string());
  }

  std::optional<AlertSeverity> severity_of(const std::string& field, const bj::value& v) {
    auto severity = v.is_string() ? parse_state<AlertSeverity>(v.get_string()) : std::nullopt;
    if (!severity) error(field, "must be info, low, medium, high or critical");
    return severity;
  }

  void read_priorities(AlertPolicy& p) {
    const bj::value* v = object_.if_contains("priorities");
    if (v == nullptr) return;
    if (!v->is_object()) return error("priorities", "must map severities to PSA priorities");
    for (const auto& entry : v->get_object()) {
      std::string field = "priorities/" + json::pointer_token(entry.key());
      auto severity = parse_state<AlertSeverity>(entry.key());
      if (!severity) {
        errors_.push_back(where_ + "/" + field +
                          ": not a severity (info, low, medium, high or critical)");
        continue;
      }
      if (!entry.value().is_string() || entry.value().get_string().empty()) {
        errors_.push_back(where_ + "/" + field +
                          ": must be a non-empty string (the priority's id or name)");
        continue;
      }
      p.priorities[*severity] = std::string(entry.value().get_string());
    }
  }

  const bj::object& object_;
  std::string where_;
  std::vector<std::string> errors_;
};

}  // namespace

Result<AlertPolicy> parse_alert_policy(const bj::value& policy, const std::string& where) {
  if (!policy.is_object())
    return Status::ConfigInvalid("alerts policy invalid:\n" + where + ": must be an object");
  return PolicyReader(policy.get_object(), where).read();
}

bj::object alert_policy_to_json(const AlertPolicy& policy) {
  bj::object out{{"enabled", policy.enabled}, {"min_severity", to_text(policy.min_severity)}};
  const std::pair<const char*, const std::string*> names[] = {
      {"board", &policy.board},
      {"status_new", &policy.status_new},
      {"status_closed", &policy.status_closed},
      {"type", &policy.type},
      {"subtype", &policy.subtype}};
  for (const auto& [field, value] : names)
    if (!value->empty()) out[field] = *value;
  bj::object priorities;
  for (const auto& [severity, priority] : policy.priorities)
    priorities[std::string(to_text(severity))] = priority;
  out["priorities"] = std::move(priorities);
  return out;
}

}  // namespace mb
