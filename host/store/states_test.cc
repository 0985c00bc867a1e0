// The domain states' text: every value has one text that reads back to it, and an unknown
// text never reads as a default.
#include "host/store/states.h"

#include <gtest/gtest.h>

#include <set>

namespace mb {
namespace {

template <typename State>
void expect_every_value_round_trips() {
  std::set<std::string_view> texts;
  for (const auto& [value, name] : StateNames<State>::kNames) {
    EXPECT_EQ(to_text(value), name);
    EXPECT_EQ(parse_state<State>(name), value) << name;
    EXPECT_TRUE(texts.insert(name).second) << "two values are called " << name;
  }
  EXPECT_FALSE(parse_state<State>("no such state"));
}

TEST(StatesTest, EveryValueHasOneTextThatReadsBack) {
  expect_every_value_round_trips<RunState>();
  expect_every_value_round_trips<Decision>();
  expect_every_value_round_trips<WriteIntentState>();
  expect_every_value_round_trips<ConnectorStatus>();
  expect_every_value_round_trips<LineAction>();
  expect_every_value_round_trips<ServiceMetric>();
  expect_every_value_round_trips<MappingSource>();
  expect_every_value_round_trips<MappingDrift>();
  expect_every_value_round_trips<AlertSeverity>();
  expect_every_value_round_trips<AlertStatus>();
  expect_every_value_round_trips<AlertRecordOutcome>();
}

TEST(StatesTest, TheTextIsWhatTheStoreAndUsersHaveAlwaysSeen) {
  EXPECT_EQ(to_text(RunState::kPlanned), "planned");
  EXPECT_EQ(to_text(RunState::kInterrupted), "interrupted");
  EXPECT_FALSE(parse_state<RunState>(""));  // only an undecided line's decision is empty
  EXPECT_EQ(to_text(Decision::kUndecided), "");
  EXPECT_EQ(to_text(WriteIntentState::kNotApplied), "not_applied");
  EXPECT_EQ(to_text(ConnectorStatus::kNew), "new");
  EXPECT_EQ(to_text(ConnectorStatus::kDisconnected), "disconnected");
  EXPECT_EQ(to_text(LineAction::kUndecided), "");
  EXPECT_EQ(to_text(LineAction::kHold), "hold");
  EXPECT_EQ(to_text(ServiceMetric::kUsers), "users");
  EXPECT_EQ(to_text(ServiceMetric::kDevices), "devices");
}

TEST(StatesTest, AnUnknownStoredTextIsAnErrorNamingWhereAndWhat) {
  auto state = parse_stored<RunState>("halfway", "run 7");
  ASSERT_FALSE(state);
  EXPECT_EQ(state.status().code(), ErrorClass::kFatal);
  EXPECT_EQ(state.status().message(), "state store: run 7 has an unknown run state 'halfway'");
  EXPECT_EQ(*parse_stored<RunState>("ok", "run 7"), RunState::kOk);
}

}  // namespace
}  // namespace mb
