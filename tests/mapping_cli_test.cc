// Mapping through the CLI as a billing admin types it, against the "ledger" fake platform:
// workspaces, PSA accounts and services named by id or by name (exact, then ignoring case),
// ambiguous names answered with the candidates, missing ones with where they were looked for;
// and excluding a mapped workspace sets its mapping aside, never billed, until include.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::run;
using testing::RunResult;
using testing::TempDir;

constexpr const char* kPlatform = R"({
  "accounts": [
    {"id": "104", "name": "Summit Accounting", "active": true},
    {"id": "201", "name": "Harbor Dental", "active": true},
    {"id": "301", "name": "Twin Peaks", "active": true},
    {"id": "302", "name": "Twin Peaks", "active": true},
    {"id": "401", "name": "Orchard Farms", "active": true},
    {"id": "402", "name": "ORCHARD FARMS", "active": true}
  ],
  "services": [{"id": "S-EDR", "name": "Endpoint protection per device"},
               {"id": "S-MAIL", "name": "Mail Security"}],
  "units": {"104|S-EDR": 3, "201|S-EDR": 1},
  "ambiguous": [],
  "writes": []
})";

constexpr const char* kUsage = R"({
  "as_of": "2026-11-21",
  "workspaces": [{"id": "w-summit", "name": "Summit Accounting"}, {"id": "w-harbor", "name": "Harbor Dental"},
                 {"id": "w-peaks", "name": "Twin Peaks"}],
  "services": [{"id": "edr", "name": "EDR"}, {"id": "email", "name": "Email Security"}],
  "usage": [
    {"workspace_id": "w-summit", "service_id": "edr", "users": 7, "devices": 9},
    {"workspace_id": "w-harbor", "service_id": "edr", "users": 2, "devices": 4},
    {"workspace_id": "w-peaks", "service_id": "email", "users": 5, "devices": 0}
  ]
})";

class MappingCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::install_plugin(testing::build_dir() / "test-plugins" / "ledger", dir_ / "plugins");
    dir_.write("ledger.json", kPlatform);
    dir_.write("usage.json", kUsage);
    write_config("auto");
  }

  void write_config(const std::string& decreases) {
    json::object connector{{"id", "led"},
                           {"plugin", "ledger"},
                           {"config", json::object{{"ledger", (dir_ / "ledger.json").string()}}},
                           {"policies", json::object{{"decreases", decreases}}}};
    dir_.write(
        "mb.json",
        R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"}, "connectors": [)" +
            json::serialize(connector) + "]}");
  }

  RunResult mb(const std::string& args) {
    return run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'd') + " " +
               testing::meterbridge_binary() + " --config '" + (dir_ / "mb.json").string() + "' " +
               args);
  }

  void import_usage() {
    ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
  }

  // The workspace rows of `map show --json`, by workspace id.
  std::map<std::string, json::object> shown_workspaces() {
    RunResult r = mb("map show led --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, json::object> by_id;
    json::value shown = json::parse(r.out);
    for (const auto& w : shown.at("workspaces").as_array())
      by_id[std::string(w.at("workspace_id").as_string())] = w.as_object();
    return by_id;
  }

  TempDir dir_;
};

TEST_F(MappingCliTest, MapAccountTakesNamesAndSaysWhichIdsItChose) {
  import_usage();
  RunResult r = mb("map account led 'Summit Accounting' 'Summit Accounting'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "led: workspace 'Summit Accounting' (w-summit) -> 'Summit Accounting' (104)\n");
  // Ignoring case when no name matches exactly; ids still work.
  r = mb("map account led 'harbor dental' 'HARBOR DENTAL'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(w-harbor) -> 'Harbor Dental' (201)"), std::string::npos) << r.out;
  r = mb("map account led w-peaks 302");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto shown = shown_workspaces();
  EXPECT_EQ(shown["w-summit"].at("account_id").as_string(), "104");
  EXPECT_EQ(shown["w-harbor"].at("account_id").as_string(), "201");
  EXPECT_EQ(shown["w-peaks"].at("account_id").as_string(), "302");
}

TEST_F(MappingCliTest, AnAmbiguousNameIsRefusedListingTheCandidatesWithTheirIds) {
  import_usage();
  RunResult twins = mb("map account led w-peaks 'Twin Peaks'");
  EXPECT_EQ(twins.exit_code, 3) << twins.out;
  EXPECT_NE(twins.err.find("'Twin Peaks' names 2 PSA accounts"), std::string::npos) << twins.err;
  EXPECT_NE(twins.err.find("'Twin Peaks' (id 301), 'Twin Peaks' (id 302); give the id instead"),
            std::string::npos)
      << twins.err;
  // An exact name wins over one that differs only in case; ignoring case, both match.
  RunResult exact = mb("map account led w-harbor 'ORCHARD FARMS'");
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  EXPECT_NE(exact.out.find("(402)"), std::string::npos) << exact.out;
  RunResult either = mb("map account led w-summit 'orchard farms'");
  EXPECT_EQ(either.exit_code, 3);
  EXPECT_NE(either.err.find("'Orchard Farms' (id 401)"), std::string::npos) << either.err;
  EXPECT_NE(either.err.find("'ORCHARD FARMS' (id 402)"), std::string::npos) << either.err;
  EXPECT_EQ(shown_workspaces()["w-summit"].at("state").as_string(), "unmapped");
}

TEST_F(MappingCliTest, ANameNotFoundSaysWhereItWasLookedForAndWhyThatIsEmpty) {
  RunResult before = mb("map account led 'Summit Accounting' 104");
  EXPECT_EQ(before.exit_code, 7);
  EXPECT_NE(before.err.find(
                "no workspace with the id or name 'Summit Accounting' in the workspaces of the "
                "imported usage: no usage imported yet"),
            std::string::npos)
      << before.err;
  import_usage();
  RunResult typo = mb("map account led 'Sumit Accounting' 104");
  EXPECT_EQ(typo.exit_code, 7);
  EXPECT_NE(
      typo.err.find(
          "no workspace with the id or name 'Sumit Accounting' in the workspaces of the imported "
          "usage (3 listed)"),
      std::string::npos)
      << typo.err;
  EXPECT_EQ(typo.err.find("no usage imported"), std::string::npos) << "usage exists: " << typo.err;
  RunResult account = mb("map account led 'Summit Accounting' 'Summit Acounting'");
  EXPECT_EQ(account.exit_code, 7);
  EXPECT_NE(
      account.err.find(
          "no PSA account with the id or name 'Summit Acounting' in the accounts of connector "
          "'led' on its platform (6 listed)"),
      std::string::npos)
      << account.err;
  RunResult service = mb("map service led Antivirus 'Mail Security' --metric users");
  EXPECT_EQ(service.exit_code, 7);
  EXPECT_NE(service.err.find(
                "no vendor service with the id or name 'Antivirus' in the services of the imported "
                "usage (2 listed)"),
            std::string::npos)
      << service.err;
  RunResult psa = mb("map service led EDR 'Endpoint'");
  EXPECT_EQ(psa.exit_code, 7);
  EXPECT_NE(psa.err.find(
                "no PSA service with the id or name 'Endpoint' in the services of connector 'led'"),
            std::string::npos)
      << psa.err;
}

TEST_F(MappingCliTest, ServicesAreMappedAndUnmappedByNameAndTheirIdsAreShown) {
  import_usage();
  RunResult r = mb("map service led 'email security' 'Mail Security' --metric users");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "led: service 'Email Security' (email) -> 'Mail Security' (S-MAIL) counting users\n");
  r = mb("map service led EDR 'endpoint protection per device'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find(
          "'EDR' (edr) -> 'Endpoint protection per device' (S-EDR) counting devices (from the PSA"),
      std::string::npos)
      << r.out;
  RunResult show = mb("map show led");
  EXPECT_NE(show.out.find("Email Security (email)"), std::string::npos) << show.out;
  r = mb("map unmap-service led 'Email Security'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "led: service 'Email Security' (email) unmapped\n");
  show = mb("map show led");
  EXPECT_NE(show.out.find("Unmapped vendor services"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("email"), std::string::npos) << show.out;

  // usage show names each workspace and service with its id, and filters by either.
  RunResult usage = mb("usage show --workspace 'summit accounting' --service edr");
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  EXPECT_NE(usage.out.find("Summit Accounting (w-summit)"), std::string::npos) << usage.out;
  EXPECT_NE(usage.out.find("EDR (edr)"), std::string::npos) << usage.out;
  EXPECT_EQ(usage.out.find("w-harbor"), std::string::npos) << usage.out;
  RunResult unknown = mb("usage show --service Antivirus");
  EXPECT_EQ(unknown.exit_code, 7);
  EXPECT_NE(unknown.err.find("no vendor service with the id or name 'Antivirus'"),
            std::string::npos)
      << unknown.err;

  // A page of workspaces at a time, in id order, with the way to the next page.
  RunResult first = mb("usage show --limit 2");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("(w-harbor)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("(w-peaks)"), std::string::npos) << first.out;
  EXPECT_EQ(first.out.find("w-summit"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("next page: usage show --limit 2 --after w-peaks\n"), std::string::npos)
      << first.out;
  RunResult second = mb("usage show --limit 2 --after w-peaks");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("Summit Accounting (w-summit)"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("w-harbor"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("next page"), std::string::npos) << second.out;
  auto paged = json::parse(mb("usage show --json --limit 2").out);
  EXPECT_EQ(paged.at("next_after").as_string(), "w-peaks");
  EXPECT_EQ(paged.at("counts").as_array().size(), 2u);
  RunResult zero = mb("usage show --limit 0");
  EXPECT_NE(zero.exit_code, 0);
  EXPECT_NE(zero.err.find("--limit must be 1 or more"), std::string::npos) << zero.err;
}

TEST_F(MappingCliTest, ExcludeKeepsTheMappingNeverBillsItAndIncludeRestoresIt) {
  import_usage();
  ASSERT_EQ(mb("map account led w-summit 104").exit_code, 0);
  ASSERT_EQ(mb("map account led w-harbor 201").exit_code, 0);
  ASSERT_EQ(mb("map service led edr S-EDR").exit_code, 0);
  RunResult excluded = mb("map exclude led 'Summit Accounting'");
  ASSERT_EQ(excluded.exit_code, 0) << excluded.err;
  EXPECT_NE(excluded.out.find("workspace 'Summit Accounting' (w-summit) excluded"),
            std::string::npos)
      << excluded.out;
  auto shown = shown_workspaces();
  EXPECT_EQ(shown["w-summit"].at("state").as_string(), "excluded");
  EXPECT_EQ(shown["w-summit"].at("account_id").as_string(), "104");
  RunResult table = mb("map show led");
  EXPECT_NE(table.out.find("Summit Accounting (104) (kept)"), std::string::npos) << table.out;
  RunResult accounts = mb("accounts list led");
  EXPECT_NE(accounts.out.find("w-summit (excluded, kept)"), std::string::npos) << accounts.out;

  RunResult sync = mb("sync led --json");
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  json::value runs = json::parse(sync.out);
  for (const auto& line : runs.at(0).at("lines").as_array())
    EXPECT_NE(line.at("workspace_id").as_string(), "w-summit")
        << "an excluded workspace is never planned";
  json::value platform = json::parse(testing::read_file(dir_ / "ledger.json"));
  EXPECT_EQ(platform.at("units").at("104|S-EDR").as_int64(), 3) << "not billed while excluded";
  EXPECT_EQ(platform.at("units").at("201|S-EDR").as_int64(), 4);

  RunResult included = mb("map include led 'summit accounting'");
  ASSERT_EQ(included.exit_code, 0) << included.err;
  shown = shown_workspaces();
  EXPECT_EQ(shown["w-summit"].at("state").as_string(), "mapped");
  EXPECT_EQ(shown["w-summit"].at("account_id").as_string(), "104");
  ASSERT_EQ(mb("sync led").exit_code, 0);
  platform = json::parse(testing::read_file(dir_ / "ledger.json"));
  EXPECT_EQ(platform.at("units").at("104|S-EDR").as_int64(), 9) << "billed again once included";

  RunResult again = mb("map include led w-summit");
  EXPECT_EQ(again.exit_code, 7);
  EXPECT_NE(again.err.find("workspace 'Summit Accounting' (w-summit) is not excluded"),
            std::string::npos)
      << again.err;
  // An unmapped workspace excluded and included again is unmapped, as before.
  ASSERT_EQ(mb("map exclude led 'Twin Peaks'").exit_code, 0);
  EXPECT_FALSE(shown_workspaces()["w-peaks"].contains("account_id"));
  ASSERT_EQ(mb("map include led 'Twin Peaks'").exit_code, 0);
  EXPECT_EQ(shown_workspaces()["w-peaks"].at("state").as_string(), "unmapped");
}

TEST_F(MappingCliTest, HeldLinesAreApprovedAndDismissedByWorkspaceOrServiceName) {
  json::value platform = json::parse(kPlatform);
  platform.at("units").as_object() = json::object{{"104|S-EDR", 20}, {"201|S-EDR", 10}};
  dir_.write("ledger.json", json::serialize(platform));
  write_config("require_approval");
  import_usage();
  ASSERT_EQ(mb("map account led w-summit 104").exit_code, 0);
  ASSERT_EQ(mb("map account led w-harbor 201").exit_code, 0);
  ASSERT_EQ(mb("map service led edr S-EDR").exit_code, 0);
  RunResult sync = mb("sync led --json");
  json::value runs = json::parse(sync.out);
  const std::string run = std::to_string(runs.at(0).at("id").as_int64());

  RunResult nobody = mb("runs dismiss " + run + " --workspace Nobody");
  EXPECT_EQ(nobody.exit_code, 7);
  EXPECT_NE(nobody.err.find("no workspace with the id or name 'Nobody'"), std::string::npos)
      << nobody.err;
  RunResult approved = mb("runs approve " + run + " --workspace 'harbor dental'");
  ASSERT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  platform = json::parse(testing::read_file(dir_ / "ledger.json"));
  EXPECT_EQ(platform.at("units").at("201|S-EDR").as_int64(), 4)
      << "Harbor's held decrease is applied";
  EXPECT_EQ(platform.at("units").at("104|S-EDR").as_int64(), 20) << "Summit's is still held";
  RunResult dismissed = mb("runs dismiss " + run + " --service EDR");
  ASSERT_EQ(dismissed.exit_code, 0) << dismissed.err;
  EXPECT_NE(dismissed.out.find("dismissed 1 held line(s)"), std::string::npos) << dismissed.out;
  RunResult none_left = mb("runs dismiss " + run + " --workspace w-summit");
  EXPECT_EQ(none_left.exit_code, 7);
  EXPECT_NE(
      none_left.err.find(
          "has no held line awaiting a decision for workspace 'Summit Accounting' (w-summit)"),
      std::string::npos)
      << none_left.err;
}

}  // namespace
}  // namespace mb
