#include "internal/link_header.h"

#include <gtest/gtest.h>

namespace meterbridge::connectwise {
namespace {

constexpr char kMiddlePage[] =
    "<https://api-na.myconnectwise.net/v2025_1/apis/3.0/company/companies?pageSize=1000&page=1>; "
    "rel=\"first\", "
    "<https://api-na.myconnectwise.net/v2025_1/apis/3.0/company/companies?pageSize=1000&page=1>; "
    "rel=\"prev\", "
    "<https://api-na.myconnectwise.net/v2025_1/apis/3.0/company/companies?pageSize=1000&page=3>; "
    "rel=\"next\", "
    "<https://api-na.myconnectwise.net/v2025_1/apis/3.0/company/companies?pageSize=1000&page=3>; "
    "rel=\"last\"";

TEST(ParseLinkHeader, MapsEveryRelToItsTarget) {
  auto links = parse_link_header(kMiddlePage);
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(page_parameter(links.at("next")), 3);
  EXPECT_EQ(page_parameter(links.at("prev")), 1);
}

TEST(ParseLinkHeader, AcceptsBareAndMultipleRelsAndOtherParameters) {
  auto links =
      parse_link_header("<a?page=2>; title=\"x, y\"; REL=next, <b?page=2>;rel=\"last first\"");
  EXPECT_EQ(links.at("next"), "a?page=2");
  EXPECT_EQ(links.at("last"), "b?page=2");
  EXPECT_EQ(links.at("first"), "b?page=2");
}

TEST(ParseLinkHeader, SkipsMalformedEntries) {
  EXPECT_TRUE(parse_link_header("").empty());
  EXPECT_TRUE(parse_link_header("garbage").empty());
  EXPECT_TRUE(parse_link_header("<unterminated; rel=next").empty());
  EXPECT_TRUE(parse_link_header("<a>; title=x").empty());
}

TEST(PageParameter, ReadsOnlyAPositivePageNumber) {
  EXPECT_EQ(page_parameter("https://h/x?pageSize=1000&page=12"), 12);
  EXPECT_EQ(page_parameter("x?page=0"), std::nullopt);
  EXPECT_EQ(page_parameter("x?page=abc"), std::nullopt);
  EXPECT_EQ(page_parameter("x?pageId=77"), std::nullopt);
  EXPECT_EQ(page_parameter("x"), std::nullopt);
}

TEST(NextPage, FollowsRelNext) {
  EXPECT_EQ(next_page(std::string_view(kMiddlePage), 2, 1000, 1000), 3);
}

TEST(NextPage, StopsWhenTheLinkHeaderHasNoNext) {
  EXPECT_EQ(next_page(std::string_view("<x?page=1>; rel=\"first\", <x?page=1>; rel=\"prev\""), 2,
                      1000, 1000),
            std::nullopt);
}

TEST(NextPage, WithoutALinkHeaderContinuesOnlyAfterAFullPage) {
  EXPECT_EQ(next_page(std::nullopt, 1, 1000, 1000), 2);
  EXPECT_EQ(next_page(std::nullopt, 1, 999, 1000), std::nullopt);
}

TEST(NextPage, AnEmptyPageEndsTheListingWhateverTheLinksSay) {
  EXPECT_EQ(next_page(std::string_view("<x?page=5>; rel=\"next\""), 4, 0, 1000), std::nullopt);
}

TEST(NextPage, DoesNotFollowANextLinkThatGoesBackwards) {
  EXPECT_EQ(next_page(std::string_view("<x?page=1>; rel=\"next\""), 3, 1000, 1000), 4);
  EXPECT_EQ(next_page(std::string_view("<x?page=1>; rel=\"next\""), 3, 10, 1000), std::nullopt);
}

}  // namespace
}  // namespace meterbridge::connectwise
