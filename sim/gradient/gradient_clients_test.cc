// Get Clients: the MSP's PSA clients, paged by the previousId cursor, with a search filter
// (reference §4, §11.9).
#include <gtest/gtest.h>

#include <set>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

TEST_F(GradientSimTest, TheCursorVisitsEveryClientExactlyOnce) {
  start_generated("accounts=0,clients=120,seed=3");
  std::set<std::string> seen;
  std::vector<size_t> page_sizes;
  std::string previous_id;
  for (int guard = 0; guard < 10; ++guard) {
    const std::string query = previous_id.empty() ? "" : "?previousId=" + previous_id;
    const json::value page = as_partner("pk_gen_1", "GET", "/organization/clients" + query, 200);
    const json::array& clients = page.at("clients").as_array();
    page_sizes.push_back(clients.size());
    if (clients.empty()) break;
    for (const json::value& client : clients) {
      const std::string id(client.at("id").as_string());
      EXPECT_TRUE(previous_id.empty() || id > previous_id);
      EXPECT_TRUE(seen.insert(id).second) << "client " << id << " came twice";
    }
    previous_id = std::string(clients.back().at("id").as_string());
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{50, 50, 20, 0}));
  EXPECT_EQ(seen.size(), 120u);
}

TEST_F(GradientSimTest, TheMetaDescribesThePage) {
  start();
  settings(R"({"clients_page_size": 2})");
  const json::value first = as_partner(kNorthwindKey, "GET", "/organization/clients", 200);
  const json::value& meta = first.at("meta");
  EXPECT_EQ(meta.at("total"), 5);
  EXPECT_EQ(meta.at("pageSize"), 2);
  EXPECT_EQ(meta.at("count"), 2);
  EXPECT_TRUE(meta.at("previousId").is_null());
  EXPECT_EQ(meta.at("lastId"), first.at("clients").at(1).at("id"));
  // Ordered by id; objects of id and name.
  EXPECT_EQ(
      first.at("clients").at(0),
      json::parse(R"({"id":"3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13","name":"Northwind Dental"})"));
}

TEST_F(GradientSimTest, ThePageSizeIsASetting) {
  start();
  settings(R"({"clients_page_size": 2})");
  std::vector<size_t> page_sizes;
  std::string previous_id;
  for (int guard = 0; guard < 10; ++guard) {
    const std::string query = previous_id.empty() ? "" : "?previousId=" + previous_id;
    const json::value page = as_partner(kNorthwindKey, "GET", "/organization/clients" + query, 200);
    const json::array& clients = page.at("clients").as_array();
    page_sizes.push_back(clients.size());
    if (clients.empty()) break;
    previous_id = std::string(clients.back().at("id").as_string());
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{2, 2, 1, 0}));
}

TEST_F(GradientSimTest, SearchFiltersByNameInAnyCase) {
  start();
  const json::value page =
      as_partner(kNorthwindKey, "GET", "/organization/clients?search=LEGAL", 200);
  ASSERT_EQ(page.at("clients").as_array().size(), 1u);
  EXPECT_EQ(page.at("clients").at(0).at("name"), "Harbor Legal LLP");
  EXPECT_EQ(page.at("meta").at("total"), 1);
  // Encoded characters in the search text.
  const json::value travel = as_partner(
      kNorthwindKey, "GET", "/organization/clients?search=Margie%27s%20Travel%20%26", 200);
  EXPECT_EQ(travel.at("clients").as_array().size(), 1u);
}

TEST_F(GradientSimTest, ClientsBelongToOnePartner) {
  start();
  const json::value page = as_partner(kContosoKey, "GET", "/organization/clients", 200);
  EXPECT_EQ(page.at("meta").at("total"), 3);
}

}  // namespace
}  // namespace mb::sim::gradient_testing
