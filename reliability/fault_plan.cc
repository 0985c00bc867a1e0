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

namespace {

// `rules` rules drawn from `menu`, each with one of `probabilities`, firing at most 1-3 times;
// `aim` says, per rule, whether it targets `method` `path` only.
template <typename Aim>
FaultPlan draw_plan(bench::SplitMix64& rng,
                    const std::vector<std::pair<std::string, json::object>>& menu, int64_t rules_n,
                    const std::vector<double>& probabilities, const std::string& method,
                    const std::string& path, Aim aim) {
  FaultPlan plan;
  json::array rules;
  for (int64_t i = 0; i < rules_n; ++i) {
    auto [name, rule] =
        menu[static_cast<size_t>(rng.between(0, static_cast<int64_t>(menu.size()) - 1))];
    rule["probability"] = probabilities[static_cast<size_t>(
        rng.between(0, static_cast<int64_t>(probabilities.size()) - 1))];
    rule["count"] = rng.between(1, 3);
    if (aim()) {
      rule["method"] = method;
      rule["path"] = path;
      name += "@write";
    }
    plan.rule_names.push_back(name);
    rules.push_back(std::move(rule));
  }
  plan.document = {{"seed", rng.between(1, 1'000'000'000)}, {"rules", std::move(rules)}};
  return plan;
}

}  // namespace

FaultPlan random_fault_plan(bench::SplitMix64& rng, const PlatformModel& platform,
                            int client_timeout_ms) {
  const int64_t n = rng.between(1, 4);
  return draw_plan(rng, fault_menu(platform, client_timeout_ms), n, {0.05, 0.1, 0.2, 0.4},
                   platform.write_method(), platform.write_path(),
                   [&] { return rng.between(0, 1) == 1; });
}

FaultPlan random_fault_plan_at(bench::SplitMix64& rng, const PlatformModel& platform,
                               int client_timeout_ms, const std::string& method,
                               const std::string& path) {
  const int64_t n = rng.between(1, 3);
  return draw_plan(rng, fault_menu(platform, client_timeout_ms), n, {0.25, 0.5, 1.0}, method, path,
                   [] { return true; });
}

}  // namespace mb::reliability
