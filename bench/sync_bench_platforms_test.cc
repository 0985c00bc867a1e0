// The minimal-call formulas the sync benchmark compares every sync with, checked against the
// worked examples of docs/platforms/<platform>.md, so a benchmark ratio of 1.000 means what the
// platform's page says it means.
#include "bench/sync_bench_platforms.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/sync/planner.h"

namespace mb::bench {
namespace {

std::unique_ptr<PlatformBench> platform(const std::string& id) {
  for (auto& p : all_platforms())
    if (p->id() == id) return std::move(p);
  return nullptr;
}

// `companies` × `per_company` lines, every one read; the first `changed` are written.
std::vector<SyncLine> lines(int companies, int per_company, int changed, int first_company_id,
                            const std::string& ref_key) {
  std::vector<SyncLine> out;
  for (int c = 0; c < companies; ++c)
    for (int s = 0; s < per_company; ++s) {
      SyncLine l;
      l.account_id = std::to_string(first_company_id + c);
      l.psa_service_id = std::to_string(31 + s);
      l.key = l.account_id + "|" + l.psa_service_id;
      l.target = 10;
      l.current = 9;
      const int n = c * per_company + s;
      if (ref_key == "contract_service_id")
        l.line_ref_json = R"({"contract_id":)" + std::to_string(9000 + c) +
                          R"(,"contract_service_id":)" + std::to_string(55000 + n) + "}";
      else if (ref_key == "agreement_id")
        l.line_ref_json = R"({"agreement_id":)" + std::to_string(9000 + c) + R"(,"addition_id":)" +
                          std::to_string(77 + n) + "}";
      l.action = n < changed ? LineAction::kUpdate : LineAction::kNone;
      l.outcome = n < changed ? outcome::kUpdated : outcome::kUnchanged;
      out.push_back(std::move(l));
    }
  return out;
}

int64_t minimal(const std::string& id, const std::vector<SyncLine>& run,
                std::vector<std::string> notes = {}, const std::string& trigger = "manual") {
  SyncFacts facts;
  facts.lines = &run;
  facts.trigger = trigger;
  facts.notes = std::move(notes);
  return platform(id)->minimal_calls(facts).total;
}

TEST(MinimalCalls, AutotaskMatchesTheDocumentedCommonCase) {
  // autotask.md: 1,200 lines (120 companies × 10 services) with 150 changes:
  // 1 + 2·⌈1200/5000⌉ + 2·⌈1200/500⌉ + ⌈150/500⌉ + 150 = 160.
  EXPECT_EQ(minimal("autotask", lines(120, 10, 150, 400, "contract_service_id")), 160);
}

TEST(MinimalCalls, AutotaskUnchangedRerunOnlyReads) {
  // A rerun with unchanged usage costs 1 + 2·⌈N/(500·s)⌉ + 2·⌈N/500⌉.
  EXPECT_EQ(minimal("autotask", lines(120, 10, 0, 400, "contract_service_id")), 9);
}

TEST(MinimalCalls, AutotaskSkipsStagesWithNoInput) {
  // Every company inactive: only the Companies query of each read call, and the zone lookup.
  auto run = lines(60, 10, 0, 400, "");
  for (auto& l : run) {
    l.outcome = outcome::kAccountInactive;
    l.action = LineAction::kSkip;
    l.current.reset();
  }
  EXPECT_EQ(minimal("autotask", run), 1 + 1);
}

TEST(MinimalCalls, AutotaskReadsInCallsOf5000Lines) {
  // 20,000 lines (2,000 companies × 10 services) in four read calls of 500 companies:
  // each 1 + 1 + ⌈500/50⌉ + ⌈5000/500⌉ = 22; 1,000 changes in two apply calls: 2 + 1,000.
  EXPECT_EQ(minimal("autotask", lines(2000, 10, 1000, 400, "contract_service_id")),
            1 + 4 * 22 + 2 + 1000);
}

TEST(MinimalCalls, ConnectWiseCountsAgreementsCompaniesAndPatches) {
  // connectwise.md's example shape in one read call: 200 companies on six-digit ids, one
  // active agreement each, 2 lines per company, 40 changed lines:
  // 1 companyinfo + ⌈200/196⌉ agreement queries + 200 addition lists + 40 PATCHes.
  EXPECT_EQ(minimal("connectwise", lines(200, 2, 40, 100000, "agreement_id")), 1 + 2 + 200 + 40);
}

TEST(MinimalCalls, ConnectWiseLooksUpCompaniesWithoutAgreements) {
  auto run = lines(10, 2, 0, 250, "agreement_id");
  for (int i = 0; i < 4; ++i) {  // companies 250 and 251: no active agreement
    run[i].line_ref_json = "{}";
    run[i].outcome = outcome::kNoContractLine;
    run[i].current.reset();
  }
  // 1 companyinfo + 1 agreement query + 8 addition lists + 1 company look-up.
  EXPECT_EQ(minimal("connectwise", run), 1 + 1 + 8 + 1);
}

TEST(MinimalCalls, ConnectWiseCountsEveryAgreementAnAmbiguousLineNames) {
  auto run = lines(1, 2, 0, 252, "agreement_id");
  run[0].line_ref_json = "{}";
  run[0].outcome = outcome::kAmbiguousContractLine;
  run[0].message =
      "catalog item 55 has 2 active additions for company 252: addition 80 on agreement 9000 "
      "\"Managed Security\", addition 91 on agreement 9005 \"Managed Security - Add-on\"; keep one";
  // 1 companyinfo + 1 agreement query + agreements 9000 and 9005.
  EXPECT_EQ(minimal("connectwise", run), 1 + 1 + 2);
}

TEST(MinimalCalls, GradientSteadyStateMatchesTheDocumentedExample) {
  // gradient.md: 2,000 workspaces × 4 services, 5% changed, everything mapped: 3 + 400 = 403.
  EXPECT_EQ(minimal("gradient", lines(2000, 4, 400, 1, "")), 403);
}

TEST(MinimalCalls, GradientFirstPushCreatesAccountsAndLeavesActivationToGradient) {
  // 2,000 accounts created in bulk (⌈2000/250⌉ = 8), every line pushed; Gradient sets active.
  EXPECT_EQ(minimal("gradient", lines(2000, 4, 8000, 1, ""),
                    {"accounts provisioned on the platform: 2000 created"}),
            3 + 8 + 8000);
}

TEST(MinimalCalls, GradientScheduledRunPushesEveryLineAndOnDemandRunsOnlyChanges) {
  // gradient.md: the daily scheduled run resends every accepted count: 3 + N.
  auto run = lines(2000, 4, 8000, 1, "");
  EXPECT_EQ(minimal("gradient", run, {}, "schedule"), 3 + 8000);
  // The formula counts what the policy asks for, not what the engine did: had the engine
  // skipped the unchanged lines of a scheduled run, they would show as calls missing.
  auto skipped = lines(2000, 4, 400, 1, "");
  EXPECT_EQ(minimal("gradient", skipped, {}, "schedule"), 3 + 8000);
  EXPECT_EQ(minimal("gradient", skipped, {}, "manual"), 3 + 400);
  EXPECT_EQ(minimal("gradient", skipped, {}, "api"), 3 + 400);
  // Held lines and lines without a target are not pushed on any run.
  skipped[0].action = LineAction::kHold;
  skipped[0].outcome = outcome::kHeld;
  skipped[1].target.reset();
  skipped[1].action = LineAction::kSkip;
  skipped[1].outcome = outcome::kNoData;
  EXPECT_EQ(minimal("gradient", skipped, {}, "schedule"), 3 + 7998);
}

TEST(MinimalCalls, ExternalMatchesTheDocumentedFormula) {
  // external.md: 1 + ⌈N/100⌉ GETs for a rerun with nothing changed, over the whole plan.
  EXPECT_EQ(minimal("external", lines(2000, 10, 0, 1, "")), 1 + 20);
  // 1,000 changed counts in batches of 100, plus GET /v1/integration.
  EXPECT_EQ(minimal("external", lines(2000, 10, 1000, 1, "")), 1 + 20 + 1 + 10);
}

TEST(MinimalCalls, NothingPlannedNeedsNoCall) {
  std::vector<SyncLine> none;
  for (const auto& p : all_platforms()) {
    if (p->id() == "gradient") continue;  // provisioning reads status, accounts and services anyway
    SyncFacts facts;
    facts.lines = &none;
    EXPECT_EQ(p->minimal_calls(facts).total, 0) << p->id();
  }
}

}  // namespace
}  // namespace mb::bench
