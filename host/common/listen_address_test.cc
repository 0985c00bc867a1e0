#include "host/common/listen_address.h"

#include <gtest/gtest.h>

namespace mb {
namespace {

TEST(ListenAddress, AcceptsIpv4AndBracketedIpv6) {
  auto v4 = parse_listen_address("127.0.0.1:8470", PortZero::kRefused);
  ASSERT_TRUE(v4) << v4.status().message();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8470);
  auto v6 = parse_listen_address("[::1]:65535", PortZero::kRefused);
  ASSERT_TRUE(v6) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 65535);
  EXPECT_EQ(v6->to_string(), "[::1]:65535");
  EXPECT_EQ(parse_listen_address("0.0.0.0:1", PortZero::kRefused)->port, 1);
}

TEST(ListenAddress, PortZeroOnlyWhereTheSystemMayPick) {
  EXPECT_TRUE(parse_listen_address("127.0.0.1:0", PortZero::kSystemPicks));
  auto refused = parse_listen_address("127.0.0.1:0", PortZero::kRefused);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("1 to 65535"), std::string::npos);
}

TEST(ListenAddress, RefusesEveryMalformedFormWithTheReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"127.0.0.1:abc", "port 'abc'"},
           {"127.0.0.1:70000", "port 70000"},
           {"127.0.0.1:99999", "port 99999"},
           {"127.0.0.1:-1", "port '-1'"},
           {"127.0.0.1:+80", "port '+80'"},
           {"127.0.0.1:", "port ''"},
           {"127.0.0.1:123456", "port '123456'"},
           {"127.0.0.1:80 ", "port '80 '"},
           {"127.0.0.1", "not HOST:PORT"},
           {":8470", "host is missing"},
           {"localhost:8470", "must be an IP address"},
           {"300.1.1.1:8470", "must be an IP address"},
           {"::1:8470", "in brackets"},
           {"[::1:8470", "closed with ']'"},
           {"[nope]:8470", "not an IPv6 address"},
       }) {
    auto parsed = parse_listen_address(c.text, PortZero::kSystemPicks);
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_EQ(parsed.status().code(), ErrorClass::kConfigInvalid);
    EXPECT_NE(parsed.status().message().find(c.reason), std::string::npos)
        << c.text << ": " << parsed.status().message();
  }
}

}  // namespace
}  // namespace mb
