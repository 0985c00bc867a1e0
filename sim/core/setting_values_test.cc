#include "sim/core/setting_values.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sim/core/http_types.h"

namespace mb::sim {
namespace {

namespace json = boost::json;

// The message an HttpError from `read` carries, or "" when it returned.
template <typename Read>
std::string refusal(Read read) {
  try {
    read();
  } catch (const HttpError& error) {
    EXPECT_EQ(error.status(), 400);
    return error.what();
  }
  return "";
}

TEST(SimSettingValuesTest, IntSettingTakesIntegersFromTheMinimum) {
  EXPECT_EQ(int_setting(json::value(5), "max_page_size", 1), 5);
  EXPECT_EQ(int_setting(json::value(1), "max_page_size", 1), 1);
  EXPECT_EQ(refusal([] { int_setting(json::value(0), "max_page_size", 1); }),
            "setting 'max_page_size' must be an integer >= 1");
  EXPECT_EQ(refusal([] { int_setting(json::value("5"), "max_page_size", 1); }),
            "setting 'max_page_size' must be an integer >= 1");
  EXPECT_EQ(refusal([] { int_setting(json::value(2.5), "max_page_size", 1); }),
            "setting 'max_page_size' must be an integer >= 1");
}

TEST(SimSettingValuesTest, IntSettingInRangeNamesBothEnds) {
  EXPECT_EQ(int_setting_in_range(json::value(599), "status", 200, 599), 599);
  EXPECT_EQ(refusal([] { int_setting_in_range(json::value(600), "status", 200, 599); }),
            "setting 'status' must be an integer from 200 to 599");
  EXPECT_EQ(refusal([] { int_setting_in_range(json::value(199), "status", 200, 599); }),
            "setting 'status' must be an integer from 200 to 599");
}

TEST(SimSettingValuesTest, BoolSettingTakesOnlyJsonBooleans) {
  EXPECT_TRUE(bool_setting(json::value(true), "clamp"));
  EXPECT_FALSE(bool_setting(json::value(false), "clamp"));
  EXPECT_EQ(refusal([] { bool_setting(json::value(1), "clamp"); }),
            "setting 'clamp' must be true or false");
  EXPECT_EQ(refusal([] { bool_setting(json::value("true"), "clamp"); }),
            "setting 'clamp' must be true or false");
}

}  // namespace
}  // namespace mb::sim
