// The "test" platform's API, driven over HTTP through the simulator core.
#include "sim/testplatform/test_platform.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "sim/core/testing/simulator_fixture.h"

namespace mb::sim {
namespace {

namespace json = boost::json;
using testing::control_json;
using testing::Headers;
using testing::RawHttpConnection;
using testing::RawResult;

const Headers kAuth = {{"Authorization", "Bearer test-token"}};

class SimTestPlatformTest : public testing::SimulatorFixture {
 protected:
  SimTestPlatformTest() : SimulatorFixture("test") {}

  RawResult call(const std::string& method, const std::string& target, const std::string& body = "",
                 const Headers& headers = kAuth) {
    return send(method, target, headers, body);
  }

  json::value call_json(const std::string& method, const std::string& target, int expected_status,
                        const std::string& body = "") {
    RawResult result = call(method, target, body);
    EXPECT_TRUE(result.response) << result.error;
    if (!result.response) return nullptr;
    return json_of(*result.response, expected_status, method + " " + target);
  }
};

TEST_F(SimTestPlatformTest, DefaultSeedHasThreeItems) {
  start();
  const json::value page = call_json("GET", "/api/items", 200);
  EXPECT_EQ(page.at("total"), 3);
  EXPECT_EQ(page.at("items").at(0), json::parse(R"({"id":1,"name":"Widget","quantity":3})"));
  EXPECT_TRUE(page.at("next").is_null());
}

TEST_F(SimTestPlatformTest, PagesThroughAGeneratedDataSet) {
  SimOptions options;
  options.generate = "items=500,seed=7";
  start(options);
  std::set<int64_t> seen;
  std::string target = "/api/items?pageSize=200";
  int pages = 0;
  for (; pages < 10 && !target.empty(); ++pages) {
    const json::value page = call_json("GET", target, 200);
    EXPECT_EQ(page.at("total"), 500);
    for (const json::value& item : page.at("items").as_array())
      seen.insert(item.at("id").as_int64());
    const json::value& next = page.at("next");
    target =
        next.is_null() ? "" : std::string(next.as_string()).substr(simulator_->base_url().size());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 500);
}

TEST_F(SimTestPlatformTest, ListCarriesLinkHeaderAndRejectsBadPaging) {
  SimOptions options;
  options.generate = "items=30";
  start(options);
  RawResult first = call("GET", "/api/items?pageSize=10&page=2");
  ASSERT_TRUE(first.response);
  const std::string& link = first.response->headers.at("link");
  EXPECT_NE(link.find("page=3>; rel=\"next\""), std::string::npos) << link;
  EXPECT_NE(link.find("rel=\"last\""), std::string::npos) << link;
  call_json("GET", "/api/items?pageSize=0", 400);
  call_json("GET", "/api/items?pageSize=501", 400);
  call_json("GET", "/api/items?page=0", 400);
  call_json("GET", "/api/items?page=abc", 400);
  const json::value past_end = call_json("GET", "/api/items?page=9", 200);
  EXPECT_TRUE(past_end.at("items").as_array().empty());
}

TEST_F(SimTestPlatformTest, GeneratedDataIsDeterministic) {
  SimOptions options;
  options.generate = "items=50,seed=7";
  start(options);
  const json::value first = control_json(simulator_->port(), "GET", "/_sim/state");
  simulator_->stop();
  start(options);
  EXPECT_EQ(control_json(simulator_->port(), "GET", "/_sim/state"), first);
  options.generate = "items=50,seed=8";
  simulator_->stop();
  start(options);
  EXPECT_NE(control_json(simulator_->port(), "GET", "/_sim/state"), first);
}

TEST_F(SimTestPlatformTest, UnknownGenerateKeyIsRejected) {
  SimOptions options;
  options.generate = "companies=5";
  EXPECT_THROW(start(options), std::runtime_error);
}

TEST_F(SimTestPlatformTest, SearchFiltersByName) {
  start();
  const json::value page = call_json("GET", "/api/items?search=gIzMo", 200);
  ASSERT_EQ(page.at("total"), 1);
  EXPECT_EQ(page.at("items").at(0).at("name"), "Gizmo & Sons");
}

TEST_F(SimTestPlatformTest, LoadsASeedDocument) {
  SimOptions options;
  options.seed_json = R"({
    // comments and trailing commas are allowed in seed files
    "items": [{"id": 10, "name": "Ten", "quantity": 1},],
  })";
  start(options);
  EXPECT_EQ(call_json("GET", "/api/items/10", 200).at("name"), "Ten");
  // New ids continue after the highest seeded one.
  EXPECT_EQ(call_json("POST", "/api/items", 201, R"({"name":"Next"})").at("id"), 11);
}

TEST_F(SimTestPlatformTest, RequiresTheBearerToken) {
  start();
  RawResult missing = call("GET", "/api/items", "", {});
  ASSERT_TRUE(missing.response);
  EXPECT_EQ(missing.response->status, 401);
  EXPECT_EQ(json::parse(missing.response->body).at("error"), "unauthorized");
  RawResult wrong = call("GET", "/api/items/1", "", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong.response);
  EXPECT_EQ(wrong.response->status, 401);
}

TEST_F(SimTestPlatformTest, CreateGetUpdateDelete) {
  start();
  const json::value created =
      call_json("POST", "/api/items", 201, R"({"name":"New","quantity":4})");
  EXPECT_EQ(created, json::parse(R"({"id":4,"name":"New","quantity":4})"));
  EXPECT_EQ(call_json("GET", "/api/items/4", 200), created);
  const json::value updated = call_json("PATCH", "/api/items/4", 200, R"({"quantity":9})");
  EXPECT_EQ(updated.at("quantity"), 9);
  EXPECT_EQ(updated.at("name"), "New");
  call_json("DELETE", "/api/items/4", 204);
  call_json("GET", "/api/items/4", 404);
  EXPECT_EQ(control_json(simulator_->port(), "GET", "/_sim/state").at("items").as_array().size(),
            3u);
}

TEST_F(SimTestPlatformTest, ValidatesBodies) {
  start();
  call_json("POST", "/api/items", 400, "{not json");
  call_json("POST", "/api/items", 400, R"({"quantity":1})");
  call_json("PATCH", "/api/items/1", 400, R"({"quantity":-1})");
  call_json("PATCH", "/api/items/1", 400, R"({"colour":"red"})");
  call_json("PATCH", "/api/items/99", 404, R"({"quantity":1})");
  call_json("GET", "/api/items/abc", 400);
  // Nothing changed.
  EXPECT_EQ(call_json("GET", "/api/items/1", 200).at("quantity"), 3);
}

TEST_F(SimTestPlatformTest, UnknownRoutesAndMethodsUseThePlatformErrorShape) {
  start();
  EXPECT_EQ(call_json("GET", "/api/nothing", 404).at("error"), "not_found");
  EXPECT_EQ(call_json("PUT", "/api/items", 405).at("error"), "method_not_allowed");
}

TEST_F(SimTestPlatformTest, EchoReturnsWhatWasSent) {
  start();
  RawResult result = call("PUT", "/api/echo?a=1&b=x+y", "payload",
                          {{"X-Custom", "value"}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(result.response);
  ASSERT_EQ(result.response->status, 200);
  const json::value echo = json::parse(result.response->body);
  EXPECT_EQ(echo.at("method"), "PUT");
  EXPECT_EQ(echo.at("path"), "/api/echo");
  EXPECT_EQ(echo.at("query").at("b"), "x y");
  EXPECT_EQ(echo.at("headers").at("x-custom"), "value");
  EXPECT_EQ(echo.at("body"), "payload");
  EXPECT_EQ(call_json("GET", "/api/echo?status=418", 418).at("method"), "GET");
}

TEST_F(SimTestPlatformTest, SettingsChangeAtRunTime) {
  start();
  control_json(simulator_->port(), "POST", "/_sim/settings", R"({"token":"rotated"})");
  call_json("GET", "/api/items", 401);
  RawResult ok = call("GET", "/api/items", "", {{"Authorization", "Bearer rotated"}});
  ASSERT_TRUE(ok.response);
  EXPECT_EQ(ok.response->status, 200);
  RawResult bad = testing::http_request(simulator_->port(), "POST", "/_sim/settings", {},
                                        R"({"max_page_size":"big"})");
  ASSERT_TRUE(bad.response);
  EXPECT_EQ(bad.response->status, 400);
}

}  // namespace
}  // namespace mb::sim
