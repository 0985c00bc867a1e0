#include "reliability/fault_plan.h"

#include <boost/json.hpp>

namespace mb::reliability {
namespace json = boost::json;

std::vector<std::pair<std::string, json::object>> fault_menu(const PlatformModel& platform,
                                                             int client_timeout_ms) {
  // Past the client's timeout with room for the engine's own timer to fire first.
  const int past_timeout = client_timeout_ms + 400;
  std::vector<std::pair<std::string, json::object>> menu{
      {"429_retry_after", {{"kind", 429}, {"retry_after", 1}}},
      {"429_no_retry_after", {{"kind", 429}, {"retry_after", nullptr}}},
      {"500", {{"kind", "status"}, {"status", 500}}},
      {"502", {{"kind", "status"}, {"status", 502}}},
      {"503", {{"kind", "status"}, {"status", 503}}},
      {"504", {{"kind", "status"}, {"status", 504}}},
      {"throttle", {{"kind", "throttle"}}},
      // The connection closes before the platform processed the request.
      {"reset_before_handler", {{"kind", "drop"}}},
      // The platform processed it; the answer is cut mid-body by a reset, or never sent.
      {"reset_after_handler", {{"kind", "reset"}}},
      {"drop_after_handler", {{"kind", "drop"}, {"handled", true}}},
      // The platform applied the write, the client timed out before the answer.
      {"timeout_after_write", {{"kind", "delay"}, {"handled", true}, {"delay_ms", past_timeout}}},
      // The client timed out; the platform processes the request afterwards.
      {"late_write", {{"kind", "delay"}, {"delay_ms", past_timeout}}},
      {"truncated_body", {{"kind", "malformed"}, {"style", "truncated"}}},
      {"html_body", {{"kind", "malformed"}, {"style", "html"}}},
      {"close_after_response", {{"kind", "close"}}},
      {"slow", {{"kind", "delay"}, {"delay_ms", client_timeout_ms / 3}}},
  };
  for (auto& own : platform.own_throttling()) menu.push_back(std::move(own));
  return menu;
}

FaultPlan random_fault_plan(bench::SplitMix64& rng, const PlatformModel& platform,
                            int client_timeout_ms) {
  static constexpr double kProbabilities[] = {0.05, 0.1, 0.2, 0.4};
  auto menu = fault_menu(platform, client_timeout_ms);
  FaultPlan plan;
  json::array rules;
  const int64_t n = rng.between(1, 4);
  for (int64_t i = 0; i < n; ++i) {
    auto [name, rule] =
        menu[static_cast<size_t>(rng.between(0, static_cast<int64_t>(menu.size()) - 1))];
    rule["probability"] = kProbabilities[rng.between(0, 3)];
    rule["count"] = rng.between(1, 3);
    if (rng.between(0, 1) == 1) {
      rule["method"] = platform.write_method();
      rule["path"] = platform.write_path();
      name += "@write";
    }
    plan.rule_names.push_back(name);
    rules.push_back(std::move(rule));
  }
  plan.document = {{"seed", rng.between(1, 1'000'000'000)}, {"rules", std::move(rules)}};
  return plan;
}

}  // namespace mb::reliability
