// A connector's alerts policy (docs/alerts.md, "The alerts policy"): read with every error
// naming its field.
#include "host/alerts/alert_policy.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mb {
namespace {

Result<AlertPolicy> parse(const char* text) {
  return parse_alert_policy(boost::json::parse(text), "/connectors/0/alerts");
}

TEST(AlertPolicyTest, AFullPolicyIsReadAndDecidesWhichAlertsOpenTicketsWithWhatPriority) {
  auto policy = parse(R"json({"board": "Security Alerts", "status_new": "New",
      "status_closed": "Closed (resolved)", "min_severity": "medium",
      "priorities": {"critical": "Priority 1 - Emergency Response", "high": "Priority 2 - Quick"},
      "type": "Security", "subtype": "Malware"})json");
  ASSERT_TRUE(policy) << policy.status().message();
  EXPECT_TRUE(policy->enabled);
  EXPECT_EQ(policy->board, "Security Alerts");
  EXPECT_EQ(policy->status_closed, "Closed (resolved)");
  EXPECT_EQ(policy->subtype, "Malware");
  EXPECT_FALSE(policy->opens_ticket_for(AlertSeverity::kLow));
  EXPECT_TRUE(policy->opens_ticket_for(AlertSeverity::kMedium));
  EXPECT_TRUE(policy->opens_ticket_for(AlertSeverity::kCritical));
  EXPECT_EQ(policy->priority_for(AlertSeverity::kCritical), "Priority 1 - Emergency Response");
  EXPECT_EQ(policy->priority_for(AlertSeverity::kMedium), std::nullopt);
}

TEST(AlertPolicyTest, ADisabledPolicyOpensNothingAndAnEmptyOneTakesTheDefaults) {
  auto disabled = parse(R"({"enabled": false, "board": "Security Alerts"})");
  ASSERT_TRUE(disabled);
  EXPECT_FALSE(disabled->opens_ticket_for(AlertSeverity::kCritical));
  auto defaults = parse("{}");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->min_severity, AlertSeverity::kLow);
  EXPECT_FALSE(defaults->opens_ticket_for(AlertSeverity::kInfo));
  EXPECT_TRUE(defaults->board.empty());
}

TEST(AlertPolicyTest, EveryErrorNamesItsField) {
  auto policy = parse(R"({"enabled": "yes", "board": "", "min_severity": "severe",
      "priorities": {"urgent": "P1", "high": 2}, "subtype": "Malware", "queue": "x"})");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.status().code(), ErrorClass::kConfigInvalid);
  const std::string& m = policy.status().message();
  for (const char* line :
       {"/connectors/0/alerts/queue: unknown field",
        "/connectors/0/alerts/enabled: must be true or false",
        "/connectors/0/alerts/board: must be a non-empty string",
        "/connectors/0/alerts/min_severity: must be info, low, medium, high or critical",
        "/connectors/0/alerts/priorities/urgent: not a severity",
        "/connectors/0/alerts/priorities/high: must be a non-empty string",
        "/connectors/0/alerts/subtype: needs a type"})
    EXPECT_NE(m.find(line), std::string::npos) << line << "\n" << m;
  EXPECT_FALSE(parse_alert_policy(boost::json::parse("true"), "/connectors/0/alerts"));
}

// The console shows a policy as alert_policy_to_json writes it and sends it back: what it writes
// reads as the same policy.
TEST(AlertPolicyTest, ItsJsonFormReadsBackAsTheSamePolicy) {
  auto policy = parse(R"({"enabled": false, "board": "12", "status_closed": ">Closed",
      "min_severity": "high", "priorities": {"critical": "1"}, "type": "Security"})");
  ASSERT_TRUE(policy) << policy.status().message();
  boost::json::object shown = alert_policy_to_json(*policy);
  EXPECT_EQ(shown.at("min_severity"), "high");
  EXPECT_FALSE(shown.contains("status_new")) << "an empty name is left out";
  auto again = parse_alert_policy(shown, "alerts");
  ASSERT_TRUE(again) << again.status().message();
  EXPECT_FALSE(again->enabled);
  EXPECT_EQ(again->board, "12");
  EXPECT_EQ(again->status_closed, ">Closed");
  EXPECT_EQ(again->min_severity, AlertSeverity::kHigh);
  EXPECT_EQ(again->priority_for(AlertSeverity::kCritical), "1");
  EXPECT_EQ(again->type, "Security");
  EXPECT_EQ(alert_policy_to_json(AlertPolicy{}).at("min_severity"), "low");
}

}  // namespace
}  // namespace mb
