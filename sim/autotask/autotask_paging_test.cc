// Pages of 500 and nextPageUrl (Autotask's REST API documentation), over a generated
// tenant of 1,202 companies so that paging crosses two page boundaries.
#include <algorithm>
#include <set>

#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

using Ids = std::vector<int64_t>;

constexpr char kAllCompanies[] = R"({"Filter":[{"op":"gte","field":"id","value":0}]})";
constexpr int kGeneratedCompanies = 1202;  // companies=1200 plus the MSP itself and the vendor
constexpr int kMaxPages = 20;              // bounds every paging loop

class AutotaskPagingTest : public AutotaskSimTest {
 protected:
  void SetUp() override { start_generated("companies=1200,services=2,seed=7"); }

  struct Walk {
    std::vector<json::value> pages;
    Ids ids;
  };

  // Follows nextPageUrl with `method`, resending `body`, until it is null.
  Walk walk(const std::string& first_method, const std::string& first_target,
            const std::string& body, const std::string& next_method = "POST") {
    Walk result;
    std::string method = first_method;
    std::string target = first_target;
    for (int page = 0; page < kMaxPages && !target.empty(); ++page) {
      json::value current = call_json(method, target, 200, body);
      if (!current.is_object()) break;
      for (int64_t id : ids_of(current)) result.ids.push_back(id);
      const json::value& next = current.at("pageDetails").at("nextPageUrl");
      target = next.is_null() ? "" : target_of(next);
      method = next_method;
      result.pages.push_back(std::move(current));
    }
    return result;
  }
};

TEST_F(AutotaskPagingTest, AQueryReturns500RowsAndAnAbsoluteNextPageUrl) {
  const json::value page = query("Companies", kAllCompanies);
  const json::value& details = page.at("pageDetails");
  EXPECT_EQ(page.at("items").as_array().size(), 500u);
  EXPECT_EQ(details.at("count"), 500);
  EXPECT_EQ(details.at("requestCount"), 500);
  EXPECT_TRUE(details.at("prevPageUrl").is_null());
  const std::string next(details.at("nextPageUrl").as_string());
  const std::string prefix = base_url() + "/ATServicesRest/V1.0/Companies/query/next?paging=";
  EXPECT_EQ(next.rfind(prefix, 0), 0u) << next;
}

TEST_F(AutotaskPagingTest, ThePagingTokenHasTheObservedShape) {
  const json::value page = query("Companies", kAllCompanies);
  const std::string next(page.at("pageDetails").at("nextPageUrl").as_string());
  std::string path;
  std::vector<std::pair<std::string, std::string>> parameters;
  ASSERT_TRUE(mb::sim::parse_request_target(target_of(json::value(next)), path, parameters));
  ASSERT_EQ(parameters.size(), 1u);
  EXPECT_EQ(parameters[0].first, "paging");
  const int64_t last_id = ids_of(page).back();
  EXPECT_EQ(json::parse(parameters[0].second),
            json::parse(R"({"pageSize":500,"previousIds":[-1],"nextIds":[)" +
                        std::to_string(last_id) + "]}"));
}

TEST_F(AutotaskPagingTest, PostingTheSameBodyToEachNextPageUrlReachesEveryRow) {
  const Walk walk_result = walk("POST", api("Companies/query"), kAllCompanies);
  ASSERT_EQ(walk_result.pages.size(), 3u);
  EXPECT_EQ(walk_result.pages[0].at("pageDetails").at("count"), 500);
  EXPECT_EQ(walk_result.pages[1].at("pageDetails").at("count"), 500);
  EXPECT_EQ(walk_result.pages[2].at("pageDetails").at("count"), kGeneratedCompanies - 1000);
  EXPECT_TRUE(walk_result.pages[2].at("pageDetails").at("nextPageUrl").is_null());
  EXPECT_EQ(walk_result.ids.size(), static_cast<size_t>(kGeneratedCompanies));
  EXPECT_TRUE(std::is_sorted(walk_result.ids.begin(), walk_result.ids.end()));
  EXPECT_EQ(std::set<int64_t>(walk_result.ids.begin(), walk_result.ids.end()).size(),
            walk_result.ids.size());
  EXPECT_EQ(call_json("POST", api("Companies/query/count"), 200, kAllCompanies).at("queryCount"),
            kGeneratedCompanies);
}

TEST_F(AutotaskPagingTest, FollowingNextPageUrlWithGetIs405AndStopsAtOnePage) {
  const json::value page = query("Companies", kAllCompanies);
  RawResult result = call("GET", target_of(page.at("pageDetails").at("nextPageUrl")));
  ASSERT_TRUE(result.response) << result.error;
  EXPECT_EQ(result.response->status, 405);
  EXPECT_EQ(
      json::parse(result.response->body),
      json::parse(R"({"Message":"The requested resource does not support http method 'GET'."})"));
}

TEST_F(AutotaskPagingTest, NextPagesApplyTheResentFilterAndIncludeFields) {
  const std::string body = R"({"IncludeFields":["id","companyType"],
      "Filter":[{"op":"eq","field":"companyType","value":1}]})";
  const Walk walk_result = walk("POST", api("Companies/query"), body);
  ASSERT_EQ(walk_result.pages.size(), 3u);
  for (const json::value& page : walk_result.pages) {
    for (const json::value& item : page.at("items").as_array()) {
      EXPECT_EQ(item.at("companyType"), 1);
      EXPECT_EQ(item.as_object().size(), 3u);  // id, companyType, userDefinedFields
    }
  }
  EXPECT_EQ(static_cast<int64_t>(walk_result.ids.size()),
            call_json("POST", api("Companies/query/count"), 200, body).at("queryCount").as_int64());
}

TEST_F(AutotaskPagingTest, ANextPageWithoutItsBodyIsRejected) {
  const json::value page = query("Companies", kAllCompanies);
  const json::value body =
      call_json("POST", target_of(page.at("pageDetails").at("nextPageUrl")), 500, "");
  EXPECT_EQ(error_text(body).rfind("Value cannot be null", 0), 0u);
}

TEST_F(AutotaskPagingTest, PrevPageUrlLeadsBackToThePreviousPage) {
  const json::value first = query("Companies", kAllCompanies);
  const json::value second =
      call_json("POST", target_of(first.at("pageDetails").at("nextPageUrl")), 200, kAllCompanies);
  ASSERT_FALSE(second.at("pageDetails").at("prevPageUrl").is_null());
  const json::value back =
      call_json("POST", target_of(second.at("pageDetails").at("prevPageUrl")), 200, kAllCompanies);
  EXPECT_EQ(ids_of(back), ids_of(first));
  EXPECT_TRUE(back.at("pageDetails").at("prevPageUrl").is_null());
}

TEST_F(AutotaskPagingTest, MaxRecordsBelow500SetsThePageSize) {
  const std::string body = R"({"MaxRecords":100,"Filter":[{"op":"lt","field":"id","value":1200}]})";
  const int64_t expected =
      call_json("POST", api("Companies/query/count"), 200, body).at("queryCount").as_int64();
  const Walk walk_result = walk("POST", api("Companies/query"), body);
  ASSERT_GE(walk_result.pages.size(), 2u);
  EXPECT_EQ(walk_result.pages[0].at("pageDetails").at("count"), 100);
  EXPECT_EQ(walk_result.pages[0].at("pageDetails").at("requestCount"), 100);
  EXPECT_EQ(walk_result.pages[1].at("pageDetails").at("requestCount"), 100);
  EXPECT_EQ(static_cast<int64_t>(walk_result.ids.size()), expected);
}

TEST_F(AutotaskPagingTest, MaxRecordsAbove500IsClampedTo500) {
  const json::value page = query("Companies", R"({"MaxRecords":2000,
      "Filter":[{"op":"gte","field":"id","value":0}]})");
  EXPECT_EQ(page.at("pageDetails").at("count"), 500);
  EXPECT_EQ(page.at("pageDetails").at("requestCount"), 500);
}

TEST_F(AutotaskPagingTest, KeysetPagingWithIdGtWorksToo) {
  Ids ids;
  int64_t highest = -1;
  for (int page = 0; page < kMaxPages; ++page) {
    const Ids batch =
        query_ids("Companies", R"({"MaxRecords":500,"Filter":[{"op":"gt","field":"id","value":)" +
                                   std::to_string(highest) + "}]}");
    ids.insert(ids.end(), batch.begin(), batch.end());
    if (batch.size() < 500) break;
    highest = batch.back();
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kGeneratedCompanies));
}

TEST_F(AutotaskPagingTest, TheUrlFormPagesWithGetUrlsCarryingTheSearch) {
  const std::string model = R"({"filter":[{"op":"gte","field":"id","value":0}]})";
  const std::string first = api("Companies/query?search=") + mb::sim::url_encode_component(model);
  const Walk walk_result = walk("GET", first, "", "GET");
  ASSERT_EQ(walk_result.pages.size(), 3u);
  const std::string next(walk_result.pages[0].at("pageDetails").at("nextPageUrl").as_string());
  EXPECT_NE(next.find("/Companies/query?search="), std::string::npos) << next;
  EXPECT_NE(next.find("&paging="), std::string::npos) << next;
  EXPECT_EQ(walk_result.ids.size(), static_cast<size_t>(kGeneratedCompanies));
}

TEST_F(AutotaskPagingTest, AGetUrlOverTheQueryStringLimitIs404) {
  std::string values;
  for (int id = 0; id < 600; ++id) values += (values.empty() ? "" : ",") + std::to_string(id);
  const std::string model = R"({"filter":[{"op":"in","field":"id","value":[)" + values + "]}]}";
  RawResult result =
      call("GET", api("Companies/query?search=") + mb::sim::url_encode_component(model));
  ASSERT_TRUE(result.response) << result.error;
  EXPECT_EQ(result.response->status, 404);
  EXPECT_NE(result.response->body.find("404.15"), std::string::npos);
  // The same model POSTed is fine.
  query("Companies", model);
}

}  // namespace
}  // namespace mb::sim::autotask_testing
