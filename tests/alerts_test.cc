// Alerts in (docs/alerts.md), black-box: `meterbridge alerts push FILE` and `POST /v1/alerts`
// on a real daemon listening on a loopback port chosen at run time. A document is stored whole
// or not at all, and pushing the same alerts again changes nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

namespace bj = boost::json;
using testing::ServeHarness;

constexpr const char* kTwoOpenAlerts = R"({"alerts": [
  {"id": "al-1", "workspace_id": "w-alpha", "title": "Ransomware behaviour on LAPTOP-7",
   "description": "Mass file renames by an unsigned process.", "severity": "high",
   "status": "open", "time": "2026-12-05T10:00:00Z", "device": "LAPTOP-7", "service_id": "edr"},
  {"id": "al-2", "workspace_id": "w-beta", "title": "Impossible travel sign-in",
   "severity": "medium", "status": "open", "time": "2026-12-05T10:05:00+01:00"}]})";

constexpr const char* kFirstResolved = R"({"id": "al-1", "workspace_id": "w-alpha",
  "title": "Ransomware behaviour on LAPTOP-7",
  "description": "Mass file renames by an unsigned process.", "severity": "high",
  "status": "resolved", "time": "2026-12-05T11:00:00Z", "device": "LAPTOP-7", "service_id": "edr"})";

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_.dir().write("partner-token", kPartnerToken, 0600);
    serve_.write_config({serve_.ledger_connector("led")},
                        R"("api": {"token": "${file:token}", "partner_tokens": [)"
                        R"({"partner_id": "msp-17", "token": "${file:partner-token}"}]})");
    serve_.start();
  }

  static constexpr const char* kPartnerToken = "partner-token-for-alerts-91c2";

  bj::value cli_json(const std::string& args) {
    auto r = serve_.cli("--json " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    boost::system::error_code ec;
    bj::value v = bj::parse(r.out, ec);
    EXPECT_FALSE(ec) << r.out;
    return v;
  }

  size_t stored_alerts() { return cli_json("alerts list").at("alerts").as_array().size(); }

  ServeHarness serve_;
};

TEST_F(AlertsTest, AFilePushedTwiceIsStoredOnceAndAResolutionAddsToTheHistory) {
  auto file = serve_.dir().write("alerts.json", kTwoOpenAlerts);
  auto first = serve_.cli("alerts push " + file.string());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("recorded 2 alerts: 2 new, 0 changed, 0 unchanged"), std::string::npos)
      << first.out;
  // No usage import declared the workspaces: kept, and said so.
  EXPECT_NE(first.out.find("w-alpha w-beta"), std::string::npos) << first.out;

  bj::value again = cli_json("alerts push " + file.string());
  EXPECT_EQ(again.at("created").as_int64(), 0);
  EXPECT_EQ(again.at("unchanged").as_int64(), 2);

  auto resolved = serve_.dir().write("resolved.json", kFirstResolved);
  bj::value resolving = cli_json("alerts push " + resolved.string());
  EXPECT_EQ(resolving.at("updated").as_int64(), 1);
  EXPECT_EQ(resolving.at("alerts").at(0).at("version").as_int64(), 2);

  bj::value shown = cli_json("alerts show al-1");
  EXPECT_EQ(shown.at("status").as_string(), "resolved");
  ASSERT_EQ(shown.at("history").as_array().size(), 2u);
  EXPECT_EQ(shown.at("history").at(0).at("status").as_string(), "open");
  EXPECT_EQ(shown.at("history").at(1).at("source").as_string(), resolved.string());
  bj::value second = cli_json("alerts show al-2");
  EXPECT_EQ(second.at("time").as_string(), "2026-12-05T09:05:00Z");

  auto open_only = cli_json("alerts list --status open").at("alerts").as_array();
  ASSERT_EQ(open_only.size(), 1u);
  EXPECT_EQ(open_only[0].at("id").as_string(), "al-2");
}

TEST_F(AlertsTest, AFileWithAnyErrorIsRefusedWholeNamingEveryField) {
  auto file = serve_.dir().write("bad.json", R"({"alerts": [
    {"id": "ok-1", "workspace_id": "w", "title": "Fine", "severity": "low", "status": "open",
     "time": "2026-12-05T10:00:00Z"},
    {"id": "bad-1", "workspace_id": "w", "title": "", "severity": "severe", "status": "open",
     "time": "2026-12-05T10:00:00Z", "owner": "bob"}]})");
  auto r = serve_.cli("alerts push " + file.string());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // config invalid
  for (const char* expected :
       {"alerts rejected, nothing stored (3 errors)", "/alerts/1/owner: unknown field",
        "/alerts/1/title: must not be empty",
        "/alerts/1/severity: must be info, low, medium, high or critical"})
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  EXPECT_EQ(stored_alerts(), 0u);
  auto missing = serve_.cli("alerts show ok-1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no alert 'ok-1'"), std::string::npos) << missing.err;
}

TEST_F(AlertsTest, TheApiTakesOneAlertAtATimeOrABatchAndListsThem) {
  auto one = serve_.call("POST", "/v1/alerts", kFirstResolved);
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.body.at("created").as_int64(), 1);
  auto batch = serve_.call("POST", "/v1/alerts", kTwoOpenAlerts);
  ASSERT_EQ(batch.status, 200) << batch.raw;
  // al-1 is resolved at 11:00; its open state of 10:00 arrives late and changes nothing.
  EXPECT_EQ(batch.body.at("alerts").at(0).at("outcome").as_string(), "stale");
  EXPECT_EQ(batch.body.at("alerts").at(1).at("outcome").as_string(), "created");
  EXPECT_EQ(serve_.call("POST", "/v1/alerts", kTwoOpenAlerts).body.at("stale").as_int64(), 1);

  auto page = serve_.call("GET", "/v1/alerts?limit=1");
  ASSERT_EQ(page.status, 200) << page.raw;
  ASSERT_EQ(page.body.at("alerts").as_array().size(), 1u);
  EXPECT_EQ(page.body.at("next_after").as_string(), "al-1");
  auto rest = serve_.call("GET", "/v1/alerts?after=al-1&limit=5");
  ASSERT_EQ(rest.body.at("alerts").as_array().size(), 1u);
  EXPECT_EQ(rest.body.at("alerts").at(0).at("id").as_string(), "al-2");
  EXPECT_FALSE(rest.body.as_object().contains("next_after"));

  auto shown = serve_.call("GET", "/v1/alerts/al-1");
  ASSERT_EQ(shown.status, 200) << shown.raw;
  EXPECT_EQ(shown.body.at("status").as_string(), "resolved");
  EXPECT_EQ(shown.body.at("history").as_array().size(), 1u);
  EXPECT_EQ(serve_.call("GET", "/v1/alerts/nope").status, 404);
  EXPECT_EQ(serve_.call("GET", "/v1/alerts?limit=0").status, 400);
}

TEST_F(AlertsTest, TheApiRefusesABadDocumentWhole400NamingEachField) {
  auto bad = serve_.call("POST", "/v1/alerts", R"({"alerts": [
    {"id": "ok-1", "workspace_id": "w", "title": "Fine", "severity": "low", "status": "open",
     "time": "2026-12-05T10:00:00Z"},
    {"id": "ok-1", "workspace_id": "w", "title": "Again", "severity": "low", "status": "gone",
     "time": "2026-12-05T10:00:00Z"}]})");
  ASSERT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(bad.body.at("error").at("code").as_string(), "config_invalid");
  EXPECT_NE(std::string(bad.body.at("error").at("message").as_string()).find("nothing stored"),
            std::string::npos);
  auto errors = bad.body.at("error").at("details").at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << bj::serialize(errors);
  EXPECT_EQ(errors[0].as_string(), "api: /alerts/1/status: must be open or resolved, not 'gone'");
  auto not_json = serve_.call("POST", "/v1/alerts", "{\"id\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(serve_.call("POST", "/v1/alerts", kFirstResolved, "wrong-token").status, 401);
  // Alerts are the vendor's: a partner's token may neither push nor read them.
  EXPECT_EQ(serve_.call("POST", "/v1/alerts", kFirstResolved, kPartnerToken).status, 403);
  EXPECT_EQ(serve_.call("GET", "/v1/alerts", "", kPartnerToken).status, 403);
  EXPECT_EQ(serve_.call("GET", "/v1/alerts/al-1", "", kPartnerToken).status, 403);
  EXPECT_EQ(stored_alerts(), 0u);
}

}  // namespace
}  // namespace mb
