// The tolerant JSON reads every plugin shares: missing and mistyped members read as nothing,
// ids read from any of the ways platforms write them, names match in any letter case.
#include <gtest/gtest.h>

#include <meterbridge/json_fields.hpp>

namespace meterbridge {
namespace {

TEST(JsonFieldsTest, ParsesOnlyWhatIsAskedFor) {
  EXPECT_TRUE(parse_json("[1]"));
  EXPECT_FALSE(parse_json("{"));
  EXPECT_FALSE(parse_json(""));
  EXPECT_TRUE(parse_json_object(R"({"a":1})"));
  EXPECT_FALSE(parse_json_object("[]"));
  EXPECT_FALSE(parse_json_object("not json"));
  auto objects = parse_json_objects(R"([{"id":1},{"id":2}])");
  ASSERT_TRUE(objects);
  EXPECT_EQ(objects->size(), 2u);
  EXPECT_TRUE(parse_json_objects("[]"));
  EXPECT_FALSE(parse_json_objects(R"([{"id":1},2])")) << "every element must be an object";
  EXPECT_FALSE(parse_json_objects(R"({"id":1})"));
}

TEST(JsonFieldsTest, FindsAMemberInAnyLetterCasePreferringTheExactName) {
  auto row = parse_json_object(R"({"CompanyID":1,"companyid":2,"Name":"x"})");
  ASSERT_TRUE(row);
  EXPECT_EQ(whole_number(field_any_case(*row, "companyid")), 2);
  EXPECT_EQ(whole_number(field_any_case(*row, "CompanyID")), 1);
  EXPECT_EQ(text(field_any_case(*row, "name")), "x");
  EXPECT_EQ(field_any_case(*row, "nam"), nullptr);
  EXPECT_EQ(field_any_case(*row, "missing"), nullptr);
}

TEST(JsonFieldsTest, WholeNumbersComeAsIntegersOrIntegralDoubles) {
  auto row = parse_json_object(
      R"({"int":412,"double":412.0,"fraction":412.5,"text":"412","big":18446744073709551615,
          "max":9223372036854775807,"huge":1e19,"inexact":1e16,"exact":1e15,"negative":-3,"null":null})");
  ASSERT_TRUE(row);
  EXPECT_EQ(whole_number(row->if_contains("int")), 412);
  EXPECT_EQ(whole_number(row->if_contains("double")), 412);
  EXPECT_EQ(whole_number(row->if_contains("negative")), -3);
  EXPECT_EQ(whole_number(row->if_contains("max")), INT64_MAX);
  EXPECT_FALSE(whole_number(row->if_contains("fraction")));
  EXPECT_FALSE(whole_number(row->if_contains("text"))) << "text is not a number";
  EXPECT_FALSE(whole_number(row->if_contains("big"))) << "beyond int64";
  EXPECT_FALSE(whole_number(row->if_contains("huge")));
  EXPECT_FALSE(whole_number(row->if_contains("inexact"))) << "a double beyond 2^53 is not exact";
  EXPECT_EQ(whole_number(row->if_contains("exact")), 1000000000000000);
  EXPECT_FALSE(whole_number(row->if_contains("null")));
  EXPECT_FALSE(whole_number(nullptr));
  EXPECT_EQ(number(row->if_contains("fraction")), 412.5);
  EXPECT_EQ(number(row->if_contains("int")), 412.0);
  EXPECT_FALSE(number(row->if_contains("text")));
}

TEST(JsonFieldsTest, TextBooleansAndIdsReadOnlyTheirOwnType) {
  auto row = parse_json_object(R"({"s":"a","n":7,"d":7.0,"b":true,"f":1.5,"o":{}})");
  ASSERT_TRUE(row);
  EXPECT_EQ(text(row->if_contains("s")), "a");
  EXPECT_FALSE(text(row->if_contains("n")));
  EXPECT_EQ(boolean(row->if_contains("b")), true);
  EXPECT_FALSE(boolean(row->if_contains("s")));
  EXPECT_EQ(id_text(row->if_contains("s")), "a");
  EXPECT_EQ(id_text(row->if_contains("n")), "7");
  EXPECT_EQ(id_text(row->if_contains("d")), "7");
  EXPECT_EQ(id_text(row->if_contains("f")), "");
  EXPECT_EQ(id_text(row->if_contains("o")), "");
  EXPECT_EQ(id_text(nullptr), "");
}

TEST(JsonFieldsTest, ARecordIdAsTextIsDecimalDigitsWithinInt64) {
  EXPECT_EQ(parse_whole_number("412"), 412);
  EXPECT_EQ(parse_whole_number("0"), 0);
  EXPECT_EQ(parse_whole_number("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(parse_whole_number("9223372036854775808"));
  EXPECT_FALSE(parse_whole_number("99999999999999999999"));
  EXPECT_FALSE(parse_whole_number(""));
  EXPECT_FALSE(parse_whole_number("-1"));
  EXPECT_FALSE(parse_whole_number("+1"));
  EXPECT_FALSE(parse_whole_number(" 1"));
  EXPECT_FALSE(parse_whole_number("1.0"));
}

}  // namespace
}  // namespace meterbridge
