#include "host/server/console_review.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mb::server {
namespace {

namespace bj = boost::json;

bool everyone(const std::string&) { return true; }

const bj::object& only_run(const bj::value& doc) {
  const bj::array& runs = doc.at("runs").as_array();
  EXPECT_EQ(runs.size(), 1u);
  return runs.at(0).as_object();
}

TEST(RunProgressBoard, ShowsTheRunningPhaseWithAnEtaFromThePhasesRate) {
  FakeClock clock(1'000'000);
  RunProgressBoard board(clock);
  auto tracked = board.track("acme", "sync");
  auto report = tracked.callback();
  report({.phase = SyncPhase::kReading, .run_id = 7, .done = 0, .total = 400, .run_lines = 400});
  EXPECT_TRUE(only_run(board.to_json(everyone)).at("eta_s").is_null()) << "no rate yet";
  clock.advance_ms(2000);
  report({.phase = SyncPhase::kReading, .run_id = 7, .done = 100, .total = 400, .run_lines = 400});
  const bj::value doc = board.to_json(everyone);
  const bj::object& run = only_run(doc);
  EXPECT_EQ(run.at("connector").as_string(), "acme");
  EXPECT_EQ(run.at("run").as_int64(), 7);
  EXPECT_EQ(run.at("phase").as_string(), "reading");
  EXPECT_EQ(run.at("done").as_uint64(), 100u);
  EXPECT_EQ(run.at("total").as_uint64(), 400u);
  EXPECT_TRUE(run.at("running").as_bool());
  EXPECT_DOUBLE_EQ(run.at("eta_s").as_double(), 6.0);  // 300 lines at 50 lines/s
  EXPECT_DOUBLE_EQ(run.at("elapsed_s").as_double(), 2.0);
}

TEST(RunProgressBoard, ANewPhaseStartsItsOwnRate) {
  FakeClock clock(0);
  RunProgressBoard board(clock);
  auto tracked = board.track("acme", "sync");
  auto report = tracked.callback();
  report({.phase = SyncPhase::kReading, .run_id = 1, .done = 10, .total = 10, .run_lines = 10});
  clock.advance_ms(10'000);
  report({.phase = SyncPhase::kWriting, .run_id = 1, .done = 0, .total = 10, .run_lines = 10});
  clock.advance_ms(1000);
  report({.phase = SyncPhase::kWriting, .run_id = 1, .done = 5, .total = 10, .run_lines = 10});
  EXPECT_DOUBLE_EQ(only_run(board.to_json(everyone)).at("eta_s").as_double(), 1.0);
}

TEST(RunProgressBoard, AFinishedRunStaysListedForAMinuteThenGoes) {
  FakeClock clock(0);
  RunProgressBoard board(clock);
  { auto tracked = board.track("acme", "approve"); }
  const bj::value doc = board.to_json(everyone);
  const bj::object& run = only_run(doc);
  EXPECT_FALSE(run.at("running").as_bool());
  EXPECT_EQ(run.at("phase").as_string(), "finished");
  EXPECT_DOUBLE_EQ(run.at("eta_s").as_double(), 0.0);
  clock.advance_ms(RunProgressBoard::kFinishedKeptMs + 1);
  EXPECT_TRUE(board.to_json(everyone).at("runs").as_array().empty());
}

TEST(RunProgressBoard, ListsOnlyTheConnectorsTheCallerReaches) {
  FakeClock clock(0);
  RunProgressBoard board(clock);
  auto mine = board.track("northwind", "sync");
  auto theirs = board.track("contoso", "sync");
  auto doc = board.to_json([](const std::string& c) { return c == "northwind"; });
  EXPECT_EQ(only_run(doc).at("connector").as_string(), "northwind");
  EXPECT_EQ(only_run(doc).at("id").as_int64(), 1) << "the first run tracked";
}

}  // namespace
}  // namespace mb::server
