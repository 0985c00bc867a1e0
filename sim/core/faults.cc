#include "sim/core/faults.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>
#include <set>

#include "sim/core/http_types.h"

namespace mb::sim {
namespace {

namespace json = boost::json;

constexpr FaultKind kAllKinds[] = {FaultKind::kStatus,   FaultKind::kThrottle, FaultKind::kDelay,
                                   FaultKind::kReset,    FaultKind::kDrop,     FaultKind::kClose,
                                   FaultKind::kMalformed};

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

int64_t parse_integer(std::string_view name, std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    throw FaultSpecError("option '" + std::string(name) + "' needs a non-negative integer, got '" +
                         std::string(text) + "'");
  }
  return value;
}

double parse_probability(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > 1) {
    throw FaultSpecError("option 'probability' needs a number in [0, 1], got '" +
                         std::string(text) + "'");
  }
  return value;
}

bool parse_flag(std::string_view name, std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw FaultSpecError("option '" + std::string(name) + "' needs true or false");
}

// Options that only make sense for some kinds; any other name is a typo.
bool option_applies(std::string_view name, FaultKind kind) {
  if (name == "method" || name == "path" || name == "endpoint" || name == "count" ||
      name == "after" || name == "probability" || name == "delay_ms") {
    return true;
  }
  if (name == "status" || name == "retry_after" || name == "retry_after_format") {
    return kind == FaultKind::kStatus || kind == FaultKind::kThrottle;
  }
  if (name == "body") return kind == FaultKind::kStatus;
  if (name == "handled") return kind == FaultKind::kDrop || kind == FaultKind::kDelay;
  if (name == "after_body_bytes") return kind == FaultKind::kReset;
  if (name == "style") return kind == FaultKind::kMalformed;
  return false;
}

std::optional<FaultKind> kind_from_name(std::string_view name) {
  for (FaultKind kind : kAllKinds) {
    if (fault_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

// A rule under construction: the kind first, then each option by name with its text value.
class RuleBuilder {
 public:
  explicit RuleBuilder(std::string_view kind_text) {
    const std::string_view kind = trim(kind_text);
    if (auto named = kind_from_name(kind)) {
      rule_.kind = *named;
    } else if (kind.size() == 3 && std::isdigit(static_cast<unsigned char>(kind[0]))) {
      rule_.kind = FaultKind::kStatus;
      set_status(kind);
    } else {
      throw FaultSpecError("unknown fault kind '" + std::string(kind) +
                           "' (use a status code or status, throttle, delay, reset, drop, close, "
                           "malformed)");
    }
  }

  void set(std::string_view name, std::string_view value) {
    if (!option_applies(name, rule_.kind)) {
      throw FaultSpecError("option '" + std::string(name) + "' does not apply to fault kind '" +
                           std::string(fault_kind_name(rule_.kind)) + "'");
    }
    if (!seen_.insert(std::string(name)).second) {
      throw FaultSpecError("option '" + std::string(name) + "' given twice");
    }
    if (name == "method") {
      rule_.method = std::string(value);
    } else if (name == "path") {
      rule_.path_prefix = std::string(value);
    } else if (name == "endpoint") {
      rule_.endpoint = std::string(value);
    } else if (name == "count") {
      rule_.count = parse_integer(name, value);
    } else if (name == "after") {
      rule_.after = parse_integer(name, value);
    } else if (name == "probability") {
      rule_.probability = parse_probability(value);
    } else if (name == "delay_ms") {
      rule_.delay_ms = parse_integer(name, value);
    } else if (name == "status") {
      set_status(value);
    } else if (name == "retry_after") {
      retry_after_given_ = true;
      if (value != "none") rule_.retry_after_s = parse_integer(name, value);
    } else if (name == "retry_after_format") {
      if (value == "seconds") {
        rule_.retry_after_format = RetryAfterFormat::kSeconds;
      } else if (value == "http-date") {
        rule_.retry_after_format = RetryAfterFormat::kHttpDate;
      } else {
        throw FaultSpecError("retry_after_format must be 'seconds' or 'http-date'");
      }
    } else if (name == "body") {
      rule_.body = std::string(value);
    } else if (name == "handled") {
      rule_.handled = parse_flag(name, value);
    } else if (name == "after_body_bytes") {
      rule_.after_body_bytes = parse_integer(name, value);
    } else if (name == "style") {
      if (value == "truncated") {
        rule_.malformed_style = MalformedStyle::kTruncated;
      } else if (value == "html") {
        rule_.malformed_style = MalformedStyle::kHtml;
      } else {
        throw FaultSpecError("style must be 'truncated' or 'html'");
      }
    }
  }

  FaultRule finish() {
    if (rule_.kind == FaultKind::kStatus && rule_.status == 0) rule_.status = 503;
    // A 429 without Retry-After is rarely what a test means; "retry_after=none" opts out.
    if (rule_.kind == FaultKind::kStatus && rule_.status == 429 && !retry_after_given_) {
      rule_.retry_after_s = 1;
    }
    return rule_;
  }

 private:
  void set_status(std::string_view text) {
    const int64_t status = parse_integer("status", text);
    if (status < 200 || status > 599) {
      throw FaultSpecError("status must be between 200 and 599, got " + std::string(text));
    }
    rule_.status = static_cast<int>(status);
  }

  FaultRule rule_;
  std::set<std::string> seen_;
  bool retry_after_given_ = false;
};

// JSON scalars become the same option text the string form would carry.
std::string option_text(std::string_view name, const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return std::string(value.get_string());
    case json::kind::int64:
      return std::to_string(value.get_int64());
    case json::kind::uint64:
      return std::to_string(value.get_uint64());
    case json::kind::double_: {
      // to_chars keeps a probability such as 0.1 exact enough to read back.
      char buffer[64];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
      return std::string(buffer, end);
    }
    case json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case json::kind::null:
      return "none";
    default:
      throw FaultSpecError("option '" + std::string(name) + "' must be a string, number or bool");
  }
}

FaultRule rule_from_json(const json::value& value) {
  if (!value.is_object()) throw FaultSpecError("each fault rule must be a JSON object");
  const json::object& object = value.as_object();
  const json::value* kind = object.if_contains("kind");
  if (kind == nullptr) throw FaultSpecError("a fault rule needs \"kind\"");
  RuleBuilder builder(option_text("kind", *kind));
  for (const auto& [key, option] : object) {
    if (key == "kind" || key == "matched" || key == "fired" || key == "remaining") continue;
    builder.set(key, option_text(key, option));
  }
  return builder.finish();
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::kStatus:
      return "status";
    case FaultKind::kThrottle:
      return "throttle";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kDrop:
      return "drop";
    case FaultKind::kClose:
      return "close";
    case FaultKind::kMalformed:
      return "malformed";
  }
  return "unknown";
}

FaultPlan parse_fault_spec(std::string_view spec) {
  FaultPlan plan;
  while (!trim(spec).empty()) {
    const size_t semicolon = spec.find(';');
    const std::string_view item = trim(spec.substr(0, semicolon));
    spec = semicolon == std::string_view::npos ? std::string_view() : spec.substr(semicolon + 1);
    if (item.empty()) continue;
    try {
      if (item.starts_with("seed=")) {
        plan.seed = static_cast<uint64_t>(parse_integer("seed", item.substr(5)));
        continue;
      }
      const size_t colon = item.find(':');
      RuleBuilder builder(item.substr(0, colon));
      std::string_view options =
          colon == std::string_view::npos ? std::string_view() : item.substr(colon + 1);
      while (!trim(options).empty()) {
        const size_t comma = options.find(',');
        const std::string_view option = trim(options.substr(0, comma));
        options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
        if (option.empty()) continue;
        const size_t equals = option.find('=');
        if (equals == std::string_view::npos) {
          throw FaultSpecError("option '" + std::string(option) + "' is not name=value");
        }
        builder.set(trim(option.substr(0, equals)), trim(option.substr(equals + 1)));
      }
      plan.rules.push_back(builder.finish());
    } catch (const FaultSpecError& error) {
      throw FaultSpecError("fault rule '" + std::string(item) + "': " + error.what());
    }
  }
  return plan;
}

FaultPlan parse_fault_json(const json::value& document) {
  if (document.is_array()) {
    FaultPlan plan;
    for (const json::value& rule : document.as_array()) plan.rules.push_back(rule_from_json(rule));
    return plan;
  }
  if (!document.is_object()) {
    throw FaultSpecError("faults must be a JSON object {\"seed\":n,\"rules\":[...]}");
  }
  const json::object& object = document.as_object();
  for (const auto& [key, value] : object) {
    if (key != "seed" && key != "rules" && key != "spec" && key != "append") {
      throw FaultSpecError("unknown key '" + std::string(key) + "' in faults document");
    }
  }
  FaultPlan plan;
  if (const json::value* spec = object.if_contains("spec")) {
    if (!spec->is_string()) throw FaultSpecError("\"spec\" must be a string");
    plan = parse_fault_spec(spec->get_string());
  }
  if (const json::value* rules = object.if_contains("rules")) {
    if (!rules->is_array()) throw FaultSpecError("\"rules\" must be an array");
    size_t index = 0;
    for (const json::value& rule : rules->as_array()) {
      try {
        plan.rules.push_back(rule_from_json(rule));
      } catch (const FaultSpecError& error) {
        throw FaultSpecError("rules[" + std::to_string(index) + "]: " + error.what());
      }
      ++index;
    }
  }
  if (const json::value* seed = object.if_contains("seed")) {
    if (!seed->is_int64() && !seed->is_uint64())
      throw FaultSpecError("\"seed\" must be an integer");
    plan.seed = seed->is_int64() ? static_cast<uint64_t>(seed->get_int64()) : seed->get_uint64();
  }
  return plan;
}

json::value fault_plan_to_json(const FaultPlan& plan) {
  json::array rules;
  for (const FaultRule& rule : plan.rules) {
    json::object out;
    out["kind"] = fault_kind_name(rule.kind);
    if (!rule.method.empty()) out["method"] = rule.method;
    if (!rule.path_prefix.empty()) out["path"] = rule.path_prefix;
    if (!rule.endpoint.empty()) out["endpoint"] = rule.endpoint;
    if (rule.count) out["count"] = *rule.count;
    if (rule.after > 0) out["after"] = rule.after;
    if (rule.probability < 1.0) out["probability"] = rule.probability;
    if (rule.status != 0) out["status"] = rule.status;
    if (rule.retry_after_s) out["retry_after"] = *rule.retry_after_s;
    if (rule.retry_after_format == RetryAfterFormat::kHttpDate) {
      out["retry_after_format"] = "http-date";
    }
    if (!rule.body.empty()) out["body"] = rule.body;
    if (rule.delay_ms > 0) out["delay_ms"] = rule.delay_ms;
    if (rule.handled) out["handled"] = true;
    if (rule.after_body_bytes) out["after_body_bytes"] = *rule.after_body_bytes;
    if (rule.kind == FaultKind::kMalformed) {
      out["style"] = rule.malformed_style == MalformedStyle::kHtml ? "html" : "truncated";
    }
    out["matched"] = rule.matched;
    out["fired"] = rule.fired;
    if (rule.count) {
      out["remaining"] = std::max<int64_t>(0, *rule.count - rule.fired);
    } else {
      out["remaining"] = nullptr;
    }
    rules.push_back(std::move(out));
  }
  return json::object{{"seed", plan.seed}, {"rules", std::move(rules)}};
}

void FaultInjector::replace(FaultPlan plan) {
  std::lock_guard lock(mutex_);
  random_ = DeterministicRandom(plan.seed);
  plan_ = std::move(plan);
}

void FaultInjector::append(std::vector<FaultRule> rules) {
  std::lock_guard lock(mutex_);
  for (FaultRule& rule : rules) plan_.rules.push_back(std::move(rule));
}

void FaultInjector::clear() { replace(FaultPlan{}); }

FaultPlan FaultInjector::snapshot() const {
  std::lock_guard lock(mutex_);
  return plan_;
}

std::optional<FaultDecision> FaultInjector::decide(std::string_view method, std::string_view path,
                                                   std::string_view endpoint) {
  std::lock_guard lock(mutex_);
  for (size_t index = 0; index < plan_.rules.size(); ++index) {
    FaultRule& rule = plan_.rules[index];
    if (rule.count && rule.fired >= *rule.count) continue;
    if (!rule.method.empty() && !equals_ignore_case(rule.method, method)) continue;
    if (!rule.path_prefix.empty() && !starts_with_ignore_case(path, rule.path_prefix)) continue;
    if (!rule.endpoint.empty() && rule.endpoint != endpoint) continue;
    ++rule.matched;
    if (rule.matched <= rule.after) continue;
    // Draw only for probabilistic rules so adding a certain rule does not shift the sequence.
    if (rule.probability < 1.0 && !random_.chance(rule.probability)) continue;
    ++rule.fired;
    return FaultDecision{rule, index};
  }
  return std::nullopt;
}

std::string http_date_after_seconds(int64_t seconds) {
  // Rounded up to a whole second, so the date is never earlier than the promised delay.
  const auto when = std::chrono::system_clock::now() + std::chrono::seconds(seconds) +
                    std::chrono::milliseconds(999);
  const std::time_t time = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&time, &utc);
  // strftime's %a/%b follow the C locale, which the simulator never changes.
  char buffer[64];
  const size_t length = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(buffer, length);
}

}  // namespace mb::sim
