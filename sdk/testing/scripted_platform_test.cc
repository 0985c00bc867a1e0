// ScriptedPlatform: routes answer by method and target prefix (latest or first), every request
// is kept as seen, and "no answer" comes back sent or not sent, as the host would report it.
#include <gtest/gtest.h>

#include <meterbridge/testing/scripted_platform.hpp>

#include <string>

namespace meterbridge::testing {
namespace {

std::string batch(const std::vector<HttpRequest>& requests) { return encode_array(requests); }

HttpRequest get(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

TEST(ScriptedPlatformTest, TheLatestMatchingRouteAnswersAndEveryRequestIsSeen) {
  ScriptedPlatform platform("https://api.test/v1/");
  platform.on("GET", "customers", reply(200, "[]"));
  platform.on("GET", "customers/7", [](const SeenRequest& s) { return reply(200, s.query); });
  std::vector<HttpResponse> r = decode_array<HttpResponse>(
      platform.handle(batch({get("https://api.test/v1/customers/7?x=1"),
                             get("https://api.test/v1/customers"), get("https://other.test/a")})),
      "answers");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].body, "x=1");
  EXPECT_EQ(r[1].body, "[]");
  EXPECT_EQ(r[2].status, 404);
  ASSERT_EQ(platform.seen().size(), 3u);
  EXPECT_EQ(platform.seen()[0].path, "customers/7");
  EXPECT_EQ(platform.seen()[2].target, "/a") << "a request elsewhere keeps its URL's path";
  EXPECT_TRUE(platform.seen()[0].idempotent) << "a GET, as the host reads it";
  EXPECT_EQ(platform.seen("GET", "customers").size(), 2u);
  EXPECT_EQ(platform.batches(), 1);
}

TEST(ScriptedPlatformTest, FirstRoutePrecedenceAndUrlMatchingAreChoices) {
  ScriptedPlatform platform("", ScriptedPlatform::Precedence::kFirstRoute);
  platform.set_matching(ScriptedPlatform::Matching::kUrlContains);
  platform.on("GET", "zone", reply(200, "first"));
  platform.on("GET", "zoneInformation", reply(200, "second"));
  auto r = decode_array<HttpResponse>(
      platform.handle(batch({get("https://a.test/zoneInformation")})), "answers");
  EXPECT_EQ(r[0].body, "first");
}

TEST(ScriptedPlatformTest, NoAnswerComesBackSentOrNotSent) {
  ScriptedPlatform platform;
  HttpRequest post = get("https://api.test/counts");
  post.method = "POST";
  post.body = "{}";
  platform.on("POST", "/counts", no_answer(true));
  platform.on("GET", "/counts", no_answer(false, "refused", MB_STATUS_CONFIG_INVALID));
  auto r = decode_array<HttpResponse>(
      platform.handle(batch({post, get("https://api.test/counts")})), "answers");
  ASSERT_TRUE(r[0].error && r[1].error);
  EXPECT_FALSE(r[0].answered());
  EXPECT_TRUE(r[0].error->sent);
  EXPECT_FALSE(r[1].error->sent);
  EXPECT_EQ(r[1].error->error_class, MB_STATUS_CONFIG_INVALID);
  EXPECT_FALSE(platform.seen()[0].idempotent) << "a POST, as the host reads it";
  EXPECT_EQ(platform.seen()[0].body, "{}");
}

}  // namespace
}  // namespace meterbridge::testing
