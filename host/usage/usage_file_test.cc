#include "host/usage/usage_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

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
    ]})",
                            "u.json");
  ASSERT_FALSE(r);
  const std::string& m = r.status().message();
  for (const char* expected :
       {"/as_of", "/workspaces/1: duplicate workspace id 'w1'", "/workspaces/2/id",
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
    ]})",
                            "u.json");
  ASSERT_FALSE(r);
  const std::string& m = r.status().message();
  for (const char* expected : {"/usage/0/users: too large", "/usage/0/devices: too large",
                               "/usage/1/users: too large", "/usage/1/devices: too large"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << m;

  auto whole =
      parse_usage_json(R"({"as_of": "2026-11-21", "workspaces": [{"id": "w1", "name": "A"}],
    "services": [{"id": "edr", "name": "EDR"}],
    "usage": [{"workspace_id": "w1", "service_id": "edr", "users": 40.0, "devices": 1e2}]})",
                       "u.json");
  ASSERT_TRUE(whole) << whole.status().message();
  EXPECT_EQ(whole->snapshot.counts[0].users, 40);
  EXPECT_EQ(whole->snapshot.counts[0].devices, 100);
}

TEST(UsageJson, AcceptsServicesAndWorkspacesTheStoreAlreadyKnows) {
  UsageParseOptions options;
  options.known_services = {"email"};
  options.known_workspaces = {"w9"};
  auto r = parse_usage_json(
      R"({"as_of":"2026-11-21T10:00:00Z","usage":[{"workspace_id":"w9","service_id":"email","users":1,"devices":0}]})",
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
  for (const char* expected :
       {"line 2: users must be a whole number", "line 3: as_of differs",
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

// Counts what reaches the sink and can be told to fail like a store whose disk is full.
class CountingSink : public UsageSink {
 public:
  Status add_workspace(const Workspace&) override { return Status::Ok(); }
  Status add_service(const VendorService&) override { return Status::Ok(); }
  Status add_count(const UsageCount& c) override {
    if (fail_after > 0 && counts == fail_after) return Status::Fatal("disk I/O error");
    if (!seen.insert(c.workspace_id + "/" + c.service_id).second)
      return Status::Conflict("duplicate");
    ++counts;
    return Status::Ok();
  }
  size_t counts = 0;
  size_t fail_after = 0;
  std::set<std::string> seen;
};

// A temporary file, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = std::filesystem::temp_directory_path() /
            ("mb-usage-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// Large enough to span several of the reader's 1 MiB pieces.
std::string many_rows_csv(size_t rows) {
  std::string text = "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n";
  for (size_t i = 0; i < rows; ++i)
    text +=
        "2026-11-21,w" + std::to_string(i) + ",Workspace " + std::to_string(i) + ",edr,EDR,1,2\n";
  return text;
}

TEST(UsageStream, StreamsAFileLargerThanOnePieceRowByRow) {
  TempFile file(many_rows_csv(30000));
  CountingSink sink;
  auto r = stream_usage_file(file.path(), {}, sink);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->counts, 30000u);
  EXPECT_EQ(sink.counts, 30000u);
  EXPECT_EQ(r->as_of, "2026-11-21T00:00:00Z");
}

TEST(UsageStream, FindsAnErrorPastTheFirstPieceWithItsLine) {
  std::string text = many_rows_csv(30000);
  text += "2026-11-21,w1,Workspace 1,edr,EDR,1,2\n";  // line 30002: a duplicate
  TempFile file(text);
  CountingSink sink;
  auto r = stream_usage_file(file.path(), {}, sink);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("line 30002: duplicate count for workspace 'w1'"),
            std::string::npos)
      << r.status().message();
}

TEST(UsageStream, ChecksUtf8CutByTheEndOfAPiece) {
  // A € (three bytes) whose first byte ends the first 1 MiB piece and whose others begin the next.
  std::string text = many_rows_csv(20000);
  std::string row_start = "2026-11-21,x,";
  size_t euro_at = (size_t{1} << 20) - 1;
  text += row_start + std::string(euro_at - text.size() - row_start.size(), 'a') +
          "\xE2\x82\xAC,edr,EDR,1,2\n";
  TempFile good(text);
  CountingSink sink;
  auto r = stream_usage_file(good.path(), {}, sink);
  EXPECT_TRUE(r) << r.status().message();

  TempFile bad(text + "2026-11-21,y,\xFF,edr,EDR,1,2\n");
  CountingSink other;
  auto rejected = stream_usage_file(bad.path(), {}, other);
  ASSERT_FALSE(rejected);
  EXPECT_NE(rejected.status().message().find("byte 0xFF is not valid UTF-8"), std::string::npos)
      << rejected.status().message().substr(0, 500);
}

// A sink that holds workspaces of earlier imports: counts may name them undeclared, and the sink
// is asked only for ids the document does not declare.
class HoldingSink : public CountingSink {
 public:
  Result<bool> has_workspace(const std::string& id) override {
    asked.push_back(id);
    if (id == "broken") return Status::Fatal("disk I/O error");
    return id == "held";
  }
  std::vector<std::string> asked;
};

TEST(UsageStream, CountsMayNameWorkspacesTheSinkAlreadyHolds) {
  HoldingSink sink;
  auto r = stream_usage(
      R"({"as_of": "2026-11-21", "workspaces": [{"id": "w1", "name": "A"}],
    "services": [{"id": "edr", "name": "EDR"}],
    "usage": [{"workspace_id": "w1", "service_id": "edr", "users": 1, "devices": 2},
              {"workspace_id": "held", "service_id": "edr", "users": 3, "devices": 4}]})",
      "u.json", {}, sink);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(sink.counts, 2u);
  EXPECT_EQ(sink.asked, std::vector<std::string>{"held"});

  // An undeclared id the sink does not hold is refused; a sink that cannot answer stops it.
  for (const auto& [workspace, error] :
       {std::pair<std::string, std::string>{"nowhere", "unknown workspace 'nowhere'"},
        {"broken", "disk I/O error"}}) {
    HoldingSink other;
    auto refused = stream_usage(
        R"({"as_of": "2026-11-21", "services": [{"id": "edr", "name": "EDR"}],
      "usage": [{"workspace_id": ")" +
            workspace + R"(", "service_id": "edr", "users": 1,
                 "devices": 2}]})",
        "u.json", {}, other);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.status().message().find(error), std::string::npos)
        << refused.status().message();
  }
}

TEST(UsageStream, JsonMayListUsageBeforeTheWorkspacesItNames) {
  CountingSink sink;
  auto r = stream_usage(
      R"({"usage": [{"workspace_id": "w1", "service_id": "edr", "users": 1, "devices": 2}],
    "workspaces": [{"id": "w1", "name": "A"}], "services": [{"id": "edr", "name": "EDR"}], "as_of": "2026-11-21"})",
      "u.json", {}, sink);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(sink.counts, 1u);
}

// Rows naming ids declared later are held, up to 100,000; past that the file is refused with
// what to change rather than a bare "unknown workspace".
TEST(UsageStream, PastTheHeldRowsAnUndeclaredIdSaysToDeclareFirst) {
  std::string text = R"({"usage": [)";
  for (int i = 0; i <= 100000; ++i)
    text += std::string(i == 0 ? "" : ",") + R"({"workspace_id": "w)" + std::to_string(i) +
            R"(", "service_id": "edr", "users": 1, "devices": 2})";
  text +=
      R"(], "workspaces": [{"id": "w1", "name": "A"}], "services": [{"id": "edr", "name": "EDR"}],
    "as_of": "2026-11-21"})";
  CountingSink sink;
  auto r = stream_usage(text, "u.json", {}, sink);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find(
                "unknown workspace 'w100000' (not declared before this row, and over 100,000 usage "
                "rows came before their declarations: put workspaces and services before usage)"),
            std::string::npos)
      << r.status().message().substr(0, 600);
}

TEST(UsageStream, AStoreFailureStopsTheImportAndIsReportedAsItIs) {
  TempFile file(many_rows_csv(5000));
  CountingSink sink;
  sink.fail_after = 100;
  auto r = stream_usage_file(file.path(), {}, sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorClass::kFatal);
  EXPECT_EQ(r.status().message(), "disk I/O error");
}

TEST(UsageStream, CapsTheErrorListAndSaysHowManyMore) {
  std::string text = "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n";
  for (int i = 0; i < 500; ++i) text += "2026-11-21,w" + std::to_string(i) + ",W,edr,EDR,-1,2\n";
  CountingSink sink;
  auto r = stream_usage(text, "u.csv", {}, sink);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("(500 errors)"), std::string::npos);
  EXPECT_NE(r.status().message().find("u.csv: ... and 300 more errors"), std::string::npos);
}

TEST(UsageStream, NamesAFileThatCannotBeReadOrIsTooLarge) {
  CountingSink sink;
  auto missing = stream_usage_file("/nonexistent/usage.csv", {}, sink);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.status().message().find("usage file /nonexistent/usage.csv cannot be read"),
            std::string::npos);
  TempFile file(many_rows_csv(100));
  UsageParseOptions small;
  small.max_bytes = 1000;
  auto large = stream_usage_file(file.path(), small, sink);
  ASSERT_FALSE(large);
  EXPECT_NE(
      large.status().message().find("is larger than the 1000 bytes limit (usage.max_file_mib"),
      std::string::npos)
      << large.status().message();
}

}  // namespace
}  // namespace mb
