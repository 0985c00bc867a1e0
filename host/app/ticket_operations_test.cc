// resolve_alert_policy: a policy's board, statuses, priorities and type, named by id or name,
// against what a platform lists; every mismatch is a problem naming the policy's field.
#include "host/app/ticket_operations.h"

#include <gtest/gtest.h>

namespace mb::ops {
namespace {

using meterbridge::ListTicketBoardsResult;
using meterbridge::TicketBoard;
using meterbridge::TicketPriority;
using meterbridge::TicketStatus;

ListTicketBoardsResult platform() {
  ListTicketBoardsResult p;
  TicketBoard alerts{"12", "Security Alerts", {}, {}};
  alerts.statuses = {{"101", "New", true, false},
                     {"102", "In Progress", false, false},
                     {"109", ">Closed", false, true}};
  alerts.types.push_back({"4", "Security", {{"41", "Malware"}}});
  TicketBoard desk{"13", "Help Desk", {{"131", "New", true, false}}, {}};
  TicketBoard twin{"14", "Help desk", {{"141", "New", true, false}}, {}};
  p.boards = {alerts, desk, twin};
  p.priorities = {{"1", "Priority 1 - Emergency Response", false, std::nullopt},
                  {"3", "Priority 3 - Normal Response", true, std::nullopt}};
  return p;
}

TEST(ResolveAlertPolicy, NamesAndIdsResolveToThePlatformsIds) {
  AlertPolicy policy;
  policy.board = "security alerts";
  policy.status_new = "In Progress";
  policy.status_closed = "109";
  policy.priorities = {{AlertSeverity::kCritical, "priority 1 - emergency response"},
                       {AlertSeverity::kMedium, "3"}};
  policy.type = "Security";
  policy.subtype = "Malware";
  std::vector<std::string> problems;
  ResolvedAlertPolicy r =
      resolve_alert_policy(policy, platform(), "/connectors/0/alerts", &problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(r.board_id, "12");
  EXPECT_EQ(r.status_new_id, "102");
  EXPECT_EQ(r.status_closed_id, "109");
  EXPECT_EQ(r.priority_ids.at(AlertSeverity::kCritical), "1");
  EXPECT_EQ(r.priority_ids.at(AlertSeverity::kMedium), "3");
  EXPECT_EQ(r.type_id, "4");
  EXPECT_EQ(r.subtype_id, "41");
}

TEST(ResolveAlertPolicy, EachMismatchIsAProblemNamingItsField) {
  AlertPolicy policy;
  policy.board = "Security Alerts";
  policy.status_new = ">Closed";                               // closes the ticket
  policy.status_closed = "New";                                // does not
  policy.priorities = {{AlertSeverity::kHigh, "Priority 2"}};  // not on the platform
  std::vector<std::string> problems;
  resolve_alert_policy(policy, platform(), "/connectors/0/alerts", &problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("/connectors/0/alerts/priorities/high: no priority 'Priority 2'"),
            std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("/connectors/0/alerts/status_new: '>Closed' closes the ticket"),
            std::string::npos)
      << problems[1];
  EXPECT_NE(problems[2].find("/connectors/0/alerts/status_closed: 'New' does not close"),
            std::string::npos)
      << problems[2];

  AlertPolicy twins;
  twins.board = "HELP DESK";  // two boards answer to it
  problems.clear();
  resolve_alert_policy(twins, platform(), "/connectors/1/alerts", &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("/connectors/1/alerts/board: 2 boards are named 'HELP DESK'"),
            std::string::npos)
      << problems[0];

  AlertPolicy none;  // a platform with boards needs one chosen
  problems.clear();
  resolve_alert_policy(none, platform(), "/connectors/2/alerts", &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("/connectors/2/alerts/board: required"), std::string::npos);
}

TEST(ResolveAlertPolicy, ABoardWithoutAClosingStatusCannotCloseTickets) {
  AlertPolicy policy;
  policy.board = "Help Desk";
  ListTicketBoardsResult p = platform();
  p.boards.pop_back();
  std::vector<std::string> problems;
  resolve_alert_policy(policy, p, "/connectors/0/alerts", &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("has no status that closes a ticket"), std::string::npos);
}

// A platform that routes alerts itself lists no boards: a policy without a board resolves (its
// priorities still do), and whatever would live on a board is a problem, not silently ignored.
TEST(ResolveAlertPolicy, APlatformWithoutBoardsTakesAPolicyWithoutOne) {
  ListTicketBoardsResult routes_itself;
  routes_itself.priorities = {{"1", "low", true, std::nullopt},
                              {"4", "very_high", false, std::nullopt}};
  AlertPolicy policy;
  policy.priorities = {{AlertSeverity::kCritical, "Very_High"}};
  std::vector<std::string> problems;
  ResolvedAlertPolicy r =
      resolve_alert_policy(policy, routes_itself, "/connectors/0/alerts", &problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_FALSE(r.board_id.has_value());
  EXPECT_EQ(r.priority_ids.at(AlertSeverity::kCritical), "4");

  policy.status_closed = "Closed";
  policy.type = "Security";
  resolve_alert_policy(policy, routes_itself, "/connectors/0/alerts", &problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].rfind("/connectors/0/alerts/status_closed: the platform has no boards", 0),
            0u)
      << problems[0];
  EXPECT_EQ(problems[1].rfind("/connectors/0/alerts/type: ", 0), 0u) << problems[1];

  problems.clear();
  AlertPolicy with_board;
  with_board.board = "Security Alerts";
  resolve_alert_policy(with_board, routes_itself, "/connectors/1/alerts", &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("/connectors/1/alerts/board: the platform has no boards"),
            std::string::npos)
      << problems[0];
}

}  // namespace
}  // namespace mb::ops
