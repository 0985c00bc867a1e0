#include "internal/conditions.h"

#include <gtest/gtest.h>

#include <vector>

namespace meterbridge::connectwise {
namespace {

TEST(QuoteLiteral, PicksTheQuoteKindTheValueDoesNotHold) {
  EXPECT_EQ(quote_literal("Northwind Dental"), "\"Northwind Dental\"");  // double by default
  EXPECT_EQ(quote_literal("O'Brien & Sons"), "\"O'Brien & Sons\"");
  EXPECT_EQ(quote_literal("The \"Best\" IT"), "'The \"Best\" IT'");
  EXPECT_EQ(quote_literal("O'Brien \"Best\""), std::nullopt) << "both kinds cannot be written";
}

TEST(InList, WritesIdsWithoutSpaces) {
  std::vector<int64_t> ids{250, 251, 9001};
  EXPECT_EQ(in_list("company/id", ids), "company/id in (250,251,9001)");
}

TEST(ContainsText, MatchesAnyOfTheFieldsWithEveryPlainFragment) {
  EXPECT_EQ(contains_text({"name", "identifier"}, "Harbor"),
            "(name contains \"Harbor\" or identifier contains \"Harbor\")");
  // Ampersands and apostrophes are kept; characters whose meaning in a pattern is undocumented
  // split the text, and so does a double quote in text holding both quote kinds.
  EXPECT_EQ(contains_text({"name"}, "Smith & O'Neil"), "name contains \"Smith & O'Neil\"");
  EXPECT_EQ(contains_text({"name"}, "100% [Cloud]"),
            "name contains \"100\" and name contains \"Cloud\"");
  EXPECT_EQ(contains_text({"name"}, "O'Brien \"Best\""),
            "name contains \"O'Brien \" and name contains \"Best\"");
  EXPECT_EQ(contains_text({"name"}, "%*_"), "") << "nothing plain remains";
  EXPECT_EQ(contains_text({"name"}, "  "), "");
}

TEST(AllOf, JoinsNonEmptyConditionsAndParenthesisesDisjunctions) {
  EXPECT_EQ(all_of({"deletedFlag=false", "", "a=1 or b=2"}), "deletedFlag=false and (a=1 or b=2)");
  EXPECT_EQ(all_of({"deletedFlag=false", "(a=1 or b=2)"}), "deletedFlag=false and (a=1 or b=2)");
  EXPECT_EQ(all_of({"", ""}), "");
}

TEST(EncodeQueryValue, EncodesEveryCharacterTheReferenceListsAndSpacesAsPercentTwenty) {
  EXPECT_EQ(encode_query_value("&\"'*%+"), "%26%22%27%2A%25%2B");
  EXPECT_EQ(encode_query_value("a b-c_d.e~f"), "a%20b-c_d.e~f");
  EXPECT_EQ(encode_query_value("id in (1,2)"), "id%20in%20%281%2C2%29");
}

TEST(Query, EncodesValuesInOrderAndReplacesThePage) {
  Query q("company/companies");
  q.set("conditions", "name=\"A&B\"").set("pageSize", "1000");
  EXPECT_EQ(q.target(), "company/companies?conditions=name%3D%22A%26B%22&pageSize=1000");
  EXPECT_EQ(q.target_for_page(3),
            "company/companies?conditions=name%3D%22A%26B%22&pageSize=1000&page=3");
  q.set("pageSize", "25");
  EXPECT_EQ(q.target(), "company/companies?conditions=name%3D%22A%26B%22&pageSize=25");
}

TEST(ChunkForInList, KeepsEveryEncodedListWithinTheBudget) {
  std::vector<int64_t> ids;
  for (int64_t i = 1; i <= 500; ++i) ids.push_back(100000 + i);
  const size_t budget = 200;
  auto chunks = chunk_for_in_list("company/id", ids, budget);
  ASSERT_GT(chunks.size(), 1u);
  size_t total = 0;
  for (const auto& chunk : chunks) {
    EXPECT_LE(encode_query_value(in_list("company/id", chunk)).size(), budget);
    total += chunk.size();
  }
  EXPECT_EQ(total, ids.size());
  // Greedy: adding the next id to a chunk would have exceeded the budget.
  std::vector<int64_t> first_plus_one = chunks[0];
  first_plus_one.push_back(chunks[1][0]);
  EXPECT_GT(encode_query_value(in_list("company/id", first_plus_one)).size(), budget);
}

TEST(ChunkForInList, PutsAnOversizedIdAloneRatherThanDroppingIt) {
  std::vector<int64_t> ids{123456789};
  auto chunks = chunk_for_in_list("company/id", ids, 5);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], ids);
}

}  // namespace
}  // namespace meterbridge::connectwise
