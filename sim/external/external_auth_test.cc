// Authentication, the integration document, error shapes, suspension and rate limits.
#include "sim/external/external_test_fixture.h"

namespace mb::sim::external {
namespace {

using ExternalAuthTest = ExternalSimTest;

TEST_F(ExternalAuthTest, EveryCallWithoutTheKeyIs401WithABearerChallenge) {
  start();
  const std::pair<const char*, const char*> calls[] = {
      {"GET", "/v1/integration"},   {"GET", "/v1/services"},   {"GET", "/v1/customers"},
      {"GET", "/v1/links"},         {"GET", "/v1/links/ws-1"}, {"PUT", "/v1/links/ws-1"},
      {"DELETE", "/v1/links/ws-1"}, {"GET", "/v1/counts"},     {"POST", "/v1/count-batches"}};
  for (const auto& [method, target] : calls) {
    RawResponse missing = call(method, target, "", {});
    EXPECT_EQ(missing.status, 401) << method << " " << target;
    EXPECT_EQ(missing.headers["www-authenticate"], "Bearer");
    EXPECT_EQ(error_code(method, target, 401, "", {{"Authorization", "Bearer wrong-key"}}),
              "unauthorized");
  }
  EXPECT_EQ(error_code("GET", "/v1/integration", 401, "", {{"Authorization", kApiKey}}),
            "unauthorized");  // the scheme is required
  EXPECT_TRUE(state().at("links").as_array().empty());
}

TEST_F(ExternalAuthTest, TheSchemeIsCaseInsensitiveAndTheKeyIsASetting) {
  start();
  call_json("GET", "/v1/integration", 200, "",
            {{"Authorization", std::string("bearer ") + kApiKey}});
  settings(R"({"api_key":"rotated-key-2"})");
  EXPECT_EQ(error_code("GET", "/v1/integration", 401), "unauthorized");
  call_json("GET", "/v1/integration", 200, "", {{"Authorization", "Bearer rotated-key-2"}});
}

TEST_F(ExternalAuthTest, TheIntegrationDocumentNamesTheIntegrationAndTheLimits) {
  start();
  settings(R"({"max_batch_items":250})");
  json::value v = get_json("/v1/integration");
  EXPECT_EQ(v.at("protocol_version").as_string(), "1.1");
  EXPECT_EQ(v.at("integration").at("id").as_string(), "int_0001");
  EXPECT_EQ(v.at("integration").at("name").as_string(), "Coro for Acme IT");
  EXPECT_EQ(v.at("platform").at("name").as_string(), "Example Distribution");
  EXPECT_EQ(v.at("limits").at("max_batch_items").as_int64(), 250);
  EXPECT_EQ(v.at("limits").at("max_page_size").as_int64(), 500);
  EXPECT_EQ(v.at("limits").at("max_customer_filter").as_int64(), 100);
  EXPECT_EQ(v.at("limits").at("max_link_batch_items").as_int64(), 1000);
}

TEST_F(ExternalAuthTest, ASuspendedIntegrationIs403) {
  start();
  settings(R"({"suspended":true})");
  EXPECT_EQ(error_code("GET", "/v1/customers", 403), "forbidden");
}

TEST_F(ExternalAuthTest, UnknownPathsAndMethodsAnswerInTheProtocolsShape) {
  start();
  EXPECT_EQ(error_code("GET", "/v1/nothing-here", 404), "not_found");
  EXPECT_EQ(error_code("GET", "/v2/integration", 404), "not_found");
  RawResponse wrong_method = call("POST", "/v1/links/ws-1");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "GET, PUT, DELETE");
  EXPECT_EQ(error_code("DELETE", "/v1/count-batches", 405), "method_not_allowed");
}

TEST_F(ExternalAuthTest, TheRateLimitAnswers429WithRetryAfterAndDoesNothing) {
  start();
  settings(R"({"rate_limit_requests":2,"rate_limit_window_seconds":3600})");
  get_json("/v1/integration");
  get_json("/v1/services");
  RawResponse refused = call("PUT", "/v1/links/ws-1", R"({"customer_id":"c-1001"})");
  EXPECT_EQ(refused.status, 429);
  const int retry_after = std::stoi(refused.headers["retry-after"]);
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3601);
  EXPECT_NE(refused.body.find(R"("code":"rate_limited")"), std::string::npos);
  EXPECT_TRUE(state().at("links").as_array().empty());
}

TEST_F(ExternalAuthTest, InjectedFaultsUseTheProtocolsErrorBody) {
  start();
  faults("429:count=1,retry_after=4;503:count=1");
  RawResponse throttled = call("GET", "/v1/customers");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.headers["retry-after"], "4");
  EXPECT_NE(throttled.body.find(R"("code":"rate_limited")"), std::string::npos);
  EXPECT_EQ(error_code("GET", "/v1/customers", 503), "unavailable");
  get_json("/v1/customers");
}

}  // namespace
}  // namespace mb::sim::external
