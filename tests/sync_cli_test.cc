// The sync flow end to end through the CLI, against the "ledger" fake platform (a JSON file
// that behaves like a delta-only PSA): import → auto-map → map services → dry run → sync →
// rerun with zero writes; outcomes; decrease policies and approval; retry; drift; disconnect;
// and crash safety (the process dies mid-run, the rerun converges without double-applying).
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <vector>

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

constexpr const char* kLedger = R"({
  "accounts": [
    {"id": "A1", "name": "Alpha Ltd", "active": true},
    {"id": "A2", "name": "Beta GmbH", "active": true},
    {"id": "A3", "name": "Gamma Inc", "active": true},
    {"id": "A4", "name": "Delta LLC", "active": false},
    {"id": "A5", "name": "Epsilon", "active": true},
    {"id": "A6", "name": "Zeta Corp", "active": true},
    {"id": "A7", "name": "Zeta Corp", "active": true},
    {"id": "A8", "name": "alpha ltd", "active": true}
  ],
  "services": [{"id": "S-EDR", "name": "Coro EDR"}, {"id": "S-MAIL", "name": "Coro Email"}],
  "units": {"A1|S-EDR": 10, "A1|S-MAIL": 4, "A2|S-EDR": 5, "A2|S-MAIL": 2, "A4|S-EDR": 1, "A5|S-EDR": 0},
  "ambiguous": ["A3|S-EDR"],
  "writes": []
})";

constexpr const char* kUsage = R"({
  "as_of": "2026-11-21",
  "workspaces": [
    {"id": "w-alpha", "name": "Alpha Ltd"}, {"id": "w-beta", "name": "  Beta GmbH "},
    {"id": "w-gamma", "name": "Gamma Inc"}, {"id": "w-delta", "name": "Delta LLC"},
    {"id": "w-eps", "name": "Epsilon"}, {"id": "w-zeta", "name": "Zeta Corp"},
    {"id": "w-alpha2", "name": "Alpha Ltd."}, {"id": "w-new", "name": "Newcomer"}
  ],
  "services": [{"id": "edr", "name": "EDR"}, {"id": "email", "name": "Email Security"}],
  "usage": [
    {"workspace_id": "w-alpha", "service_id": "edr", "users": 11, "devices": 12},
    {"workspace_id": "w-alpha", "service_id": "email", "users": 4, "devices": 0},
    {"workspace_id": "w-beta", "service_id": "edr", "users": 2, "devices": 3},
    {"workspace_id": "w-beta", "service_id": "email", "users": 6, "devices": 0},
    {"workspace_id": "w-gamma", "service_id": "edr", "users": 1, "devices": 1},
    {"workspace_id": "w-delta", "service_id": "edr", "users": 1, "devices": 1},
    {"workspace_id": "w-zeta", "service_id": "edr", "users": 9, "devices": 9},
    {"workspace_id": "w-new", "service_id": "edr", "users": 1, "devices": 1}
  ]
})";

class SyncCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    // abi_1_1_plugin_loads_and_syncs runs these flows with the ledger built from older headers.
    const char* other_build = std::getenv("MB_TEST_LEDGER_PLUGIN_DIR");
    const fs::path ledger_dir = other_build != nullptr && *other_build != '\0'
                                    ? fs::path(other_build)
                                    : testing::build_dir() / "test-plugins" / "ledger";
    for (const auto& e : fs::directory_iterator(ledger_dir)) {
      fs::copy_file(e.path(), plugins_ / e.path().filename());
      ::chmod((plugins_ / e.path().filename()).c_str(), 0755);
    }
    dir_.write("ledger.json", kLedger);
    dir_.write("usage.json", kUsage);
    write_config(R"({"ledger": "ledger.json"})", R"({"decreases": "auto"})");
  }

  void write_config(const std::string& plugin_config, const std::string& policies) {
    json::value pc = json::parse(plugin_config);
    pc.as_object()["ledger"] = (dir_ / "ledger.json").string();
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
      "connectors": [{"id": "led", "plugin": "ledger", "partner": "Ledger MSP", "config": )" +
                              json::serialize(pc) + R"(, "policies": )" + policies + "}]}");
  }

  RunResult mb(const std::string& args, const std::string& input = "") {
    return run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'c') + " " + testing::meterbridge_binary() +
                   " --config '" + (dir_ / "mb.json").string() + "' " + args,
               input);
  }

  json::value ledger() { return json::parse(testing::read_file(dir_ / "ledger.json")); }
  int64_t units(const std::string& key) {
    json::value l = ledger();
    const auto& u = l.at("units").as_object();
    return u.contains(key) ? u.at(key).as_int64() : -1;
  }
  size_t writes() { return ledger().at("writes").as_array().size(); }

  // Import, auto-map, map both services: the set-up every flow starts from.
  void prepare() {
    ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
    RunResult r = mb("map auto led");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(mb("map service led edr S-EDR --metric devices").exit_code, 0);
    ASSERT_EQ(mb("map service led email S-MAIL --metric users").exit_code, 0);
  }

  json::value sync_json(const std::string& extra = "", int expected_exit = 0) {
    RunResult r = mb("sync led --json " + extra);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    return json::parse(r.out).at(0);
  }

  static std::string outcome_of(const json::value& run, const std::string& ws, const std::string& svc) {
    for (const auto& l : run.at("lines").as_array())
      if (l.at("workspace_id").as_string() == ws && l.at("service_id").as_string() == svc)
        return std::string(l.at("outcome").as_string());
    return "(no line)";
  }

  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
};

TEST_F(SyncCliTest, AutoMapMatchesExactNamesOnlyAndReportsTheRest) {
  ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
  RunResult r = mb("map auto led --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  std::map<std::string, std::string> mapped, unmapped;
  for (const auto& m : doc.at("mapped").as_array())
    mapped[std::string(m.at("workspace_id").as_string())] = std::string(m.at("account_id").as_string());
  for (const auto& m : doc.at("unmapped").as_array())
    unmapped[std::string(m.at("workspace_id").as_string())] = std::string(m.at("reason").as_string());
  EXPECT_EQ(mapped["w-alpha"], "A1");   // exact, and not the lower-case "alpha ltd"
  EXPECT_EQ(mapped["w-beta"], "A2");    // surrounding whitespace trimmed
  EXPECT_EQ(mapped.count("w-delta"), 0u);  // inactive account is not a candidate
  EXPECT_NE(unmapped["w-zeta"].find("2 PSA accounts"), std::string::npos);  // ambiguous
  EXPECT_NE(unmapped["w-alpha2"].find("no PSA account named exactly 'Alpha Ltd.'"), std::string::npos);
  // A manual mapping is never overwritten by a later auto run.
  ASSERT_EQ(mb("map account led w-zeta A7").exit_code, 0);
  ASSERT_EQ(mb("map unmap led w-alpha").exit_code, 0);
  ASSERT_EQ(mb("map account led w-alpha A8").exit_code, 0);
  ASSERT_EQ(mb("map auto led").exit_code, 0);
  auto show = json::parse(mb("map show led --json").out);
  for (const auto& w : show.at("workspaces").as_array()) {
    if (w.at("workspace_id").as_string() == "w-alpha") {
      EXPECT_EQ(w.at("account_id").as_string(), "A8");
    }
    if (w.at("workspace_id").as_string() == "w-zeta") {
      EXPECT_EQ(w.at("source").as_string(), "manual");
    }
  }
  // One-to-one: A8 is taken.
  RunResult taken = mb("map account led w-alpha2 A8");
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_NE(taken.err.find("already mapped"), std::string::npos) << taken.err;
}

TEST_F(SyncCliTest, DryRunWritesNothingThenSyncConvergesThenRerunWritesNothing) {
  prepare();
  json::value dry = sync_json("--dry-run");
  EXPECT_EQ(outcome_of(dry, "w-alpha", "edr"), "would_update");
  EXPECT_EQ(writes(), 0u);

  json::value first = sync_json();
  EXPECT_EQ(first.at("state").as_string(), "ok");
  EXPECT_EQ(outcome_of(first, "w-alpha", "edr"), "updated");       // 10 -> 12 devices
  EXPECT_EQ(outcome_of(first, "w-alpha", "email"), "unchanged");   // 4 users already
  EXPECT_EQ(outcome_of(first, "w-beta", "edr"), "updated");        // 5 -> 3: auto decrease
  EXPECT_EQ(outcome_of(first, "w-gamma", "edr"), "ambiguous_contract_line");
  EXPECT_EQ(outcome_of(first, "w-gamma", "email"), "no_contract_line");
  EXPECT_EQ(outcome_of(first, "w-eps", "edr"), "no_data");         // mapped, absent from usage
  EXPECT_EQ(outcome_of(first, "w-new", "edr"), "not_mapped");
  EXPECT_EQ(units("A1|S-EDR"), 12);
  EXPECT_EQ(units("A2|S-EDR"), 3);
  EXPECT_EQ(units("A2|S-MAIL"), 6);
  EXPECT_EQ(units("A5|S-EDR"), 0);  // no data never becomes zero... and was 0 anyway: untouched
  size_t after_first = writes();
  EXPECT_EQ(after_first, 3u);

  json::value second = sync_json();
  EXPECT_EQ(writes(), after_first) << "a rerun with unchanged usage must not write";
  EXPECT_EQ(second.at("counts").at("unchanged").as_int64(), 4);
  EXPECT_FALSE(second.at("counts").as_object().contains("updated"));
}

TEST_F(SyncCliTest, JsonLogsAreOneObjectPerLineNamingConnectorAndRun) {
  prepare();
  RunResult r = mb("--log-level debug --log-format json sync led --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t run_id = json::parse(r.out).at(0).at("id").as_int64();
  std::istringstream err(r.err);
  size_t lines = 0, of_the_run = 0;
  for (std::string line; std::getline(err, line);) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    // Progress events share stderr; a log pipeline tells them apart by "event".
    if (v.is_object() && v.as_object().contains("event")) continue;
    ++lines;
    ASSERT_TRUE(v.is_object() && v.as_object().contains("time") &&
                v.as_object().contains("level") && v.as_object().contains("message"))
        << line;
    if (v.as_object().contains("run")) {
      EXPECT_EQ(v.at("run").as_int64(), run_id) << line;
      EXPECT_EQ(v.at("connector").as_string(), "led") << line;
      ++of_the_run;
    }
  }
  EXPECT_GT(lines, 0u);
  EXPECT_GT(of_the_run, 0u) << r.err;
  EXPECT_NE(mb("--log-format yaml sync led").exit_code, 0) << "an unknown format is refused";
}

// The progress events on stderr, in order; fails on a stderr line that is not JSON.
std::vector<json::object> progress_events(const std::string& err) {
  std::vector<json::object> events;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    EXPECT_FALSE(ec) << "not JSON: " << line;
    if (!ec && v.is_object() && v.as_object().contains("event") &&
        v.at("event").as_string() == "progress")
      events.push_back(v.as_object());
  }
  return events;
}

TEST_F(SyncCliTest, OffATerminalProgressIsNdjsonOnStderrAndStdoutKeepsOneDocument) {
  prepare();
  RunResult r = mb("sync led --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::value doc = json::parse(r.out);  // one document, nothing else
  const int64_t run_id = doc.at(0).at("id").as_int64();
  const int64_t lines = static_cast<int64_t>(doc.at(0).at("lines").as_array().size());
  std::vector<json::object> events = progress_events(r.err);
  ASSERT_FALSE(events.empty()) << r.err;
  const std::vector<std::string> order{"planning", "recording", "reading",
                                       "deciding", "writing",   "finished"};
  size_t last_phase = 0;
  std::set<std::string> phases;
  for (const auto& e : events) {
    EXPECT_EQ(e.at("connector").as_string(), "led");
    for (const char* field : {"run", "done", "total", "lines", "elapsed_s", "eta_s"})
      EXPECT_TRUE(e.contains(field)) << field << " in " << json::serialize(e);
    std::string phase(e.at("phase").as_string());
    auto at = std::find(order.begin(), order.end(), phase);
    ASSERT_NE(at, order.end()) << phase;
    EXPECT_GE(static_cast<size_t>(at - order.begin()), last_phase) << r.err;
    last_phase = static_cast<size_t>(at - order.begin());
    phases.insert(phase);
  }
  EXPECT_EQ(phases.size(), order.size()) << r.err;  // this sync writes: every phase shows
  EXPECT_TRUE(events.front().at("run").is_null());  // planning: not recorded yet
  const json::object& end = events.back();
  EXPECT_EQ(end.at("phase").as_string(), "finished");
  EXPECT_EQ(end.at("run").as_int64(), run_id);
  EXPECT_EQ(end.at("done").as_int64(), end.at("total").as_int64());
  EXPECT_EQ(end.at("lines").as_int64(), lines);

  // The text report too: the table on stdout, the events on stderr.
  RunResult text = mb("sync led --dry-run");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.find("\"event\""), std::string::npos) << text.out;
  EXPECT_EQ(progress_events(text.err).back().at("phase").as_string(), "finished") << text.err;

  RunResult quiet = mb("sync led --json --no-progress");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_TRUE(progress_events(quiet.err).empty()) << quiet.err;
  RunResult reconcile = mb("reconcile led --json");
  EXPECT_FALSE(progress_events(reconcile.err).empty()) << reconcile.err;
  json::parse(reconcile.out);
}

// Runs `command` (through /bin/sh) on a pseudo-terminal, as a user at a terminal would, and
// returns everything it wrote there; gives up after `limit`.
std::string run_on_terminal(const std::string& command, std::chrono::seconds limit) {
  int terminal = -1;
  pid_t child = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  if (child == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  EXPECT_GT(child, 0) << "forkpty failed";
  if (child <= 0) return "";
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{terminal, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char buffer[4096];
    ssize_t n = ::read(terminal, buffer, sizeof buffer);
    if (n <= 0) break;  // the child closed the terminal (EIO on Linux)
    seen.append(buffer, static_cast<size_t>(n));
  }
  ::close(terminal);
  int status = 0;
  ::waitpid(child, &status, 0);
  return seen;
}

TEST_F(SyncCliTest, OnATerminalProgressIsOneRedrawnLineWithThePhase) {
  prepare();
  std::string screen =
      run_on_terminal("env -u MB_CONFIG -u COLUMNS MB_SECRET_KEY=" + std::string(64, 'c') + " " +
                          testing::meterbridge_binary() + " --config '" +
                          (dir_ / "mb.json").string() + "' sync led",
                      std::chrono::seconds(60));
  EXPECT_NE(screen.find("\rled  planning"), std::string::npos) << screen;
  EXPECT_NE(screen.find("\rled  finished"), std::string::npos) << screen;
  EXPECT_NE(screen.find(" lines  100%  in "), std::string::npos) << screen;
  EXPECT_EQ(screen.find("{\"event\""), std::string::npos) << "no NDJSON on a terminal";
  EXPECT_NE(screen.find("led: ok"), std::string::npos) << "the report follows";
}

TEST_F(SyncCliTest, ReasonsWrapToTheTerminalOrPrintWholeWithWide) {
  prepare();
  const int64_t run_id = sync_json().at("id").as_int64();
  const std::string reason = "no active contract of A3 includes S-MAIL";
  const std::string show = "runs show " + std::to_string(run_id);
  RunResult narrow = run("env -u MB_CONFIG COLUMNS=40 MB_SECRET_KEY=" + std::string(64, 'c') + " " +
                         testing::meterbridge_binary() + " --config '" +
                         (dir_ / "mb.json").string() + "' " + show);
  ASSERT_EQ(narrow.exit_code, 0) << narrow.err;
  // Wrapped: a terminal this narrow puts the reason below its row, on lines of their own,
  // every word kept.
  EXPECT_EQ(narrow.out.find(reason), std::string::npos) << narrow.out;
  std::istringstream rows(narrow.out);
  std::string words;
  size_t detail_column = std::string::npos;
  for (std::string row; std::getline(rows, row);) {
    if (detail_column == std::string::npos) {
      detail_column = row.find("no active contract");
      if (detail_column != std::string::npos) words = row.substr(detail_column);
    } else if (row.find_first_not_of(' ') > std::string("  LINE").size()) {
      // A continuation line: other columns may go on too (a wrapped name).
      if (row.size() > detail_column) words += " " + row.substr(detail_column);
    } else {
      break;  // the table's next line
    }
  }
  EXPECT_EQ(words, reason) << narrow.out;

  RunResult wide = mb(show + " --wide");
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_NE(wide.out.find(reason), std::string::npos) << wide.out;
}

TEST_F(SyncCliTest, MapServiceAsksForTheMetricUnlessThePsaServiceNameSaysWhich) {
  ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
  json::value l = ledger();
  l.as_object()["services"].as_array().push_back(
      json::object{{"id", "S-DEV"}, {"name", "Endpoint Protection (per device)"}});
  l.as_object()["services"].as_array().push_back(
      json::object{{"id", "S-USR"}, {"name", "Mailbox security per user"}});
  dir_.write("ledger.json", json::serialize(l));

  RunResult unsaid = mb("map service led edr S-EDR");
  EXPECT_NE(unsaid.exit_code, 0);
  EXPECT_NE(unsaid.err.find("'Coro EDR'"), std::string::npos) << unsaid.err;
  EXPECT_NE(unsaid.err.find("--metric"), std::string::npos) << unsaid.err;

  RunResult devices = mb("map service led edr S-DEV");
  ASSERT_EQ(devices.exit_code, 0) << devices.err;
  EXPECT_NE(devices.out.find("counting devices (from the PSA service's name 'Endpoint Protection "
                             "(per device)')"),
            std::string::npos)
      << devices.out;
  RunResult users = mb("map service led email S-USR");
  ASSERT_EQ(users.exit_code, 0) << users.err;
  EXPECT_NE(users.out.find("counting users (from"), std::string::npos) << users.out;
  RunResult given = mb("map service led email S-MAIL --metric devices");
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_NE(given.out.find("counting devices\n"), std::string::npos) << given.out;

  json::value shown = json::parse(mb("map show led --json").out);
  std::map<std::string, std::string> metric;
  for (const auto& m : shown.at("services").as_array())
    metric[std::string(m.at("service_id").as_string())] = std::string(m.at("metric").as_string());
  EXPECT_EQ(metric["edr"], "devices");
  EXPECT_EQ(metric["email"], "devices");
}

TEST_F(SyncCliTest, ReconcileNamesEachLineThatDiffersAndWritesNothing) {
  prepare();
  sync_json();
  RunResult clean = mb("reconcile led");
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find(" 0 differ, "), std::string::npos) << clean.out;
  EXPECT_EQ(clean.out.find("  line "), std::string::npos) << "nothing to name: " << clean.out;

  // Someone edits the PSA by hand: Alpha's EDR now bills 99 devices, usage says 12.
  json::value l = ledger();
  l.as_object()["units"].as_object()["A1|S-EDR"] = 99;
  dir_.write("ledger.json", json::serialize(l));
  const size_t writes_before = writes();
  RunResult drift = mb("reconcile led");
  EXPECT_NE(drift.exit_code, 0);
  EXPECT_NE(drift.out.find(" 1 differ, "), std::string::npos) << drift.out;
  EXPECT_NE(drift.out.find("Alpha Ltd / EDR: the platform bills 99, usage says 12\n"),
            std::string::npos)
      << drift.out;
  RunResult as_json = mb("reconcile led --json");
  const json::value doc = json::parse(as_json.out).at(0);
  ASSERT_EQ(doc.at("lines").as_array().size(), 1u) << as_json.out;
  const json::value& line = doc.at("lines").at(0);
  EXPECT_EQ(line.at("workspace_id").as_string(), "w-alpha");
  EXPECT_EQ(line.at("service_id").as_string(), "edr");
  EXPECT_EQ(line.at("platform").as_int64(), 99);
  EXPECT_EQ(line.at("target").as_int64(), 12);
  EXPECT_TRUE(line.at("differs").as_bool());
  EXPECT_GT(line.at("line").as_int64(), 0);
  EXPECT_EQ(writes(), writes_before) << "a reconcile only reads";
  EXPECT_EQ(units("A1|S-EDR"), 99);
}

// Nothing mapped yet: the sync bills nothing, and says so with its own state and exit code
// instead of a plain "ok" a cron job would take for success.
TEST_F(SyncCliTest, ASyncThatBillsNothingBecauseNothingIsMappedNeedsAttention) {
  ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
  RunResult unmapped = mb("sync led");
  EXPECT_EQ(unmapped.exit_code, 8) << unmapped.out << unmapped.err;
  EXPECT_NE(unmapped.out.find("needs_attention"), std::string::npos) << unmapped.out;
  EXPECT_NE(unmapped.out.find("nothing billed: no service is mapped on this connector"),
            std::string::npos)
      << unmapped.out;

  ASSERT_EQ(mb("map service led edr S-EDR --metric devices").exit_code, 0);
  json::value run = sync_json("", 8);
  EXPECT_EQ(run.at("state").as_string(), "needs_attention");
  EXPECT_NE(std::string(run.at("message").as_string())
                .find("nothing billed: nothing is mapped or linked"),
            std::string::npos);
  EXPECT_EQ(writes(), 0u);

  ASSERT_EQ(mb("map auto led").exit_code, 0);
  EXPECT_EQ(sync_json().at("state").as_string(), "ok");  // some billed, the rest listed
}

TEST_F(SyncCliTest, DecreasesCanBeHeldForApprovalOrNeverApplied) {
  write_config(R"({})", R"({"decreases": "require_approval"})");
  prepare();
  json::value run = sync_json();
  EXPECT_EQ(outcome_of(run, "w-beta", "edr"), "held");
  EXPECT_EQ(units("A2|S-EDR"), 5);
  int64_t id = run.at("id").as_int64();
  RunResult approved = mb("runs approve " + std::to_string(id));
  ASSERT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  EXPECT_EQ(units("A2|S-EDR"), 3);

  write_config(R"({})", R"({"decreases": "never"})");
  dir_.write("ledger.json", kLedger);
  json::value never = sync_json();
  EXPECT_EQ(outcome_of(never, "w-beta", "edr"), "held");
  EXPECT_NE(mb("runs approve " + std::to_string(never.at("id").as_int64())).exit_code, 0);
  EXPECT_EQ(units("A2|S-EDR"), 5);
}

TEST_F(SyncCliTest, AFailedLineNeverStopsTheOthersAndRetryRunsOnlyIt) {
  prepare();
  std::string key = std::string("w-beta") + '\x1f' + "edr";
  write_config(R"({"fail_keys": [")" + std::string("w-beta\\u001fedr") + R"("]})", R"({"decreases": "auto"})");
  json::value run = sync_json("", 6);
  EXPECT_EQ(run.at("state").as_string(), "partial");
  EXPECT_EQ(outcome_of(run, "w-beta", "edr"), "failed");
  EXPECT_EQ(units("A1|S-EDR"), 12);  // the others were applied
  write_config(R"({})", R"({"decreases": "auto"})");
  RunResult retry = mb("runs retry " + std::to_string(run.at("id").as_int64()) + " --json");
  ASSERT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  auto doc = json::parse(retry.out);
  EXPECT_EQ(doc.at("lines").as_array().size(), 1u);
  EXPECT_EQ(units("A2|S-EDR"), 3);
}

TEST_F(SyncCliTest, ACrashMidApplyNeverDoubleAppliesOnTheRerun) {
  prepare();
  write_config(R"({"crash": "after_first_write"})", R"({"decreases": "auto"})");
  RunResult crashed = mb("sync led");
  EXPECT_NE(crashed.exit_code, 0);
  EXPECT_EQ(writes(), 1u);
  write_config(R"({})", R"({"decreases": "auto"})");
  json::value rerun = sync_json();
  EXPECT_EQ(rerun.at("state").as_string(), "ok");
  EXPECT_EQ(units("A1|S-EDR"), 12);
  EXPECT_EQ(units("A2|S-EDR"), 3);
  EXPECT_EQ(units("A2|S-MAIL"), 6);
  // Exactly one write per changed line across both processes.
  std::map<std::string, int> per_key;
  json::value l = ledger();
  for (const auto& w : l.at("writes").as_array()) ++per_key[std::string(w.at("key").as_string())];
  EXPECT_EQ(per_key.size(), 3u);
  for (const auto& [k, n] : per_key) EXPECT_EQ(n, 1) << k;
  auto runs = json::parse(mb("runs list led --json").out).as_array();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].at("state").as_string(), "interrupted");
}

TEST_F(SyncCliTest, ACrashBetweenPlanAndApplyIsResumedByReReading) {
  prepare();
  write_config(R"({"crash": "read"})", R"({"decreases": "auto"})");
  EXPECT_NE(mb("sync led").exit_code, 0);
  EXPECT_EQ(writes(), 0u);
  write_config(R"({})", R"({"decreases": "auto"})");
  json::value rerun = sync_json();
  EXPECT_EQ(rerun.at("state").as_string(), "ok");
  EXPECT_EQ(writes(), 3u);
}

TEST_F(SyncCliTest, DriftIsFlaggedNotSilentlyBilled) {
  prepare();
  sync_json();
  json::value l = ledger();
  auto& accounts = l.as_object()["accounts"].as_array();
  accounts.erase(accounts.begin());  // Alpha Ltd vanishes from the platform
  accounts[0].as_object()["name"] = "Beta GmbH (renamed)";
  dir_.write("ledger.json", json::serialize(l));
  ASSERT_EQ(mb("accounts list led --refresh").exit_code, 0);
  auto show = json::parse(mb("map show led --json").out);
  for (const auto& w : show.at("workspaces").as_array()) {
    if (w.at("workspace_id").as_string() == "w-alpha") {
      EXPECT_EQ(w.at("drift").as_string(), "account_missing");
    }
    if (w.at("workspace_id").as_string() == "w-beta") {
      EXPECT_EQ(w.at("drift").as_string(), "account_renamed");
      // Both names, so the console can say what the rename changed.
      EXPECT_EQ(w.at("account_name").as_string(), "Beta GmbH (renamed)");
      EXPECT_EQ(w.at("account_name_when_mapped").as_string(), "Beta GmbH");
    }
  }
  RunResult r = mb("sync led");
  EXPECT_NE(r.out.find("no longer exists"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("renamed"), std::string::npos) << r.out;
}

TEST_F(SyncCliTest, DisconnectRemovesMappingsAndCredentialsButKeepsHistory) {
  prepare();
  sync_json();
  RunResult d = mb("connectors disconnect led");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto show = json::parse(mb("map show led --json").out);
  for (const auto& w : show.at("workspaces").as_array()) EXPECT_EQ(w.at("state").as_string(), "unmapped");
  EXPECT_TRUE(show.at("services").as_array().empty());
  EXPECT_EQ(json::parse(mb("runs list led --json").out).as_array().size(), 1u);
  RunResult refused = mb("sync led");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("disconnected"), std::string::npos) << refused.err;
  EXPECT_NE(mb("connectors test led").exit_code, 0);  // a test does not reconnect
  // The ledger's settings all live in the config: connect has nothing to store, only to test.
  ASSERT_EQ(mb("connectors connect led").exit_code, 0);
  EXPECT_EQ(mb("sync led").exit_code, 8);  // reconnected with nothing mapped: billed nothing
}

TEST_F(SyncCliTest, ABadUsageFileIsRejectedWholeAndNothingChanges) {
  prepare();
  dir_.write("bad.json", R"({"as_of":"2026-11-22","usage":[
    {"workspace_id":"w-alpha","service_id":"edr","users":1,"devices":1},
    {"workspace_id":"w-beta","service_id":"edr","users":-2,"devices":1}]})");
  RunResult r = mb("usage import " + (dir_ / "bad.json").string());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("/usage/1: users must be >= 0"), std::string::npos) << r.err;
  auto shown = json::parse(mb("usage show --json").out);
  EXPECT_EQ(shown.at("as_of").as_string(), "2026-11-21T00:00:00Z");
}

// A run longer than a page of the store (1,000 lines) is read a page at a time: `sync --json`
// still lists every line, exactly as `runs show --json` shows them, and a held line past the
// first page is still found by its workspace.
TEST_F(SyncCliTest, RunsLongerThanAStorePageAreListedWholeAndSearchedWhole) {
  json::value usage = json::parse(kUsage);
  json::array& workspaces = usage.at("workspaces").as_array();
  json::array& counts = usage.at("usage").as_array();
  for (int i = 0; i < 1200; ++i) {
    // "w-aa..." sorts before w-beta, whose held line then lies past the first 1,000 keys.
    char id[16];
    std::snprintf(id, sizeof id, "w-aa%04d", i);
    workspaces.push_back(json::object{{"id", id}, {"name", std::string("Filler ") + id}});
    counts.push_back(
        json::object{{"workspace_id", id}, {"service_id", "edr"}, {"users", 1}, {"devices", 1}});
  }
  dir_.write("usage.json", json::serialize(usage));
  write_config(R"({})", R"({"decreases": "require_approval"})");
  prepare();

  RunResult synced = mb("sync led --json --no-progress");
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  json::value reports = json::parse(synced.out);
  ASSERT_EQ(reports.as_array().size(), 1u);
  const json::value& run = reports.at(0);
  const json::array& lines = run.at("lines").as_array();
  ASSERT_GT(lines.size(), 1200u);
  for (size_t i = 0; i < lines.size(); ++i)
    ASSERT_EQ(lines[i].at("line").as_int64(), static_cast<int64_t>(i + 1));
  EXPECT_EQ(outcome_of(run, "w-beta", "edr"), "held");
  const std::string id = std::to_string(run.at("id").as_int64());
  RunResult shown = mb("runs show " + id + " --json --limit 100000");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out).at("lines"), run.at("lines"));

  RunResult approved = mb("runs approve " + id + " --workspace w-beta");
  ASSERT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  EXPECT_EQ(units("A2|S-EDR"), 3);
}

TEST_F(SyncCliTest, HeldLinesArePendingUntilApprovedOnceOrDismissed) {
  write_config(R"({})", R"({"decreases": "require_approval"})");
  prepare();
  json::value first = sync_json();
  std::string run1 = std::to_string(first.at("id").as_int64());
  RunResult pending = mb("runs pending led --json");
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  auto items = json::parse(pending.out).as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("workspace_id").as_string(), "w-beta");
  EXPECT_EQ(items[0].at("current").as_int64(), 5);
  EXPECT_EQ(items[0].at("target").as_int64(), 3);
  std::string line = std::to_string(items[0].at("line").as_int64());
  RunResult table = mb("runs pending");
  EXPECT_NE(table.out.find("runs approve RUN"), std::string::npos) << table.out;

  ASSERT_EQ(mb("runs dismiss " + run1 + " --line " + line).exit_code, 0);
  EXPECT_NE(mb("runs pending led").out.find("Nothing awaits approval"), std::string::npos);
  RunResult nothing = mb("runs approve " + run1);
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("nothing awaiting approval"), std::string::npos) << nothing.err;
  EXPECT_EQ(units("A2|S-EDR"), 5);

  json::value second = sync_json();  // still a decrease: held again, a new decision
  std::string run2 = std::to_string(second.at("id").as_int64());
  RunResult unknown = mb("runs approve " + run2 + " --line 999");
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("no line 999"), std::string::npos) << unknown.err;
  RunResult approved = mb("runs approve " + run2 + " --json");
  ASSERT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  EXPECT_EQ(json::parse(approved.out).at("trigger").as_string(), "approve");
  EXPECT_EQ(units("A2|S-EDR"), 3);
  size_t after = writes();
  EXPECT_NE(mb("runs approve " + run2).exit_code, 0);  // at most once
  EXPECT_EQ(writes(), after);
  auto shown = json::parse(mb("runs show " + run2 + " --json --all").out);
  bool decided = false;
  for (const auto& l : shown.at("lines").as_array())
    if (l.as_object().contains("decision")) decided = l.at("decision").at("decision").as_string() == "approved";
  EXPECT_TRUE(decided);
}

TEST_F(SyncCliTest, AnExportThatLostRowsIsReportedAndHeldNotZeroed) {
  prepare();
  sync_json();
  ASSERT_EQ(units("A1|S-MAIL"), 4);
  json::value usage = json::parse(kUsage);
  usage.as_object()["as_of"] = "2026-11-22";
  auto& rows = usage.as_object()["usage"].as_array();
  rows.erase(rows.begin() + 1);  // w-alpha's email row is gone from the export
  dir_.write("usage2.json", json::serialize(usage));
  RunResult imported = mb("usage import " + (dir_ / "usage2.json").string());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("1 workspace x service rows are omitted"), std::string::npos) << imported.out;

  json::value run = sync_json();
  EXPECT_EQ(outcome_of(run, "w-alpha", "email"), "held");
  EXPECT_EQ(units("A1|S-MAIL"), 4);

  usage.as_object()["as_of"] = "2026-11-01";  // an old export, imported late
  dir_.write("old.json", json::serialize(usage));
  RunResult old = mb("usage import " + (dir_ / "old.json").string() + " --json");
  ASSERT_EQ(old.exit_code, 0) << old.err;
  json::value report = json::parse(old.out);
  EXPECT_FALSE(report.at("latest").as_bool());
  EXPECT_EQ(report.at("latest_as_of").as_string(), "2026-11-22T00:00:00Z");
  EXPECT_EQ(json::parse(mb("usage show --json").out).at("as_of").as_string(), "2026-11-22T00:00:00Z");
}

}  // namespace
}  // namespace mb
