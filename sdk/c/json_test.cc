// The C JSON reader and writer (<meterbridge/json.h>): what it accepts and refuses, held to the
// host's reader (Boost.JSON) on the same texts, and what its writer produces.
#include "meterbridge/json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <memory>
#include <string>

namespace {

mb_str view(const std::string& text) { return mb_str{text.data(), text.size()}; }

struct JsonDeleter {
  void operator()(mb_json* document) const { mb_json_free(document); }
};
using Json = std::unique_ptr<mb_json, JsonDeleter>;

Json parse(const std::string& text, mb_error* error = nullptr) {
  return Json(mb_json_parse(view(text), error));
}

std::string take(char* text) {
  std::string out = text != nullptr ? text : "<null>";
  std::free(text);
  return out;
}

bool boost_accepts(const std::string& text) {
  boost::system::error_code ec;
  boost::json::parse(text, ec);
  return !ec;
}

TEST(CJson, ReadsEveryKindOfValue) {
  Json doc = parse(R"( {"s":"a\"b\\c\/\n\u00e9\ud83d\ude00","i":-42,"u":18446744073709551615,
                       "d":2.5,"w":3.0,"t":true,"f":false,"n":null,"a":[1,[2],{}],"o":{"k":"v"}} )");
  ASSERT_TRUE(doc);
  const mb_json_value* root = mb_json_root(doc.get());
  EXPECT_EQ(mb_json_type_of(root), MB_JSON_OBJECT);
  EXPECT_EQ(mb_json_count(root), 10u);
  EXPECT_STREQ(mb_json_get_string(root, "s", nullptr), "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(mb_json_get_int64(root, "i", 0), -42);
  int64_t number = 0;
  EXPECT_FALSE(mb_json_int64(mb_json_member(root, "u"), &number));  // above int64
  EXPECT_STREQ(mb_json_get_string(root, "u", nullptr), "18446744073709551615");
  double d = 0;
  EXPECT_TRUE(mb_json_double(mb_json_member(root, "d"), &d));
  EXPECT_EQ(d, 2.5);
  EXPECT_FALSE(mb_json_int64(mb_json_member(root, "d"), &number));
  EXPECT_EQ(mb_json_get_int64(root, "w", 0), 3);  // a whole double reads as an integer
  EXPECT_EQ(mb_json_get_bool(root, "t", 0), 1);
  EXPECT_EQ(mb_json_get_bool(root, "f", 1), 0);
  EXPECT_EQ(mb_json_type_of(mb_json_member(root, "n")), MB_JSON_NULL);
  EXPECT_EQ(mb_json_type_of(mb_json_member(root, "missing")), MB_JSON_ABSENT);
  const mb_json_value* a = mb_json_member(root, "a");
  EXPECT_EQ(mb_json_count(a), 3u);
  EXPECT_EQ(mb_json_type_of(mb_json_item(a, 1)), MB_JSON_ARRAY);
  EXPECT_EQ(mb_json_item(a, 3), nullptr);
  EXPECT_STREQ(mb_json_member_name(root, 9), "o");
  EXPECT_STREQ(mb_json_get_string(mb_json_member_value(root, 9), "k", nullptr), "v");
}

TEST(CJson, AccessorsAnswerAbsentForNullAndWrongTypes) {
  EXPECT_EQ(mb_json_type_of(nullptr), MB_JSON_ABSENT);
  EXPECT_EQ(mb_json_member(nullptr, "x"), nullptr);
  EXPECT_EQ(mb_json_item(nullptr, 0), nullptr);
  EXPECT_EQ(mb_json_count(nullptr), 0u);
  EXPECT_EQ(mb_json_string(nullptr), nullptr);
  EXPECT_STREQ(mb_json_get_string(nullptr, "x", "fallback"), "fallback");
  Json doc = parse(R"({"s":"text","a":[1]})");
  const mb_json_value* root = mb_json_root(doc.get());
  EXPECT_EQ(mb_json_get_int64(root, "s", 7), 7);
  EXPECT_EQ(mb_json_member(mb_json_member(root, "a"), "x"), nullptr);
  EXPECT_EQ(mb_json_item(root, 0), nullptr);
  EXPECT_EQ(mb_json_string(mb_json_member(root, "a")), nullptr);
}

TEST(CJson, KeepsAStringsFullLengthAcrossANul) {
  Json doc = parse(R"(["a\u0000b"])");
  ASSERT_TRUE(doc);
  const mb_json_value* s = mb_json_item(mb_json_root(doc.get()), 0);
  EXPECT_EQ(mb_json_string_length(s), 3u);
  EXPECT_EQ(std::string(mb_json_string(s), 3), std::string("a\0b", 3));
}

TEST(CJson, ADuplicatedMemberReadsAsTheLastOneAsTheHostReadsIt) {
  const std::string text = R"({"k":1,"k":2})";
  Json doc = parse(text);
  EXPECT_EQ(mb_json_get_int64(mb_json_root(doc.get()), "k", 0), 2);
  EXPECT_EQ(boost::json::parse(text).at("k").as_int64(), 2);
}

// Every text the host's reader refuses, this one refuses too, with the byte and the reason.
TEST(CJson, RefusesWhatTheHostRefusesNamingWhereAndWhy) {
  const char* bad[] = {
      "",
      "   ",
      "{",
      "[1,]",
      "{\"a\":1,}",
      "{'a':1}",
      "[1 2]",
      "01",
      "-",
      "1.",
      "1e",
      ".5",
      "+1",
      "tru",
      "nul",
      "[\"\\x\"]",
      "[\"\\u12\"]",
      "[\"\\ud800\"]",
      "[\"\\udc00\"]",
      "\"a\x01\"",
      "\"\xff\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "[1]x",
      "{\"a\"}",
      "{\"a\":}",
      "{1:2}",
      "// c\n{}",
      "/* c */{}",
      "NaN",
      "Infinity",
      "\"unterminated",
      "[",
      "{\"a\":[}",
      "1e400",
      "0e2147483648",
  };
  for (const char* text : bad) {
    mb_error error{};
    EXPECT_FALSE(parse(text, &error)) << text;
    EXPECT_EQ(error.error_class, MB_STATUS_CONFIG_INVALID) << text;
    EXPECT_NE(std::string(error.message).find("invalid JSON at byte"), std::string::npos)
        << error.message;
    if (std::string(text) != "1e400") {  // the host's reader makes it Infinity
      EXPECT_FALSE(boost_accepts(text)) << text;
    }
  }
  mb_error error{};
  EXPECT_FALSE(parse("[1,,2]", &error));
  EXPECT_STREQ(error.message, "invalid JSON at byte 3: unexpected character");
}

TEST(CJson, RefusesNestingDeeperThanSixtyFourWithoutRecursingFurther) {
  EXPECT_TRUE(parse(std::string(64, '[') + std::string(64, ']')));
  mb_error error{};
  EXPECT_FALSE(parse(std::string(100000, '['), &error));
  EXPECT_NE(std::string(error.message).find("nesting deeper than 64"), std::string::npos);
}

TEST(CJson, ANullTextIsRefusedNotCrashed) {
  mb_error error{};
  EXPECT_EQ(mb_json_parse(mb_str{nullptr, 0}, &error), nullptr);
  EXPECT_EQ(mb_json_parse(mb_str{nullptr, 0}, nullptr), nullptr);
}

TEST(CJson, WritesCompactTextTheHostReadsBack) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_begin_object(w);
  mb_json_key(w, "s");
  mb_json_write_string(w, "q\"b\\s\n\t\x01\x1f/\xc3\xa9");
  mb_json_key(w, "min");
  mb_json_write_int64(w, INT64_MIN);
  mb_json_key(w, "u");
  mb_json_write_uint64(w, UINT64_MAX);
  mb_json_key(w, "d");
  mb_json_write_double(w, 0.1);
  mb_json_key(w, "whole");
  mb_json_write_double(w, 2.0);
  mb_json_key(w, "inf");
  mb_json_write_double(w, 1.0 / 0.0);
  mb_json_key(w, "a");
  mb_json_begin_array(w);
  mb_json_write_bool(w, 1);
  mb_json_write_null(w);
  mb_json_write_string(w, nullptr);
  mb_json_end_array(w);
  mb_json_end_object(w);
  size_t length = 0;
  char* text = mb_json_writer_finish(w, &length);
  ASSERT_NE(text, nullptr);
  const std::string written(text, length);
  std::free(text);
  EXPECT_EQ(written,
            "{\"s\":\"q\\\"b\\\\s\\n\\t\\u0001\\u001f/\xc3\xa9\",\"min\":-9223372036854775808,"
            "\"u\":18446744073709551615,\"d\":0.1,\"whole\":2.0,\"inf\":null,"
            "\"a\":[true,null,null]}");
  boost::json::value v = boost::json::parse(written);
  EXPECT_EQ(v.at("s").as_string(), "q\"b\\s\n\t\x01\x1f/\xc3\xa9");
  EXPECT_EQ(v.at("min").as_int64(), INT64_MIN);
  EXPECT_EQ(v.at("u").as_uint64(), UINT64_MAX);
  EXPECT_EQ(v.at("d").as_double(), 0.1);
}

TEST(CJson, WritesBadUtf8AsReplacementCharactersSoTheTextStaysJson) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_write_string(w,
                       "a\xff"
                       "b\xc3");
  const std::string written = take(mb_json_writer_finish(w, nullptr));
  EXPECT_EQ(written,
            "\"a\xef\xbf\xbd"
            "b\xef\xbf\xbd\"");
  EXPECT_TRUE(boost_accepts(written));
}

TEST(CJson, EscapesAsTheHostsWriterDoes) {
  const std::string text = "\"\\\b\f\n\r\t\x01\x7f/<\xe2\x82\xac";
  mb_json_writer* w = mb_json_writer_new();
  mb_json_write_string_n(w, text.data(), text.size());
  EXPECT_EQ(take(mb_json_writer_finish(w, nullptr)),
            boost::json::serialize(boost::json::value(boost::json::string_view(text))));
}

TEST(CJson, AMisusedWriterGivesNoText) {
  auto finish = [](void (*misuse)(mb_json_writer*)) {
    mb_json_writer* w = mb_json_writer_new();
    misuse(w);
    return mb_json_writer_finish(w, nullptr);
  };
  EXPECT_EQ(finish([](mb_json_writer*) {}), nullptr);  // no value at all
  EXPECT_EQ(finish([](mb_json_writer* w) { mb_json_key(w, "k"); }), nullptr);
  EXPECT_EQ(finish([](mb_json_writer* w) {
              mb_json_begin_object(w);
              mb_json_write_int64(w, 1);  // a value without its key
              mb_json_end_object(w);
            }),
            nullptr);
  EXPECT_EQ(finish([](mb_json_writer* w) {
              mb_json_begin_object(w);
              mb_json_key(w, "k");
              mb_json_end_object(w);  // a key without its value
            }),
            nullptr);
  EXPECT_EQ(finish([](mb_json_writer* w) {
              mb_json_begin_array(w);
              mb_json_end_object(w);
            }),
            nullptr);
  EXPECT_EQ(finish([](mb_json_writer* w) {
              mb_json_write_int64(w, 1);
              mb_json_write_int64(w, 2);  // two roots
            }),
            nullptr);
  EXPECT_EQ(finish([](mb_json_writer* w) { mb_json_begin_array(w); }), nullptr);
  EXPECT_EQ(finish([](mb_json_writer* w) {
              for (int i = 0; i < 1000; ++i) mb_json_begin_array(w);
            }),
            nullptr);
  // Every call takes a NULL writer (what mb_json_writer_new gives when memory ran out).
  mb_json_begin_object(nullptr);
  mb_json_key(nullptr, "k");
  mb_json_write_string(nullptr, "v");
  mb_json_end_object(nullptr);
  EXPECT_EQ(mb_json_writer_finish(nullptr, nullptr), nullptr);
}

TEST(CJson, WritesJsonTextAsAValueAndInvalidTextAsNull) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_begin_array(w);
  const std::string ref = R"( { "id" : 55120 , "tags" : [ "a" ] } )";
  EXPECT_EQ(mb_json_write_json(w, ref.data(), ref.size()), 1);
  EXPECT_EQ(mb_json_write_json(w, "{oops", 5), 0);
  EXPECT_EQ(mb_json_write_json(w, nullptr, 0), 1);
  mb_json_end_array(w);
  EXPECT_EQ(take(mb_json_writer_finish(w, nullptr)), R"([{"id":55120,"tags":["a"]},null,null])");
}

TEST(CJson, CopiesAParsedValueBackToTheSameText) {
  const std::string text = R"({"a":[1,-2,3.5,"x",true,null,{}],"b":{"c":[]}})";
  Json doc = parse(text);
  EXPECT_EQ(take(mb_json_to_text(mb_json_root(doc.get()))), text);
  EXPECT_EQ(mb_json_to_text(nullptr), nullptr);
}

TEST(CJson, ErrorSetTruncatesALongMessage) {
  mb_error error{};
  const std::string long_message(1000, 'x');
  EXPECT_EQ(mb_error_set(&error, MB_STATUS_RETRY, 5, long_message.c_str()), MB_STATUS_RETRY);
  EXPECT_EQ(std::string(error.message), std::string(sizeof error.message - 1, 'x'));
  EXPECT_EQ(error.retry_after_ms, 5u);
  EXPECT_EQ(mb_error_set(nullptr, MB_STATUS_FATAL, 0, "ignored"), MB_STATUS_FATAL);
}

}  // namespace
