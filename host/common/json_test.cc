#include "host/common/json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mb::json {
namespace {

TEST(JsonParse, AcceptsAUtf8ByteOrderMark) {
  auto strict = parse("\xEF\xBB\xBF{\"a\": 1}");
  ASSERT_TRUE(strict) << strict.status().message();
  EXPECT_EQ(strict->at("a").as_int64(), 1);
  auto lenient = parse_lenient("\xEF\xBB\xBF// comment\n{\"a\": 1,}");
  ASSERT_TRUE(lenient) << lenient.status().message();
}

TEST(JsonParse, RejectsADuplicateKeyNamingTheKeyAndItsLine) {
  auto r = parse_lenient("{\n  \"a\": 1,\n  \"b\": {\"x\": 1,\n    \"x\": 2}\n}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(r.status().message().find("duplicate key 'x'"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("line 4"), std::string::npos) << r.status().message();
}

TEST(JsonParse, ComparesKeysAsDecodedText) {
  auto r = parse(R"({"id": 1, "\u0069d": 2})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("duplicate key 'id'"), std::string::npos)
      << r.status().message();
}

TEST(JsonParse, FindsADuplicateInALargeObject) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i)
    text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  auto ok = parse(text + "\"last\": 0}");
  ASSERT_TRUE(ok) << ok.status().message();
  EXPECT_EQ(ok->as_object().size(), 101u);
  auto dup = parse(text + "\"k42\": 0}");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.status().message().find("duplicate key 'k42'"), std::string::npos);
}

TEST(JsonParse, TheSameKeyInSiblingAndNestedObjectsIsFine) {
  auto r =
      parse(R"({"id": 1, "items": [{"id": 2}, {"id": 3, "sub": {"id": 4}}], "after": {"id": 5}})");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->at("items").at(1).at("sub").at("id").as_int64(), 4);
}

TEST(JsonParse, StillNamesTheLineOfASyntaxErrorAndRefusesTrailingData) {
  auto r = parse("{\"a\": 1,\n\"b\": }");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos) << r.status().message();
  EXPECT_FALSE(parse("{} {}"));
  EXPECT_FALSE(parse("{\"a\": \"\xFF\"}"));  // invalid UTF-8 stays an error
}

TEST(JsonWholeNumber, TakesIntegersAndWholeDoublesInsideInt64Only) {
  auto number = [](const char* text) { return whole_number(*parse(text)); };
  EXPECT_EQ(number("42"), 42);
  EXPECT_EQ(number("-7"), -7);
  EXPECT_EQ(number("40.0"), 40);
  EXPECT_EQ(number("1e2"), 100);
  EXPECT_EQ(number("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(number("-9223372036854775808.0"), INT64_MIN);
  EXPECT_EQ(number("9223372036854775808"), std::nullopt);    // uint64 past INT64_MAX
  EXPECT_EQ(number("9223372036854775808.0"), std::nullopt);  // 2^63 as a double
  EXPECT_EQ(number("3.33e75"), std::nullopt);
  EXPECT_EQ(number("-1e300"), std::nullopt);
  EXPECT_EQ(number("2.5"), std::nullopt);
  EXPECT_EQ(number("\"3\""), std::nullopt);
}

TEST(JsonForEachString, VisitsValuesNotKeys) {
  boost::json::value v =
      boost::json::parse(R"({"key": "value", "list": ["a", {"key": "b"}], "n": 1})");
  std::vector<std::string> seen;
  for_each_string(v, [&](boost::json::string& s) { seen.emplace_back(s); });
  EXPECT_EQ(seen, (std::vector<std::string>{"value", "a", "b"}));
}

}  // namespace
}  // namespace mb::json
