#include "host/http/internal/target.h"

#include <gtest/gtest.h>

namespace mb::http::internal {
namespace {

TEST(ParseTarget, HttpsUrlSplitsIntoOriginAndRequestTarget) {
  auto t = parse_target(
      "https://Api15.Example.net/rest/v1.0/Customers/query?search=%7B%7D#frag",
      false);
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "api15.example.net");
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->request_target, "/rest/v1.0/Customers/query?search=%7B%7D");
  EXPECT_EQ(t->path, "/rest/v1.0/Customers/query");
  EXPECT_EQ(t->origin(), "https://api15.example.net:443");
  EXPECT_EQ(t->host_header(), "api15.example.net");
}

TEST(ParseTarget, PlainHttpIsAllowedToLoopbackOnly) {
  EXPECT_TRUE(parse_target("http://127.0.0.1:8080/api/echo", false));
  EXPECT_TRUE(parse_target("http://localhost:8080/", false));
  EXPECT_TRUE(parse_target("http://[::1]:8080/", false));
  auto remote = parse_target("http://api.example.com/", false);
  ASSERT_FALSE(remote);
  EXPECT_EQ(remote.status().code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(remote.status().message().find("allow_plain_http"), std::string::npos);
  EXPECT_TRUE(parse_target("http://api.example.com/", true));
}

TEST(ParseTarget, Ipv6HostIsBracketedInHostHeader) {
  auto t = parse_target("http://[::1]:8080/x", false);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "::1");
  EXPECT_TRUE(t->host_is_ip);
  EXPECT_TRUE(t->loopback);
  EXPECT_EQ(t->host_header(), "[::1]:8080");
}

TEST(ParseTarget, EmptyPathBecomesSlash) {
  auto t = parse_target("https://example.com", false);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->request_target, "/");
  EXPECT_EQ(t->path, "/");
}

TEST(ParseTarget, RejectsWhatTheEngineCannotOrShouldNotSend) {
  EXPECT_FALSE(parse_target("not a url", false));
  EXPECT_FALSE(parse_target("/relative/path", false));
  EXPECT_FALSE(parse_target("ftp://example.com/", false));
  EXPECT_FALSE(parse_target("https://user:pass@example.com/", false));
  EXPECT_FALSE(parse_target("https:///nohost", false));
}

}  // namespace
}  // namespace mb::http::internal
