#include "host/usage/usage_file.h"

#include <gtest/gtest.h>

namespace mb {
namespace {

constexpr const char* kGood = R"({
  "as_of": "2026-11-21",
  "workspaces": [{"id": "w1", "name": "Alpha Ltd"}, {"id": "w2", "name": "Beta", "ended": true}],
  "services": [{"id": "edr", "name": "EDR"}],
  "usage": [{"workspace_id": "w1", "service_id": "edr", "users": 10, "devices": 12}]
})";

TEST(UsageJson, ParsesAValidFile) {
  auto r = parse_usage_json(kGood, "u.json");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->snapshot.as_of, "2026-11-21T00:00:00Z");
  ASSERT_EQ(r->workspaces.size(), 2u);
  EXPECT_TRUE(r->workspaces[1].ended);
  ASSERT_EQ(r->snapshot.counts.size(), 1u);
  EXPECT_EQ(r->snapshot.counts[0].devices, 12);
}

TEST(UsageJson, RejectsMalformedJsonNamingTheFile) {
  auto r = parse_usage_json("{\"as_of\": ", "broken.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("broken.json"), std::string::npos);
  EXPECT_NE(r.status().message().find("nothing imported"), std::string::npos);
}

TEST(UsageJson, ListsEveryErrorWithItsPointer) {
  auto r = parse_usage_json(R"({
    "as_of": "yesterday",
    "workspaces": [{"id": "w1", "name": "A"}, {"id": "w1", "name": "A"}, {"id": 7, "name": "B"}],
    "services": [{"id": "edr", "name": "EDR"}],
    "usage": [
      {"workspace_id": "w1", "service_id": "edr", "users": -1, "devices": 2},
      {"workspace_id": "w1", "service_id": "ghost", "users": 1, "devices": "2"},
      {"workspace_id": "w1", "service_id": "edr", "users": 1, "devices": 2.5}
    ]})", "u.json");
  ASSERT_FALSE(r);
  const std::string& m = r.status().message();
  for (const char* expected : {"/as_of", "/workspaces/1: duplicate workspace id 'w1'", "/workspaces/2/id",
                               "/usage/0: users must be >= 0", "/usage/1: unknown service 'ghost'",
                               "/usage/1/devices: must be a whole number", "/usage/2: duplicate count",
                               "/usage/2/devices: must be a whole number"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << m;
  }
}

// Found by the usage fuzz target: a whole number past int64's range was converted anyway
// (undefined behaviour); it is refused, and a whole number written as a double still counts.
TEST(UsageJson, RefusesCountsBeyondInt64AndAcceptsWholeDoubles) {
  auto r = parse_usage_json(R"({"as_of": "2026-11-21", "workspaces": [{"id": "w1", "name": "A"}],
    "services": [{"id": "edr", "name": "EDR"}, {"id": "mail", "name": "Mail"}, {"id": "dns", "name": "DNS"}],
    "usage": [
      {"workspace_id": "w1", "service_id": "edr", "users": 3.33e75, "devices": 9223372036854775808.0},
      {"workspace_id": "w1", "service_id": "mail", "users": 18446744073709551615, "devices": -1e300}
    ]})", "u.json");
  ASSERT_FALSE(r);
  const std::string& m = r.status().message();
  for (const char* expected : {"/usage/0/users: too large", "/usage/0/devices: too large",
                               "/usage/1/users: too large", "/usage/1/devices: too large"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << m;

  auto whole = parse_usage_json(R"({"as_of": "2026-11-21", "workspaces": [{"id": "w1", "name": "A"}],
    "services": [{"id": "edr", "name": "EDR"}],
    "usage": [{"workspace_id": "w1", "service_id": "edr", "users": 40.0, "devices": 1e2}]})", "u.json");
  ASSERT_TRUE(whole) << whole.status().message();
  EXPECT_EQ(whole->snapshot.counts[0].users, 40);
  EXPECT_EQ(whole->snapshot.counts[0].devices, 100);
}

TEST(UsageJson, AcceptsServicesAndWorkspacesTheStoreAlreadyKnows) {
  UsageParseOptions options;
  options.known_services = {"email"};
  options.known_workspaces = {"w9"};
  auto r = parse_usage_json(R"({"as_of":"2026-11-21T10:00:00Z","usage":[{"workspace_id":"w9","service_id":"email","users":1,"devices":0}]})",
                            "u.json", options);
  ASSERT_TRUE(r) << r.status().message();
}

TEST(UsageCsv, ParsesQuotedFieldsAndRepeatedDeclarations) {
  auto r = parse_usage_csv(
      "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n"
      "2026-11-21,w1,\"Smith, Jones & Co\",edr,EDR,3,4\n"
      "2026-11-21,w1,\"Smith, Jones & Co\",email,\"Email \"\"Pro\"\"\",5,0\r\n",
      "u.csv");
  ASSERT_TRUE(r) << r.status().message();
  ASSERT_EQ(r->workspaces.size(), 1u);
  EXPECT_EQ(r->workspaces[0].name, "Smith, Jones & Co");
  EXPECT_EQ(r->services[1].name, "Email \"Pro\"");
  EXPECT_EQ(r->snapshot.counts.size(), 2u);
}

TEST(UsageCsv, ListsEveryBadLine) {
  auto r = parse_usage_csv(
      "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n"
      "2026-11-21,w1,A,edr,EDR,three,4\n"
      "2026-11-22,w2,B,edr,EDR,1,4\n"
      "2026-11-21,w3,C,edr\n"
      "2026-11-21,w1,A,edr,EDR,1,-4\n",
      "u.csv");
  ASSERT_FALSE(r);
  const std::string& m = r.status().message();
  for (const char* expected : {"line 2: users must be a whole number", "line 3: as_of differs",
                               "line 4: expected 7 fields", "line 5: devices must be >= 0", "line 5: duplicate count"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << m;
}

TEST(UsageCsv, RejectsAMissingColumn) {
  auto r = parse_usage_csv("as_of,workspace_id,service_id,users,devices\n", "u.csv");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("missing column 'workspace_name'"), std::string::npos);
}

constexpr const char* kCsvHeader =
    "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n";

TEST(UsageCsv, IsStrictUtf8NamingLineAndColumn) {
  struct Case {
    std::string bytes;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{{"\xFF", "byte 0xFF is not valid UTF-8"},
                                         {std::string(1, '\0'), "NUL byte"},
                                         {"\xC0\xAF", "overlong UTF-8 encoding"},
                                         {"\xE0\x80\xAF", "overlong UTF-8 encoding"},
                                         {"\xED\xA0\x80", "UTF-16 surrogate encoded in UTF-8"},
                                         {"\xF4\x90\x80\x80", "code point beyond U+10FFFF"},
                                         {"\xE2\x82", "truncated UTF-8 sequence"},
                                         {"\x80", "byte 0x80 is not valid UTF-8 here"},
                                         {"\x07", "control character 0x07"}}) {
    // 18 characters precede it ("Zoë" is 3), so the bad sequence starts in column 19 of line 2.
    std::string text = std::string(kCsvHeader) + "2026-11-21,w1,Zoë " + c.bytes + ",edr,EDR,1,2\n";
    auto r = parse_usage_csv(text, "u.csv");
    ASSERT_FALSE(r) << c.reason;
    EXPECT_NE(r.status().message().find("(1 error):\nu.csv: line 2, column 19: " + c.reason),
              std::string::npos)
        << r.status().message();
  }
  auto good = parse_usage_csv(std::string(kCsvHeader) + "2026-11-21,w1,Zoë 𝄞 \tCo,edr,EDR,1,2\r\n",
                              "u.csv");
  EXPECT_TRUE(good) << good.status().message();
}

TEST(UsageCsv, RejectsUnknownColumnsLikeJsonRejectsUnknownFields) {
  auto r = parse_usage_csv(
      "as_of,workspace_id,workspace_name,service_id,service_name,users,devices,seats\n"
      "2026-11-21,w1,A,edr,EDR,1,2,3\n",
      "u.csv");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("u.csv: line 1: unknown column 'seats'"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(
      parse_usage_csv("as_of,workspace_id,workspace_name,service_id,service_name,users,devices,"
                      "workspace_ended,partner_id\n"
                      "2026-11-21,w1,A,edr,EDR,1,2,false,msp-1\n",
                      "u.csv"));
}

TEST(UsageJson, RejectsUnknownFieldsAtEveryLevel) {
  auto r = parse_usage_json(R"({"as_of": "2026-11-21",
    "workspaces": [{"id": "w1", "name": "A", "colour": "red"}],
    "services": [{"id": "edr", "name": "EDR", "price": 3}],
    "usage": [{"workspace_id": "w1", "service_id": "edr", "users": 1, "devices": 2, "seats": 4}]})",
                            "u.json");
  ASSERT_FALSE(r);
  const std::string& m = r.status().message();
  for (const char* expected : {"/workspaces/0/colour: unknown field",
                               "/services/0/price: unknown field", "/usage/0/seats: unknown field"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << m;
}

TEST(UsageJson, RejectsADuplicateKeyNamingIt) {
  auto r =
      parse_usage_json("{\"as_of\": \"2026-11-21\",\n \"usage\": [],\n \"usage\": []}", "u.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("duplicate key 'usage'"), std::string::npos)
      << r.status().message();
}

TEST(Usage, AcceptsAByteOrderMarkOnJsonToo) {
  auto r = parse_usage(std::string("\xEF\xBB\xBF") + kGood, "u.json");
  EXPECT_TRUE(r) << r.status().message();
}

TEST(Usage, RefusesTextLargerThanTheLimitBeforeParsing) {
  UsageParseOptions options;
  options.max_bytes = 100;
  auto r = parse_usage(kGood, "u.json", options);
  ASSERT_FALSE(r);
  EXPECT_NE(
      r.status().message().find("u.json is larger than the 100 bytes limit (usage.max_file_mib"),
      std::string::npos)
      << r.status().message();
}

TEST(Usage, DetectsTheFormatFromTheContent) {
  EXPECT_TRUE(parse_usage(std::string("\n  ") + kGood, "u"));
  EXPECT_FALSE(parse_usage("not,a,usage,file\n", "u"));
}

}  // namespace
}  // namespace mb
