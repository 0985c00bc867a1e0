#include "sim/core/base64.h"

#include <gtest/gtest.h>

namespace mb::sim {
namespace {

TEST(SimBase64Test, EncodesWithPadding) {
  EXPECT_EQ(encode_base64(""), "");
  EXPECT_EQ(encode_base64("a:b"), "YTpi");
  EXPECT_EQ(encode_base64("ab:c"), "YWI6Yw==");
  EXPECT_EQ(encode_base64("ab:cd"), "YWI6Y2Q=");
  EXPECT_EQ(encode_base64("a?b:c"), "YT9iOmM=");
}

TEST(SimBase64Test, LenientDecodingTakesMissingOrExtraPadding) {
  EXPECT_EQ(decode_base64("YWI6Yw=="), "ab:c");
  EXPECT_EQ(decode_base64("YWI6Yw"), "ab:c");
  EXPECT_EQ(decode_base64("YWI6Yw==="), "ab:c");
  EXPECT_FALSE(decode_base64("YWI6 Yw=="));
  EXPECT_FALSE(decode_base64("YT9i-mM="));
}

TEST(SimBase64Test, StrictDecodingTakesOnlyCanonicalQuads) {
  EXPECT_EQ(decode_base64_strict("YWI6Yw=="), "ab:c");
  EXPECT_FALSE(decode_base64_strict("YWI6Yw"));
  EXPECT_FALSE(decode_base64_strict("YWI6Yx=="));
  EXPECT_FALSE(decode_base64_strict("YT=i"));
  EXPECT_FALSE(decode_base64_strict(""));
}

}  // namespace
}  // namespace mb::sim
