#include "internal/client.h"

#include <gtest/gtest.h>

namespace meterbridge::gradient {
namespace {

TEST(GradientToken, IsBase64OfBothKeysJoinedByAColonWithoutAScheme) {
  // The reference's worked example.
  EXPECT_EQ(gradient_token("vk_live_123", "pk_456"), "dmtfbGl2ZV8xMjM6cGtfNDU2");
}

TEST(GradientToken, KeepsUtf8BytesAndAColonInThePartnerKey) {
  EXPECT_EQ(gradient_token("v", "p:q"), base64_encode("v:p:q"));
  EXPECT_EQ(base64_encode("\xC3\xA9"), "w6k=");
}

TEST(Base64, PadsTheLastGroupAsRfc4648Says) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xFF\xFE\xFD"), "//79");
}

TEST(UrlEncoding, AnIdCannotAddAPathSegmentAQueryOrAFragment) {
  EXPECT_EQ(encode_path_segment("cust-7f3a_x.y~z"), "cust-7f3a_x.y~z");
  EXPECT_EQ(encode_path_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
  EXPECT_FALSE(is_usable_path_id(""));
  EXPECT_FALSE(is_usable_path_id("."));
  EXPECT_FALSE(is_usable_path_id(".."));
  EXPECT_TRUE(is_usable_path_id("..."));
  EXPECT_TRUE(is_usable_path_id("6650a1c2e4b0a1b2c3d4e777"));
  EXPECT_EQ(encode_query_value("Smith & Sons+1"), "Smith%20%26%20Sons%2B1");
  EXPECT_EQ(encode_query_value("\xC3\xA9"), "%C3%A9");
}

}  // namespace
}  // namespace meterbridge::gradient
