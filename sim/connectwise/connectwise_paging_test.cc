// Navigable and forward-only paging over a generated site with more than 2,000 companies.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/connectwise/connectwise_test_fixture.h"

namespace mb::sim::connectwise {
namespace {

constexpr int kCompanies = 2100;

// The rels of a Link header: rel -> URL without the simulator's base.
std::map<std::string, std::string> links(const std::string& header, const std::string& base_url) {
  std::map<std::string, std::string> rels;
  size_t position = 0;
  while ((position = header.find('<', position)) != std::string::npos) {
    const size_t close = header.find('>', position);
    const size_t rel = header.find("rel=\"", close);
    const size_t rel_end = header.find('"', rel + 5);
    std::string url = header.substr(position + 1, close - position - 1);
    if (url.rfind(base_url, 0) == 0) url = url.substr(base_url.size());
    rels[header.substr(rel + 5, rel_end - rel - 5)] = url;
    position = rel_end;
  }
  return rels;
}

class ConnectWisePagingTest : public ConnectWiseSimTest {
 protected:
  void SetUp() override {
    start_generated("companies=" + std::to_string(kCompanies) + ",products=2,seed=7");
  }

  std::map<std::string, std::string> links_of(const RawResponse& response) {
    auto it = response.headers.find("link");
    return it == response.headers.end() ? std::map<std::string, std::string>{}
                                        : links(it->second, simulator_->base_url());
  }

  static Headers forward_only() {
    Headers headers = default_headers();
    headers.emplace_back("pagination-type", "forward-only");
    return headers;
  }
};

TEST_F(ConnectWisePagingTest, PageSizeDefaultsTo25) {
  const json::value page = get_json(api("/company/companies"));
  ASSERT_EQ(page.as_array().size(), 25u);
  EXPECT_EQ(page.at(0).at("id"), 250);
  EXPECT_EQ(ids(get_json(api("/company/companies?page=2"))).front(), 275);
}

TEST_F(ConnectWisePagingTest, PageSizeAbove1000IsRejectedOrClamped) {
  EXPECT_EQ(get_json(api("/company/companies?pageSize=1001"), 400),
            json::parse(R"({"code":"InvalidObject","message":"pageSize object is invalid",
              "errors":[{"code":"OutOfRange",
                         "message":"The field pageSize must be between 1 and 1000.",
                         "resource":"pageSize","field":"pageSize"}]})"));
  EXPECT_EQ(get_json(api("/company/companies?pageSize=0"), 400).at("errors").at(0).at("code"),
            "OutOfRange");
  settings(R"({"page_size_over_max": "clamp"})");
  EXPECT_EQ(get_json(api("/company/companies?pageSize=5000")).as_array().size(), 1000u);
}

TEST_F(ConnectWisePagingTest, LinkHeaderWalksEveryPage) {
  const std::string conditions = encode("deletedFlag=false or deletedFlag=true");
  std::string target = api("/company/companies?conditions=") + conditions + "&pageSize=1000";
  std::set<int64_t> seen;
  std::vector<std::map<std::string, std::string>> rels_per_page;
  for (int page = 0; page < 10 && !target.empty(); ++page) {
    const RawResponse response = get(target);
    ASSERT_EQ(response.status, 200) << response.body;
    for (int64_t id : ids(json::parse(response.body))) EXPECT_TRUE(seen.insert(id).second) << id;
    rels_per_page.push_back(links_of(response));
    target = rels_per_page.back().count("next") ? rels_per_page.back().at("next") : "";
  }
  ASSERT_EQ(rels_per_page.size(), 3u);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCompanies));

  // First page: next and last only; middle: all four; last page: first and prev only.
  EXPECT_EQ(rels_per_page[0].count("first") + rels_per_page[0].count("prev"), 0u);
  EXPECT_EQ(rels_per_page[0].at("next"),
            api("/company/companies?conditions=") + conditions + "&pageSize=1000&page=2");
  EXPECT_EQ(rels_per_page[0].at("last"),
            api("/company/companies?conditions=") + conditions + "&pageSize=1000&page=3");
  EXPECT_EQ(rels_per_page[1].size(), 4u);
  EXPECT_EQ(rels_per_page[1].at("prev"), rels_per_page[1].at("first"));
  EXPECT_EQ(rels_per_page[2].size(), 2u);
  EXPECT_EQ(rels_per_page[2].count("next"), 0u);
  EXPECT_NE(rels_per_page[2].at("prev").find("page=2"), std::string::npos);
}

TEST_F(ConnectWisePagingTest, PastTheLastPageIsAnEmptyArray) {
  EXPECT_TRUE(get_json(api("/company/companies?pageSize=1000&page=4")).as_array().empty());
}

TEST_F(ConnectWisePagingTest, ResultsOnOnePageCarryNoLink) {
  const RawResponse response = get(api("/company/companies?conditions=id%3D250"));
  EXPECT_EQ(ids(json::parse(response.body)), std::vector<int64_t>{250});
  EXPECT_EQ(response.headers.count("link"), 0u);
}

TEST_F(ConnectWisePagingTest, ForwardOnlyPagesByIdUntilTheLinkIsEmpty) {
  std::string target = api("/company/companies?pageSize=1000&page=3");  // page is ignored
  std::set<int64_t> seen;
  int pages = 0;
  int64_t last_id = 0;
  for (; pages < 10 && !target.empty(); ++pages) {
    const RawResponse response = get(target, forward_only());
    ASSERT_EQ(response.status, 200) << response.body;
    ASSERT_EQ(response.headers.count("link"), 1u) << "forward-only always answers with Link";
    const std::vector<int64_t> page_ids = ids(json::parse(response.body));
    for (int64_t id : page_ids) {
      EXPECT_GT(id, last_id);  // ordered by id
      last_id = id;
      seen.insert(id);
    }
    const auto rels = links_of(response);
    if (rels.empty()) {
      EXPECT_EQ(response.headers.at("link"), "");
      target.clear();
    } else {
      EXPECT_NE(rels.at("next").find("pageId=" + std::to_string(page_ids.back())),
                std::string::npos);
      target = rels.at("next");
    }
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCompanies));
}

TEST_F(ConnectWisePagingTest, ForwardOnlyPageIdActsAsIdGreaterThanAndRefusesOrderBy) {
  const json::value page =
      call_json("GET", api("/company/companies?pageId=300&pageSize=5"), 200, "", forward_only());
  EXPECT_EQ(ids(page), (std::vector<int64_t>{301, 302, 303, 304, 305}));
  EXPECT_EQ(
      call_json("GET", api("/company/companies?orderBy=name"), 400, "", forward_only()).at("code"),
      "InvalidObject");
}

TEST_F(ConnectWisePagingTest, CountMatchesTheListTotal) {
  EXPECT_EQ(get_json(api("/company/companies/count")).at("count"), kCompanies);
  const int64_t active =
      get_json(api("/company/companies/count?conditions=deletedFlag=false")).at("count").as_int64();
  EXPECT_LT(active, kCompanies);
  EXPECT_GT(active, kCompanies * 9 / 10);
}

}  // namespace
}  // namespace mb::sim::connectwise
