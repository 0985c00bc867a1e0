#include "host/http/internal/redactor.h"

#include <gtest/gtest.h>

#include "host/common/redaction.h"

namespace mb::http::internal {
namespace {

TEST(Redactor, MasksConfiguredHeadersCaseInsensitively) {
  Redactor r({"authorization", "x-integration-code"}, {});
  EXPECT_TRUE(r.is_masked_header("Authorization"));
  EXPECT_TRUE(r.is_masked_header("X-Integration-Code"));
  EXPECT_FALSE(r.is_masked_header("UserName"));
  EXPECT_EQ(r.headers({{"Authorization", "Basic abc123"}, {"UserName", "api@acme"}}),
            "Authorization: ***; UserName: api@acme");
}

TEST(Redactor, MasksClientSecretsAndExtraValuesLongestFirst) {
  Redactor r({}, {"s3cr3t", "s3cr3t-and-more"});
  EXPECT_EQ(r.text("a s3cr3t-and-more b s3cr3t c"), "a *** b *** c");
  EXPECT_EQ(r.text("token=tok_12345", {"tok_12345"}), "token=***");
  EXPECT_EQ(r.text("abc", {"abc"}), "abc");  // too short to mask
}

TEST(Redactor, SensitiveValuesIncludeTheCredentialAfterTheScheme) {
  Redactor r({"authorization"}, {});
  auto values = r.sensitive_values({{"authorization", "Basic dXNlcjpwYXNz"}, {"accept", "x"}});
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[1], "dXNlcjpwYXNz");
  EXPECT_EQ(r.text("echo dXNlcjpwYXNz", values), "echo ***");
}

TEST(Redactor, AlsoAppliesTheProcessWideRegistry) {
  SecretRegistry::global().add("registered-secret");
  Redactor r({}, {});
  EXPECT_EQ(r.text("x registered-secret y"), "x *** y");
  SecretRegistry::global().clear_for_testing();
}

}  // namespace
}  // namespace mb::http::internal
