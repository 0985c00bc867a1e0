#include "host/server/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mb::server {
namespace {

std::vector<std::string> segments_of(std::string_view path) {
  // As the server splits a decoded path: "/a/b/" is {"a", "b", ""}.
  std::vector<std::string> out;
  path.remove_prefix(1);
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    out.emplace_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

class RouterTest : public ::testing::Test {
 protected:
  Router<std::string> router_{{
      {"GET", "/v1/runs", "list runs"},
      {"GET", "/v1/runs/{run}", "get run"},
      {"POST", "/v1/runs/{run}/approve", "approve run"},
      {"GET", "/v1/connectors/{id}/runs/{run}", "connector run"},
      {"PUT", "/v1/connectors/{id}/links/{workspace}", "link"},
      {"DELETE", "/v1/connectors/{id}/links/{workspace}", "unlink"},
      {"GET", "/v1/connectors/{id}/mappings", "mappings"},
      {"POST", "/v1/connectors/{id}/mappings/auto", "auto map"},
  }};

  RouteMatch<std::string> match(std::string_view method, std::string_view path) const {
    return router_.match(method, segments_of(path));
  }
};

TEST_F(RouterTest, ALiteralPathMatchesItsRouteWithoutParameters) {
  auto m = match("GET", "/v1/runs");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(*m.route, "list runs");
  EXPECT_EQ(m.params.size(), 0u);
}

TEST_F(RouterTest, ParametersTakeTheirSegmentsByName) {
  auto m = match("GET", "/v1/connectors/acme-psa/runs/42");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(*m.route, "connector run");
  EXPECT_EQ(m.params["id"], "acme-psa");
  EXPECT_EQ(m.params["run"], "42");
  EXPECT_EQ(m.params["workspace"], "");  // a name the pattern does not have
}

TEST_F(RouterTest, AParameterTakesAnyDecodedSegmentButAnEmptyOne) {
  // The server decodes %2F, so a parameter may hold a slash; it is still one segment.
  auto m = router_.match("PUT", {"v1", "connectors", "a/b", "links", "w 1"});
  ASSERT_TRUE(m.found());
  EXPECT_EQ(m.params["id"], "a/b");
  EXPECT_EQ(m.params["workspace"], "w 1");
  EXPECT_FALSE(match("PUT", "/v1/connectors//links/w1").found());
  EXPECT_TRUE(match("PUT", "/v1/connectors//links/w1").allowed_methods.empty());
}

TEST_F(RouterTest, LiteralSegmentsMatchExactly) {
  auto m = match("POST", "/v1/connectors/c1/mappings/auto");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(*m.route, "auto map");
  EXPECT_FALSE(match("POST", "/v1/connectors/c1/mappings/Auto").found());
  EXPECT_FALSE(match("POST", "/v1/connectors/c1/mappings/automatic").found());
}

TEST_F(RouterTest, ATrailingSlashIsAnotherPath) {
  for (const char* path : {"/v1/runs/", "/v1/runs/7/", "/v1/connectors/c1/mappings/"}) {
    auto m = match("GET", path);
    EXPECT_FALSE(m.found()) << path;
    EXPECT_TRUE(m.allowed_methods.empty()) << path;
  }
}

TEST_F(RouterTest, AnUnknownPathMatchesNothingAndAllowsNothing) {
  for (const char* path :
       {"/", "/v2/runs", "/v1/run", "/v1/runs/7/approve/now", "/v1/connectors"}) {
    auto m = match("GET", path);
    EXPECT_FALSE(m.found()) << path;
    EXPECT_TRUE(m.allowed_methods.empty()) << path;
  }
  EXPECT_FALSE(router_.match("GET", {}).found());
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodNamesTheMethodsItHas) {
  auto m = match("POST", "/v1/connectors/c1/links/w1");
  EXPECT_FALSE(m.found());
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"PUT", "DELETE"}));
  EXPECT_EQ(match("DELETE", "/v1/runs/7/approve").allowed_methods,
            std::vector<std::string>{"POST"});
}

TEST_F(RouterTest, MethodsAreCaseSensitiveAsHttpSays) {
  auto m = match("get", "/v1/runs");
  EXPECT_FALSE(m.found());
  EXPECT_EQ(m.allowed_methods, std::vector<std::string>{"GET"});
}

TEST_F(RouterTest, TheFirstOfTwoRoutesForTheSameMethodAndPathWins) {
  Router<int> router({{"GET", "/a/{x}", 1}, {"GET", "/a/b", 2}});
  auto m = router.match("GET", {"a", "b"});
  ASSERT_TRUE(m.found());
  EXPECT_EQ(*m.route, 1);
  EXPECT_EQ(m.params["x"], "b");
}

TEST(RouterRootTest, TheRootPatternMatchesTheRootPathOnly) {
  Router<std::string> router({{"GET", "/", "console"}, {"GET", "/console/{file}", "file"}});
  EXPECT_EQ(*router.match("GET", {}).route, "console");  // "/" has no segments
  EXPECT_FALSE(router.match("GET", {""}).found());
  EXPECT_EQ(*router.match("GET", {"console", "app.js"}).route, "file");
}

}  // namespace
}  // namespace mb::server
