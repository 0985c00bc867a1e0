#include "sim/core/router.h"

#include <gtest/gtest.h>

namespace mb::sim {
namespace {

Handler returns(int status) {
  return [status](const Request&) { return Response::empty(status); };
}

int status_of(const Router::Match& match) {
  return match.handler ? (*match.handler)(Request{}).status : 0;
}

TEST(SimRouterTest, MatchesLiteralPathAndMethod) {
  Router router;
  router.add("GET", "/api/items", returns(200));
  Router::Match match = router.match("GET", "/api/items");
  EXPECT_EQ(match.kind, Router::MatchKind::kFound);
  EXPECT_EQ(status_of(match), 200);
}

TEST(SimRouterTest, CapturesPathParameters) {
  Router router;
  router.add("GET", "/contracts/{contract}/services/{id}", returns(200));
  Router::Match match = router.match("GET", "/contracts/12/services/abc");
  ASSERT_EQ(match.kind, Router::MatchKind::kFound);
  EXPECT_EQ(match.path_params.at("contract"), "12");
  EXPECT_EQ(match.path_params.at("id"), "abc");
}

TEST(SimRouterTest, PrefersTheRouteWithMoreLiteralSegments) {
  Router router;
  router.add("GET", "/items/{id}", returns(201));
  router.add("GET", "/items/count", returns(202));
  EXPECT_EQ(status_of(router.match("GET", "/items/count")), 202);
  EXPECT_EQ(status_of(router.match("GET", "/items/7")), 201);
}

TEST(SimRouterTest, ReportsMethodNotAllowedWithTheAllowedMethods) {
  Router router;
  router.add("GET", "/items", returns(200));
  router.add("POST", "/items", returns(201));
  Router::Match match = router.match("DELETE", "/items");
  EXPECT_EQ(match.kind, Router::MatchKind::kMethodNotAllowed);
  EXPECT_EQ(match.allowed_methods, (std::vector<std::string>{"GET", "POST"}));
}

TEST(SimRouterTest, UnknownPathIsNotFound) {
  Router router;
  router.add("GET", "/items", returns(200));
  EXPECT_EQ(router.match("GET", "/other").kind, Router::MatchKind::kNotFound);
  EXPECT_EQ(router.match("GET", "/items/").kind, Router::MatchKind::kNotFound);
  EXPECT_EQ(router.match("GET", "/items/1").kind, Router::MatchKind::kNotFound);
}

TEST(SimRouterTest, CaseSensitiveByDefaultAndInsensitiveWhenAsked) {
  Router router;
  router.add("GET", "/ATServicesRest/V1.0/{entity}/query", returns(200));
  EXPECT_EQ(router.match("GET", "/atservicesrest/v1.0/Companies/query").kind,
            Router::MatchKind::kNotFound);
  router.set_case_insensitive(true);
  Router::Match match = router.match("GET", "/atservicesrest/v1.0/Companies/query");
  ASSERT_EQ(match.kind, Router::MatchKind::kFound);
  EXPECT_EQ(match.path_params.at("entity"), "Companies");  // captures keep the client's case
}

TEST(SimRouterTest, WildcardMethodMatchesAnyMethod) {
  Router router;
  router.add("*", "/echo", returns(200));
  EXPECT_EQ(router.match("PATCH", "/echo").kind, Router::MatchKind::kFound);
}

}  // namespace
}  // namespace mb::sim
