// SyncEngine in process, against a fake platform written with the SDK's C++ layer
// (meterbridge/plugin.hpp) and an in-memory store: batching, idempotency keys, run states,
// forced pushes and what reaches the plugin — no network, no files.
#include "host/sync/sync_engine.h"

#include <gtest/gtest.h>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "host/common/metrics_catalog.h"
#include "host/plugin/manifest.h"
#include "host/store/store.h"

namespace {

namespace json = boost::json;

// The fake platform: quantities per (account, service), every call recorded. With `deltas`
// it behaves like a delta-only PSA: each write is journaled with the host first, and a key in
// `lost_answers` is written "in flight": applied only when the test delivers it, while apply
// reports the line in doubt (a POST whose answer was lost).
struct FakePlatform {
  std::map<std::pair<std::string, std::string>, int64_t> quantities;
  std::vector<json::value> reads, applies;
  std::set<std::string> failing_keys;
  bool deltas = false;
  std::set<std::string> lost_answers;
  std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> in_flight;  // (pair, delta)
  std::vector<json::value> journaled;
  size_t posted = 0;  // delta writes sent, delivered or not
  std::string provision_services_answer = R"({"items":[]})";

  void deliver_in_flight() {
    for (const auto& [pair, delta] : in_flight) quantities[pair] += delta;
    in_flight.clear();
  }
};
FakePlatform* g_platform = nullptr;

constexpr const char* kManifest =
    R"({"id":"fake","version":"1.0.0","abi":"1.0","config_schema":{"type":"object"}})";

class FakeSession : public meterbridge::Session {
 public:
  std::string authenticate(meterbridge::Call&, std::string_view) override { return R"({"status":"ok"})"; }
  std::string list_accounts(meterbridge::Call&, std::string_view) override {
    return R"({"items":[{"id":"A1","name":"Alpha"},{"id":"A2","name":"Beta"},{"id":"A3","name":"Gamma"}],"next_cursor":null})";
  }
  std::string list_services(meterbridge::Call&, std::string_view) override {
    return R"({"items":[{"id":"S1","name":"EDR"}],"next_cursor":null})";
  }
  std::string read_quantities(meterbridge::Call&, std::string_view input) override {
    json::value in = json::parse(input);
    g_platform->reads.push_back(in);
    json::array out;
    for (const auto& l : in.at("lines").as_array()) {
      auto key = std::make_pair(std::string(l.at("account_id").as_string()), std::string(l.at("service_id").as_string()));
      auto it = g_platform->quantities.find(key);
      json::object r{{"key", l.at("key")}};
      if (it == g_platform->quantities.end()) {
        r["quantity"] = nullptr;
        r["reason"] = "no_contract_line";
        r["message"] = "no line";
      } else {
        r["quantity"] = it->second;
      }
      out.push_back(std::move(r));
    }
    return json::serialize(json::object{{"lines", out}});
  }
  std::string provision_services(meterbridge::Call&, std::string_view) override {
    return g_platform->provision_services_answer;
  }
  std::string apply_quantities(meterbridge::Call& call, std::string_view input) override {
    json::value in = json::parse(input);
    g_platform->applies.push_back(in);
    if (g_platform->deltas) return apply_deltas(call, in);
    json::array out;
    for (const auto& l : in.at("lines").as_array()) {
      std::string key(l.at("key").as_string());
      if (g_platform->failing_keys.count(key) > 0) {
        out.push_back(json::object{{"key", key}, {"outcome", "failed"}, {"error_class", "conflict"}, {"message", "no"}});
        continue;
      }
      g_platform->quantities[{std::string(l.at("account_id").as_string()), std::string(l.at("service_id").as_string())}] =
          l.at("target").as_int64();
      out.push_back(json::object{{"key", key}, {"outcome", "updated"}, {"quantity", l.at("target")}});
    }
    return json::serialize(json::object{{"lines", out}});
  }

 private:
  std::string apply_deltas(meterbridge::Call& call, const json::value& in) {
    json::array intents;
    std::vector<std::tuple<std::string, std::pair<std::string, std::string>, int64_t>> writes;
    for (const auto& l : in.at("lines").as_array()) {
      auto pair = std::make_pair(std::string(l.at("account_id").as_string()), std::string(l.at("service_id").as_string()));
      int64_t now = g_platform->quantities[pair];
      int64_t target = l.at("target").as_int64();
      writes.emplace_back(std::string(l.at("key").as_string()), pair, target - now);
      intents.push_back(json::object{{"key", l.at("key")}, {"units_before", now}, {"target", target},
                                     {"ref", json::object{{"line", pair.first + "/" + pair.second}}}});
    }
    call.journal_intents(json::serialize(intents));
    g_platform->journaled.push_back(intents);
    json::array out;
    for (const auto& [key, pair, delta] : writes) {
      ++g_platform->posted;
      if (g_platform->lost_answers.count(key) > 0) {
        g_platform->in_flight.emplace_back(pair, delta);
        out.push_back(json::object{{"key", key}, {"outcome", "failed"}, {"error_class", "retry"},
                                   {"message", "timed out"}, {"in_doubt", true}});
        continue;
      }
      g_platform->quantities[pair] += delta;
      out.push_back(json::object{{"key", key}, {"outcome", "updated"}, {"quantity", g_platform->quantities[pair]}});
    }
    return json::serialize(json::object{{"lines", out}});
  }
};

class FakePlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view) override {
    return std::make_unique<FakeSession>();
  }
};

}  // namespace

MB_PLUGIN(FakePlugin)

namespace mb {
namespace {

class SyncEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_platform = &platform_;
    auto store = open_sqlite_store({.path = ":memory:", .key_file = "unused.key", .clock = &clock_});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
    ConnectorRecord c;
    c.id = "fake";
    c.plugin_id = "fake";
    ASSERT_TRUE(store_->upsert_connector(c).ok());
    connector_.id = "fake";
    connector_.plugin = "fake";

    const mb_plugin_table* table = nullptr;
    mb_host_offer offer{sizeof(mb_host_offer), MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR, host_services(), {}};
    ASSERT_EQ(meterbridge_plugin_negotiate(&offer, &table), MB_STATUS_OK);
    auto manifest = parse_manifest(kManifest, "fake");
    ASSERT_TRUE(manifest);
    plugin_ = std::make_shared<LoadedPlugin>(*manifest, table, nullptr);
    SessionContext context;
    context.clock = &clock_;
    auto session = plugin_->open(context, "{}");
    ASSERT_TRUE(session);
    session_ = std::move(*session);

    std::vector<Workspace> ws;
    UsageSnapshot snap;
    snap.as_of = "2026-11-21T00:00:00Z";
    for (int i = 1; i <= 3; ++i) {
      std::string id = "w" + std::to_string(i);
      ws.push_back({id, "W" + std::to_string(i), false, ""});
      snap.counts.push_back({id, "edr", 10 * i, 11 * i});
    }
    ASSERT_TRUE(store_->import_usage(ws, {{"edr", "EDR"}}, snap));
    for (int i = 1; i <= 3; ++i) {
      AccountMapping m;
      m.workspace_id = "w" + std::to_string(i);
      m.account_id = "A" + std::to_string(i);
      ASSERT_TRUE(store_->put_account_mapping("fake", m).ok());
    }
    ASSERT_TRUE(store_->put_service_mapping("fake", {"edr", "S1", ServiceMetric::kDevices}).ok());
    platform_.quantities = {{{"A1", "S1"}, 11}, {{"A2", "S1"}, 5}, {{"A3", "S1"}, 7}};
  }
  void TearDown() override {
    session_.reset();
    plugin_.reset();
  }

  Result<SyncReport> sync(SyncOptions options = {}) {
    SyncEngine engine(*store_, SyncSettings{}, clock_);
    return engine.sync(connector_, *session_, options);
  }

  Result<SyncReport> approve(int64_t run_id, const std::vector<int64_t>& lines = {},
                             const SyncOptions& options = {}) {
    SyncEngine engine(*store_, SyncSettings{}, clock_);
    return engine.approve(connector_, *session_, run_id, lines, options);
  }

  // A snapshot of the three workspaces' EDR devices (users 1), as of `as_of`.
  void import_devices(const std::string& as_of, std::map<std::string, int64_t> devices) {
    std::vector<Workspace> ws;
    UsageSnapshot snap;
    snap.as_of = as_of;
    for (const auto& [id, n] : devices) {
      ws.push_back({id, "W-" + id, false, ""});
      snap.counts.push_back({id, "edr", 1, n});
    }
    ASSERT_TRUE(store_->import_usage(ws, {{"edr", "EDR"}}, snap));
  }

  // A report keeps only the lines worth reading; the run's every line is in the store.
  const SyncLine& line_of(const SyncReport& report, const std::string& workspace) {
    static SyncLine found;
    auto lines = store_->list_lines(report.run.id);
    if (lines)
      for (const auto& l : *lines)
        if (l.workspace_id == workspace) return found = l;
    found = SyncLine{};
    ADD_FAILURE() << "no line for " << workspace;
    return found;
  }

  int64_t quantity(const std::string& account) { return platform_.quantities[{account, "S1"}]; }

  FakePlatform platform_;
  FakeClock clock_{1795305600000};  // 2026-11-22T00:00:00Z
  ConnectorConfig connector_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<PluginSession> session_;
};

TEST_F(SyncEngineTest, AppliesOnlyChangedLinesInBatchesWithDeterministicKeys) {
  SyncOptions options;
  options.read_batch_size = 1;
  options.apply_batch_size = 1;
  auto report = sync(options);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(to_text(report->run.state), "ok");
  EXPECT_EQ(report->counts["unchanged"], 1);  // A1 already at 11
  EXPECT_EQ(report->counts["updated"], 2);
  ASSERT_EQ(platform_.applies.size(), 2u);  // one line per batch, two changed lines
  std::string key1(platform_.applies[0].at("idempotency_key").as_string());
  std::string key2(platform_.applies[1].at("idempotency_key").as_string());
  EXPECT_EQ(key1, "fake:run-" + std::to_string(report->run.id) + ":batch-1");
  EXPECT_EQ(key2, "fake:run-" + std::to_string(report->run.id) + ":batch-2");
  EXPECT_FALSE(platform_.applies[0].at("final").as_bool());
  EXPECT_TRUE(platform_.applies[1].at("final").as_bool());
  EXPECT_EQ(platform_.applies[0].at("effective_date").as_string(), "2026-11-22");
  EXPECT_EQ(platform_.reads.size(), 3u);  // three read batches of one line
  EXPECT_EQ(platform_.reads[0].at("lines").at(0).at("metric").as_string(), "devices");
  EXPECT_EQ((platform_.quantities[{"A2", "S1"}]), 22);
  EXPECT_EQ((platform_.quantities[{"A3", "S1"}]), 33);
}

TEST_F(SyncEngineTest, ReportsEachPhaseInOrderWhenItStartsAndAfterEachBatch) {
  SyncOptions options;
  options.read_batch_size = 2;
  options.apply_batch_size = 1;
  std::vector<SyncProgress> seen;
  options.progress = [&](const SyncProgress& p) { seen.push_back(p); };
  auto report = sync(options);
  ASSERT_TRUE(report) << report.status().message();
  std::string trail;
  for (const auto& p : seen)
    trail += std::string(phase_name(p.phase)) + " " + std::to_string(p.done) + "/" +
             std::to_string(p.total) + "; ";
  // Three lines, planned and recorded in chunks of two workspaces (the larger batch, 2 lines, over
  // one mapped service; the plan's size is known once it is recorded whole), read in batches of
  // two, two changed lines written one by one.
  EXPECT_EQ(trail,
            "planning 0/0; recording 2/0; recording 3/0; recording 3/3; reading 0/3; reading 2/3; "
            "reading 3/3; "
            "deciding 0/3; writing 0/2; writing 1/2; writing 2/2; finished 3/3; ");
  EXPECT_EQ(seen.front().run_id, 0);  // not recorded yet
  EXPECT_EQ(seen.back().run_id, report->run.id);
  EXPECT_EQ(seen.back().run_lines, 3u);
}

TEST_F(SyncEngineTest, ARerunReadsButWritesNothingAndForcePushesEverything) {
  ASSERT_TRUE(sync());
  size_t applies = platform_.applies.size();
  auto rerun = sync();
  ASSERT_TRUE(rerun);
  EXPECT_EQ(platform_.applies.size(), applies);
  EXPECT_EQ(rerun->counts["unchanged"], 3);
  SyncOptions force;
  force.force_full_push = true;
  auto forced = sync(force);
  ASSERT_TRUE(forced);
  EXPECT_EQ(platform_.applies.size(), applies + 1);
  EXPECT_EQ(platform_.applies.back().at("lines").as_array().size(), 3u);
}

TEST_F(SyncEngineTest, DryRunReadsWithoutWritingAndRecordsTheRun) {
  SyncOptions dry;
  dry.dry_run = true;
  auto report = sync(dry);
  ASSERT_TRUE(report);
  EXPECT_TRUE(platform_.applies.empty());
  EXPECT_EQ(report->counts["would_update"], 2);
  auto stored = store_->get_run(report->run.id);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_TRUE((*stored)->dry_run);
}

TEST_F(SyncEngineTest, EachEndedRunIsCountedWithItsLinesAndOnlyARealOkRunIsASuccess) {
  const mb::HostMetrics& m = mb::host_metrics();
  auto& dry_runs = m.sync_runs.labels({connector_.id, "manual", "ok", "true"});
  auto& real_runs = m.sync_runs.labels({connector_.id, "manual", "ok", "false"});
  auto& would_update = m.sync_lines.labels({connector_.id, "would_update"});
  auto& updated = m.sync_lines.labels({connector_.id, "updated"});
  auto& last_success = m.sync_last_success.labels({connector_.id});
  const uint64_t dry_before = dry_runs.value(), real_before = real_runs.value();
  const uint64_t would_before = would_update.value(), updated_before = updated.value();
  last_success.set(0);

  SyncOptions dry;
  dry.dry_run = true;
  ASSERT_TRUE(sync(dry));
  EXPECT_EQ(dry_runs.value(), dry_before + 1);
  EXPECT_EQ(would_update.value(), would_before + 2);
  EXPECT_EQ(last_success.value(), 0);  // a dry run bills nothing

  ASSERT_TRUE(sync());
  EXPECT_EQ(real_runs.value(), real_before + 1);
  EXPECT_EQ(updated.value(), updated_before + 2);
  EXPECT_EQ(last_success.value(), static_cast<double>(clock_.now_ms()) / 1000.0);
}

TEST_F(SyncEngineTest, FailedLinesMakeThePartialStateAndRetryRunsOnlyThem) {
  platform_.failing_keys.insert(line_key("w2", "edr"));
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(to_text(report->run.state), "partial");
  EXPECT_EQ(report->counts["failed"], 1);
  platform_.failing_keys.clear();
  SyncEngine engine(*store_, SyncSettings{}, clock_);
  auto retried = engine.retry(connector_, *session_, report->run.id, {});
  ASSERT_TRUE(retried) << retried.status().message();
  ASSERT_EQ(retried->lines.size(), 1u);
  EXPECT_EQ(retried->lines[0].outcome, "updated");
  EXPECT_EQ(retried->run.parent_run_id, report->run.id);
}

// A platform where the vendor creates the services: a metric the host does not know is the
// plugin's error, refused at its answer before any service is recorded or mapped.
TEST_F(SyncEngineTest, AProvisionedServiceWithAnUnknownMetricIsRefusedAndNothingIsRecorded) {
  mb_plugin_table table = *plugin_->table();
  table.on_provision_services =
      &meterbridge::internal::session_hook<&meterbridge::Session::provision_services>;
  table.on_plugin_unload = nullptr;  // the fixture's plugin owns the one plugin instance
  auto manifest = parse_manifest(kManifest, "fake");
  ASSERT_TRUE(manifest);
  auto provisioning = std::make_shared<LoadedPlugin>(*manifest, &table, nullptr);
  SessionContext context;
  context.clock = &clock_;
  auto session = provisioning->open(context, "{}");
  ASSERT_TRUE(session);
  platform_.provision_services_answer =
      R"({"items":[{"id":"edr","platform_id":"S9","outcome":"created","metric":"devices"},)"
      R"({"id":"mail","platform_id":"S10","outcome":"created","metric":"seats"}]})";

  std::vector<std::string> notes;
  SyncEngine engine(*store_, SyncSettings{}, clock_);
  Status provisioned = engine.provision(connector_, **session, notes);
  EXPECT_EQ(provisioned.code(), ErrorClass::kFatal);
  EXPECT_EQ(provisioned.message(),
            "provision_services: the plugin answered service 'mail' with an unknown metric "
            "'seats' (users or devices); none of its services were recorded");
  EXPECT_TRUE(store_->list_provisioned_services("fake")->empty());
  auto mappings = store_->list_service_mappings("fake");
  ASSERT_TRUE(mappings);
  ASSERT_EQ(mappings->size(), 1u);
  EXPECT_EQ(mappings->front().psa_service_id, "S1");
  EXPECT_EQ(mappings->front().metric, ServiceMetric::kDevices);
}

TEST_F(SyncEngineTest, NoServiceMappedBillsNothingAndNeedsAttention) {
  ASSERT_TRUE(store_->delete_service_mapping("fake", "edr").ok());
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(to_text(report->run.state), "needs_attention");
  EXPECT_EQ(report->run.message, "nothing billed: no service is mapped on this connector");
  EXPECT_TRUE(report->lines.empty());
  bool said = std::any_of(report->notes.begin(), report->notes.end(),
                          [](const std::string& n) { return n.find("no services are mapped") != std::string::npos; });
  EXPECT_TRUE(said);
  auto stored = store_->get_run(report->run.id);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->state, RunState::kNeedsAttention);
}

TEST_F(SyncEngineTest, NoWorkspaceMappedBillsNothingAndNeedsAttentionEvenOnADryRun) {
  for (const char* w : {"w1", "w2", "w3"})
    ASSERT_TRUE(store_->delete_account_mapping("fake", w).ok());
  for (bool dry_run : {false, true}) {
    SyncOptions options;
    options.dry_run = dry_run;
    auto report = sync(options);
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(to_text(report->run.state), "needs_attention") << dry_run;
    EXPECT_EQ(report->run.message, "nothing billed: nothing is mapped or linked (3 not_mapped)");
  }
  EXPECT_TRUE(platform_.reads.empty());
  EXPECT_TRUE(platform_.applies.empty());
}

// Billing some lines and leaving others unmapped is a normal day: the run is ok and the
// unmapped lines are listed; a run with only held lines waits for a decision, not for setup.
TEST_F(SyncEngineTest, ARunThatBillsSomeOrHoldsLinesIsNotNeedsAttention) {
  ASSERT_TRUE(store_->delete_account_mapping("fake", "w3").ok());
  auto some = sync();
  ASSERT_TRUE(some);
  EXPECT_EQ(to_text(some->run.state), "ok");
  EXPECT_EQ(some->counts["not_mapped"], 1);

  ASSERT_TRUE(store_->delete_account_mapping("fake", "w2").ok());
  import_devices("2026-11-22T00:00:00Z", {{"w1", 0}, {"w2", 0}, {"w3", 0}});
  auto held = sync();
  ASSERT_TRUE(held);
  EXPECT_EQ(held->counts["held"], 1);  // w1 dropping to 0 waits for approval
  EXPECT_EQ(to_text(held->run.state), "ok");
}

// ---- The write journal: a non-idempotent write is never sent twice ----

TEST_F(SyncEngineTest, AWriteWhoseAnswerWasLostIsNotSentAgainUntilAReadConfirmsIt) {
  platform_.deltas = true;
  platform_.lost_answers = {line_key("w2", "edr")};
  auto first = sync();
  ASSERT_TRUE(first) << first.status().message();
  EXPECT_EQ(line_of(*first, "w2").outcome, "failed");
  EXPECT_EQ(platform_.posted, 2u);  // w2 (answer lost) and w3
  auto open = store_->open_write_intents("fake");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);  // w3's write was confirmed; w2's is in doubt
  EXPECT_EQ((*open)[0].account_id, "A2");
  EXPECT_EQ((*open)[0].units_before, 5);
  EXPECT_EQ((*open)[0].target, 22);
  EXPECT_EQ((*open)[0].run_id, first->run.id);

  // A quick rerun (a retry, a restart) sees units still at 5 and must not post again.
  clock_.advance_ms(10'000);
  platform_.lost_answers.clear();
  auto rerun = sync();
  ASSERT_TRUE(rerun);
  EXPECT_EQ(line_of(*rerun, "w2").outcome, "pending_confirmation");
  EXPECT_NE(line_of(*rerun, "w2").message.find("not confirmed yet"), std::string::npos);
  EXPECT_EQ(to_text(rerun->run.state), "partial");
  EXPECT_EQ(platform_.posted, 2u);

  platform_.deliver_in_flight();  // the lost POST lands after all
  auto settled = sync();
  ASSERT_TRUE(settled);
  EXPECT_EQ(line_of(*settled, "w2").outcome, "unchanged");
  EXPECT_EQ(quantity("A2"), 22);  // applied once
  EXPECT_EQ(platform_.posted, 2u);
  EXPECT_TRUE(store_->open_write_intents("fake")->empty());
}

TEST_F(SyncEngineTest, AnUnconfirmedWriteIsWrittenAgainFromTheFreshValueAfterItsGracePeriod) {
  platform_.deltas = true;
  platform_.lost_answers = {line_key("w2", "edr")};
  ASSERT_TRUE(sync());
  platform_.in_flight.clear();  // it never landed
  platform_.lost_answers.clear();
  clock_.advance_ms(connector_.policies.unconfirmed_write_grace_seconds * 1000 + 1000);
  auto later = sync();
  ASSERT_TRUE(later);
  EXPECT_EQ(line_of(*later, "w2").outcome, "updated");
  EXPECT_NE(line_of(*later, "w2").message.find("was not confirmed within"), std::string::npos);
  EXPECT_EQ(quantity("A2"), 22);
  EXPECT_TRUE(store_->open_write_intents("fake")->empty());
}

TEST_F(SyncEngineTest, ADryRunShowsAnUnconfirmedWriteButLeavesTheJournalToRealRuns) {
  platform_.deltas = true;
  platform_.lost_answers = {line_key("w2", "edr")};
  ASSERT_TRUE(sync());
  platform_.deliver_in_flight();
  SyncOptions dry;
  dry.dry_run = true;
  auto preview = sync(dry);
  ASSERT_TRUE(preview);
  EXPECT_EQ(line_of(*preview, "w2").outcome, "unchanged");
  EXPECT_EQ(store_->open_write_intents("fake")->size(), 1u);  // only a real run settles it
}

// ---- Safety policies, on by default ----

TEST_F(SyncEngineTest, ADropToZeroIsHeldForApprovalByDefault) {
  platform_.quantities = {{{"A1", "S1"}, 11}, {{"A2", "S1"}, 22}, {{"A3", "S1"}, 33}};
  import_devices("2026-11-23T00:00:00Z", {{"w1", 0}, {"w2", 22}, {"w3", 33}});
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(line_of(*report, "w1").outcome, "held");
  EXPECT_NE(line_of(*report, "w1").message.find("drop from 11 to 0"), std::string::npos);
  EXPECT_EQ(quantity("A1"), 11);
  connector_.policies.hold_drops_to_zero = false;
  auto allowed = sync();
  ASSERT_TRUE(allowed);
  EXPECT_EQ(line_of(*allowed, "w1").outcome, "updated");
  EXPECT_EQ(quantity("A1"), 0);
}

TEST_F(SyncEngineTest, ManyDecreasesInOneRunAreAllHeld) {
  platform_.quantities = {{{"A1", "S1"}, 12}, {{"A2", "S1"}, 23}, {{"A3", "S1"}, 33}};
  auto report = sync();  // 2 of 3 lines decrease: 67% > 20%
  ASSERT_TRUE(report);
  EXPECT_EQ(line_of(*report, "w1").outcome, "held");
  EXPECT_EQ(line_of(*report, "w2").outcome, "held");
  EXPECT_NE(line_of(*report, "w1").message.find("2 of 3 lines"), std::string::npos);
  EXPECT_TRUE(platform_.applies.empty());
  connector_.policies.max_decrease_share = 0.7;
  auto allowed = sync();
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->counts["updated"], 2);
}

TEST_F(SyncEngineTest, ASnapshotThatLostAServiceRowIsHeldNotZeroed) {
  platform_.quantities = {{{"A1", "S1"}, 11}, {{"A2", "S1"}, 22}, {{"A3", "S1"}, 33}};
  std::vector<Workspace> ws{{"w1", "W1", false, ""}, {"w2", "W2", false, ""}, {"w3", "W3", false, ""}};
  UsageSnapshot snap;
  snap.as_of = "2026-11-23T00:00:00Z";
  snap.counts = {{"w1", "email", 4, 0}, {"w2", "edr", 1, 22}, {"w3", "edr", 1, 33}};  // w1 lost its EDR row
  ASSERT_TRUE(store_->import_usage(ws, {{"edr", "EDR"}, {"email", "Email"}}, snap));
  auto report = sync();
  ASSERT_TRUE(report);
  const SyncLine& w1 = line_of(*report, "w1");
  EXPECT_EQ(w1.outcome, "held");
  EXPECT_EQ(w1.target, 0);
  EXPECT_NE(w1.message.find("no row for this service"), std::string::npos);
  EXPECT_EQ(quantity("A1"), 11);
}

TEST_F(SyncEngineTest, MaxChangeRatioAlsoHoldsChangesFromZero) {
  connector_.policies.max_change_ratio = 0.5;
  platform_.quantities = {{{"A1", "S1"}, 0}, {{"A2", "S1"}, 22}, {{"A3", "S1"}, 33}};
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(line_of(*report, "w1").outcome, "held");
  EXPECT_EQ(quantity("A1"), 0);
}

TEST_F(SyncEngineTest, TheLatestSnapshotIsTheNewestAsOfNotTheLastImported) {
  platform_.quantities = {{{"A1", "S1"}, 11}, {{"A2", "S1"}, 22}, {{"A3", "S1"}, 33}};
  import_devices("2026-11-01T00:00:00Z", {{"w1", 1}, {"w2", 2}, {"w3", 3}});  // an old export, imported late
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->counts["unchanged"], 3);
  EXPECT_TRUE(platform_.applies.empty());
}

// ---- Approval is a decision about today's numbers ----

class ApprovalTest : public SyncEngineTest {
 protected:
  void SetUp() override {
    SyncEngineTest::SetUp();
    connector_.policies.decreases = "require_approval";
    connector_.policies.max_decrease_share = 1.0;
    platform_.quantities = {{{"A1", "S1"}, 20}, {{"A2", "S1"}, 30}, {{"A3", "S1"}, 33}};
  }
};

TEST_F(ApprovalTest, ApprovalAppliesTheHeldLinesOnceAndSaysWhenNothingIsLeft) {
  auto held = sync();
  ASSERT_TRUE(held);
  EXPECT_EQ(held->counts["held"], 2);
  auto approved = approve(held->run.id);
  ASSERT_TRUE(approved) << approved.status().message();
  EXPECT_EQ(approved->run.trigger, "approve");
  EXPECT_EQ(approved->run.parent_run_id, held->run.id);
  EXPECT_EQ(approved->counts["updated"], 2);
  EXPECT_EQ(quantity("A1"), 11);
  EXPECT_EQ(quantity("A2"), 22);
  size_t writes = platform_.applies.size();

  auto again = approve(held->run.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), ErrorClass::kConflict);
  EXPECT_NE(again.status().message().find("nothing awaiting approval"), std::string::npos);
  EXPECT_EQ(platform_.applies.size(), writes);
  auto lines = store_->list_lines(held->run.id);
  ASSERT_TRUE(lines);
  for (const auto& l : *lines)
    if (to_text(l.action) == "hold") {
      EXPECT_EQ(to_text(l.decision), "approved");
      EXPECT_EQ(l.decision_run_id, approved->run.id);
    }
}

TEST_F(ApprovalTest, AnApprovalTakesEffectOnTheDateItIsGiven) {
  auto held = sync();
  ASSERT_TRUE(held);
  SyncOptions dated;
  dated.effective_date = "2026-12-01";
  auto approved = approve(held->run.id, {}, dated);
  ASSERT_TRUE(approved) << approved.status().message();
  EXPECT_EQ(approved->run.effective_date, "2026-12-01");
  ASSERT_FALSE(platform_.applies.empty());
  EXPECT_EQ(platform_.applies.back().at("effective_date").as_string(), "2026-12-01");
  auto stored = store_->get_run(approved->run.id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->effective_date, "2026-12-01");
}

TEST_F(ApprovalTest, AnEffectiveDateThatIsNoDateIsRefusedAndChangesNothing) {
  auto held = sync();
  ASSERT_TRUE(held);
  size_t writes = platform_.applies.size();
  for (const char* bad : {"2026-02-30", "2026-12-1", "tomorrow", "2026-13-01", "-202-12-01"}) {
    SyncOptions dated;
    dated.effective_date = bad;
    auto refused = approve(held->run.id, {}, dated);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.status().code(), ErrorClass::kConfigInvalid);
    EXPECT_NE(refused.status().message().find("effective_date"), std::string::npos);
  }
  EXPECT_EQ(platform_.applies.size(), writes);
  EXPECT_TRUE(approve(held->run.id)) << "the held lines still await a decision";
}

TEST_F(ApprovalTest, ApprovingAfterUsageChangedWritesNothingAndSaysStale) {
  auto held = sync();
  ASSERT_TRUE(held);
  import_devices("2026-11-23T00:00:00Z", {{"w1", 14}, {"w2", 22}, {"w3", 33}});
  auto approved = approve(held->run.id);
  ASSERT_TRUE(approved) << approved.status().message();
  EXPECT_EQ(line_of(*approved, "w1").outcome, "stale");
  EXPECT_NE(line_of(*approved, "w1").message.find("usage changed"), std::string::npos);
  EXPECT_EQ(line_of(*approved, "w2").outcome, "updated");  // unchanged: still approved
  EXPECT_EQ(quantity("A1"), 20);
}

TEST_F(ApprovalTest, ApprovingAfterARemapNeverWritesOneCustomersTargetToAnother) {
  auto held = sync();
  ASSERT_TRUE(held);
  // w1 and w3 swap PSA accounts.
  ASSERT_TRUE(store_->delete_account_mapping("fake", "w3").ok());
  AccountMapping m1;
  m1.workspace_id = "w1";
  m1.account_id = "A3";
  ASSERT_TRUE(store_->put_account_mapping("fake", m1).ok());
  AccountMapping m3;
  m3.workspace_id = "w3";
  m3.account_id = "A1";
  ASSERT_TRUE(store_->put_account_mapping("fake", m3).ok());
  auto approved = approve(held->run.id);
  ASSERT_TRUE(approved) << approved.status().message();
  EXPECT_EQ(line_of(*approved, "w1").outcome, "stale");
  EXPECT_NE(line_of(*approved, "w1").message.find("now mapped to PSA account 'A3'"), std::string::npos);
  EXPECT_EQ(quantity("A1"), 20);
  EXPECT_EQ(quantity("A3"), 33);
}

TEST_F(ApprovalTest, ApprovingAfterThePlatformChangedIsStale) {
  auto held = sync();
  ASSERT_TRUE(held);
  platform_.quantities[{"A1", "S1"}] = 25;  // someone edited the PSA since
  auto approved = approve(held->run.id);
  ASSERT_TRUE(approved);
  EXPECT_EQ(line_of(*approved, "w1").outcome, "stale");
  EXPECT_EQ(quantity("A1"), 25);
}

TEST_F(ApprovalTest, ApprovalObeysTheDryRunPolicyAndTheDisconnectedGuard) {
  auto held = sync();
  ASSERT_TRUE(held);
  connector_.policies.dry_run = true;
  auto preview = approve(held->run.id);
  ASSERT_TRUE(preview) << preview.status().message();
  EXPECT_TRUE(preview->run.dry_run);
  EXPECT_EQ(line_of(*preview, "w1").outcome, "would_update");
  EXPECT_TRUE(platform_.applies.empty());
  EXPECT_EQ(store_->pending_approvals("fake")->size(), 2u);  // a preview decides nothing

  connector_.policies.dry_run = false;
  ASSERT_TRUE(store_->disconnect_connector("fake").ok());
  auto refused = approve(held->run.id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), ErrorClass::kConflict);
  EXPECT_NE(refused.status().message().find("disconnected"), std::string::npos);
  EXPECT_TRUE(platform_.applies.empty());
}

TEST_F(ApprovalTest, LinesCanBeApprovedAndDismissedOneByOne) {
  auto held = sync();
  ASSERT_TRUE(held);
  int64_t n1 = line_of(*held, "w1").number, n2 = line_of(*held, "w2").number;
  ASSERT_GT(n1, 0);
  auto one = approve(held->run.id, {n1});
  ASSERT_TRUE(one) << one.status().message();
  EXPECT_EQ(one->lines.size(), 1u);
  EXPECT_EQ(quantity("A1"), 11);
  EXPECT_EQ(quantity("A2"), 30);
  auto pending = store_->pending_approvals("fake");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].line.workspace_id, "w2");

  SyncEngine engine(*store_, SyncSettings{}, clock_);
  auto dismissed = engine.dismiss("fake", held->run.id, {n2}, "dismissed by a test");
  ASSERT_TRUE(dismissed) << dismissed.status().message();
  EXPECT_TRUE(store_->pending_approvals("fake")->empty());
  auto rest = approve(held->run.id);
  ASSERT_FALSE(rest);
  EXPECT_EQ(quantity("A2"), 30);  // dismissed: never applied
  auto twice = approve(held->run.id, {n1});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.status().message().find("already decided"), std::string::npos);
  auto unknown = approve(held->run.id, {999});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.status().message().find("no line 999"), std::string::npos);
}

TEST_F(ApprovalTest, ALaterRunSupersedesAnEarlierHeldLine) {
  auto first = sync();
  ASSERT_TRUE(first);
  auto second = sync();
  ASSERT_TRUE(second);
  auto pending = store_->pending_approvals("fake");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  for (const auto& p : *pending) EXPECT_EQ(p.run_id, second->run.id);
  auto old = approve(first->run.id);
  ASSERT_TRUE(old);
  EXPECT_EQ(line_of(*old, "w1").outcome, "stale");
  EXPECT_TRUE(platform_.applies.empty());
  ASSERT_TRUE(approve(second->run.id));
  EXPECT_EQ(quantity("A1"), 11);
}

TEST_F(ApprovalTest, ADryRunsHeldLinesCannotBeApproved) {
  SyncOptions dry;
  dry.dry_run = true;
  auto preview = sync(dry);
  ASSERT_TRUE(preview);
  auto refused = approve(preview->run.id);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("dry run"), std::string::npos);
}

}  // namespace
}  // namespace mb
