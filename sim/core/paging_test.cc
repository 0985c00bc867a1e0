#include "sim/core/paging.h"

#include <gtest/gtest.h>

namespace mb::sim {
namespace {

TEST(SimPageSliceTest, MiddlePage) {
  PageSlice slice = page_slice(55, 2, 25);
  EXPECT_EQ(slice.begin, 25u);
  EXPECT_EQ(slice.end, 50u);
  EXPECT_EQ(slice.page_count, 3);
  EXPECT_TRUE(slice.has_previous);
  EXPECT_TRUE(slice.has_next);
}

TEST(SimPageSliceTest, LastPageIsShortAndHasNoNext) {
  PageSlice slice = page_slice(55, 3, 25);
  EXPECT_EQ(slice.begin, 50u);
  EXPECT_EQ(slice.end, 55u);
  EXPECT_FALSE(slice.has_next);
}

TEST(SimPageSliceTest, PagePastTheEndIsEmpty) {
  PageSlice slice = page_slice(10, 5, 25);
  EXPECT_EQ(slice.begin, slice.end);
  EXPECT_FALSE(slice.has_next);
}

TEST(SimPageSliceTest, NoItemsMeansNoPages) {
  PageSlice slice = page_slice(0, 1, 25);
  EXPECT_EQ(slice.page_count, 0);
  EXPECT_EQ(slice.begin, slice.end);
}

TEST(SimUrlWithQueryTest, ReplacesAndAddsParametersKeepingOthers) {
  Request request;
  request.base_url = "http://127.0.0.1:8080";
  request.path = "/api/items";
  request.query = {{"search", "A&B"}, {"page", "1"}};
  EXPECT_EQ(url_with_query(request, {{"page", "2"}, {"pageSize", "10"}}),
            "http://127.0.0.1:8080/api/items?search=A%26B&page=2&pageSize=10");
}

TEST(SimLinkHeaderTest, FormatsRelations) {
  EXPECT_EQ(link_header({{"next", "http://x/a?page=2"}, {"last", "http://x/a?page=3"}}),
            "<http://x/a?page=2>; rel=\"next\", <http://x/a?page=3>; rel=\"last\"");
}

TEST(SimCursorTest, RoundTripsJson) {
  const boost::json::value position = {{"after_id", 500}, {"filter", "name eq \"x\""}};
  const std::string cursor = encode_cursor(position);
  EXPECT_EQ(
      cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  EXPECT_EQ(decode_cursor(cursor), position);
}

TEST(SimCursorTest, RejectsForeignText) {
  EXPECT_FALSE(decode_cursor("not a cursor!"));
  EXPECT_FALSE(decode_cursor("AAAA"));
}

}  // namespace
}  // namespace mb::sim
