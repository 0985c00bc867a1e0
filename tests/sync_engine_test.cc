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

#include "host/plugin/manifest.h"
#include "host/store/store.h"

namespace {

namespace json = boost::json;

// The fake platform: quantities per (account, service), every call recorded.
struct FakePlatform {
  std::map<std::pair<std::string, std::string>, int64_t> quantities;
  std::vector<json::value> reads, applies;
  std::set<std::string> failing_keys;
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
  std::string apply_quantities(meterbridge::Call&, std::string_view input) override {
    json::value in = json::parse(input);
    g_platform->applies.push_back(in);
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
    ASSERT_TRUE(store_->put_service_mapping("fake", {"edr", "S1", "devices"}).ok());
    platform_.quantities = {{{"A1", "S1"}, 11}, {{"A2", "S1"}, 5}, {{"A3", "S1"}, 7}};
  }
  void TearDown() override {
    session_.reset();
    plugin_.reset();
  }

  Result<SyncReport> sync(SyncOptions options = {}) {
    SyncEngine engine(*store_, config_, clock_);
    return engine.sync(connector_, *session_, options);
  }

  FakePlatform platform_;
  FakeClock clock_{1795305600000};  // 2026-11-22T00:00:00Z
  Config config_;
  ConnectorConfig connector_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<PluginSession> session_;
};

TEST_F(SyncEngineTest, AppliesOnlyChangedLinesInBatchesWithDeterministicKeys) {
  SyncOptions options;
  options.read_batch_size = 1;
  options.apply_batch_size = 1;
  std::vector<std::pair<size_t, size_t>> progress;
  options.progress = [&](size_t done, size_t total) { progress.emplace_back(done, total); };
  auto report = sync(options);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->run.state, "ok");
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
  EXPECT_FALSE(progress.empty());
  EXPECT_EQ((platform_.quantities[{"A2", "S1"}]), 22);
  EXPECT_EQ((platform_.quantities[{"A3", "S1"}]), 33);
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

TEST_F(SyncEngineTest, FailedLinesMakeThePartialStateAndRetryRunsOnlyThem) {
  platform_.failing_keys.insert(line_key("w2", "edr"));
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->run.state, "partial");
  EXPECT_EQ(report->counts["failed"], 1);
  platform_.failing_keys.clear();
  SyncEngine engine(*store_, config_, clock_);
  auto retried = engine.retry(connector_, *session_, report->run.id, {});
  ASSERT_TRUE(retried) << retried.status().message();
  ASSERT_EQ(retried->lines.size(), 1u);
  EXPECT_EQ(retried->lines[0].outcome, "updated");
  EXPECT_EQ(retried->run.parent_run_id, report->run.id);
}

TEST_F(SyncEngineTest, NoUsageOrNoServiceMappingsIsANoteNotAFailure) {
  ASSERT_TRUE(store_->delete_service_mapping("fake", "edr").ok());
  auto report = sync();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->run.state, "ok");
  EXPECT_TRUE(report->lines.empty());
  bool said = std::any_of(report->notes.begin(), report->notes.end(),
                          [](const std::string& n) { return n.find("no services are mapped") != std::string::npos; });
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace mb
