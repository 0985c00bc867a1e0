// Mapping in process: listing through an in-process plugin (paging, the host's strict reading
// of each page), auto-matching against an in-memory store, and drift detection.
#include "host/sync/mapping.h"

#include <gtest/gtest.h>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "host/plugin/manifest.h"
#include "host/store/store.h"

namespace {

namespace json = boost::json;

// The listing a test scripts: the page answered for each cursor ("" for the first page), and
// every request the plugin was sent.
struct Listing {
  std::map<std::string, std::string> pages;
  std::vector<json::object> requests;
};
Listing* g_listing = nullptr;

std::string answer_page(std::string_view input) {
  json::object request = json::parse(input).as_object();
  g_listing->requests.push_back(request);
  const json::value& cursor = request.at("cursor");
  auto it = g_listing->pages.find(cursor.is_string() ? std::string(cursor.as_string()) : "");
  return it == g_listing->pages.end() ? R"({"items":[],"next_cursor":null})" : it->second;
}

class ListingSession : public meterbridge::Session {
 public:
  std::string authenticate(meterbridge::Call&, std::string_view) override {
    return R"({"status":"ok"})";
  }
  std::string list_accounts(meterbridge::Call&, std::string_view input) override {
    return answer_page(input);
  }
  std::string list_services(meterbridge::Call&, std::string_view input) override {
    return answer_page(input);
  }
  std::string read_quantities(meterbridge::Call&, std::string_view) override { return "{}"; }
  std::string apply_quantities(meterbridge::Call&, std::string_view) override { return "{}"; }
};

constexpr const char* kManifest =
    R"({"id":"lister","version":"1.0.0","abi":"1.0","config_schema":{"type":"object"}})";

class ListingPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view) override {
    return std::make_unique<ListingSession>();
  }
};

}  // namespace

MB_PLUGIN(ListingPlugin)

namespace mb {
namespace {

class MappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_listing = &listing_;
    auto store =
        open_sqlite_store({.path = ":memory:", .key_file = "unused.key", .clock = &clock_});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
    ConnectorRecord c;
    c.id = "acme";
    c.plugin_id = "lister";
    ASSERT_TRUE(store_->upsert_connector(c).ok());

    const mb_plugin_table* table = nullptr;
    mb_host_offer offer{
        sizeof(mb_host_offer), MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR, host_services(), {}};
    ASSERT_EQ(meterbridge_plugin_negotiate(&offer, &table), MB_STATUS_OK);
    auto manifest = parse_manifest(kManifest, "lister");
    ASSERT_TRUE(manifest);
    plugin_ = std::make_shared<LoadedPlugin>(*manifest, table, nullptr);
    auto session = plugin_->open(SessionContext{}, "{}");
    ASSERT_TRUE(session);
    session_ = std::move(*session);
  }

  void workspaces(const std::vector<Workspace>& ws) {
    UsageSnapshot snapshot;
    snapshot.as_of = "2026-11-21T00:00:00Z";
    for (const auto& w : ws) snapshot.counts.push_back({w.id, "edr", 1, 1});
    ASSERT_TRUE(store_->import_usage(ws, {{"edr", "EDR"}}, snapshot).ok());
  }

  void accounts(const std::vector<PsaAccount>& accounts) {
    ASSERT_TRUE(store_->replace_psa_accounts("acme", accounts).ok());
  }

  static PsaAccount account(const std::string& id, const std::string& name, bool active = true) {
    PsaAccount a;
    a.id = id;
    a.name = name;
    a.active = active;
    return a;
  }

  static AccountMapping mapping(const std::string& workspace, const std::string& account,
                                const std::string& name,
                                MappingSource source = MappingSource::kManual) {
    AccountMapping m;
    m.workspace_id = workspace;
    m.account_id = account;
    m.account_name = name;
    m.source = source;
    return m;
  }

  std::map<std::string, AccountMapping> mappings_by_workspace() {
    std::map<std::string, AccountMapping> out;
    auto all = store_->list_account_mappings("acme");
    EXPECT_TRUE(all);
    if (all)
      for (auto& m : *all) out[m.workspace_id] = m;
    return out;
  }

  Listing listing_;
  FakeClock clock_{1767225600000};
  std::unique_ptr<Store> store_;
  std::shared_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<PluginSession> session_;
};

// ---- Listing ----------------------------------------------------------------------------------

TEST_F(MappingTest, FetchingFollowsTheCursorToTheLastPageAndDropsRepeatedItems) {
  listing_.pages[""] =
      R"({"items":[{"id":"A1","name":"Alpha"},{"id":2,"name":"Beta","details":{"city":"Oslo"}}],
          "next_cursor":"c2"})";
  listing_.pages["c2"] =
      R"({"items":[{"id":2,"name":"Beta"},{"id":"A3","name":"Gamma","active":false}],"next_cursor":""})";
  auto fetched = fetch_accounts(*session_, "");
  ASSERT_TRUE(fetched) << fetched.status().message();
  ASSERT_EQ(fetched->size(), 3u);
  EXPECT_EQ((*fetched)[1].id, "2");  // an id sent as a number reads as its text
  EXPECT_EQ((*fetched)[1].details_json, R"({"city":"Oslo"})");
  EXPECT_EQ((*fetched)[0].details_json, "{}");
  EXPECT_TRUE((*fetched)[0].active);
  EXPECT_FALSE((*fetched)[2].active);

  ASSERT_EQ(listing_.requests.size(), 2u);
  EXPECT_TRUE(listing_.requests[0].at("cursor").is_null());
  EXPECT_TRUE(listing_.requests[0].at("search").is_null());
  EXPECT_EQ(listing_.requests[0].at("limit").as_int64(), 500);
  EXPECT_EQ(listing_.requests[1].at("cursor").as_string(), "c2");
}

TEST_F(MappingTest, ASearchIsSentWithEveryPage) {
  listing_.pages[""] = R"({"items":[{"id":"S1","name":"EDR"}],"next_cursor":null})";
  auto fetched = fetch_services(*session_, "ED");
  ASSERT_TRUE(fetched) << fetched.status().message();
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ(listing_.requests.at(0).at("search").as_string(), "ED");
}

TEST_F(MappingTest, APageTheHostCannotReadFailsTheListingInsteadOfEmptyingIt) {
  for (const char* page : {R"({"next_cursor":null})", R"({"items":[7]})", "[]", "not json"}) {
    listing_.pages[""] = page;
    auto fetched = fetch_accounts(*session_, "");
    ASSERT_FALSE(fetched) << page;
    EXPECT_EQ(fetched.status().code(), ErrorClass::kFatal);
    EXPECT_EQ(fetched.status().message().rfind("list_accounts: ", 0), 0u)
        << fetched.status().message();
  }
}

TEST_F(MappingTest, AnItemWithoutAnIdOrARepeatedCursorFailsTheListing) {
  listing_.pages[""] = R"({"items":[{"name":"Nameless"}],"next_cursor":null})";
  auto no_id = fetch_services(*session_, "");
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.status().message(), "list_services: an item has no id");

  listing_.pages[""] = R"({"items":[],"next_cursor":"c1"})";
  listing_.pages["c1"] = R"({"items":[],"next_cursor":"c1"})";
  auto looping = fetch_accounts(*session_, "");
  ASSERT_FALSE(looping);
  EXPECT_EQ(looping.status().message(), "list_accounts: plugin repeated its cursor");
}

TEST_F(MappingTest, ARefreshStoresEachPageAndMarksMissingOnlyWhenTheListingCompletes) {
  workspaces({{"w1", "Alpha", false, ""}});
  accounts({account("A1", "Alpha"), account("A9", "Gone")});
  ASSERT_TRUE(store_->put_account_mapping("acme", mapping("w1", "A1", "Alpha")).ok());
  listing_.pages[""] = R"({"items":[{"id":"A1","name":"Alpha Group"}],"next_cursor":"c2"})";
  listing_.pages["c2"] = R"({"items":[7]})";  // the second page cannot be read
  auto failed = refresh_accounts(*store_, "acme", *session_);
  ASSERT_FALSE(failed);
  auto kept = store_->list_psa_accounts("acme");
  ASSERT_EQ(kept->size(), 2u);
  for (const auto& a : *kept) EXPECT_FALSE(a.missing_since.has_value()) << a.id;

  // A page boundary may repeat an account: it is stored and counted once.
  listing_.pages["c2"] =
      R"({"items":[{"id":"A1","name":"Alpha Group"},{"id":"A2","name":"Beta"}],"next_cursor":""})";
  auto refreshed = refresh_accounts(*store_, "acme", *session_);
  ASSERT_TRUE(refreshed) << refreshed.status().message();
  EXPECT_EQ(*refreshed, 2u);
  auto listed = store_->list_psa_accounts("acme");
  ASSERT_TRUE(listed) << listed.status().message();
  std::map<std::string, PsaAccount> by_id;
  for (auto& a : *listed) by_id[a.id] = a;
  ASSERT_EQ(by_id.size(), 3u);
  EXPECT_EQ(by_id["A1"].name, "Alpha Group");
  EXPECT_FALSE(by_id["A2"].missing_since.has_value());
  EXPECT_TRUE(by_id["A9"].missing_since.has_value());
  EXPECT_EQ(to_text(mappings_by_workspace()["w1"].drift), "account_renamed");
}

// ---- Auto-matching ----------------------------------------------------------------------------

TEST_F(MappingTest, AutoMatchingMapsExactNamesAfterTrimmingAndIsCaseSensitive) {
  workspaces({{"w1", "Alpha Ltd", false, ""},
              {"w2", "  Beta Ltd\t", false, ""},
              {"w3", "gamma", false, ""}});
  accounts({account("A1", "Alpha Ltd"), account("A2", "Beta Ltd "), account("A3", "Gamma")});
  auto report = auto_map(*store_, "acme");
  ASSERT_TRUE(report) << report.status().message();
  ASSERT_EQ(report->created.size(), 2u);
  ASSERT_EQ(report->unmapped.size(), 1u);
  EXPECT_EQ(report->unmapped[0].first.id, "w3");
  EXPECT_EQ(report->unmapped[0].second, "no PSA account named exactly 'gamma'");

  auto stored = mappings_by_workspace();
  EXPECT_EQ(stored["w1"].account_id, "A1");
  EXPECT_EQ(to_text(stored["w1"].source), "auto");
  EXPECT_EQ(stored["w1"].account_name, "Alpha Ltd");
  EXPECT_EQ(stored["w2"].account_id, "A2");
  EXPECT_EQ(stored.count("w3"), 0u);
}

TEST_F(MappingTest, AutoMatchingIsOneToOneAndLeavesEveryTieUnmapped) {
  workspaces({{"w1", "Twin", false, ""},
              {"w2", "Twin", false, ""},
              {"w3", "Shared", false, ""},
              {"w4", "Taken", false, ""},
              {"w5", "Someone", false, ""}});
  accounts({account("A1", "Twin"), account("A2", "Shared"), account("A3", "Shared"),
            account("A4", "Taken")});
  ASSERT_TRUE(store_->put_account_mappings("acme", {mapping("w5", "A4", "Taken")}).ok());
  auto report = auto_map(*store_, "acme");
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_TRUE(report->created.empty());
  std::map<std::string, std::string> why;
  for (const auto& [w, reason] : report->unmapped) why[w.id] = reason;
  EXPECT_EQ(why["w1"], "2 workspaces are named 'Twin'");
  EXPECT_EQ(why["w2"], "2 workspaces are named 'Twin'");
  EXPECT_EQ(why["w3"], "2 PSA accounts are named 'Shared'");
  EXPECT_EQ(why["w4"], "no PSA account named exactly 'Taken'");  // A4 is mapped already
}

// The report of a platform with a million workspaces stays small: the first
// kReportSample of each list and the counts of all. Matching goes a page at a time
// (kPageSize), so these workspaces span pages and every page's matches are stored.
TEST_F(MappingTest, AutoMatchingReportsTheFirstOfEachListAndCountsAll) {
  const size_t kUnmatched = AutoMapReport::kReportSample + 7;
  const size_t kMatched = AutoMapReport::kPageSize + 3;
  std::vector<Workspace> ws;
  std::vector<PsaAccount> listed;
  for (size_t i = 0; i < kMatched; ++i) {
    ws.push_back({"m" + std::to_string(100000 + i), "Matched " + std::to_string(i), false, ""});
    listed.push_back(account("A" + std::to_string(i), "Matched " + std::to_string(i)));
  }
  for (size_t i = 0; i < kUnmatched; ++i)
    ws.push_back({"u" + std::to_string(100000 + i), "Crowd", false, ""});
  listed.push_back(account("C1", "Crowd"));
  workspaces(ws);
  accounts(listed);
  size_t pages = 0;
  auto report = auto_map(*store_, "acme", "", [&](const std::vector<AccountMapping>& page) {
    EXPECT_LE(page.size(), AutoMapReport::kPageSize);
    ++pages;
    return Status::Ok();
  });
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(pages, 2u);
  EXPECT_EQ(report->created_count, kMatched);
  EXPECT_EQ(report->created.size(), AutoMapReport::kReportSample);
  EXPECT_EQ(report->unmapped_count, kUnmatched);
  EXPECT_EQ(report->unmapped.size(), AutoMapReport::kReportSample);
  EXPECT_EQ(report->unmapped[0].second, "100 or more workspaces are named 'Crowd'");
  EXPECT_EQ(store_->list_account_mappings("acme")->size(), kMatched);
}

// A page the hook refuses (linking failed on the platform) is not stored, nor any after it;
// the pages before it stand.
TEST_F(MappingTest, AutoMatchingStopsAtAPageTheHookRefusesAndKeepsThoseBefore) {
  std::vector<Workspace> ws;
  std::vector<PsaAccount> listed;
  for (size_t i = 0; i < AutoMapReport::kPageSize + 10; ++i) {
    ws.push_back({"w" + std::to_string(100000 + i), "Name " + std::to_string(i), false, ""});
    listed.push_back(account("A" + std::to_string(i), "Name " + std::to_string(i)));
  }
  workspaces(ws);
  accounts(listed);
  size_t pages = 0;
  auto report = auto_map(*store_, "acme", "", [&](const std::vector<AccountMapping>&) {
    return ++pages == 2 ? Status::Retry("link refused") : Status::Ok();
  });
  ASSERT_FALSE(report);
  EXPECT_EQ(report.status().message(), "link refused");
  EXPECT_EQ(store_->list_account_mappings("acme")->size(), AutoMapReport::kPageSize);
}

TEST_F(MappingTest, AutoMatchingKeepsManualMappingsAndSkipsExcludedInactiveOrOtherPartners) {
  workspaces({{"w1", "Alpha", false, ""},
              {"w2", "Beta", false, ""},
              {"w3", "Gamma", false, ""},
              {"w4", "Delta", false, "p2"},
              {"w5", "Epsilon", false, "p1"}});
  accounts({account("A1", "Alpha"), account("A2", "Beta"), account("A3", "Gamma", false),
            account("A4", "Delta"), account("A5", "Epsilon"), account("A9", "Other")});
  ASSERT_TRUE(store_->set_psa_account_excluded("acme", "A2", true).ok());
  ASSERT_TRUE(store_->put_account_mappings("acme", {mapping("w1", "A9", "Other")}).ok());

  auto report = auto_map(*store_, "acme", "p1");
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->kept_existing, 1u);
  ASSERT_EQ(report->created.size(), 1u);
  EXPECT_EQ(report->created[0].workspace_id, "w5");
  auto stored = mappings_by_workspace();
  EXPECT_EQ(stored["w1"].account_id, "A9");  // the manual mapping stands
  EXPECT_EQ(to_text(stored["w1"].source), "manual");
  EXPECT_EQ(stored.count("w2"), 0u);  // its account is excluded
  EXPECT_EQ(stored.count("w3"), 0u);  // its account is inactive
  EXPECT_EQ(stored.count("w4"), 0u);  // another partner's workspace
}

// ---- Drift ------------------------------------------------------------------------------------

TEST_F(MappingTest, DriftFlagsMissingInactiveAndRenamedAccountsAndClearsWhenTheyReturn) {
  workspaces({{"w1", "Alpha", false, ""},
              {"w2", "Beta", false, ""},
              {"w3", "Gamma", false, ""},
              {"w4", "Delta", false, ""}});
  accounts({account("A1", "Alpha"), account("A2", "Beta"), account("A3", "Gamma"),
            account("A4", "Delta")});
  ASSERT_TRUE(store_
                  ->put_account_mappings(
                      "acme", {mapping("w1", "A1", "Alpha"), mapping("w2", "A2", "Beta"),
                               mapping("w3", "A3", "Gamma"), mapping("w4", "A4", "Delta")})
                  .ok());
  auto none = update_drift(*store_, "acme");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);

  accounts({account("A1", "Alpha"), account("A2", "Beta", false), account("A3", "Gamma & Co"),
            account("A5", "New")});
  auto changed = update_drift(*store_, "acme");
  ASSERT_TRUE(changed) << changed.status().message();
  EXPECT_EQ(*changed, 3u);
  auto stored = mappings_by_workspace();
  EXPECT_EQ(to_text(stored["w1"].drift), "");
  EXPECT_EQ(to_text(stored["w2"].drift), "account_inactive");
  EXPECT_EQ(to_text(stored["w3"].drift), "account_renamed");
  EXPECT_EQ(to_text(stored["w4"].drift), "account_missing");

  accounts({account("A1", "Alpha"), account("A2", "Beta"), account("A3", "Gamma"),
            account("A4", "Delta")});
  auto back = update_drift(*store_, "acme");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 3u);
  for (const auto& [w, m] : mappings_by_workspace()) EXPECT_EQ(to_text(m.drift), "") << w;
}

TEST_F(MappingTest, DriftNeedsEvidenceAndIgnoresProvisionedMappings) {
  workspaces({{"w1", "Alpha", false, ""}, {"w2", "Beta", false, ""}});
  ASSERT_TRUE(store_
                  ->put_account_mappings("acme", {mapping("w1", "A1", "Alpha"),
                                                  mapping("w2", "P2", "Beta", MappingSource::kProvisioned)})
                  .ok());
  auto nothing_fetched = update_drift(*store_, "acme");
  ASSERT_TRUE(nothing_fetched);
  EXPECT_EQ(*nothing_fetched, 0u);  // no accounts fetched yet: not "missing"

  accounts({account("A7", "Someone else")});
  auto changed = update_drift(*store_, "acme");
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, 1u);
  auto stored = mappings_by_workspace();
  EXPECT_EQ(to_text(stored["w1"].drift), "account_missing");
  EXPECT_EQ(to_text(stored["w2"].drift), "");  // the platform made it; it is not matched by name
}

TEST(TrimName, TrimsSpacesTabsAndLineBreaksOnly) {
  EXPECT_EQ(trim_name(" \tAcme  Ltd\r\n"), "Acme  Ltd");
  EXPECT_EQ(trim_name("   "), "");
  EXPECT_EQ(trim_name("\u00a0Acme"), "\u00a0Acme");  // a no-break space is part of the name
}

}  // namespace
}  // namespace mb
