#include "internal/query.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace meterbridge::autotask {
namespace {

TEST(QueryModel, IsTheDocumentAutotaskDocuments) {
  boost::json::object q = query_model({equals("isActive", true), in_list("id", {412, 977})},
                                      {"id", "companyName", "isActive"});
  EXPECT_EQ(boost::json::serialize(q),
            R"({"MaxRecords":500,"IncludeFields":["id","companyName","isActive"],)"
            R"("Filter":[{"op":"eq","field":"isActive","value":true},)"
            R"({"op":"in","field":"id","value":[412,977]}]})");
}

TEST(QueryModel, AlwaysIncludesIdSoAutotaskCanPagePast500Rows) {
  boost::json::object q = query_model({equals("isActive", true)}, {"name"});
  EXPECT_EQ(boost::json::serialize(q.at("IncludeFields")), R"(["id","name"])");
}

TEST(QueryModel, KeepsMaxRecordsWithinAutotasksPageSize) {
  EXPECT_EQ(query_model({equals("isActive", true)}, {"id"}, 2000).at("MaxRecords").as_int64(), 500);
  EXPECT_EQ(query_model({equals("isActive", true)}, {"id"}, 0).at("MaxRecords").as_int64(), 1);
  EXPECT_EQ(query_model({equals("isActive", true)}, {"id"}, 25).at("MaxRecords").as_int64(), 25);
}

TEST(QueryModel, RefusesAQueryWithoutConditionsBecauseAutotaskRejectsIt) {
  EXPECT_THROW(query_model({}, {"id"}), std::logic_error);
}

TEST(Conditions, UseAutotasksOperatorNames) {
  EXPECT_EQ(greater_or_equal("endDate", "2025-06-01T00:00:00Z").at("op"), "gte");
  EXPECT_EQ(less_or_equal("startDate", "2025-06-01T00:00:00Z").at("op"), "lte");
  EXPECT_EQ(contains_text("companyName", "Dental").at("op"), "contains");
  EXPECT_EQ(one_of("companyType", {1}).at("op"), "eq");
  EXPECT_EQ(one_of("companyType", {1, 3}).at("op"), "in");
}

TEST(InChunks, SplitsAtTheLimitWithoutRepeatingAnId) {
  std::vector<int64_t> ids;
  for (int64_t i = 1; i <= 1001; ++i) ids.push_back(i);
  ids.push_back(7);  // a duplicate
  auto chunks = in_chunks(ids);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), 500u);
  EXPECT_EQ(chunks[1].size(), 500u);
  EXPECT_EQ(chunks[2], std::vector<int64_t>{1001});
  EXPECT_TRUE(in_chunks({}).empty());
}

}  // namespace
}  // namespace meterbridge::autotask
