#include "internal/zone.h"

#include <gtest/gtest.h>

namespace meterbridge::autotask {
namespace {

TEST(RestRoot, NormalisesWhatAutotaskAndOperatorsWrite) {
  EXPECT_EQ(rest_root("https://webservices15.autotask.net/ATServicesRest/"),
            "https://webservices15.autotask.net/ATServicesRest/");
  EXPECT_EQ(rest_root("https://webservices15.autotask.net//ATServicesRest//"),
            "https://webservices15.autotask.net/ATServicesRest/");
  EXPECT_EQ(rest_root("https://webservices15.autotask.net/ATServicesRest/V1.0/"),
            "https://webservices15.autotask.net/ATServicesRest/");
  EXPECT_EQ(rest_root("https://webservices.autotask.net/atservicesrest/v1.0"),
            "https://webservices.autotask.net/atservicesrest/");
  EXPECT_EQ(rest_root("http://127.0.0.1:41873"), "http://127.0.0.1:41873/ATServicesRest/");
  EXPECT_EQ(rest_root("http://127.0.0.1:41873/?x=1#y"), "http://127.0.0.1:41873/ATServicesRest/");
}

TEST(RestRoot, RefusesWhatIsNotAnHttpUrlOrCarriesUserInfo) {
  EXPECT_EQ(rest_root("webservices15.autotask.net"), std::nullopt);
  EXPECT_EQ(rest_root("ftp://webservices15.autotask.net/"), std::nullopt);
  EXPECT_EQ(rest_root("https://user:pw@webservices15.autotask.net/"), std::nullopt);
  EXPECT_EQ(rest_root(""), std::nullopt);
}

TEST(ApiBase, IsTheRootPlusTheVersion) {
  EXPECT_EQ(api_base("https://webservices15.autotask.net/ATServicesRest/"),
            "https://webservices15.autotask.net/ATServicesRest/V1.0/");
}

TEST(ZoneInformationUrl, EncodesTheUserName) {
  EXPECT_EQ(zone_information_url("https://webservices.autotask.net/atservicesrest/",
                                 "api+1@acme.example"),
            "https://webservices.autotask.net/atservicesrest/v1.0/"
            "zoneInformation?user=api%2B1%40acme.example");
}

TEST(ParseZoneInformation, ReadsTheZoneAndNormalisesItsUrl) {
  auto zone = parse_zone_information(
      R"({"zoneName":"America East 3","url":"https://webservices15.autotask.net//ATServicesRest/",)"
      R"("webUrl":"https://ww15.autotask.net/","ci":5})");
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(zone->zone_name, "America East 3");
  EXPECT_EQ(zone->rest_root, "https://webservices15.autotask.net/ATServicesRest/");
  EXPECT_EQ(parse_zone_information(R"({"zoneName":"x"})"), std::nullopt);
  EXPECT_EQ(parse_zone_information("not json"), std::nullopt);
}

TEST(SameOrigin, ComparesSchemeHostAndPortOnly) {
  EXPECT_TRUE(same_origin(
      "https://WebServices15.autotask.net/ATServicesRest/V1.0/Companies/query/next?paging=x",
      "https://webservices15.autotask.net/ATServicesRest/V1.0/"));
  EXPECT_TRUE(same_origin("https://webservices15.autotask.net:443/a",
                          "https://webservices15.autotask.net/b"));
  EXPECT_FALSE(
      same_origin("https://evil.example/ATServicesRest/", "https://webservices15.autotask.net/"));
  EXPECT_FALSE(
      same_origin("http://webservices15.autotask.net/", "https://webservices15.autotask.net/"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:1/", "http://127.0.0.1:2/"));
}

}  // namespace
}  // namespace meterbridge::autotask
