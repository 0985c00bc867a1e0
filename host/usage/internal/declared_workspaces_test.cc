#include "host/usage/internal/declared_workspaces.h"

#include <gtest/gtest.h>

#include <string>

namespace mb::usage_internal {
namespace {

using Added = DeclaredWorkspaces::Added;

TEST(DeclaredWorkspacesTest, TheFirstDeclarationWinsAndEveryFieldIsCompared) {
  DeclaredWorkspaces declared;
  EXPECT_FALSE(declared.contains("ws-1"));
  EXPECT_EQ(declared.add("ws-1", "Acme", false, "p-1"), Added::kNew);
  EXPECT_EQ(declared.add("ws-1", "Acme", false, "p-1"), Added::kSame);
  EXPECT_EQ(declared.add("ws-1", "Acme Ltd", false, "p-1"), Added::kDifferent);
  EXPECT_EQ(declared.add("ws-1", "Acme", true, "p-1"), Added::kDifferent);
  EXPECT_EQ(declared.add("ws-1", "Acme", false, ""), Added::kDifferent);
  // A different answer never replaces the first declaration.
  EXPECT_EQ(declared.add("ws-1", "Acme", false, "p-1"), Added::kSame);
  EXPECT_TRUE(declared.contains("ws-1"));
  EXPECT_FALSE(declared.contains("ws-10"));
  EXPECT_FALSE(declared.contains("ws-"));
  EXPECT_EQ(declared.size(), 1u);
}

TEST(DeclaredWorkspacesTest, EmptyAndBinaryFieldsAreKeptExactly) {
  DeclaredWorkspaces declared;
  EXPECT_EQ(declared.add("", "", false, ""), Added::kNew);
  EXPECT_EQ(declared.add(std::string("a\0b", 3), "x", false, ""), Added::kNew);
  EXPECT_EQ(declared.add(std::string("a\0c", 3), "x", false, ""), Added::kNew);
  EXPECT_TRUE(declared.contains(""));
  EXPECT_TRUE(declared.contains(std::string("a\0b", 3)));
  EXPECT_FALSE(declared.contains("a"));
  EXPECT_EQ(declared.size(), 3u);
}

TEST(DeclaredWorkspacesTest, HoldsManyThroughGrowthAndRecordsLargerThanABlock) {
  DeclaredWorkspaces declared;
  constexpr int kCount = 200000;  // many table doublings and arena blocks
  for (int i = 0; i < kCount; ++i)
    ASSERT_EQ(declared.add("ws-" + std::to_string(i), "Customer " + std::to_string(i), i % 7 == 0,
                           i % 3 == 0 ? "partner" : ""),
              Added::kNew);
  const std::string huge_name(3 << 20, 'n');  // 3 MiB: a block of its own
  EXPECT_EQ(declared.add("ws-huge", huge_name, false, ""), Added::kNew);
  EXPECT_EQ(declared.add("ws-after-huge", "small", false, ""), Added::kNew);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(declared.add("ws-" + std::to_string(i), "Customer " + std::to_string(i), i % 7 == 0,
                           i % 3 == 0 ? "partner" : ""),
              Added::kSame)
        << i;
    ASSERT_FALSE(declared.contains("other-" + std::to_string(i)));
  }
  EXPECT_EQ(declared.add("ws-huge", huge_name, false, ""), Added::kSame);
  EXPECT_EQ(declared.add("ws-huge", huge_name + "!", false, ""), Added::kDifferent);
  EXPECT_EQ(declared.add("ws-after-huge", "small", false, ""), Added::kSame);
  EXPECT_EQ(declared.size(), size_t{kCount} + 2);
}

}  // namespace
}  // namespace mb::usage_internal
