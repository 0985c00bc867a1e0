#include "internal/alerting.h"

#include <gtest/gtest.h>

namespace meterbridge::gradient {
namespace {

TEST(AlertTicketRef, CarriesTheTicketAccountPriorityAndAlertId) {
  const AlertTicketRef ref{"T20250602.0042", "cust-7f3a", 3, "mb-alert:al-7f3a"};
  const std::string id = encode_ticket_ref(ref);
  EXPECT_EQ(id, "T20250602.0042|cust-7f3a|3|mb-alert:al-7f3a");
  std::optional<AlertTicketRef> back = decode_ticket_ref(id);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->psa_ticket_id, "T20250602.0042");
  EXPECT_EQ(back->account_id, "cust-7f3a");
  EXPECT_EQ(back->priority, 3);
  EXPECT_EQ(back->alert_id, "mb-alert:al-7f3a");
}

TEST(AlertTicketRef, BarsAndPercentSignsInsideAPartSurviveTheTrip) {
  const AlertTicketRef ref{"T1", "acct|%7C", 1, "mb-alert:a|b%25"};
  std::optional<AlertTicketRef> back = decode_ticket_ref(encode_ticket_ref(ref));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->account_id, "acct|%7C");
  EXPECT_EQ(back->alert_id, "mb-alert:a|b%25");
}

TEST(AlertTicketRef, AnythingElseIsRefused) {
  for (const char* id : {"", "4711", "T1|acct|3", "T1|acct|5|mb-alert:a", "T1|acct|x|mb-alert:a",
                         "T1||3|mb-alert:a", "T1|a%2|3|mb-alert:a", "T1|a|3|b|c"})
    EXPECT_FALSE(decode_ticket_ref(id).has_value()) << id;
}

TEST(AlertBoards, NoBoardsAndGradientsFourPrioritiesWithLowTheDefault) {
  ListTicketBoardsResult listed = list_alert_boards();
  EXPECT_TRUE(listed.boards.empty());
  ASSERT_EQ(listed.priorities.size(), 4u);
  EXPECT_EQ(listed.priorities[0].id, "1");
  EXPECT_TRUE(listed.priorities[0].is_default);
  EXPECT_EQ(listed.priorities[3].name, "very_high");
  EXPECT_EQ(listed.priorities[3].level, PriorityLevel::kCritical);
}

}  // namespace
}  // namespace meterbridge::gradient
