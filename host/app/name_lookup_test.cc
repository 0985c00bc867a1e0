#include "host/app/name_lookup.h"

#include <gtest/gtest.h>

namespace mb {
namespace {

const NamedKind kAccounts{"PSA account", "the accounts of connector 'acme' on its platform",
                          "the platform lists no accounts for this connector"};

TEST(NameLookupTest, AnIdWinsOverANameThatSpellsIt) {
  std::vector<NamedItem> items{{"104", "Summit Accounting"}, {"7", "104"}};
  auto found = find_named("104", items, kAccounts);
  ASSERT_TRUE(found) << found.status().message();
  EXPECT_EQ(found->name, "Summit Accounting");
}

TEST(NameLookupTest, AnExactNameIsFoundAndWinsOverOneThatDiffersInCase) {
  std::vector<NamedItem> items{{"104", "Summit Accounting"}, {"105", "SUMMIT ACCOUNTING"}};
  auto found = find_named("SUMMIT ACCOUNTING", items, kAccounts);
  ASSERT_TRUE(found) << found.status().message();
  EXPECT_EQ(found->id, "105");
}

TEST(NameLookupTest, ANameIsFoundIgnoringCaseWhenNoneMatchesExactly) {
  std::vector<NamedItem> items{{"104", "Summit Accounting"}, {"9", "Other"}};
  auto found = find_named("summit accounting", items, kAccounts);
  ASSERT_TRUE(found) << found.status().message();
  EXPECT_EQ(found->id, "104");
}

TEST(NameLookupTest, AnAmbiguousNameListsEveryCandidateWithItsId) {
  std::vector<NamedItem> items{
      {"104", "Summit Accounting"}, {"105", "summit accounting"}, {"9", "Other"}};
  auto found = find_named("SUMMIT accounting", items, kAccounts);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.status().code(), ErrorClass::kConfigInvalid);
  EXPECT_EQ(found.status().message(),
            "'SUMMIT accounting' names 2 PSA accounts in the accounts of connector 'acme' on its "
            "platform: "
            "'Summit Accounting' (id 104), 'summit accounting' (id 105); give the id instead");
}

TEST(NameLookupTest, TwoExactlyEqualNamesAreAmbiguousToo) {
  std::vector<NamedItem> items{{"1", "Acme"}, {"2", "Acme"}};
  auto found = find_named("Acme", items, kAccounts);
  ASSERT_FALSE(found);
  EXPECT_NE(found.status().message().find("(id 1), 'Acme' (id 2)"), std::string::npos)
      << found.status().message();
}

TEST(NameLookupTest, NoMatchSaysWhatWasLookedForAndWhere) {
  std::vector<NamedItem> items{{"104", "Summit Accounting"}};
  auto found = find_named("Sumit", items, kAccounts);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.status().code(), ErrorClass::kNotFound);
  EXPECT_EQ(found.status().message(),
            "no PSA account with the id or name 'Sumit' in the accounts of connector 'acme' on its "
            "platform "
            "(1 listed)");
}

TEST(NameLookupTest, NoMatchInAnEmptyListSaysWhyItIsEmpty) {
  auto found = find_named("Summit", {}, kAccounts);
  ASSERT_FALSE(found);
  EXPECT_NE(found.status().message().find(": the platform lists no accounts for this connector"),
            std::string::npos)
      << found.status().message();
}

}  // namespace
}  // namespace mb
