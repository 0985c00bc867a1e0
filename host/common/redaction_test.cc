#include "host/common/redaction.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mb {
namespace {

class RedactionTest : public ::testing::Test {
 protected:
  void SetUp() override { SecretRegistry::global().clear_for_testing(); }
  void TearDown() override { SecretRegistry::global().clear_for_testing(); }
};

TEST_F(RedactionTest, MasksASecretWhoseJsonFormIsEscaped) {
  const std::string secret = "pa\"ss\\word-1";
  SecretRegistry::global().add(secret);
  boost::json::value v{{"message", "login failed for " + secret + " (twice)"}};
  std::string out = serialize_redacted(v);
  boost::json::value parsed = boost::json::parse(out);
  EXPECT_EQ(parsed.at("message").as_string(), "login failed for *** (twice)");
  EXPECT_EQ(out.find("ss\\\\word"), std::string::npos) << out;
  EXPECT_EQ(out.find("ss\\word"), std::string::npos) << out;
}

TEST_F(RedactionTest, LeavesKeysAloneWhenASecretMatchesPartOfOne) {
  SecretRegistry::global().add("status");
  boost::json::value v{{"status", "ok"}, {"status_message", "status is fine"}};
  boost::json::value parsed = boost::json::parse(serialize_redacted(v));
  EXPECT_EQ(parsed.at("status").as_string(), "ok");
  EXPECT_EQ(parsed.at("status_message").as_string(), "*** is fine");
}

TEST_F(RedactionTest, MasksInsideArraysAndNestedObjects) {
  SecretRegistry::global().add("hunter22");
  boost::json::value v{
      {"lines", boost::json::array{boost::json::object{{"error", "bad hunter22"}}, "hunter22"}}};
  EXPECT_EQ(serialize_redacted(v), R"({"lines":[{"error":"bad ***"},"***"]})");
}

TEST_F(RedactionTest, TextRedactionMasksLongestFirstAndIgnoresTinyValues) {
  SecretRegistry::global().add("abc");  // too short to mask
  SecretRegistry::global().add("token-1");
  SecretRegistry::global().add("token-12345");
  EXPECT_EQ(redact("abc token-12345 token-1"), "abc *** ***");
}

}  // namespace
}  // namespace mb
