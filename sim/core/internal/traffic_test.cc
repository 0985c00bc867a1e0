#include "sim/core/internal/traffic.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace mb::sim::internal {
namespace {

RequestLogEntry entry_with_id(uint64_t id) {
  RequestLogEntry entry;
  entry.id = id;
  entry.method = "GET";
  entry.target = "/x";
  return entry;
}

TEST(SimRequestLogUnitTest, ListsEntriesInArrivalOrder) {
  RequestLog log;
  const uint64_t generation = log.generation();
  log.append(entry_with_id(2), generation);
  log.append(entry_with_id(1), generation);
  const boost::json::value shown = log.to_json(0, 10);
  ASSERT_EQ(shown.at("requests").as_array().size(), 2u);
  EXPECT_EQ(shown.at("requests").at(0).at("id"), 1);
}

TEST(SimRequestLogUnitTest, EntriesFromBeforeAClearAreDiscarded) {
  RequestLog log;
  const uint64_t before = log.generation();
  log.clear();
  log.append(entry_with_id(1), before);
  log.append(entry_with_id(2), log.generation());
  const boost::json::value shown = log.to_json(0, 10);
  ASSERT_EQ(shown.at("requests").as_array().size(), 1u);
  EXPECT_EQ(shown.at("requests").at(0).at("id"), 2);
}

TEST(SimRequestLogUnitTest, LongBodiesAreTruncated) {
  RequestLog log;
  RequestLogEntry entry = entry_with_id(1);
  entry.body.assign(RequestLog::kMaxLoggedBodyBytes + 5, 'x');
  log.append(std::move(entry), log.generation());
  const boost::json::value shown = log.to_json(0, 10);
  EXPECT_EQ(shown.at("requests").at(0).at("body").as_string().size(),
            RequestLog::kMaxLoggedBodyBytes);
  EXPECT_EQ(shown.at("requests").at(0).at("body_truncated"), true);
}

TEST(SimTrafficStatsTest, TracksPeaksPerEndpointAndOverall) {
  TrafficStats stats;
  EXPECT_EQ(stats.enter("a"), 1);
  EXPECT_EQ(stats.enter("a"), 2);
  EXPECT_EQ(stats.enter("b"), 1);
  stats.leave_endpoint("a");
  stats.leave_overall();
  EXPECT_EQ(stats.enter("a"), 2);
  const boost::json::value shown = stats.to_json();
  EXPECT_EQ(shown.at("max_in_flight"), 3);
  EXPECT_EQ(shown.at("endpoints").at("a").at("max_in_flight"), 2);
  EXPECT_EQ(shown.at("endpoints").at("a").at("requests"), 3);
}

TEST(SimTrafficStatsTest, ResetKeepsRequestsStillInFlight) {
  TrafficStats stats;
  stats.enter("a");
  stats.enter("b");
  stats.leave_endpoint("b");
  stats.leave_overall();
  stats.reset();
  const boost::json::value shown = stats.to_json();
  EXPECT_EQ(shown.at("requests"), 0);
  EXPECT_EQ(shown.at("in_flight"), 1);
  EXPECT_EQ(shown.at("max_in_flight"), 1);
  EXPECT_TRUE(shown.at("endpoints").as_object().contains("a"));
  EXPECT_FALSE(shown.at("endpoints").as_object().contains("b"));
  stats.leave_endpoint("a");
  stats.leave_overall();
  EXPECT_EQ(stats.to_json().at("in_flight"), 0);
}

}  // namespace
}  // namespace mb::sim::internal
