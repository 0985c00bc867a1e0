#include "internal/idempotency.h"

#include <gtest/gtest.h>

namespace meterbridge::external {
namespace {

TEST(IdempotencyKeys, TheHostsKeyIsUsedAsItIsForAnUnsplitBatch) {
  EXPECT_EQ(batch_key("acme-ext:run-118:batch-2", 0, 1), "acme-ext:run-118:batch-2");
}

TEST(IdempotencyKeys, PartsOfASplitBatchAreNumberedFromOne) {
  EXPECT_EQ(batch_key("acme-ext:run-118:batch-2", 0, 3), "acme-ext:run-118:batch-2:part-1");
  EXPECT_EQ(batch_key("acme-ext:run-118:batch-2", 2, 3), "acme-ext:run-118:batch-2:part-3");
}

TEST(IdempotencyKeys, AKeyTheProtocolWouldRefuseIsReplacedByItsDigestDeterministically) {
  const std::string spaced = batch_key("acme ext:run-1:batch-1", 0, 1);
  EXPECT_TRUE(valid_idempotency_key(spaced));
  EXPECT_EQ(spaced, batch_key("acme ext:run-1:batch-1", 0, 1));
  EXPECT_NE(spaced, batch_key("acme ext:run-2:batch-1", 0, 1));
  const std::string long_key = batch_key(std::string(300, 'k'), 5, 9);
  EXPECT_TRUE(valid_idempotency_key(long_key));
  EXPECT_EQ(long_key.substr(long_key.size() - 7), ":part-6");
  EXPECT_EQ(batch_key("", 0, 1).substr(0, 10), "mb-digest-");
}

TEST(IdempotencyKeys, AFingerprintedKeyDependsOnTheBodyOnlyAndStaysValid) {
  const std::string base(215, 'k');
  const std::string a = fingerprinted_key(base + ":part-999999", "{\"items\":[1]}");
  EXPECT_TRUE(valid_idempotency_key(a));
  EXPECT_EQ(a, fingerprinted_key(base + ":part-999999", "{\"items\":[1]}"));
  EXPECT_NE(a, fingerprinted_key(base + ":part-999999", "{\"items\":[2]}"));
  EXPECT_EQ(fnv1a_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv1a_hex("a"), "af63dc4c8601ec8c");
}

TEST(IdempotencyKeys, ValidKeysAreVisibleAsciiUpTo255Characters) {
  EXPECT_TRUE(valid_idempotency_key("!~"));
  EXPECT_TRUE(valid_idempotency_key(std::string(255, 'x')));
  EXPECT_FALSE(valid_idempotency_key(std::string(256, 'x')));
  EXPECT_FALSE(valid_idempotency_key(""));
  EXPECT_FALSE(valid_idempotency_key("a b"));
  EXPECT_FALSE(valid_idempotency_key("caf\xc3\xa9"));
}

}  // namespace
}  // namespace meterbridge::external
