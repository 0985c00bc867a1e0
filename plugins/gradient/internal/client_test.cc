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

TEST(UrlEncoding, DotSegmentsAreNeverUsableIds) {
  // How ids are encoded: the SDK's percent_encode (PercentEncodeTest).
  EXPECT_FALSE(is_usable_path_id(""));
  EXPECT_FALSE(is_usable_path_id("."));
  EXPECT_FALSE(is_usable_path_id(".."));
  EXPECT_TRUE(is_usable_path_id("..."));
  EXPECT_TRUE(is_usable_path_id("6650a1c2e4b0a1b2c3d4e777"));
}

}  // namespace
}  // namespace meterbridge::gradient
