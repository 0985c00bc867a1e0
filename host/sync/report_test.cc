#include "host/sync/report.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "host/sync/planner.h"

namespace mb {
namespace {

namespace bj = boost::json;

SyncRun a_run() {
  SyncRun run;
  run.id = 42;
  run.connector_id = "acme";
  run.state = RunState::kOk;
  run.trigger = "api";
  run.effective_date = "2026-11-22";
  run.started_at = "2026-11-22T02:00:04Z";
  run.finished_at = "2026-11-22T02:00:09Z";
  run.message = "1 updated, 1 unchanged";
  run.counts_json = R"({"updated":1,"unchanged":1})";
  return run;
}

SyncLine a_line(int64_t number, const std::string& workspace, const std::string& outcome) {
  SyncLine l;
  l.number = number;
  l.workspace_id = workspace;
  l.service_id = "edr";
  l.account_id = "A1";
  l.psa_service_id = "S-EDR";
  l.metric = "devices";
  l.current = 58;
  l.target = 61;
  l.delta = 3;
  l.outcome = outcome;
  return l;
}

const ReportNames kNames{
    {{"w1", "Northwind Traders"}}, {{"edr", "Endpoint Security"}}, {{"A1", "Northwind (PSA)"}}};

// The table rows of a report, without the summary line, header and rule.
std::vector<std::string> rows_of(const std::string& text) {
  std::vector<std::string> rows;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    rows.push_back(text.substr(start, nl - start));
  return std::vector<std::string>(rows.begin() + std::min<size_t>(3, rows.size()), rows.end());
}

TEST(ReportTest, TheSummaryLineSaysConnectorStateMessageRunDateAndDuration) {
  EXPECT_EQ(run_summary_line(a_run()),
            "acme: ok — 1 updated, 1 unchanged (run 42, effective 2026-11-22, 5 s)");
  SyncRun dry = a_run();
  dry.dry_run = true;
  dry.finished_at.clear();
  dry.effective_date.clear();
  EXPECT_EQ(run_summary_line(dry), "acme: ok (dry run) — 1 updated, 1 unchanged (run 42)");
}

TEST(ReportTest, EveryOutcomeButUnchangedIsListedWithNamesAndSignedDelta) {
  const char* listed[] = {outcome::kFailed,
                          outcome::kPendingConfirmation,
                          outcome::kHeld,
                          outcome::kStale,
                          outcome::kUpdated,
                          outcome::kWouldUpdate,
                          outcome::kNoContractLine,
                          outcome::kAmbiguousContractLine,
                          outcome::kPlatformNotMapped,
                          outcome::kAccountInactive,
                          outcome::kNotMapped,
                          outcome::kNotLinked,
                          outcome::kNoData,
                          outcome::kInterrupted,
                          outcome::kPending};
  for (const char* o : listed) {
    std::string text = format_run_text(a_run(), {a_line(1, "w1", o)}, kNames, {}, {.width = 0});
    std::vector<std::string> rows = rows_of(text);
    ASSERT_EQ(rows.size(), 1u) << o << "\n" << text;
    EXPECT_NE(rows[0].find(std::string("  ") + o), std::string::npos) << text;
    EXPECT_NE(rows[0].find("Northwind Traders"), std::string::npos) << text;
    EXPECT_NE(rows[0].find("Endpoint Security"), std::string::npos) << text;
    EXPECT_NE(rows[0].find("Northwind (PSA)"), std::string::npos) << text;
    EXPECT_NE(rows[0].find("+3"), std::string::npos) << text;
  }
}

TEST(ReportTest, UnchangedLinesAreCountedNotListedUnlessAllLinesAreAsked) {
  std::vector<SyncLine> lines{a_line(1, "w1", outcome::kUnchanged),
                              a_line(2, "w2", outcome::kUnchanged)};
  std::string text = format_run_text(a_run(), lines, kNames, {"first sync of this connector"}, {});
  EXPECT_EQ(text,
            "acme: ok — 1 updated, 1 unchanged (run 42, effective 2026-11-22, 5 s)\n"
            "  2 lines unchanged\n"
            "  note: first sync of this connector\n");
  std::string all = format_run_text(a_run(), lines, kNames, {}, {.all_lines = true, .width = 0});
  EXPECT_EQ(rows_of(all).size(), 2u) << all;
  EXPECT_EQ(all.find("lines unchanged"), std::string::npos);
}

TEST(ReportTest, LinesNeedingAttentionComeFirstAndUnknownIdsShowAsThemselves) {
  std::vector<SyncLine> lines{a_line(1, "w1", outcome::kUpdated), a_line(2, "w9", outcome::kHeld),
                              a_line(3, "w1", outcome::kFailed)};
  lines[2].message = "platform said no";
  std::vector<std::string> rows =
      rows_of(format_run_text(a_run(), lines, kNames, {}, {.width = 0}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[0].find("failed"), std::string::npos);
  EXPECT_NE(rows[0].find("platform said no"), std::string::npos);
  EXPECT_NE(rows[1].find("held"), std::string::npos);
  EXPECT_NE(rows[1].find("w9"), std::string::npos);  // no name known: the id
  EXPECT_NE(rows[2].find("updated"), std::string::npos);
}

TEST(ReportTest, ADecidedLineSaysItsDecisionAndALongListSaysHowManyWereLeftOut) {
  std::vector<SyncLine> lines;
  for (int i = 1; i <= 5; ++i) lines.push_back(a_line(i, "w1", outcome::kHeld));
  lines[0].decision = Decision::kDismissed;
  lines[0].decision_note = "by the admin API";
  lines[0].message = "a decrease of 3";
  std::string text = format_run_text(a_run(), lines, kNames, {}, {.max_lines = 2, .width = 0});
  EXPECT_NE(text.find("dismissed (by the admin API); a decrease of 3"), std::string::npos) << text;
  EXPECT_EQ(rows_of(text).size(), 3u) << text;  // two lines and the "more" line
  EXPECT_NE(text.find("  ... 3 more lines (runs show 42)\n"), std::string::npos) << text;
}

// A reason of 300 characters, as long as the platforms' fix texts get.
std::string a_long_reason() {
  std::string reason = "The platform refused the addition:";
  for (int i = 0; reason.size() < 300; ++i) reason += " step-" + std::to_string(i) + " of the fix";
  return reason.substr(0, 300);
}

TEST(ReportTest, ALongReasonWrapsToTheWidthAndIsPrintedWhole) {
  std::vector<SyncLine> lines{a_line(1, "w1", outcome::kFailed)};
  lines[0].message = a_long_reason();
  const ReportNames short_names{{{"w1", "Northwind"}}, {{"edr", "EDR"}}, {{"A1", "Northwind"}}};
  std::string text = format_run_text(a_run(), lines, short_names, {}, {.width = 100});
  std::vector<std::string> rows = rows_of(text);
  ASSERT_GT(rows.size(), 2u) << text;
  auto first = std::find_if(rows.begin(), rows.end(), [](const std::string& row) {
    return row.find("The platform refused") != std::string::npos;
  });
  ASSERT_NE(first, rows.end()) << text;
  const size_t detail_column = first->find("The platform refused");
  std::string reassembled;
  for (auto row = first; row != rows.end(); ++row) {
    EXPECT_LE(row->size(), 100u) << text;
    // A continuation line is blank up to where the reason started.
    if (row != first) {
      EXPECT_EQ(row->find_first_not_of(' '), detail_column) << text;
    }
    reassembled += (reassembled.empty() ? "" : " ") + row->substr(detail_column);
  }
  EXPECT_EQ(reassembled, a_long_reason());
}

TEST(ReportTest, WidthZeroPrintsEveryLineWholeOnOneLine) {
  std::vector<SyncLine> lines{a_line(1, "w1", outcome::kFailed), a_line(2, "w1", outcome::kHeld)};
  lines[0].message = a_long_reason();
  const ReportNames long_names{{{"w1", std::string(40, 'W') + " Holdings"}}, {}, {}};
  std::string text = format_run_text(a_run(), lines, long_names, {}, {.width = 0});
  std::vector<std::string> rows = rows_of(text);
  ASSERT_EQ(rows.size(), 2u) << text;
  EXPECT_NE(rows[0].find(a_long_reason()), std::string::npos) << text;
  EXPECT_NE(rows[0].find(std::string(40, 'W') + " Holdings"), std::string::npos) << text;
}

TEST(ReportTest, ALongNameWrapsWithinItsColumnAndIsNotCut) {
  const std::string name = "The Very Long Named Accounting Partnership of Northern Counties";
  const ReportNames long_names{{{"w1", name}}, {}, {}};
  std::string text =
      format_run_text(a_run(), {a_line(1, "w1", outcome::kUpdated)}, long_names, {}, {});
  std::vector<std::string> rows = rows_of(text);
  ASSERT_GT(rows.size(), 1u) << text;
  std::string reassembled;
  for (const auto& row : rows) {
    std::string cell =
        row == rows[0] ? row.substr(row.find("The Very")) : row.substr(row.find_first_not_of(' '));
    reassembled += (reassembled.empty() ? "" : " ") + cell.substr(0, cell.find("  "));
  }
  EXPECT_EQ(reassembled, name) << text;
  EXPECT_EQ(text.find("…"), std::string::npos) << text;
}

TEST(ReportTest, TheJsonReportCarriesEveryLineWithNamesAndTheDecision) {
  std::vector<SyncLine> lines{a_line(1, "w1", outcome::kUpdated), a_line(2, "w1", outcome::kHeld)};
  lines[0].action = LineAction::kUpdate;
  lines[1].current.reset();
  lines[1].decision = Decision::kApproved;
  lines[1].decision_run_id = 43;
  bj::value doc = run_to_json(a_run(), lines, kNames, {"a note"});
  EXPECT_EQ(doc.at("id").as_int64(), 42);
  EXPECT_EQ(doc.at("state").as_string(), "ok");
  EXPECT_EQ(doc.at("counts").at("updated").as_int64(), 1);
  const bj::array& out = doc.at("lines").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("workspace").as_string(), "Northwind Traders");
  EXPECT_EQ(out[0].at("service").as_string(), "Endpoint Security");
  EXPECT_EQ(out[0].at("action").as_string(), "update");
  EXPECT_EQ(out[0].at("outcome").as_string(), "updated");
  EXPECT_FALSE(out[0].as_object().contains("decision"));
  EXPECT_TRUE(out[1].at("current").is_null());
  EXPECT_EQ(out[1].at("decision").at("decision").as_string(), "approved");
  EXPECT_EQ(out[1].at("decision").at("run").as_int64(), 43);
  EXPECT_EQ(doc.at("notes").as_array().at(0).as_string(), "a note");
}

TEST(ReportTest, ARunWithUnreadableCountsStillHasACountsObject) {
  SyncRun run = a_run();
  run.counts_json = "not json";
  EXPECT_TRUE(run_header_to_json(run).at("counts").as_object().empty());
}

TEST(ReportTest, APendingApprovalNamesItsConnectorRunAndAccount) {
  PendingApproval p{"acme", 42, "2026-11-22T02:00:04Z", a_line(3, "w1", outcome::kHeld)};
  bj::value doc = pending_approval_to_json(p, kNames);
  EXPECT_EQ(doc.at("connector").as_string(), "acme");
  EXPECT_EQ(doc.at("run").as_int64(), 42);
  EXPECT_EQ(doc.at("line").as_int64(), 3);
  EXPECT_EQ(doc.at("account").as_string(), "Northwind (PSA)");
  EXPECT_EQ(doc.at("delta").as_int64(), 3);
}

}  // namespace
}  // namespace mb
