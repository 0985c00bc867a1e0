#include "sim/gradient/internal/token.h"

#include <gtest/gtest.h>

namespace mb::sim::gradient {
namespace {

TEST(GradientToken, TheReferenceExampleDecodesIntoBothKeys) {
  const std::optional<TokenKeys> keys = decode_gradient_token("dmtfbGl2ZV8xMjM6cGtfNDU2");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->vendor_key, "vk_live_123");
  EXPECT_EQ(keys->partner_key, "pk_456");
  EXPECT_EQ(encode_gradient_token("vk_live_123", "pk_456"), "dmtfbGl2ZV8xMjM6cGtfNDU2");
}

TEST(GradientToken, EncodingPadsLikeStandardBase64) {
  EXPECT_EQ(encode_gradient_token("a", "b"), "YTpi");
  EXPECT_EQ(encode_gradient_token("ab", "c"), "YWI6Yw==");
  EXPECT_EQ(encode_gradient_token("ab", "cd"), "YWI6Y2Q=");
}

TEST(GradientToken, PaddingIsRequired) {
  EXPECT_TRUE(decode_gradient_token("YWI6Yw=="));
  EXPECT_FALSE(decode_gradient_token("YWI6Yw"));
  EXPECT_FALSE(decode_gradient_token("YWI6Yw="));
}

TEST(GradientToken, OtherAlphabetsAndStrayCharactersAreRefused) {
  // "a?b:c" encodes with '/' in standard base64 and '_' in the URL-safe alphabet.
  ASSERT_EQ(encode_gradient_token("a?b", "c"), "YT9iOmM=");
  EXPECT_FALSE(decode_base64_strict("YT9i-mM="));
  EXPECT_FALSE(decode_base64_strict(" YTpi"));
  EXPECT_FALSE(decode_base64_strict("YTpi\n"));
  EXPECT_FALSE(decode_base64_strict("YT=i"));
  EXPECT_FALSE(decode_base64_strict(""));
}

TEST(GradientToken, NonCanonicalPaddingBitsAreRefused) {
  EXPECT_TRUE(decode_base64_strict("YWI6Yw=="));
  EXPECT_FALSE(decode_base64_strict("YWI6Yx=="));
}

TEST(GradientToken, TheKeysSplitAtTheFirstColon) {
  const std::optional<TokenKeys> keys =
      decode_gradient_token(encode_gradient_token("vendor", "part:ner"));
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->vendor_key, "vendor");
  EXPECT_EQ(keys->partner_key, "part:ner");
}

TEST(GradientToken, BothKeysMustBePresent) {
  EXPECT_FALSE(decode_gradient_token(encode_gradient_token("", "pk")));
  EXPECT_FALSE(decode_gradient_token(encode_gradient_token("vk", "")));
  EXPECT_FALSE(decode_gradient_token("dmtfbGl2ZV8xMjNwa180NTY="));  // no ':' at all
}

}  // namespace
}  // namespace mb::sim::gradient
