// Fault injection: rules that make the simulator misbehave the way real platforms and networks
// do, deterministically enough for tests.
//
// String form (the --faults flag), rules separated by ';':
//
//   seed=42;429:count=2,retry_after=1,method=GET,path=/api/items;503:retry_after=3,
//   retry_after_format=http-date;reset:after_body_bytes=10;delay:delay_ms=3000,probability=0.1
//
// Each rule is KIND[:option=value,...]. KIND is a status code (e.g. 429, 500, 502, 503) or one
// of status, throttle, delay, reset, drop, close, malformed. The JSON form (POST /_sim/faults)
// uses the same names: {"seed":42,"rules":[{"kind":"status","status":429,"count":2}]}.
// docs/simulators.md lists every option.
//
// Rules are tried in order for each non-control request; the first that matches and fires
// decides the request's fault. A rule with `count` fires that many times and is then spent;
// `after` lets that many matching requests through first; `probability` draws from a seeded
// generator, so a given seed and request sequence always fail the same way.
#ifndef METERBRIDGE_SIM_CORE_FAULTS_H_
#define METERBRIDGE_SIM_CORE_FAULTS_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/seed.h"

namespace mb::sim {

enum class FaultKind {
  kStatus,     // answer `status` (default 503) without running the handler
  kThrottle,   // answer the platform's own throttle error (Platform::throttle_response)
  kDelay,      // only wait delay_ms, then answer normally
  kReset,      // run the handler, send headers and part of the body, then reset the connection
  kDrop,       // close the connection without any response
  kClose,      // answer normally, then close the connection without saying so (stale keep-alive)
  kMalformed,  // run the handler, then send a broken JSON body with status 200
};

std::string_view fault_kind_name(FaultKind kind);

enum class RetryAfterFormat { kSeconds, kHttpDate };
enum class MalformedStyle { kTruncated, kHtml };

struct FaultRule {
  FaultKind kind = FaultKind::kStatus;

  // Which requests the rule considers. Empty = any.
  std::string method;       // exact, any case
  std::string path_prefix;  // "path" option: prefix of the decoded path, any case
  std::string endpoint;     // exact endpoint key from Platform::classify

  // When it fires among the matching requests.
  std::optional<int64_t> count;  // fires this many times, then spent; nullopt = unlimited
  int64_t after = 0;             // let this many matching requests pass first
  double probability = 1.0;      // checked after `after`, before `count` is used

  // What it does.
  int status = 0;  // kStatus: default 503; kThrottle: overrides the platform's
  std::optional<int64_t> retry_after_s;  // Retry-After header value in seconds
  RetryAfterFormat retry_after_format = RetryAfterFormat::kSeconds;
  std::string body;                         // kStatus: replaces the platform's error body
  int64_t delay_ms = 0;                     // any kind: wait this long first
  bool handled = false;                     // kDrop/kDelay-before-drop: run the handler anyway
  std::optional<int64_t> after_body_bytes;  // kReset: body bytes sent before the reset
  MalformedStyle malformed_style = MalformedStyle::kTruncated;

  // Book-keeping, shown by GET /_sim/faults.
  int64_t matched = 0;  // matching requests seen
  int64_t fired = 0;    // times the rule was applied
};

// A spec the simulator cannot understand; the message names the offending rule or option.
class FaultSpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct FaultPlan {
  uint64_t seed = 1;
  std::vector<FaultRule> rules;
};

// Parses the string form. Throws FaultSpecError.
FaultPlan parse_fault_spec(std::string_view spec);
// Parses the JSON form: {"seed":n,"rules":[...]} or {"spec":"<string form>"}. Throws
// FaultSpecError.
FaultPlan parse_fault_json(const boost::json::value& document);
boost::json::value fault_plan_to_json(const FaultPlan& plan);

// The fault chosen for one request (a copy of the rule that fired).
struct FaultDecision {
  FaultRule rule;
  size_t rule_index = 0;
};

// Thread-safe holder of the active plan.
class FaultInjector {
 public:
  void replace(FaultPlan plan);
  void append(std::vector<FaultRule> rules);
  void clear();
  FaultPlan snapshot() const;

  // Picks the fault for a request, updating the rules' counters; nullopt = no fault.
  std::optional<FaultDecision> decide(std::string_view method, std::string_view path,
                                      std::string_view endpoint);

 private:
  mutable std::mutex mutex_;
  FaultPlan plan_;
  DeterministicRandom random_{1};
};

// "Wed, 21 Oct 2015 07:28:00 GMT" for now + seconds (RFC 9110 IMF-fixdate).
std::string http_date_after_seconds(int64_t seconds);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_FAULTS_H_
