#include "host/http/policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>

namespace mb::http {
namespace {

TEST(HttpPolicyJson, ConfigOverridesOnlyTheKeysItNames) {
  HttpPolicy p;
  ASSERT_TRUE(apply_http_policy_json(
                  boost::json::parse(R"({"max_concurrency":6,"per_endpoint_concurrency":3,
                                         "hourly_budget":10000,"timeout_ms":5000})"),
                  &p)
                  .ok());
  ASSERT_TRUE(apply_http_policy_json(boost::json::parse(R"({"max_concurrency":2})"), &p).ok());
  EXPECT_EQ(p.max_concurrency, 2);
  EXPECT_EQ(p.per_endpoint_concurrency, 3);
  EXPECT_EQ(p.hourly_budget, 10000);
  EXPECT_EQ(p.total_timeout, std::chrono::milliseconds(5000));
}

TEST(HttpPolicyJson, UnknownKeyIsConfigInvalidAndNamed) {
  HttpPolicy p;
  Status s = apply_http_policy_json(boost::json::parse(R"({"max_conncurrency":2})"), &p);
  EXPECT_EQ(s.code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(s.message().find("max_conncurrency"), std::string::npos);
}

TEST(HttpPolicyJson, InvalidValueLeavesThePolicyUnchanged) {
  HttpPolicy p;
  Status s =
      apply_http_policy_json(boost::json::parse(R"({"max_retries":1,"max_concurrency":0})"), &p);
  EXPECT_EQ(s.code(), ErrorClass::kConfigInvalid);
  EXPECT_EQ(p.max_retries, HttpPolicy{}.max_retries);
  EXPECT_FALSE(apply_http_policy_json(boost::json::parse(R"({"timeout_ms":-1})"), &p).ok());
  EXPECT_FALSE(apply_http_policy_json(boost::json::parse(R"({"verify_tls":"no"})"), &p).ok());
  EXPECT_FALSE(apply_http_policy_json(boost::json::parse(R"({"retry_statuses":[700]})"), &p).ok());
  EXPECT_FALSE(apply_http_policy_json(boost::json::parse(R"([1])"), &p).ok());
}

TEST(HttpPolicyJson, MaskedHeadersAreAddedNeverRemoved) {
  HttpPolicy p;
  const size_t defaults = p.masked_headers.size();
  ASSERT_TRUE(apply_http_policy_json(
                  boost::json::parse(R"({"masked_headers":["X-Partner-Key","authorization"]})"), &p)
                  .ok());
  EXPECT_EQ(p.masked_headers.size(), defaults + 1);
  EXPECT_NE(std::find(p.masked_headers.begin(), p.masked_headers.end(), "x-partner-key"),
            p.masked_headers.end());
}

TEST(HttpPolicyJson, TenantConcurrencyIsAManifestDefaultTheConfigOverrides) {
  HttpPolicy p;
  EXPECT_EQ(p.tenant_concurrency, 0);  // unlimited unless a plugin or an operator says otherwise
  ASSERT_TRUE(apply_http_policy_json(boost::json::parse(R"({"tenant_concurrency":1})"), &p).ok());
  ASSERT_TRUE(apply_http_policy_json(boost::json::parse(R"({"tenant_concurrency":2})"), &p).ok());
  EXPECT_EQ(p.tenant_concurrency, 2);
  for (const char* bad : {R"({"tenant_concurrency":-1})", R"({"tenant_concurrency":1.5})",
                          R"({"tenant_concurrency":"2"})", R"({"tenant_concurrency":2000000})"}) {
    Status s = apply_http_policy_json(boost::json::parse(bad), &p);
    EXPECT_EQ(s.code(), ErrorClass::kConfigInvalid) << bad;
    EXPECT_NE(s.message().find("http.tenant_concurrency"), std::string::npos) << s.message();
    EXPECT_EQ(p.tenant_concurrency, 2) << bad;
  }
}

TEST(HttpPolicyJson, NullMeansNoOverrides) {
  HttpPolicy p;
  EXPECT_TRUE(apply_http_policy_json(boost::json::value(), &p).ok());
}

}  // namespace
}  // namespace mb::http
