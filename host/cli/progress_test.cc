#include "host/cli/progress.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace mb::cli {
namespace {

SyncProgress at(SyncPhase phase, size_t done, size_t total, int64_t run_id = 7) {
  return SyncProgress{phase, run_id, done, total, total};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ProgressTrackerTest, ShowsTheFirstReportEachNewPhaseAndOtherwiseAtMostOncePerInterval) {
  FakeClock clock(1'000'000);
  ProgressTracker tracker(clock, 1000);
  EXPECT_FALSE(tracker.due());  // nothing reported yet
  EXPECT_TRUE(tracker.update(at(SyncPhase::kReading, 0, 100)));
  tracker.mark_shown();
  clock.advance_ms(400);
  EXPECT_FALSE(tracker.update(at(SyncPhase::kReading, 10, 100)));
  EXPECT_TRUE(tracker.unshown());
  EXPECT_FALSE(tracker.due());
  clock.advance_ms(600);
  EXPECT_TRUE(tracker.due());  // a second without a redraw: the timer shows time passing
  EXPECT_TRUE(tracker.update(at(SyncPhase::kReading, 20, 100)));
  tracker.mark_shown();
  clock.advance_ms(10);
  EXPECT_TRUE(tracker.update(at(SyncPhase::kWriting, 0, 5)));  // a new phase is shown at once
}

TEST(ProgressTrackerTest, TheEtaIsThePhasesRemainingLinesAtItsRateSoFar) {
  FakeClock clock(0);
  ProgressTracker tracker(clock, 1000);
  tracker.update(at(SyncPhase::kPlanning, 0, 0, 0));
  EXPECT_FALSE(tracker.eta_s());  // planning: the total is not known
  clock.advance_ms(3000);
  tracker.update(at(SyncPhase::kReading, 0, 2000));
  EXPECT_FALSE(tracker.rate());
  EXPECT_FALSE(tracker.eta_s());  // nothing done yet: no rate to predict from
  clock.advance_ms(2000);
  tracker.update(at(SyncPhase::kReading, 500, 2000));
  ASSERT_TRUE(tracker.rate());
  EXPECT_DOUBLE_EQ(*tracker.rate(), 250.0);  // measured from the phase's start, not the run's
  ASSERT_TRUE(tracker.eta_s());
  EXPECT_DOUBLE_EQ(*tracker.eta_s(), 6.0);
  EXPECT_DOUBLE_EQ(tracker.elapsed_s(), 5.0);
  tracker.update(at(SyncPhase::kReading, 2000, 2000));
  EXPECT_DOUBLE_EQ(*tracker.eta_s(), 0.0);
}

TEST(ProgressTrackerTest, TheStatusLineSaysPhaseCountsPercentRateAndEta) {
  FakeClock clock(0);
  ProgressTracker tracker(clock, 250);
  tracker.update(at(SyncPhase::kPlanning, 0, 0, 0));
  clock.advance_ms(1000);
  EXPECT_EQ(progress_status_line("acme", tracker), "acme  planning  elapsed 0:01");
  tracker.update(at(SyncPhase::kReading, 0, 20000));
  clock.advance_ms(2000);
  tracker.update(at(SyncPhase::kReading, 5000, 20000));
  EXPECT_EQ(progress_status_line("acme", tracker),
            "acme  reading  5,000/20,000 lines  25%  2,500 lines/s  ETA 0:06  elapsed 0:03");
  tracker.update(at(SyncPhase::kFinished, 20000, 20000));
  EXPECT_EQ(progress_status_line("acme", tracker),
            "acme  finished  20,000/20,000 lines  100%  in 0:03");
}

TEST(ProgressTrackerTest, AnEventIsOneJsonObjectWithTheDocumentedFields) {
  FakeClock clock(0);
  ProgressTracker tracker(clock, 1000);
  tracker.update(at(SyncPhase::kPlanning, 0, 0, 0));
  boost::json::value planning = boost::json::parse(progress_event("acme", tracker));
  EXPECT_EQ(planning.at("event").as_string(), "progress");
  EXPECT_TRUE(planning.at("run").is_null());  // not recorded yet
  EXPECT_TRUE(planning.at("eta_s").is_null());
  tracker.update(at(SyncPhase::kReading, 0, 40));
  clock.advance_ms(1500);
  tracker.update(at(SyncPhase::kReading, 10, 40));
  boost::json::value reading = boost::json::parse(progress_event("acme", tracker));
  EXPECT_EQ(reading.at("run").as_int64(), 7);
  EXPECT_EQ(reading.at("connector").as_string(), "acme");
  EXPECT_EQ(reading.at("phase").as_string(), "reading");
  EXPECT_EQ(reading.at("done").as_int64(), 10);
  EXPECT_EQ(reading.at("total").as_int64(), 40);
  EXPECT_EQ(reading.at("lines").as_int64(), 40);
  EXPECT_DOUBLE_EQ(reading.at("elapsed_s").as_double(), 1.5);
  EXPECT_DOUBLE_EQ(reading.at("eta_s").as_double(), 4.5);
}

TEST(ProgressDisplayTest, EventsAreThrottledButEveryPhaseAndTheLastReportAreShown) {
  FakeClock clock(0);
  std::ostringstream out;
  ProgressDisplay display(out, ProgressStyle::kEvents, "acme", clock);
  auto report = display.callback();
  ASSERT_TRUE(report);
  report(at(SyncPhase::kPlanning, 0, 0, 0));
  clock.advance_ms(100);
  report(at(SyncPhase::kReading, 0, 10));
  for (size_t done = 1; done <= 10; ++done) {
    clock.advance_ms(50);
    report(at(SyncPhase::kReading, done, 10));  // within the second: not shown
  }
  display.finish();
  display.finish();  // once only
  std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_EQ(boost::json::parse(lines[0]).at("phase").as_string(), "planning");
  EXPECT_EQ(boost::json::parse(lines[1]).at("done").as_int64(), 0);
  EXPECT_EQ(boost::json::parse(lines[2]).at("done").as_int64(), 10);  // the end is shown
}

TEST(ProgressDisplayTest, ATimerShowsTimePassingDuringALongCall) {
  FakeClock clock(0);
  std::ostringstream out;
  ProgressDisplay display(out, ProgressStyle::kTerminal, "acme", clock);
  display.callback()(at(SyncPhase::kPlanning, 0, 0, 0));
  clock.advance_ms(5000);  // the engine is silent (a long platform call)
  // The timer wakes within a quarter of a second; give it a generous bound.
  for (int i = 0; i < 200 && out.str().find("elapsed 0:05") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  display.finish();
  EXPECT_NE(out.str().find("\racme  planning  elapsed 0:05\x1b[K"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(ProgressDisplayTest, NoneReportsNothing) {
  std::ostringstream out;
  ProgressDisplay display(out, ProgressStyle::kNone, "acme");
  EXPECT_FALSE(display.callback());
  display.finish();
  EXPECT_TRUE(out.str().empty());
}

TEST(ProgressStyleTest, JsonOrNoTerminalMeansEventsAndDisabledMeansNone) {
  EXPECT_EQ(progress_style(false, false, true), ProgressStyle::kTerminal);
  EXPECT_EQ(progress_style(true, false, true), ProgressStyle::kEvents);
  EXPECT_EQ(progress_style(false, false, false), ProgressStyle::kEvents);
  EXPECT_EQ(progress_style(true, true, false), ProgressStyle::kNone);
}

}  // namespace
}  // namespace mb::cli
