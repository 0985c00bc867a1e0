#include "host/store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "host/store/secret_box.h"
#include "host/store/testing/store_under_test.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::StoreKind;
using testing::StoreUnderTest;
using testing::TempDir;

// The shared store suite: every TEST_P runs against SQLite and against PostgreSQL (a database
// of its own on the test cluster), through the Store interface only.
class StoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    ::unsetenv(SecretBox::kKeyEnv);
    ASSERT_EQ(state_.setup_error(), "");
    auto store = state_.open(&clock_);
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
    ConnectorRecord c;
    c.id = "acme";
    c.plugin_id = "examplepsa";
    c.partner = "Acme IT";
    ASSERT_TRUE(store_->upsert_connector(c).ok());
    ASSERT_TRUE(store_->import_usage({{"w1", "Alpha Ltd", false, ""}, {"w2", "Beta Ltd", false, ""}, {"w3", "Gamma", false, ""}},
                                     {{"email", "Email Security"}, {"edr", "EDR"}},
                                     {0, "2026-11-01T00:00:00Z", "", "test", {{"w1", "email", 5, 7}}})
                    .ok());
  }

  static PsaAccount account(const std::string& id, const std::string& name) {
    PsaAccount a;
    a.id = id;
    a.name = name;
    return a;
  }

  AccountMapping mapping(const std::string& workspace, const std::string& account) {
    AccountMapping m;
    m.workspace_id = workspace;
    m.account_id = account;
    return m;
  }

  // `n` more connections to the same state, as other nodes hold; fewer (and a failure) when one
  // cannot open.
  std::vector<std::unique_ptr<Store>> open_nodes(int n) {
    std::vector<std::unique_ptr<Store>> nodes;
    for (int i = 0; i < n; ++i) {
      auto node = state_.open(&clock_);
      EXPECT_TRUE(node) << node.status().message();
      if (!node) break;
      nodes.push_back(std::move(*node));
    }
    return nodes;
  }

  FakeClock clock_{1767225600000};
  TempDir dir_;
  StoreUnderTest state_{GetParam(), dir_.path()};
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::ValuesIn(testing::all_store_kinds()),
                         testing::store_kind_name);

TEST_P(StoreTest, MigratesToTheCurrentSchemaAndReopens) {
  store_.reset();
  auto again = state_.open();
  ASSERT_TRUE(again);
  auto connectors = (*again)->list_connectors();
  ASSERT_TRUE(connectors);
  ASSERT_EQ(connectors->size(), 1u);
  EXPECT_EQ(connectors->front().partner, "Acme IT");
  EXPECT_EQ(to_text(connectors->front().status), "new");
  EXPECT_GE(store_schema_version(), 1);
}

// Schema 3 rebuilds sync_runs to admit `needs_attention`; sync_lines refers to it, so the
// rebuild must keep every run's id, its lines and the id sequence.
TEST(StoreMigrationTest, SchemaThreeKeepsEveryRunItsLinesAndIdsAndAdmitsNeedsAttention) {
  TempDir dir;
  FakeClock clock{1767225600000};
  SqliteStoreOptions options{
      .path = dir / "state.db", .key_file = dir / "secret.key", .clock = &clock};
  int64_t first = 0;
  int64_t second = 0;
  {
    SqliteStoreOptions old = options;
    old.migrate_to_version = 2;
    auto store = open_sqlite_store(old);
    ASSERT_TRUE(store) << store.status().message();
    ConnectorRecord connector;
    connector.id = "acme";
    connector.plugin_id = "examplepsa";
    ASSERT_TRUE((*store)->upsert_connector(connector).ok());
    SyncRun run;
    run.connector_id = "acme";
    run.state = RunState::kOk;
    SyncLine line;
    line.key = "w1|email";
    line.workspace_id = "w1";
    line.service_id = "email";
    line.target = 5;
    line.outcome = "updated";
    auto a = (*store)->create_run(run, {line});
    auto b = (*store)->create_run(run, {line, [&] {
                                          SyncLine other = line;
                                          other.key = "w2|email";
                                          other.workspace_id = "w2";
                                          return other;
                                        }()});
    ASSERT_TRUE(a && b);
    first = *a;
    second = *b;
    run.state = RunState::kNeedsAttention;
    EXPECT_FALSE((*store)->create_run(run, {}));  // schema 2 does not know the state
  }
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(store) << store.status().message();
  auto runs = (*store)->list_runs("acme", 10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*(*store)->list_lines(first)).size(), 1u);
  EXPECT_EQ((*(*store)->list_lines(second)).size(), 2u);
  SyncRun attention;
  attention.connector_id = "acme";
  attention.state = RunState::kNeedsAttention;
  auto third = (*store)->create_run(attention, {});
  ASSERT_TRUE(third) << third.status().message();
  EXPECT_EQ(*third, second + 1);
  auto back = (*store)->get_run(*third);
  ASSERT_TRUE(back && back->has_value());
  EXPECT_EQ((*back)->state, RunState::kNeedsAttention);
}

// Runs SQL on a SQLite state file as an earlier release left it: migration tests write their
// old rows the way that schema stored them, not through today's Store methods.
void exec_sql(const std::filesystem::path& path, const std::string& sql,
              const std::function<void(sqlite3_stmt*)>& row = {}) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  const char* rest = sql.c_str();
  while (*rest != '\0') {
    ASSERT_EQ(sqlite3_prepare_v2(db, rest, -1, &statement, &rest), SQLITE_OK) << sqlite3_errmsg(db);
    if (statement == nullptr) break;  // trailing whitespace
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW)
      if (row) row(statement);
    EXPECT_EQ(step, SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
}

// Schema 6 indexes a run's lines by number, so a page of `runs show` (or of `sync --json`)
// reads that page instead of walking the run in key order.
TEST(StoreMigrationTest, SchemaSixPagesOldRunsByNumberThroughAnIndex) {
  TempDir dir;
  FakeClock clock{1767225600000};
  SqliteStoreOptions options{
      .path = dir / "state.db", .key_file = dir / "secret.key", .clock = &clock};
  {
    SqliteStoreOptions previous = options;
    previous.migrate_to_version = 5;
    auto store = open_sqlite_store(previous);
    ASSERT_TRUE(store) << store.status().message();
  }
  exec_sql(options.path, R"sql(
INSERT INTO sync_runs(id, connector_id, trigger, dry_run, state, started_at)
  VALUES (7, 'acme', 'manual', 0, 'ok', '2026-11-01T00:00:00Z');
INSERT INTO sync_lines(run_id, line_key, workspace_id, service_id, outcome, number) VALUES
  (7, 'w1|email', 'w1', 'email', 'updated', 2),
  (7, 'w2|email', 'w2', 'email', 'unchanged', 1),
  (7, 'w3|email', 'w3', 'email', 'held', 3);
)sql");
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(store) << store.status().message();
  auto numbers = [&](int64_t after, size_t limit, bool skip_unchanged) {
    std::vector<int64_t> out;
    auto page = (*store)->list_lines_page(7, after, limit, skip_unchanged);
    EXPECT_TRUE(page) << page.status().message();
    if (page)
      for (const auto& l : *page) out.push_back(l.number);
    return out;
  };
  EXPECT_EQ(numbers(0, 10, false), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(numbers(1, 1, false), (std::vector<int64_t>{2}));
  EXPECT_EQ(numbers(0, 10, true), (std::vector<int64_t>{2, 3}));
  store->reset();

  std::string plan;
  exec_sql(options.path,
           "EXPLAIN QUERY PLAN SELECT line_key FROM sync_lines WHERE run_id = 7 AND number > 1 "
           "ORDER BY number LIMIT 10",
           [&](sqlite3_stmt* row) {
             plan += reinterpret_cast<const char*>(sqlite3_column_text(row, 3));
             plan += "\n";
           });
  EXPECT_NE(plan.find("sync_lines_by_number"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << "sorts the run: " << plan;
}

TEST_P(StoreTest, AKnownSecretNeverAppearsInTheDatabaseFiles) {
  const std::string secret = "SuperSecret-Value-0xC0FFEE";
  ASSERT_TRUE(store_->put_credentials("acme", R"({"secret":")" + secret + R"("})").ok());
  auto back = store_->get_credentials("acme");
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->has_value());
  EXPECT_NE((*back)->find(secret), std::string::npos);
  auto files = state_.files_at_rest();
  ASSERT_TRUE(files) << files.status().message();
  ASSERT_FALSE(files->empty());
  for (const auto& file : *files) {
    std::string bytes = testing::read_file(file);
    EXPECT_EQ(bytes.find(secret), std::string::npos) << file << " holds the secret in clear";
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_P(StoreTest, CredentialsDoNotOpenWithAnotherKey) {
  ASSERT_TRUE(store_->put_credentials("acme", R"({"secret":"x"})").ok());
  store_.reset();
  ::setenv(SecretBox::kKeyEnv, std::string(64, 'b').c_str(), 1);
  auto other = state_.open();
  ASSERT_TRUE(other);
  auto creds = (*other)->get_credentials("acme");
  ::unsetenv(SecretBox::kKeyEnv);
  ASSERT_FALSE(creds);
  EXPECT_NE(creds.status().message().find("cannot be decrypted"), std::string::npos);
}

// Reports look names up for the ids their lines name only: a connector may have a million.
TEST_P(StoreTest, NamesAreLookedUpForJustTheIdsAsked) {
  std::vector<std::string> asked = {"w1", "w3", "nowhere", "w\"odd,{id}"};
  for (int i = 0; i < 1200; ++i) asked.push_back("absent-" + std::to_string(i));  // > one chunk
  auto workspaces = store_->workspace_names(asked);
  ASSERT_TRUE(workspaces) << workspaces.status().message();
  EXPECT_EQ(*workspaces,
            (std::map<std::string, std::string>{{"w1", "Alpha Ltd"}, {"w3", "Gamma"}}));
  EXPECT_TRUE(store_->workspace_names({})->empty());

  PsaAccount cached;
  cached.id = "100";
  cached.name = "Alpha (PSA)";
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {cached}).ok());
  AccountMapping to_cached = mapping("w1", "100");
  to_cached.account_name = "Alpha (when mapped)";
  ASSERT_TRUE(store_->put_account_mapping("acme", to_cached).ok());
  // An account meterbridge created itself is not cached: its mapping's name stands in.
  AccountMapping created = mapping("w2", "200");
  created.account_name = "Beta (created)";
  ASSERT_TRUE(store_->put_account_mapping("acme", created).ok());
  auto accounts = store_->psa_account_names("acme", {"100", "200", "300"});
  ASSERT_TRUE(accounts) << accounts.status().message();
  EXPECT_EQ(*accounts, (std::map<std::string, std::string>{{"100", "Alpha (PSA)"},
                                                           {"200", "Beta (created)"}}));
  EXPECT_TRUE(store_->psa_account_names("other", {"100", "200"})->empty());
}

TEST_P(StoreTest, AccountMappingIsOneToOnePerConnector) {
  ASSERT_TRUE(store_->put_account_mapping("acme", mapping("w1", "100")).ok());
  Status twice = store_->put_account_mapping("acme", mapping("w2", "100"));
  EXPECT_EQ(twice.code(), ErrorClass::kConflict);
  EXPECT_NE(twice.message().find("already mapped to workspace 'w1'"), std::string::npos);
  // Remapping a workspace replaces its account: a workspace maps to at most one account.
  ASSERT_TRUE(store_->put_account_mapping("acme", mapping("w1", "101")).ok());
  ASSERT_TRUE(store_->put_account_mapping("acme", mapping("w2", "100")).ok());
  auto all = store_->list_account_mappings("acme");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(*all->at(0).account_id, "101");
  // A batch that would break the rule changes nothing.
  Status batch = store_->put_account_mappings("acme", {mapping("w3", "200"), mapping("w3", "100")});
  EXPECT_FALSE(batch.ok());
  EXPECT_EQ(store_->list_account_mappings("acme")->size(), 2u);
}

TEST_P(StoreTest, ExcludedWorkspacesHaveNoAccountAndUnknownWorkspacesAreRefused) {
  AccountMapping excluded;
  excluded.workspace_id = "w3";
  excluded.excluded = true;
  ASSERT_TRUE(store_->put_account_mapping("acme", excluded).ok());
  EXPECT_EQ(store_->put_account_mapping("acme", mapping("nope", "1")).code(), ErrorClass::kNotFound);
}

TEST_P(StoreTest, ServiceMappingIsOneToOnePerConnector) {
  ASSERT_TRUE(store_->put_service_mapping("acme", {"email", "svc-9", ServiceMetric::kUsers}).ok());
  EXPECT_EQ(store_->put_service_mapping("acme", {"edr", "svc-9", ServiceMetric::kDevices}).code(),
            ErrorClass::kConflict);
  ASSERT_TRUE(store_->put_service_mapping("acme", {"edr", "svc-10", ServiceMetric::kDevices}).ok());
}

TEST_P(StoreTest, DisconnectRemovesCredentialsAndEveryMappingButKeepsRuns) {
  ASSERT_TRUE(store_->put_credentials("acme", R"({"secret":"x"})").ok());
  ASSERT_TRUE(store_->put_account_mapping("acme", mapping("w1", "100")).ok());
  ASSERT_TRUE(store_->put_service_mapping("acme", {"email", "svc-9", ServiceMetric::kUsers}).ok());
  SyncRun run;
  run.connector_id = "acme";
  ASSERT_TRUE(store_->create_run(run, {}));
  ASSERT_TRUE(store_->disconnect_connector("acme").ok());
  EXPECT_FALSE(store_->get_credentials("acme")->has_value());
  EXPECT_TRUE(store_->list_account_mappings("acme")->empty());
  EXPECT_TRUE(store_->list_service_mappings("acme")->empty());
  EXPECT_EQ(store_->list_runs("acme", 10)->size(), 1u);
  EXPECT_EQ(to_text((*store_->get_connector("acme"))->status), "disconnected");
}

TEST_P(StoreTest, UsageImportIsAllOrNothing) {
  // The second count names an unknown service: the whole import must roll back.
  auto bad = store_->import_usage({{"w9", "New Co", false, ""}}, {},
                                  {0, "2026-11-02T00:00:00Z", "", "t", {{"w9", "email", 1, 1}, {"w9", "ghost", 1, 1}}});
  EXPECT_FALSE(bad);
  auto workspaces = store_->list_workspaces();
  EXPECT_EQ(workspaces->size(), 3u);
  auto latest = store_->latest_snapshot();
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ((*latest)->as_of, "2026-11-01T00:00:00Z");
  ASSERT_EQ((*latest)->counts.size(), 1u);
  EXPECT_EQ((*latest)->counts[0].devices, 7);
}

TEST_P(StoreTest, PsaAccountsThatDisappearAreMarkedMissingNotDeleted) {
  PsaAccount a = account("100", "Alpha Ltd"), b = account("200", "Beta Ltd");
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {a, b}).ok());
  ASSERT_TRUE(store_->set_psa_account_excluded("acme", "200", true).ok());
  clock_.advance_ms(60000);
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {b}).ok());
  auto accounts = store_->list_psa_accounts("acme");
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_TRUE(accounts->at(0).missing_since.has_value());  // Alpha
  EXPECT_FALSE(accounts->at(1).missing_since.has_value());
  EXPECT_TRUE(accounts->at(1).excluded);  // exclusion survives a refresh
}

TEST_P(StoreTest, PsaAccountCacheAgeIsTheOldestFetchOfAccountsStillListed) {
  auto empty = store_->psa_account_cache_age("acme");
  ASSERT_TRUE(empty) << empty.status().message();
  EXPECT_EQ(empty->accounts, 0);
  EXPECT_EQ(empty->oldest_fetched_at, "");
  PsaAccount a = account("100", "Alpha Ltd"), b = account("200", "Beta Ltd");
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {a, b}).ok());
  const std::string first_fetch = store_->list_psa_accounts("acme")->at(0).fetched_at;
  clock_.advance_ms(3'600'000);
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {b}).ok());  // Alpha is gone since
  auto age = store_->psa_account_cache_age("acme");
  ASSERT_TRUE(age) << age.status().message();
  EXPECT_EQ(age->accounts, 2);  // the missing account still counts as cached
  // Alpha kept its first fetch time but is missing; Beta was fetched again an hour later.
  EXPECT_GT(age->oldest_fetched_at, first_fetch);
  EXPECT_EQ(age->oldest_fetched_at, store_->list_psa_accounts("acme")->at(1).fetched_at);
  EXPECT_EQ(store_->psa_account_cache_age("other")->accounts, 0);
}

TEST_P(StoreTest, AnAccountFetchIsWrittenAPageAtATimeAndMarksMissingOnlyAtItsEnd) {
  PsaAccount a = account("100", "Alpha Ltd"), b = account("200", "Beta Ltd");
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {a, b}).ok());
  auto fetch = store_->begin_psa_account_fetch("acme");
  ASSERT_TRUE(fetch) << fetch.status().message();
  b.name = "Beta Group";
  ASSERT_TRUE(store_->put_fetched_psa_accounts("acme", *fetch, {b}).ok());
  // Mid-fetch (or after a fetch that failed here), nothing is missing yet; the page is in.
  auto mid = store_->list_psa_accounts("acme");
  ASSERT_EQ(mid->size(), 2u);
  EXPECT_FALSE(mid->at(0).missing_since.has_value());
  EXPECT_EQ(mid->at(1).name, "Beta Group");
  ASSERT_TRUE(store_->end_psa_account_fetch("acme", *fetch).ok());
  auto after = store_->list_psa_accounts("acme");
  EXPECT_TRUE(after->at(0).missing_since.has_value());  // Alpha: not listed by the fetch
  EXPECT_FALSE(after->at(1).missing_since.has_value());
}

TEST_P(StoreTest, MappingDriftIsFlaggedAndClearedInTheStore) {
  PsaAccount alpha = account("100", "Alpha Ltd"), beta = account("200", "Beta Ltd"),
             gamma = account("300", "Gamma");
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {alpha, beta, gamma}).ok());
  std::vector<AccountMapping> mappings = {mapping("w1", "100"), mapping("w2", "200"),
                                          mapping("w3", "300")};
  mappings[0].account_name = "Alpha Ltd";  // the names when mapped
  mappings[1].account_name = "Beta Ltd";
  mappings[2].account_name = "Gamma";
  ASSERT_TRUE(store_->put_account_mappings("acme", mappings).ok());
  auto none = store_->update_account_mapping_drift("acme");
  ASSERT_TRUE(none) << none.status().message();
  EXPECT_EQ(*none, 0u);

  alpha.active = false;
  gamma.name = "Gamma & Co";
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {alpha, gamma}).ok());  // Beta is gone
  auto changed = store_->update_account_mapping_drift("acme");
  ASSERT_TRUE(changed) << changed.status().message();
  EXPECT_EQ(*changed, 3u);
  std::map<std::string, std::string> drift;
  auto flagged = store_->list_account_mappings("acme");
  ASSERT_TRUE(flagged) << flagged.status().message();
  for (const auto& m : *flagged) drift[m.workspace_id] = std::string(to_text(m.drift));
  EXPECT_EQ(drift,
            (std::map<std::string, std::string>{
                {"w1", "account_inactive"}, {"w2", "account_missing"}, {"w3", "account_renamed"}}));
  EXPECT_EQ(*store_->update_account_mapping_drift("acme"), 0u);  // nothing changed since

  alpha.active = true;
  gamma.name = "Gamma";
  ASSERT_TRUE(store_->replace_psa_accounts("acme", {alpha, beta, gamma}).ok());
  EXPECT_EQ(*store_->update_account_mapping_drift("acme"), 3u);
  auto cleared = store_->list_account_mappings("acme");
  ASSERT_TRUE(cleared) << cleared.status().message();
  for (const auto& m : *cleared) EXPECT_EQ(m.drift, MappingDrift::kNone) << m.workspace_id;

  // A mapping meterbridge provisioned is the platform's own: never flagged.
  AccountMapping provisioned = mapping("w3", "900");
  provisioned.source = MappingSource::kProvisioned;
  ASSERT_TRUE(store_->put_account_mapping("acme", provisioned).ok());
  EXPECT_EQ(*store_->update_account_mapping_drift("acme"), 0u);
}

TEST_P(StoreTest, AccountMappingsAreListedAPageAtATimeInWorkspaceOrder) {
  ASSERT_TRUE(store_
                  ->put_account_mappings(
                      "acme", {mapping("w3", "300"), mapping("w1", "100"), mapping("w2", "200")})
                  .ok());
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->list_account_mappings_page("acme", after, 2);
    ASSERT_TRUE(page) << page.status().message();
    for (const auto& m : *page) seen.push_back(m.workspace_id + "=" + m.account_id.value_or(""));
    if (page->size() < 2) break;
    after = page->back().workspace_id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"w1=100", "w2=200", "w3=300"}));
  EXPECT_TRUE(store_->list_account_mappings_page("other", "", 2)->empty());
}

// `map auto` matches a page of unmapped workspaces at a time; the store says, for each, what
// its trimmed name matches among free accounts and unmapped workspaces.
TEST_P(StoreTest, NameMatchCandidatesCountTrimmedNamesAmongFreeAccountsAndUnmappedWorkspaces) {
  std::vector<Workspace> workspaces{{"w4", " Delta\t", false, "p1"},
                                    {"w5", "Twin", false, ""},
                                    {"w6", "Twin", false, ""},
                                    {"w7", "Shared", false, ""},
                                    {"w8", "Taken", false, "p1"}};
  // More workspaces with one name than the counts go to.
  for (int i = 0; i < Store::kNameMatchCountCap + 5; ++i)
    workspaces.push_back({"x" + std::to_string(1000 + i), "Crowd", false, ""});
  ASSERT_TRUE(
      store_
          ->import_usage(workspaces, {{"edr", "EDR"}}, {0, "2026-11-02T00:00:00Z", "", "test", {}})
          .ok());
  PsaAccount inactive = account("A5", "Gamma");
  inactive.active = false;
  ASSERT_TRUE(
      store_
          ->replace_psa_accounts("acme", {account("A1", "Alpha Ltd"), account("A2", "Delta\r\n"),
                                          account("A3", "Shared"), account("A4", "Shared "),
                                          inactive, account("A6", "Taken"), account("A7", "Twin"),
                                          account("A8", "Crowd"), account("A9", "beta ltd")})
          .ok());
  // A mapped workspace (w1) is no candidate; a mapped account (A6) matches nothing.
  ASSERT_TRUE(store_->put_account_mappings("acme", {mapping("w1", "A6")}).ok());
  EXPECT_EQ(*store_->count_account_mappings("acme"), 1);
  EXPECT_EQ(*store_->count_account_mappings("other"), 0);

  std::map<std::string, Store::NameMatchCandidate> found;
  std::string after;
  for (int pages = 0; pages < 200; ++pages) {
    auto page = store_->list_name_match_candidates_page("acme", "", after, 4);
    ASSERT_TRUE(page) << page.status().message();
    if (page->empty()) break;
    ASSERT_LE(page->size(), 4u);
    for (const auto& c : *page) {
      ASSERT_GT(c.workspace_id, after);  // in id order, each once
      found[c.workspace_id] = c;
      after = c.workspace_id;
    }
  }
  ASSERT_EQ(found.size(), 2u + 5u + Store::kNameMatchCountCap + 5);  // all but w1
  auto matches = [&](const std::string& w) {
    const auto& c = found[w];
    return std::to_string(c.accounts_named) + "/" + std::to_string(c.workspaces_named) + ":" +
           c.account_id + "=" + c.account_name;
  };
  EXPECT_EQ(matches("w2"), "0/1:=");             // case-sensitive: "beta ltd" is not "Beta Ltd"
  EXPECT_EQ(matches("w3"), "0/1:=");             // its only account is inactive
  EXPECT_EQ(matches("w4"), "1/1:A2=Delta\r\n");  // trimmed on both sides
  EXPECT_EQ(matches("w5"), "1/2:A7=Twin");
  EXPECT_EQ(matches("w7"), "2/1:A3=Shared");  // the first of the two, no match
  EXPECT_EQ(matches("w8"), "0/1:=");  // A6 is mapped to w1
  EXPECT_EQ(found["w4"].workspace_name, " Delta\t");
  EXPECT_EQ(found["x1000"].workspaces_named, Store::kNameMatchCountCap);
  EXPECT_EQ(found["x1000"].accounts_named, 1);

  // A partner sees its own workspaces only, and counts only those.
  std::vector<std::string> of_p1;
  auto p1 = store_->list_name_match_candidates_page("acme", "p1", "", 100);
  ASSERT_TRUE(p1) << p1.status().message();
  for (const auto& c : *p1) of_p1.push_back(c.workspace_id);
  EXPECT_EQ(of_p1, (std::vector<std::string>{"w4", "w8"}));
  // Storing a match takes the workspace and the account out of every count.
  ASSERT_TRUE(store_->put_account_mappings("acme", {mapping("w5", "A7")}).ok());
  auto after_mapping = store_->list_name_match_candidates_page("acme", "", "w5", 1);
  ASSERT_TRUE(after_mapping) << after_mapping.status().message();
  ASSERT_EQ(after_mapping->size(), 1u);
  EXPECT_EQ((*after_mapping)[0].workspace_id, "w6");
  EXPECT_EQ((*after_mapping)[0].accounts_named, 0);
  EXPECT_EQ((*after_mapping)[0].workspaces_named, 1);
}

TEST_P(StoreTest, WorkspacesAreListedForOnePartnerOrOnlyTheEndedOnes) {
  ASSERT_TRUE(store_
                  ->import_usage({{"w4", "Delta", true, ""},
                                  {"w5", "Epsilon", false, "p1"},
                                  {"w6", "Zeta", true, "p1"}},
                                 {{"edr", "EDR"}},
                                 {0, "2026-11-02T00:00:00Z", "", "test", {{"w5", "edr", 1, 1}}})
                  .ok());
  auto ids = [&](const std::string& partner, bool ended_only) {
    std::vector<std::string> out;
    auto listed = store_->list_workspaces_of(partner, ended_only);
    EXPECT_TRUE(listed) << listed.status().message();
    if (listed)
      for (const auto& w : *listed) out.push_back(w.id);
    return out;
  };
  EXPECT_EQ(ids("", true), (std::vector<std::string>{"w4", "w6"}));
  EXPECT_EQ(ids("p1", false), (std::vector<std::string>{"w5", "w6"}));
  EXPECT_EQ(ids("p1", true), (std::vector<std::string>{"w6"}));
  EXPECT_EQ(ids("", false).size(), store_->list_workspaces()->size());
  EXPECT_TRUE(ids("nobody", false).empty());
}

TEST_P(StoreTest, RunsAndLinesRoundTrip) {
  SyncRun run;
  run.connector_id = "acme";
  run.effective_date = "2026-11-01";
  SyncLine line;
  line.key = "w1|email";
  line.workspace_id = "w1";
  line.service_id = "email";
  line.target = 5;
  line.current = 3;
  line.delta = 2;
  line.action = LineAction::kUpdate;
  auto id = store_->create_run(run, {line});
  ASSERT_TRUE(id);
  line.outcome = "updated";
  ASSERT_TRUE(store_->update_lines(*id, {line}).ok());
  auto unfinished = store_->unfinished_runs("acme");
  ASSERT_EQ(unfinished->size(), 1u);
  SyncRun done = *(*store_->get_run(*id));
  done.state = RunState::kOk;
  done.finished_at = "2026-11-01T00:01:00Z";
  ASSERT_TRUE(store_->update_run(done).ok());
  EXPECT_TRUE(store_->unfinished_runs("acme")->empty());
  auto lines = store_->list_lines(*id);
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ(lines->at(0).outcome, "updated");
  EXPECT_EQ(*lines->at(0).delta, 2);
}

// ---- Leases ----

LeaseHolder holder(const std::string& owner) {
  LeaseHolder h;
  h.owner_id = owner;
  h.host = "node-1";
  h.pid = 42;
  h.purpose = "sync";
  return h;
}

TEST_P(StoreTest, ALeaseHasOneOwnerUntilItIsReleasedOrExpires) {
  auto first = store_->acquire_lease("acme", holder("owner-a"), 60'000, "");
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->has_value());  // taken
  auto second = store_->acquire_lease("acme", holder("owner-b"), 60'000, "");
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->owner_id, "owner-a");  // kept by its holder

  clock_.advance_ms(30'000);
  EXPECT_TRUE(*store_->renew_lease("acme", "owner-a", 60'000));
  clock_.advance_ms(59'000);  // within the renewed lease
  EXPECT_TRUE(store_->acquire_lease("acme", holder("owner-b"), 60'000, "")->has_value());

  clock_.advance_ms(2'000);  // expired: anyone may take it, and the old owner has lost it
  EXPECT_FALSE(store_->acquire_lease("acme", holder("owner-b"), 60'000, "")->has_value());
  EXPECT_FALSE(*store_->renew_lease("acme", "owner-a", 60'000));
  EXPECT_TRUE(store_->release_lease("acme", "owner-a").ok());  // not the holder: a no-op
  EXPECT_EQ((*store_->get_lease("acme"))->owner_id, "owner-b");
  EXPECT_TRUE(store_->release_lease("acme", "owner-b").ok());
  EXPECT_FALSE(store_->get_lease("acme")->has_value());
}

TEST_P(StoreTest, ALeaseHeldByAProvedDeadOwnerIsTakenOverOnlyFromThatOwner) {
  ASSERT_FALSE(store_->acquire_lease("acme", holder("dead"), 60'000, "")->has_value());
  EXPECT_TRUE(store_->acquire_lease("acme", holder("new"), 60'000, "someone-else")->has_value());
  EXPECT_FALSE(store_->acquire_lease("acme", holder("new"), 60'000, "dead")->has_value());
  EXPECT_EQ((*store_->get_lease("acme"))->owner_id, "new");
}

// ---- Jobs ----

SyncJob due_job(const std::string& connector, const std::string& window, int64_t due_at_ms) {
  SyncJob job;
  job.connector_id = connector;
  job.window_key = window;
  job.trigger = "schedule";
  job.due_at_ms = due_at_ms;
  return job;
}

TEST_P(StoreTest, AJobIsEnqueuedOncePerConnectorAndWindow) {
  const int64_t now = clock_.now_ms();
  EXPECT_TRUE(*store_->enqueue_job(due_job("acme", "schedule:2026-01-01T09:00:00Z", now)));
  // A second node's scheduler enqueues the same window: nothing is added.
  EXPECT_FALSE(*store_->enqueue_job(due_job("acme", "schedule:2026-01-01T09:00:00Z", now)));
  EXPECT_TRUE(*store_->enqueue_job(due_job("acme", "schedule:2026-01-02T09:00:00Z", now)));
  EXPECT_TRUE(*store_->enqueue_job(due_job("other", "schedule:2026-01-01T09:00:00Z", now)));
  auto jobs = store_->list_jobs("acme", 10);
  ASSERT_TRUE(jobs) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].window_key, "schedule:2026-01-02T09:00:00Z");  // newest first
  EXPECT_EQ((*jobs)[1].state, JobState::kQueued);
  EXPECT_EQ((*jobs)[1].trigger, "schedule");
  EXPECT_EQ(store_->list_jobs("", 10)->size(), 3u);
}

TEST_P(StoreTest, JobsAreClaimedWhenDueInOrderAndOnlyOnce) {
  const int64_t now = clock_.now_ms();
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "later", now + 60'000)));
  ASSERT_TRUE(*store_->enqueue_job(due_job("beta", "first", now - 5'000)));
  ASSERT_TRUE(*store_->enqueue_job(due_job("gamma", "second", now)));

  auto first = store_->claim_job("worker-a", 30'000);
  ASSERT_TRUE(first && first->has_value());
  EXPECT_EQ((*first)->connector_id, "beta");
  EXPECT_EQ((*first)->state, JobState::kRunning);
  EXPECT_EQ((*first)->worker_id, "worker-a");
  EXPECT_EQ((*first)->attempts, 1);
  EXPECT_EQ((*first)->claim_expires_ms, now + 30'000);
  auto second = store_->claim_job("worker-b", 30'000);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((*second)->connector_id, "gamma");
  EXPECT_FALSE(store_->claim_job("worker-b", 30'000)->has_value());  // "later" is not due

  EXPECT_TRUE(*store_->finish_job((*first)->id, "worker-a", JobState::kDone, 42, ""));
  EXPECT_FALSE(*store_->finish_job((*first)->id, "worker-a", JobState::kDone, 42, ""));  // ended
  EXPECT_FALSE(*store_->finish_job((*second)->id, "worker-a", JobState::kFailed, 0, "not mine"));
  auto beta = store_->list_jobs("beta", 1);
  EXPECT_EQ((*beta)[0].state, JobState::kDone);
  EXPECT_EQ((*beta)[0].run_id, 42);
  EXPECT_NE((*beta)[0].finished_at, "");
  EXPECT_TRUE(*store_->finish_job((*second)->id, "worker-b", JobState::kFailed, 0, "gone"));
  EXPECT_EQ((*store_->list_jobs("gamma", 1))[0].message, "gone");

  clock_.advance_ms(60'000);
  auto later = store_->claim_job("worker-a", 30'000);
  ASSERT_TRUE(later && later->has_value());
  EXPECT_EQ((*later)->window_key, "later");
}

TEST_P(StoreTest, AJobWhoseWorkerStopsRenewingIsClaimedAgain) {
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "w1", clock_.now_ms())));
  auto claimed = store_->claim_job("dies", 30'000);
  ASSERT_TRUE(claimed && claimed->has_value());
  clock_.advance_ms(20'000);
  EXPECT_EQ(*store_->renew_job_claims("dies", 30'000), 1);
  clock_.advance_ms(29'000);  // within the renewed claim
  EXPECT_FALSE(store_->claim_job("takes-over", 30'000)->has_value());

  clock_.advance_ms(2'000);  // the worker stopped renewing: its claim expired
  auto taken = store_->claim_job("takes-over", 30'000);
  ASSERT_TRUE(taken && taken->has_value());
  EXPECT_EQ((*taken)->id, (*claimed)->id);
  EXPECT_EQ((*taken)->worker_id, "takes-over");
  EXPECT_EQ((*taken)->attempts, 2);
  // The first worker, back from a pause, finds the job no longer its own.
  EXPECT_EQ(*store_->renew_job_claims("dies", 30'000), 0);
  EXPECT_FALSE(*store_->finish_job((*claimed)->id, "dies", JobState::kDone, 1, ""));
  EXPECT_TRUE(*store_->finish_job((*taken)->id, "takes-over", JobState::kDone, 2, ""));
}

TEST_P(StoreTest, AConnectorWithAJobRunningIsNotClaimedTwiceAndARequeuedJobWaits) {
  const int64_t now = clock_.now_ms();
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "schedule", now)));
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "api:1", now)));
  auto running = store_->claim_job("worker-a", 30'000);
  ASSERT_TRUE(running && running->has_value());
  EXPECT_FALSE(store_->claim_job("worker-b", 30'000)->has_value());  // acme is busy

  EXPECT_TRUE(
      *store_->requeue_job((*running)->id, "worker-a", now + 10'000, "connector busy", true));
  EXPECT_FALSE(*store_->requeue_job((*running)->id, "worker-a", now, "twice", true));
  auto next = store_->claim_job("worker-b", 30'000);  // the other job of acme, due now
  ASSERT_TRUE(next && next->has_value());
  EXPECT_EQ((*next)->window_key, "api:1");
  ASSERT_TRUE(*store_->finish_job((*next)->id, "worker-b", JobState::kDone, 0, ""));
  EXPECT_FALSE(store_->claim_job("worker-b", 30'000)->has_value());  // requeued: not due yet
  clock_.advance_ms(10'000);
  auto again = store_->claim_job("worker-b", 30'000);
  ASSERT_TRUE(again && again->has_value());
  EXPECT_EQ((*again)->window_key, "schedule");
  EXPECT_EQ((*again)->attempts, 2);
  EXPECT_EQ((*again)->message, "connector busy");
}

TEST_P(StoreTest, AJobPutBackWithoutRunningDoesNotCountTheClaimAsAnAttempt) {
  const int64_t now = clock_.now_ms();
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "schedule", now)));
  // Put back again and again (its platform tenant full), it stays at its first attempt.
  for (int round = 0; round < 3; ++round) {
    auto claimed = store_->claim_job("worker-a", 30'000);
    ASSERT_TRUE(claimed && claimed->has_value()) << round;
    EXPECT_EQ((*claimed)->attempts, 1) << round;
    ASSERT_TRUE(*store_->requeue_job((*claimed)->id, "worker-a", now, "tenant full", false));
  }
  auto jobs = store_->list_jobs("acme", 10);
  ASSERT_TRUE(jobs && jobs->size() == 1u);
  EXPECT_EQ(jobs->front().attempts, 0);
  EXPECT_EQ(jobs->front().state, JobState::kQueued);
  EXPECT_EQ(jobs->front().message, "tenant full");
  // A counted requeue (its connector busy) still counts.
  auto claimed = store_->claim_job("worker-a", 30'000);
  ASSERT_TRUE(claimed && claimed->has_value());
  ASSERT_TRUE(*store_->requeue_job((*claimed)->id, "worker-a", now, "connector busy", true));
  EXPECT_EQ((*store_->claim_job("worker-a", 30'000))->attempts, 2);
}

TEST_P(StoreTest, FinishedJobsAreDeletedAfterTheirRetentionAndOpenOnesStay) {
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "old-done", t0)));
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "old-failed", t0)));
  for (const char* outcome : {"done", "failed"}) {
    auto job = store_->claim_job("worker-a", 30'000);
    ASSERT_TRUE(job && job->has_value());
    ASSERT_TRUE(*store_->finish_job(
        (*job)->id, "worker-a",
        std::string(outcome) == "done" ? JobState::kDone : JobState::kFailed, 0, ""));
  }
  clock_.advance_ms(60'000);
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "recent-done", clock_.now_ms())));
  auto recent = store_->claim_job("worker-a", 30'000);
  ASSERT_TRUE(recent && recent->has_value());
  ASSERT_TRUE(*store_->finish_job((*recent)->id, "worker-a", JobState::kDone, 0, ""));
  ASSERT_TRUE(*store_->enqueue_job(due_job("acme", "queued", t0)));

  auto deleted = store_->delete_finished_jobs(t0 + 30'000);
  ASSERT_TRUE(deleted) << deleted.status().message();
  EXPECT_EQ(*deleted, 2);
  std::set<std::string> left;
  auto jobs = store_->list_jobs("", 10);  // kept: a range-for over *temporary would dangle
  ASSERT_TRUE(jobs) << jobs.status().message();
  for (const auto& job : *jobs) left.insert(job.window_key);
  EXPECT_EQ(left, (std::set<std::string>{"recent-done", "queued"}));
  EXPECT_EQ(*store_->delete_finished_jobs(t0 + 30'000), 0);
}

// ---- Budgets ----

TEST_P(StoreTest, ABudgetCountsPerKeyWithinItsWindowAndSaysWhenARefusedReservationFits) {
  constexpr int64_t kHour = 3'600'000;
  const int64_t t0 = clock_.now_ms();
  auto first = store_->reserve_budget("tenant-a", 6, 10, kHour, t0);
  ASSERT_TRUE(first) << first.status().message();
  EXPECT_TRUE(first->reserved);
  EXPECT_EQ(first->used, 6);
  auto second = store_->reserve_budget("tenant-a", 3, 10, kHour, t0 + 10'000);
  ASSERT_TRUE(second && second->reserved);
  EXPECT_EQ(second->used, 9);
  // Two more do not fit: nothing is counted, and they fit once the first six leave the hour.
  auto refused = store_->reserve_budget("tenant-a", 2, 10, kHour, t0 + 20'000);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->reserved);
  EXPECT_EQ(refused->used, 9);
  EXPECT_EQ(refused->resumes_at_ms, t0 + kHour);
  EXPECT_EQ(*store_->budget_used("tenant-a", kHour, t0 + 20'000), 9);
  // Another key has a count of its own.
  auto other = store_->reserve_budget("tenant-b", 10, 10, kHour, t0 + 20'000);
  ASSERT_TRUE(other && other->reserved);
  EXPECT_EQ(*store_->budget_used("tenant-a", kHour, t0 + 20'000), 9);

  EXPECT_FALSE(store_->reserve_budget("tenant-a", 2, 10, kHour, t0 + kHour - 1)->reserved);
  auto later = store_->reserve_budget("tenant-a", 2, 10, kHour, t0 + kHour);
  ASSERT_TRUE(later && later->reserved);
  EXPECT_EQ(later->used, 5);  // the three of t0 + 10 s, and these two
  EXPECT_EQ(*store_->budget_used("tenant-a", kHour, t0 + kHour + 10'000), 2);
}

TEST_P(StoreTest, ABudgetsCountSurvivesAReopen) {
  constexpr int64_t kHour = 3'600'000;
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(store_->reserve_budget("tenant-a", 7, 10, kHour, t0)->reserved);
  store_.reset();
  auto reopened = state_.open(&clock_);
  ASSERT_TRUE(reopened);
  store_ = std::move(*reopened);
  EXPECT_EQ(*store_->budget_used("tenant-a", kHour, t0 + 1'000), 7);
  EXPECT_FALSE(store_->reserve_budget("tenant-a", 4, 10, kHour, t0 + 1'000)->reserved);
}

// Four nodes (connections) reserving one tenant's budget at once, a request at a time, until
// refused: together they count exactly the limit, never more.
TEST_P(StoreTest, NodesReservingOneBudgetAtOnceNeverExceedItTogether) {
  constexpr int64_t kHour = 3'600'000;
  constexpr int64_t kLimit = 120;
  const int64_t now = clock_.now_ms();
  std::vector<std::unique_ptr<Store>> nodes = open_nodes(4);
  ASSERT_EQ(nodes.size(), 4u);
  std::atomic<int64_t> reserved{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (auto& node : nodes) {
    threads.emplace_back([&, store = node.get()] {
      for (int i = 0; i < 2 * kLimit; ++i) {  // bounded: more tries than the limit
        auto r = store->reserve_budget("tenant-a", 1, kLimit, kHour, now);
        if (!r) {
          if (r.status().code() != ErrorClass::kRetry) ++errors;
          continue;
        }
        if (!r->reserved) return;
        ++reserved;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(reserved.load(), kLimit);
  EXPECT_EQ(*store_->budget_used("tenant-a", kHour, now), kLimit);
}

// ---- Tenant slots ----

TEST_P(StoreTest, ATenantsSlotsAreHeldUpToItsLimitAndFreedByReleaseOrExpiry) {
  constexpr int64_t kTtl = 10'000;
  const int64_t t0 = clock_.now_ms();
  auto first = store_->acquire_tenant_slot("tenant-a", "w1", "c1", 2, t0, kTtl);
  ASSERT_TRUE(first) << first.status().message();
  EXPECT_TRUE(*first);
  EXPECT_TRUE(*store_->acquire_tenant_slot("tenant-a", "w2", "c2", 2, t0, kTtl));
  // Full: another holder is refused; a holder asking again renews its own slot.
  EXPECT_FALSE(*store_->acquire_tenant_slot("tenant-a", "w1", "c3", 2, t0 + 1, kTtl));
  EXPECT_TRUE(*store_->acquire_tenant_slot("tenant-a", "w1", "c1", 2, t0 + 1'000, kTtl));
  EXPECT_EQ(*store_->tenant_slots_held("tenant-a", t0 + 1'000), 2);
  // Another tenant has slots of its own.
  EXPECT_TRUE(*store_->acquire_tenant_slot("tenant-b", "w1", "c3", 1, t0, kTtl));
  EXPECT_EQ(*store_->tenant_slots_held("tenant-b", t0), 1);
  // A slot given back is free at once.
  ASSERT_TRUE(store_->release_tenant_slot("tenant-a", "w2", "c2").ok());
  ASSERT_TRUE(store_->release_tenant_slot("tenant-a", "w2", "c2").ok());  // held no more
  EXPECT_TRUE(*store_->acquire_tenant_slot("tenant-a", "w1", "c3", 2, t0 + 2'000, kTtl));
  // A holder that stops renewing frees its slot when it expires (c1: renewed at t0 + 1 s).
  EXPECT_FALSE(*store_->acquire_tenant_slot("tenant-a", "w3", "c4", 2, t0 + 10'999, kTtl));
  EXPECT_TRUE(*store_->acquire_tenant_slot("tenant-a", "w3", "c4", 2, t0 + 11'000, kTtl));
  EXPECT_EQ(*store_->tenant_slots_held("tenant-a", t0 + 11'000), 2);
  // Who fills the tenant, to say so: the unexpired holders' connectors, sorted.
  auto holders = store_->tenant_slot_holders("tenant-a", t0 + 11'000);
  ASSERT_TRUE(holders) << holders.status().message();
  EXPECT_EQ(*holders, (std::vector<std::string>{"c3", "c4"}));
  EXPECT_EQ(*store_->tenant_slot_holders("tenant-a", t0 + 30'000), std::vector<std::string>{});
  EXPECT_EQ(*store_->tenant_slot_holders("tenant-z", t0), std::vector<std::string>{});
}

TEST_P(StoreTest, AWorkersHeartbeatRenewsEverySlotItHoldsAndTheyOutliveAReopen) {
  constexpr int64_t kTtl = 10'000;
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(*store_->acquire_tenant_slot("tenant-a", "w1", "c1", 1, t0, kTtl));
  ASSERT_TRUE(*store_->acquire_tenant_slot("tenant-b", "w1", "c2", 1, t0, kTtl));
  ASSERT_TRUE(*store_->acquire_tenant_slot("tenant-c", "w2", "c3", 1, t0, kTtl));
  EXPECT_EQ(*store_->renew_tenant_slots("w1", t0 + 9'000, kTtl), 2);
  store_.reset();
  auto reopened = state_.open(&clock_);
  ASSERT_TRUE(reopened);
  store_ = std::move(*reopened);
  EXPECT_EQ(*store_->tenant_slots_held("tenant-a", t0 + 15'000), 1);
  EXPECT_EQ(*store_->tenant_slots_held("tenant-c", t0 + 15'000), 0);
  EXPECT_FALSE(*store_->acquire_tenant_slot("tenant-a", "w2", "c4", 1, t0 + 15'000, kTtl));
  EXPECT_TRUE(*store_->acquire_tenant_slot("tenant-c", "w2", "c4", 1, t0 + 15'000, kTtl));
  // An expired slot is not renewed: its holder lost it.
  EXPECT_EQ(*store_->renew_tenant_slots("w2", t0 + 30'000, kTtl), 0);
}

// Four nodes (connections) taking slots of one tenant at once, each for connectors of its
// own: together they hold exactly the limit, never more.
TEST_P(StoreTest, NodesTakingOneTenantsSlotsAtOnceNeverHoldMoreThanItsLimit) {
  constexpr int64_t kLimit = 3;
  const int64_t now = clock_.now_ms();
  std::vector<std::unique_ptr<Store>> nodes = open_nodes(4);
  ASSERT_EQ(nodes.size(), 4u);
  std::atomic<int64_t> taken{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (size_t n = 0; n < nodes.size(); ++n) {
    threads.emplace_back([&, n, store = nodes[n].get()] {
      for (int c = 0; c < 10; ++c) {  // bounded: more connectors than the limit
        auto r = store->acquire_tenant_slot("tenant-a", "w" + std::to_string(n),
                                            "c" + std::to_string(c), kLimit, now, 60'000);
        if (!r) {
          if (r.status().code() != ErrorClass::kRetry) ++errors;
          continue;
        }
        if (*r) ++taken;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(taken.load(), kLimit);
  EXPECT_EQ(*store_->tenant_slots_held("tenant-a", now), kLimit);
}

// ---- The write journal ----

TEST_P(StoreTest, WriteIntentsStayOpenUntilResolvedAndSurviveAReopen) {
  WriteIntent intent;
  intent.connector_id = "acme";
  intent.run_id = 7;
  intent.line_key = "w1|edr";
  intent.account_id = "A1";
  intent.psa_service_id = "S1";
  intent.units_before = 5;
  intent.target = 8;
  intent.ref_json = R"({"contract_service_id":55120})";
  auto ids = store_->record_write_intents({intent, intent});
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 2u);
  store_.reset();
  auto reopened = state_.open(&clock_);
  ASSERT_TRUE(reopened);
  store_ = std::move(*reopened);
  auto open = store_->open_write_intents("acme");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].units_before, 5);
  EXPECT_EQ((*open)[0].target, 8);
  EXPECT_EQ((*open)[0].created_at_ms, clock_.now_ms());
  WriteIntent done = (*open)[0];
  done.state = WriteIntentState::kApplied;
  done.resolution = "confirmed";
  done.resolved_run_id = 8;
  ASSERT_TRUE(store_->resolve_write_intents({done}).ok());
  EXPECT_EQ(store_->open_write_intents("acme")->size(), 1u);
  EXPECT_TRUE(store_->open_write_intents("other")->empty());
}

// ---- Approvals ----

TEST_P(StoreTest, AHeldLineIsDecidedOnceAndALaterRunSupersedesIt) {
  SyncLine held;
  held.key = "w1|email";
  held.workspace_id = "w1";
  held.service_id = "email";
  held.target = 3;
  held.current = 5;
  held.action = LineAction::kHold;
  held.outcome = "held";
  SyncRun run;
  run.connector_id = "acme";
  run.state = RunState::kOk;
  auto first = store_->create_run(run, {held});
  ASSERT_TRUE(first);
  SyncRun dry = run;
  dry.dry_run = true;
  ASSERT_TRUE(store_->create_run(dry, {held}));  // a dry run supersedes nothing
  auto pending = store_->pending_approvals("acme");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].run_id, *first);
  EXPECT_EQ((*pending)[0].line.number, 1);

  SyncLine decided = held;
  decided.decision = Decision::kApproved;
  decided.decision_run_id = 99;
  ASSERT_TRUE(store_->decide_lines(*first, {decided}).ok());
  EXPECT_EQ(store_->decide_lines(*first, {decided}).code(), ErrorClass::kConflict);
  EXPECT_TRUE(store_->pending_approvals("acme")->empty());
  auto lines = store_->list_lines(*first);
  ASSERT_TRUE(lines);
  EXPECT_EQ(to_text((*lines)[0].decision), "approved");
  EXPECT_EQ((*lines)[0].decision_run_id, 99);

  auto second = store_->create_run(run, {held});
  ASSERT_TRUE(second);
  auto third = store_->create_run(run, {held});
  ASSERT_TRUE(third);
  pending = store_->pending_approvals("");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].run_id, *third);
}

// ---- Ordering ----

// Lists are sorted by bytes on every store, whatever the database's locale: "Beta" before
// "alpha", "Ålborg" last (a linguistic collation would give Ålborg alpha beta Beta).
TEST_P(StoreTest, ListsAreInByteOrderWhateverTheDatabaseLocale) {
  ASSERT_TRUE(store_->import_usage({{"x1", "alpha", false, ""},
                                    {"x2", "Beta", false, ""},
                                    {"x3", "\xc3\x85lborg", false, ""},
                                    {"x4", "beta", false, ""}},
                                   {}, {0, "2026-11-02T00:00:00Z", "", "names", {}}));
  auto workspaces = store_->list_workspaces();
  ASSERT_TRUE(workspaces);
  std::vector<std::string> names;
  for (const auto& w : *workspaces) names.push_back(w.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Alpha Ltd", "Beta", "Beta Ltd", "Gamma", "alpha",
                                             "beta", "\xc3\x85lborg"}));
}

// ---- Usage snapshots ----

TEST_P(StoreTest, AStreamedImportRefusesADuplicateCountAndGoesOn) {
  auto import = store_->begin_usage_import("stream");
  ASSERT_TRUE(import) << import.status().message();
  // A workspace of an earlier import is held; one this import adds is held from then on.
  EXPECT_TRUE(*(*import)->has_workspace("w1"));
  EXPECT_FALSE(*(*import)->has_workspace("w4"));
  EXPECT_FALSE(*(*import)->has_workspace("W1"));
  ASSERT_TRUE((*import)->add_workspace({"w4", "Delta", false, "p-1"}).ok());
  EXPECT_TRUE(*(*import)->has_workspace("w4"));
  ASSERT_TRUE((*import)->add_count({"w4", "edr", 3, 4}).ok());
  EXPECT_EQ((*import)->add_count({"w4", "edr", 9, 9}).code(), ErrorClass::kConflict);
  ASSERT_TRUE((*import)->add_count({"w4", "email", 1, 2}).ok());
  auto id = (*import)->commit("2026-11-05T00:00:00Z");
  ASSERT_TRUE(id) << id.status().message();
  import->reset();
  auto latest = store_->latest_snapshot();
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ((*latest)->id, *id);
  ASSERT_EQ((*latest)->counts.size(), 2u);
  EXPECT_EQ((*latest)->counts[0].service_id, "edr");
  EXPECT_EQ((*latest)->counts[0].devices, 4);  // the first count stands
  auto compared = store_->compare_usage_snapshot(*id);
  ASSERT_TRUE(compared);
  EXPECT_EQ(compared->counts, 2u);
  EXPECT_EQ(compared->previous_as_of, "2026-11-01T00:00:00Z");
  EXPECT_EQ(compared->absent_workspaces, 1u);  // w1 had data before
}

TEST_P(StoreTest, TheLatestSnapshotIsTheNewestAsOf) {
  ASSERT_TRUE(store_->import_usage({}, {}, {0, "2026-12-01T00:00:00Z", "", "new", {{"w1", "email", 9, 9}}}));
  ASSERT_TRUE(store_->import_usage({}, {}, {0, "2026-10-01T00:00:00Z", "", "old", {{"w1", "email", 1, 1}}}));
  auto latest = store_->latest_snapshot();
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ((*latest)->source, "new");
  auto before = store_->snapshot_preceding("2026-11-15T00:00:00Z");
  ASSERT_TRUE(before && before->has_value());
  EXPECT_EQ((*before)->as_of, "2026-11-01T00:00:00Z");
  EXPECT_FALSE(store_->snapshot_preceding("2026-01-01")->has_value());
}

// Before the schema that keeps an excluded workspace's mapping, excluding dropped the account
// (a CHECK required it). A database of that schema migrates in place: its rows stay as they were,
// and from then on an excluded row may keep its account while a mapped row still needs one.
TEST(StoreMigrationTest, ExcludedWorkspacesMayKeepTheirAccountAfterMigratingInPlace) {
  TempDir dir;
  FakeClock clock{1767225600000};
  SqliteStoreOptions options{
      .path = dir / "state.db", .key_file = dir / "secret.key", .clock = &clock};
  auto excluded_with = [](const std::string& workspace, std::optional<std::string> account) {
    AccountMapping m;
    m.workspace_id = workspace;
    m.account_id = std::move(account);
    m.excluded = true;
    return m;
  };
  AccountMapping mapped;
  mapped.workspace_id = "w1";
  mapped.account_id = "A1";
  mapped.account_name = "Alpha Ltd";
  {
    SqliteStoreOptions previous = options;
    previous.migrate_to_version = 3;  // before schema 4 let an excluded mapping keep its account
    auto store = open_sqlite_store(previous);
    ASSERT_TRUE(store) << store.status().message();
    ConnectorRecord connector;
    connector.id = "acme";
    connector.plugin_id = "examplepsa";
    ASSERT_TRUE((*store)->upsert_connector(connector).ok());
    ASSERT_TRUE((*store)
                    ->import_usage({{"w1", "Alpha Ltd", false, ""},
                                    {"w2", "Beta", false, ""},
                                    {"w3", "Gamma", false, ""}},
                                   {{"email", "Email"}},
                                   {0, "2026-11-01T00:00:00Z", "", "test", {}})
                    .ok());
    ASSERT_TRUE((*store)->put_account_mapping("acme", mapped).ok());
    ASSERT_TRUE((*store)->put_account_mapping("acme", excluded_with("w2", std::nullopt)).ok());
    EXPECT_FALSE((*store)->put_account_mapping("acme", excluded_with("w3", "A3")).ok())
        << "the previous schema drops the account of an excluded workspace";
  }
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(store) << store.status().message();
  auto rows = (*store)->list_account_mappings("acme");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].workspace_id, "w1");
  EXPECT_EQ((*rows)[0].account_id, std::optional<std::string>("A1"));
  EXPECT_FALSE((*rows)[0].excluded);
  EXPECT_EQ((*rows)[0].account_name, "Alpha Ltd");
  EXPECT_EQ((*rows)[1].workspace_id, "w2");
  EXPECT_TRUE((*rows)[1].excluded);
  EXPECT_FALSE((*rows)[1].account_id.has_value());

  ASSERT_TRUE((*store)->put_account_mapping("acme", excluded_with("w3", "A3")).ok());
  AccountMapping unmapped;
  unmapped.workspace_id = "w3";
  EXPECT_FALSE((*store)->put_account_mapping("acme", unmapped).ok())
      << "a mapped row still names its account";
  // A kept account is still taken: it cannot be mapped to a second workspace.
  AccountMapping second = mapped;
  second.workspace_id = "w2";
  second.account_id = "A3";
  EXPECT_EQ((*store)->put_account_mapping("acme", second).code(), ErrorClass::kConflict);
}

TEST(SecretBox, SealsAndOpensBoundToItsAssociatedData) {
  auto box = SecretBox::from_key_text(std::string(64, 'a'));
  ASSERT_TRUE(box);
  std::string sealed = box->seal("hello", "connector:a");
  EXPECT_EQ(sealed.find("hello"), std::string::npos);
  EXPECT_EQ(*box->open(sealed, "connector:a"), "hello");
  EXPECT_FALSE(box->open(sealed, "connector:b"));
  EXPECT_FALSE(SecretBox::from_key_text("too-short"));
}

// ---- Console users and sessions ----

UserRecord partner_user(const std::string& name, const std::string& partner_id) {
  return UserRecord{name, "partner_admin", partner_id, "$argon2id$hash-of-" + name, ""};
}

TEST_P(StoreTest, UsersAreCreatedOnceListedByNameAndKeepOnlyTheHash) {
  ASSERT_TRUE(store_->create_user(partner_user("zoe", "msp-a")).ok());
  ASSERT_TRUE(store_->create_user({"adam", "vendor_admin", "", "$argon2id$x", ""}).ok());
  EXPECT_EQ(store_->create_user(partner_user("zoe", "msp-b")).code(), ErrorClass::kConflict);
  auto users = store_->list_users();
  ASSERT_TRUE(users) << users.status().message();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "adam");
  EXPECT_EQ((*users)[1].partner_id, "msp-a");
  EXPECT_EQ((*users)[1].password_hash, "$argon2id$hash-of-zoe");
  EXPECT_FALSE((*users)[1].created_at.empty());
}

TEST_P(StoreTest, APartnerAdminWithoutAPartnerIsRefused) {
  EXPECT_FALSE(store_->create_user(partner_user("zoe", "")).ok());
  EXPECT_FALSE(store_->create_user({"eve", "root", "", "$argon2id$x", ""}).ok());
}

TEST_P(StoreTest, ANewPasswordOrRemovingTheUserEndsTheirSessions) {
  ASSERT_TRUE(store_->create_user(partner_user("zoe", "msp-a")).ok());
  ASSERT_TRUE(store_->create_session({"h1", "zoe", "csrf1", 1000, 1000}).ok());
  ASSERT_TRUE(store_->create_session({"h2", "zoe", "csrf2", 1000, 1000}).ok());
  ASSERT_TRUE(store_->set_user_password("zoe", "$argon2id$new").ok());
  EXPECT_FALSE(store_->get_session("h1")->has_value());
  EXPECT_EQ((*store_->get_user("zoe"))->password_hash, "$argon2id$new");
  ASSERT_TRUE(store_->create_session({"h3", "zoe", "csrf3", 1000, 1000}).ok());
  ASSERT_TRUE(store_->delete_user("zoe").ok());
  EXPECT_FALSE(store_->get_session("h3")->has_value());
  EXPECT_FALSE(store_->get_user("zoe")->has_value());
  EXPECT_EQ(store_->delete_user("zoe").code(), ErrorClass::kNotFound);
  EXPECT_EQ(store_->set_user_password("zoe", "x").code(), ErrorClass::kNotFound);
  EXPECT_EQ(store_->create_session({"h4", "zoe", "c", 1, 1}).code(), ErrorClass::kNotFound);
}

TEST_P(StoreTest, SessionsAreTouchedAndExpireWhenIdleOrTooOld) {
  ASSERT_TRUE(store_->create_user(partner_user("zoe", "msp-a")).ok());
  ASSERT_TRUE(store_->create_session({"idle", "zoe", "c1", 1000, 1000}).ok());
  ASSERT_TRUE(store_->create_session({"old", "zoe", "c2", 10, 5000}).ok());
  ASSERT_TRUE(store_->create_session({"fresh", "zoe", "c3", 1000, 1000}).ok());
  ASSERT_TRUE(store_->touch_session("fresh", 5000).ok());
  auto fresh = store_->get_session("fresh");
  ASSERT_TRUE(fresh && fresh->has_value());
  EXPECT_EQ((*fresh)->last_seen_ms, 5000);
  EXPECT_EQ((*fresh)->csrf_token, "c3");
  ASSERT_TRUE(
      store_->delete_expired_sessions(/*idle_before_ms=*/2000, /*created_before_ms=*/100).ok());
  EXPECT_FALSE(store_->get_session("idle")->has_value());
  EXPECT_FALSE(store_->get_session("old")->has_value());
  EXPECT_TRUE(store_->get_session("fresh")->has_value());
  ASSERT_TRUE(store_->delete_session("fresh").ok());
  EXPECT_FALSE(store_->get_session("fresh")->has_value());
}

// ---- Streaming a run ----

SyncLine planned_line(const std::string& key, int64_t number, const std::string& outcome) {
  SyncLine line;
  line.key = key;
  line.workspace_id = key;
  line.service_id = "email";
  line.target = number * 10;
  line.outcome = outcome;
  line.number = number;
  return line;
}

std::vector<std::string> keys_of(const Result<std::vector<SyncLine>>& lines) {
  std::vector<std::string> keys;
  if (lines)
    for (const auto& line : *lines) keys.push_back(line.key);
  return keys;
}

// ---- Connectors added in the web console ----

ConsoleConnector console_connector(const std::string& id) {
  return ConsoleConnector{.id = id,
                          .plugin_id = "examplepsa",
                          .partner = "Northwind IT",
                          .partner_id = "msp-17",
                          .plugin_config_json = R"({"zone_url":"https://z.example"})",
                          .created_by = "vera"};
}

TEST_P(StoreTest, AConsoleConnectorIsStoredWithItsPartnerAndSealedCredentials) {
  const std::string secret = "Console-Secret-0xBEEF";
  ASSERT_TRUE(store_
                  ->add_console_connector(console_connector("northwind"),
                                          R"({"secret":")" + secret + R"("})")
                  .ok());
  auto listed = store_->list_console_connectors();
  ASSERT_TRUE(listed) << listed.status().message();
  ASSERT_EQ(listed->size(), 1u) << "the config's connector 'acme' is not the console's";
  EXPECT_EQ(listed->front().id, "northwind");
  EXPECT_EQ(listed->front().partner_id, "msp-17");
  EXPECT_EQ(listed->front().plugin_config_json, R"({"zone_url":"https://z.example"})");
  EXPECT_EQ(listed->front().created_by, "vera");
  EXPECT_FALSE(listed->front().created_at.empty());
  auto record = store_->get_connector("northwind");
  ASSERT_TRUE(record && record->has_value());
  EXPECT_TRUE((*record)->has_credentials);
  EXPECT_EQ(to_text((*record)->status), "new");
  auto credentials = store_->get_credentials("northwind");
  ASSERT_TRUE(credentials && credentials->has_value());
  EXPECT_NE((*credentials)->find(secret), std::string::npos);
  auto files = state_.files_at_rest();
  ASSERT_TRUE(files) << files.status().message();
  for (const auto& file : *files)
    EXPECT_EQ(testing::read_file(file).find(secret), std::string::npos) << file;
}

TEST_P(StoreTest, AConsoleConnectorTakesNoIdInUse) {
  EXPECT_EQ(store_->add_console_connector(console_connector("acme"), "{}").code(),
            ErrorClass::kConflict);
  ASSERT_TRUE(store_->add_console_connector(console_connector("northwind"), "{}").ok());
  EXPECT_EQ(store_->add_console_connector(console_connector("northwind"), "{}").code(),
            ErrorClass::kConflict);
  EXPECT_EQ(store_->list_console_connectors()->size(), 1u);
  EXPECT_FALSE(store_->get_credentials("acme")->has_value())
      << "the config's connector is untouched";
}

TEST_P(StoreTest, RemovingAConsoleConnectorDisconnectsItAndKeepsItsRuns) {
  ASSERT_TRUE(store_->add_console_connector(console_connector("northwind"), "{}").ok());
  ASSERT_TRUE(store_->put_account_mapping("northwind", mapping("w1", "A1")).ok());
  SyncRun run;
  run.connector_id = "northwind";
  run.trigger = "manual";
  run.started_at = "2026-11-02T00:00:00Z";
  ASSERT_TRUE(store_->create_run(run, {}));
  EXPECT_EQ(store_->remove_console_connector("acme").code(), ErrorClass::kNotFound)
      << "a connector from the config file is not removed here";
  ASSERT_TRUE(store_->remove_console_connector("northwind").ok());
  EXPECT_TRUE(store_->list_console_connectors()->empty());
  EXPECT_FALSE(store_->get_credentials("northwind")->has_value());
  EXPECT_TRUE(store_->list_account_mappings("northwind")->empty());
  EXPECT_EQ(store_->list_runs("northwind", 10)->size(), 1u);
  EXPECT_EQ(store_->remove_console_connector("northwind").code(), ErrorClass::kNotFound);
  EXPECT_EQ(store_->add_console_connector(console_connector("northwind"), "{}").code(),
            ErrorClass::kConflict)
      << "the id keeps naming the removed connector's run history";
}

TEST_P(StoreTest, AConsoleConnectorsSettingsAreReplacedAndKeptAcrossReopening) {
  ASSERT_TRUE(store_->add_console_connector(console_connector("northwind"), "{}").ok());
  EXPECT_EQ(store_->list_console_connectors()->front().settings_json, "")
      << "a new connector has the defaults";
  const std::string settings = R"({"policies":{"decreases":"require_approval"}})";
  ASSERT_TRUE(store_->set_console_connector_settings("northwind", settings).ok());
  EXPECT_EQ(store_->list_console_connectors()->front().settings_json, settings);
  const std::string schedule = R"({"schedule":{"time":"05:30"}})";
  ASSERT_TRUE(store_->set_console_connector_settings("northwind", schedule).ok());
  EXPECT_EQ(store_->list_console_connectors()->front().settings_json, schedule)
      << "the settings are replaced as a whole";
  EXPECT_EQ(store_->set_console_connector_settings("acme", settings).code(), ErrorClass::kNotFound)
      << "a connector from the config file is changed in the file";
  EXPECT_EQ(store_->set_console_connector_settings("nobody", settings).code(),
            ErrorClass::kNotFound);
  store_.reset();
  auto reopened = state_.open(&clock_);
  ASSERT_TRUE(reopened) << reopened.status().message();
  store_ = std::move(*reopened);
  EXPECT_EQ(store_->list_console_connectors()->front().settings_json, schedule);
  ASSERT_TRUE(store_->remove_console_connector("northwind").ok());
  EXPECT_EQ(store_->set_console_connector_settings("northwind", settings).code(),
            ErrorClass::kNotFound)
      << "a removed connector has no settings to change";
}

TEST(StoreMigrationTest, SchemaSevenKeepsConnectorsAndTheirCredentialsAsFromConfiguration) {
  TempDir dir;
  FakeClock clock{1767225600000};
  SqliteStoreOptions options{
      .path = dir / "state.db", .key_file = dir / "secret.key", .clock = &clock};
  {
    SqliteStoreOptions previous = options;
    previous.migrate_to_version = 5;
    auto store = open_sqlite_store(previous);
    ASSERT_TRUE(store) << store.status().message();
    ConnectorRecord connector;
    connector.id = "acme";
    connector.plugin_id = "examplepsa";
    ASSERT_TRUE((*store)->upsert_connector(connector).ok());
    ASSERT_TRUE((*store)->put_credentials("acme", R"({"secret":"s"})").ok());
  }
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(store) << store.status().message();
  EXPECT_TRUE((*store)->list_console_connectors()->empty());
  EXPECT_EQ(*(*store)->get_credentials("acme"), std::optional<std::string>(R"({"secret":"s"})"));
  EXPECT_EQ((*store)->remove_console_connector("acme").code(), ErrorClass::kNotFound);
}

TEST_P(StoreTest, ARunsLinesAreAddedInChunksWalkedByKeyAndPagedByNumber) {
  SyncRun run;
  run.connector_id = "acme";
  auto id = store_->create_run(run, {});
  ASSERT_TRUE(id) << id.status().message();
  ASSERT_TRUE(
      store_->add_lines(*id, {planned_line("b", 1, "pending"), planned_line("a", 2, "pending")})
          .ok());
  ASSERT_TRUE(
      store_->add_lines(*id, {planned_line("c", 3, "unchanged"), planned_line("B", 4, "pending")})
          .ok());
  // A chunk with a key the run already has is refused whole.
  EXPECT_FALSE(
      store_->add_lines(*id, {planned_line("d", 5, "pending"), planned_line("a", 6, "pending")})
          .ok());

  EXPECT_EQ(keys_of(store_->scan_lines(*id, "", 2)), (std::vector<std::string>{"B", "a"}));
  EXPECT_EQ(keys_of(store_->scan_lines(*id, "a", 10)), (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(store_->scan_lines(*id, "c", 10)->empty());

  EXPECT_EQ(keys_of(store_->list_lines_page(*id, 0, 2, /*skip_unchanged=*/false)),
            (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(keys_of(store_->list_lines_page(*id, 2, 10, /*skip_unchanged=*/false)),
            (std::vector<std::string>{"c", "B"}));
  EXPECT_EQ(keys_of(store_->list_lines_page(*id, 2, 10, /*skip_unchanged=*/true)),
            (std::vector<std::string>{"B"}));
  auto page = store_->list_lines_page(*id, 3, 10, false);
  ASSERT_TRUE(page && page->size() == 1u);
  EXPECT_EQ(page->front().number, 4);
  EXPECT_EQ(*page->front().target, 40);
}

TEST_P(StoreTest, UsageCountsAreReadAChunkOfWorkspacesAtATime) {
  ASSERT_TRUE(store_
                  ->import_usage({}, {},
                                 {0,
                                  "2026-11-02T00:00:00Z",
                                  "",
                                  "test",
                                  {{"w1", "email", 1, 2},
                                   {"w1", "edr", 3, 4},
                                   {"w2", "email", 5, 6},
                                   {"w3", "edr", 7, 8}}})
                  .ok());
  auto header = store_->latest_snapshot_header();
  ASSERT_TRUE(header && header->has_value());
  auto full = store_->latest_snapshot();
  ASSERT_TRUE(full && full->has_value());
  EXPECT_EQ((*header)->id, (*full)->id);
  EXPECT_EQ((*header)->as_of, "2026-11-02T00:00:00Z");
  EXPECT_TRUE((*header)->counts.empty());

  int64_t snapshot = (*header)->id;
  auto first = store_->list_usage_counts(snapshot, "", 2);
  ASSERT_TRUE(first) << first.status().message();
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].service_id, "edr");
  EXPECT_EQ((*first)[1].service_id, "email");
  EXPECT_EQ((*first)[2].workspace_id, "w2");
  EXPECT_EQ((*first)[2].devices, 6);
  auto second = store_->list_usage_counts(snapshot, "w2", 2);
  ASSERT_TRUE(second && second->size() == 1u);
  EXPECT_EQ(second->front().workspace_id, "w3");
  EXPECT_TRUE(store_->list_usage_counts(snapshot, "w3", 2)->empty());
}

TEST_P(StoreTest, PushedQuantitiesAreRecordedManyAtOnceAndReadBackByPair) {
  // Ids with quotes, commas, braces and backslashes travel as they are.
  const std::string odd_account = "A,\"{4}\\";
  ASSERT_TRUE(store_
                  ->record_pushed_many(
                      "acme", {{"A1", "s1", 5}, {odd_account, "s1", 7}, {"A1", "s1", 6}}, 9)
                  .ok());
  auto some = store_->list_pushed_of("acme", {{"A1", "s1"}, {odd_account, "s1"}, {"A3", "s1"}});
  ASSERT_TRUE(some) << some.status().message();
  EXPECT_EQ(*some, (std::map<std::pair<std::string, std::string>, int64_t>{
                       {{"A1", "s1"}, 6}, {{odd_account, "s1"}, 7}}));
  EXPECT_TRUE(store_->list_pushed_of("acme", {})->empty());
  EXPECT_TRUE(store_->list_pushed_of("other", {{"A1", "s1"}})->empty());
  EXPECT_EQ(store_->list_pushed("acme")->size(), 2u);
}

// ---- Alerts (docs/alerts.md) ----

Alert pushed_alert(const std::string& id, AlertStatus status, const std::string& time) {
  Alert a;
  a.id = id;
  a.workspace_id = "w1";
  a.title = "Ransomware behaviour on LAPTOP-7";
  a.description = "Mass file renames by an unsigned process.";
  a.severity = AlertSeverity::kHigh;
  a.status = status;
  a.time = time;
  a.device = "LAPTOP-7";
  a.service_id = "edr";
  return a;
}

TEST_P(StoreTest, ANewAlertIsStoredAtVersionOneWithItsFirstState) {
  auto recorded = store_->record_alerts(
      {pushed_alert("al-1", AlertStatus::kOpen, "2026-12-05T10:00:00Z")}, "api");
  ASSERT_TRUE(recorded) << recorded.status().message();
  ASSERT_EQ(recorded->size(), 1u);
  EXPECT_EQ((*recorded)[0].alert_id, "al-1");
  EXPECT_EQ((*recorded)[0].outcome, AlertRecordOutcome::kCreated);
  EXPECT_EQ((*recorded)[0].version, 1);

  auto alert = store_->get_alert("al-1");
  ASSERT_TRUE(alert && *alert);
  EXPECT_EQ((*alert)->title, "Ransomware behaviour on LAPTOP-7");
  EXPECT_EQ((*alert)->severity, AlertSeverity::kHigh);
  EXPECT_EQ((*alert)->status, AlertStatus::kOpen);
  EXPECT_EQ((*alert)->device, "LAPTOP-7");
  EXPECT_EQ((*alert)->service_id, "edr");
  EXPECT_EQ((*alert)->version, 1);
  EXPECT_EQ((*alert)->first_received_at, "2026-01-01T00:00:00Z");
  auto history = store_->list_alert_changes("al-1");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].alert.version, 1);
  EXPECT_EQ((*history)[0].source, "api");
  EXPECT_FALSE(*store_->get_alert("no-such-alert"));
  EXPECT_TRUE(store_->list_alert_changes("no-such-alert")->empty());
}

TEST_P(StoreTest, TheSameAlertPushedAgainChangesNothing) {
  Alert open = pushed_alert("al-1", AlertStatus::kOpen, "2026-12-05T10:00:00Z");
  ASSERT_TRUE(store_->record_alerts({open}, "first.json"));
  clock_.advance_ms(60'000);
  auto again = store_->record_alerts({open}, "second.json");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].outcome, AlertRecordOutcome::kUnchanged);
  EXPECT_EQ((*again)[0].version, 1);
  EXPECT_EQ((*store_->get_alert("al-1"))->received_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(store_->list_alert_changes("al-1")->size(), 1u);
}

TEST_P(StoreTest, AResolvedAlertKeepsEveryStateItHadInItsHistory) {
  ASSERT_TRUE(store_->record_alerts(
      {pushed_alert("al-1", AlertStatus::kOpen, "2026-12-05T10:00:00Z")}, "api"));
  clock_.advance_ms(60'000);
  auto resolved = store_->record_alerts(
      {pushed_alert("al-1", AlertStatus::kResolved, "2026-12-05T11:30:00Z")}, "resolved.json");
  ASSERT_TRUE(resolved);
  EXPECT_EQ((*resolved)[0].outcome, AlertRecordOutcome::kUpdated);
  EXPECT_EQ((*resolved)[0].version, 2);

  auto alert = *store_->get_alert("al-1");
  EXPECT_EQ(alert->status, AlertStatus::kResolved);
  EXPECT_EQ(alert->time, "2026-12-05T11:30:00Z");
  EXPECT_EQ(alert->version, 2);
  EXPECT_EQ(alert->first_received_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(alert->received_at, "2026-01-01T00:01:00Z");
  auto history = store_->list_alert_changes("al-1");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].alert.status, AlertStatus::kOpen);
  EXPECT_EQ((*history)[0].alert.time, "2026-12-05T10:00:00Z");
  EXPECT_EQ((*history)[1].alert.status, AlertStatus::kResolved);
  EXPECT_EQ((*history)[1].source, "resolved.json");
  EXPECT_EQ((*history)[1].alert.received_at, "2026-01-01T00:01:00Z");
}

TEST_P(StoreTest, AnOlderStateArrivingAfterANewerOneChangesNothing) {
  ASSERT_TRUE(store_->record_alerts(
      {pushed_alert("al-1", AlertStatus::kResolved, "2026-12-05T11:30:00Z")}, "api"));
  auto late = store_->record_alerts(
      {pushed_alert("al-1", AlertStatus::kOpen, "2026-12-05T10:00:00Z")}, "api");
  ASSERT_TRUE(late);
  EXPECT_EQ((*late)[0].outcome, AlertRecordOutcome::kStale);
  EXPECT_EQ((*late)[0].version, 1);
  EXPECT_EQ((*store_->get_alert("al-1"))->status, AlertStatus::kResolved);
  EXPECT_EQ(store_->list_alert_changes("al-1")->size(), 1u);
}

TEST_P(StoreTest, ABatchOfAlertsIsRecordedInOrderAndListedAPageAtATime) {
  std::vector<Alert> batch;
  for (const char* id : {"al-3", "al-1", "al-2"})
    batch.push_back(pushed_alert(id, AlertStatus::kOpen, "2026-12-05T10:00:00Z"));
  auto recorded = store_->record_alerts(batch, "api");
  ASSERT_TRUE(recorded);
  ASSERT_EQ(recorded->size(), 3u);
  EXPECT_EQ((*recorded)[0].alert_id, "al-3");
  EXPECT_EQ((*recorded)[2].alert_id, "al-2");

  auto first = store_->list_alerts("", 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, "al-1");
  EXPECT_EQ((*first)[1].id, "al-2");
  auto rest = store_->list_alerts((*first)[1].id, 2);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, "al-3");
}

// Schema 9 adds the alerts to a database that already holds a connector and usage, written
// through SQL as the previous release wrote them.
TEST_P(StoreTest, AnAlertsTicketRecordIsKeptPerConnectorAndReplacedAsItMoves) {
  EXPECT_FALSE(*store_->get_alert_ticket("acme", "al-1"));
  AlertTicket t{.connector_id = "acme", .alert_id = "al-1", .state = AlertTicketState::kOpening};
  t.alert_version = 1;
  ASSERT_TRUE(store_->put_alert_ticket(t).ok());
  auto opening = store_->get_alert_ticket("acme", "al-1");
  ASSERT_TRUE(opening && *opening);
  EXPECT_EQ((*opening)->state, AlertTicketState::kOpening);
  EXPECT_EQ((*opening)->ticket_id, "");
  EXPECT_FALSE((*opening)->updated_at.empty());

  t.state = AlertTicketState::kOpen;
  t.ticket_id = "54321";
  ASSERT_TRUE(store_->put_alert_ticket(t).ok());
  AlertTicket elsewhere{.connector_id = "other",
                        .alert_id = "al-1",
                        .state = AlertTicketState::kNotRouted,
                        .reason = "workspace not mapped"};
  ASSERT_TRUE(store_->put_alert_ticket(elsewhere).ok());
  AlertTicket second{.connector_id = "acme",
                     .alert_id = "al-0",
                     .state = AlertTicketState::kClosed,
                     .ticket_id = "7"};
  ASSERT_TRUE(store_->put_alert_ticket(second).ok());

  auto listed = store_->list_alert_tickets("acme");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].alert_id, "al-0");
  EXPECT_EQ((*listed)[1].ticket_id, "54321");
  EXPECT_EQ((*listed)[1].state, AlertTicketState::kOpen);
  auto other = store_->get_alert_ticket("other", "al-1");
  ASSERT_TRUE(other && *other);
  EXPECT_EQ((*other)->state, AlertTicketState::kNotRouted);
  EXPECT_EQ((*other)->reason, "workspace not mapped");
}

TEST_P(StoreTest, AlertsRunsAreRecordedWithTheirLinesAndListedNewestFirst) {
  AlertRun first{.connector_id = "acme", .trigger = "manual"};
  first.lines = {{"al-1", "opened", "100", ""}, {"al-2", "not_routed", "", "not mapped"}};
  auto id1 = store_->record_alert_run(first);
  ASSERT_TRUE(id1) << id1.status().message();
  AlertRun second{.connector_id = "acme", .trigger = "push"};
  second.lines = {{"al-1", "closed", "100", ""}};
  auto id2 = store_->record_alert_run(second);
  ASSERT_TRUE(id2);
  ASSERT_TRUE(store_->record_alert_run(AlertRun{.connector_id = "other", .trigger = "manual"}));

  auto runs = store_->list_alert_runs("acme", 10);
  ASSERT_TRUE(runs) << runs.status().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, *id2);
  EXPECT_EQ((*runs)[0].trigger, "push");
  EXPECT_EQ((*runs)[1].lines.size(), 2u);
  EXPECT_EQ((*runs)[1].lines[1].message, "not mapped");
  EXPECT_EQ((*runs)[1].counts.at("opened"), 1);
  EXPECT_EQ((*runs)[1].counts.at("not_routed"), 1);
  EXPECT_FALSE((*runs)[1].started_at.empty());
  EXPECT_EQ(store_->list_alert_runs("acme", 1)->size(), 1u);
}

TEST(StoreMigrationTest, SchemaNineAddsAlertsAndKeepsWhatWasThere) {
  TempDir dir;
  FakeClock clock{1767225600000};
  SqliteStoreOptions options{
      .path = dir / "state.db", .key_file = dir / "secret.key", .clock = &clock};
  {
    SqliteStoreOptions previous = options;
    previous.migrate_to_version = 8;
    ASSERT_TRUE(open_sqlite_store(previous));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "state.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO connectors(id, plugin_id, partner, created_at, updated_at) "
                           "VALUES('acme', 'examplepsa', 'Acme IT', '2026-11-01T00:00:00Z', "
                           "'2026-11-01T00:00:00Z')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(store) << store.status().message();
  EXPECT_GE(store_schema_version(), 9) << "migrated past 9, to the latest";
  auto connector = (*store)->get_connector("acme");
  ASSERT_TRUE(connector && *connector);
  EXPECT_EQ((*connector)->partner, "Acme IT");
  auto recorded = (*store)->record_alerts(
      {pushed_alert("al-1", AlertStatus::kOpen, "2026-12-05T10:00:00Z")}, "api");
  ASSERT_TRUE(recorded) << recorded.status().message();
  EXPECT_EQ((*recorded)[0].outcome, AlertRecordOutcome::kCreated);
}

// Schema 12 gives a console connector stored before it the default settings.
TEST(StoreMigrationTest, SchemaTwelveGivesConsoleConnectorsTheDefaultSettings) {
  TempDir dir;
  FakeClock clock{1767225600000};
  SqliteStoreOptions options{
      .path = dir / "state.db", .key_file = dir / "secret.key", .clock = &clock};
  {
    SqliteStoreOptions previous = options;
    previous.migrate_to_version = 11;
    ASSERT_TRUE(open_sqlite_store(previous));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "state.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO connectors(id, plugin_id, origin, plugin_config, "
                         "created_at, updated_at) VALUES('northwind', 'examplepsa', 'console', "
                         "'{}', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(store) << store.status().message();
  EXPECT_GE(store_schema_version(), 12);
  auto listed = (*store)->list_console_connectors();
  ASSERT_TRUE(listed) << listed.status().message();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().settings_json, "");
  EXPECT_TRUE((*store)->set_console_connector_settings("northwind", "{}").ok());
}

}  // namespace
}  // namespace mb
