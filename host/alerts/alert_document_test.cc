// Alert documents (docs/alerts.md): one alert or a batch, validated whole, every error naming
// its field.
#include "host/alerts/alert_document.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

constexpr const char* kOpenAlert = R"({
  "id": "al-1", "workspace_id": "ws-1042", "title": "Ransomware behaviour on LAPTOP-7",
  "description": "Mass file renames by an unsigned process.", "severity": "high",
  "status": "open", "time": "2026-12-05T10:00:00Z", "device": "LAPTOP-7", "service_id": "edr"
})";

std::string message_of(const Result<AlertDocument>& r) { return r ? "" : r.status().message(); }

TEST(AlertDocumentTest, OneAlertObjectIsADocumentOfOneAlert) {
  auto document = parse_alert_document(kOpenAlert, "api");
  ASSERT_TRUE(document) << message_of(document);
  EXPECT_FALSE(document->batch);
  ASSERT_EQ(document->alerts.size(), 1u);
  const Alert& a = document->alerts[0];
  EXPECT_EQ(a.id, "al-1");
  EXPECT_EQ(a.workspace_id, "ws-1042");
  EXPECT_EQ(a.title, "Ransomware behaviour on LAPTOP-7");
  EXPECT_EQ(a.severity, AlertSeverity::kHigh);
  EXPECT_EQ(a.status, AlertStatus::kOpen);
  EXPECT_EQ(a.time, "2026-12-05T10:00:00Z");
  EXPECT_EQ(a.device, "LAPTOP-7");
  EXPECT_EQ(a.service_id, "edr");
}

TEST(AlertDocumentTest, ABatchKeepsItsOrderAndOptionalFieldsMayBeLeftOut) {
  auto document = parse_alert_document(R"({"alerts": [
      {"id": "b", "workspace_id": "w", "title": "T", "severity": "info", "status": "resolved",
       "time": "2026-12-05T10:00:00Z"},
      {"id": "a", "workspace_id": "w", "title": "T", "severity": "critical", "status": "open",
       "time": "2026-12-05T10:00:00Z"}]})",
                                       "alerts.json");
  ASSERT_TRUE(document) << message_of(document);
  EXPECT_TRUE(document->batch);
  ASSERT_EQ(document->alerts.size(), 2u);
  EXPECT_EQ(document->alerts[0].id, "b");
  EXPECT_EQ(document->alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(document->alerts[0].device, "");
  EXPECT_EQ(document->alerts[1].severity, AlertSeverity::kCritical);
  EXPECT_TRUE(parse_alert_document(R"({"alerts": []})", "api"));
}

TEST(AlertDocumentTest, EveryErrorIsListedWithItsFieldAndNothingIsReturned) {
  auto document = parse_alert_document(R"({"alerts": [
      {"id": "", "workspace_id": "w", "title": "T", "severity": "urgent", "status": "open",
       "time": "yesterday", "colour": "red"},
      {"id": "x", "title": 7, "severity": "low", "status": "closed", "time": "2026-12-05T10:00:00Z"},
      "not an alert"]})",
                                       "alerts.json");
  ASSERT_FALSE(document);
  EXPECT_EQ(document.status().code(), ErrorClass::kConfigInvalid);
  const std::string& m = document.status().message();
  EXPECT_NE(m.find("alerts rejected, nothing stored (8 errors)"), std::string::npos) << m;
  for (const char* line : {"alerts.json: /alerts/0/colour: unknown field",
                           "alerts.json: /alerts/0/id: must not be empty",
                           "alerts.json: /alerts/0/severity: must be info, low, medium, high or "
                           "critical, not 'urgent'",
                           "alerts.json: /alerts/0/time: must be an RFC 3339 date-time",
                           "alerts.json: /alerts/1/workspace_id: required",
                           "alerts.json: /alerts/1/title: must be a string",
                           "alerts.json: /alerts/1/status: must be open or resolved, not 'closed'",
                           "alerts.json: /alerts/2: must be an alert object"})
    EXPECT_NE(m.find(line), std::string::npos) << line << "\n" << m;
}

TEST(AlertDocumentTest, AnAlertIdTwiceInOneDocumentIsAnErrorNamingBoth) {
  std::string twice = std::string(R"({"alerts": [)") + kOpenAlert + "," + kOpenAlert + "]}";
  auto document = parse_alert_document(twice, "api");
  ASSERT_FALSE(document);
  EXPECT_NE(document.status().message().find(
                "api: /alerts/1/id: alert 'al-1' is already in this document at /alerts/0"),
            std::string::npos)
      << document.status().message();
}

TEST(AlertDocumentTest, ABatchHoldsOnlyItsAlertsAndTheDocumentMustBeJson) {
  auto extra = parse_alert_document(R"({"alerts": [], "as_of": "2026-12-05"})", "api");
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.status().message().find("api: /as_of: unknown field"), std::string::npos);
  auto not_json = parse_alert_document("id,title\n1,x\n", "api");
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.status().message().find("api: /: invalid JSON"), std::string::npos)
      << not_json.status().message();
  auto array = parse_alert_document("[]", "api");
  ASSERT_FALSE(array);
  EXPECT_NE(array.status().message().find("must be an alert object or"), std::string::npos);
}

TEST(AlertDocumentTest, FieldsLongerThanTheirLimitAreRefusedCountingCharactersNotBytes) {
  std::string title(500, 'x');
  std::string accented;
  for (int i = 0; i < 500; ++i) accented += "\xC3\xA9";  // 500 characters, 1000 bytes
  auto with_title = [](const std::string& t) {
    return R"({"id": "a", "workspace_id": "w", "severity": "low", "status": "open",
               "time": "2026-12-05T10:00:00Z", "title": ")" +
           t + "\"}";
  };
  EXPECT_TRUE(parse_alert_document(with_title(title), "api"));
  EXPECT_TRUE(parse_alert_document(with_title(accented), "api"));
  auto too_long = parse_alert_document(with_title(title + "x"), "api");
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.status().message().find("/title: is longer than 500 characters"),
            std::string::npos);
}

TEST(AlertDocumentTest, TimesWithAnOffsetOrAFractionAreNormalisedToUtcSeconds) {
  EXPECT_EQ(normalise_alert_time("2026-12-05T11:30:00+01:30"), "2026-12-05T10:00:00Z");
  EXPECT_EQ(normalise_alert_time("2026-12-31T23:00:00-02:00"), "2027-01-01T01:00:00Z");
  EXPECT_EQ(normalise_alert_time("2026-12-05T10:00:00.123Z"), "2026-12-05T10:00:00Z");
  EXPECT_EQ(normalise_alert_time("2024-02-29T00:00:00Z"), "2024-02-29T00:00:00Z");
  for (const char* bad :
       {"2026-12-05", "2026-12-05T10:00:00", "2026-02-29T00:00:00Z", "2026-12-05T24:00:00Z",
        "2026-12-05T10:00:00.Z", "2026-12-05T10:00:00+1:00", "2026-13-05T10:00:00Z", ""})
    EXPECT_FALSE(normalise_alert_time(bad)) << bad;
}

TEST(AlertDocumentTest, AFileLargerThanTheLimitIsRefusedAndAMissingFileIsNamed) {
  testing::TempDir dir;
  auto path = dir / "alerts.json";
  std::ofstream(path) << kOpenAlert;
  EXPECT_TRUE(read_alert_file(path.string()));
  auto large = read_alert_file(path.string(), AlertParseOptions{.max_bytes = 16});
  ASSERT_FALSE(large);
  EXPECT_NE(large.status().message().find("larger than"), std::string::npos);
  auto missing = read_alert_file((dir / "missing.json").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.status().message().find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace mb
