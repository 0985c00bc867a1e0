// provision_accounts and provision_services through the whole plugin, against the in-memory
// Gradient of mini_gradient_test.h.
#include "internal/mini_gradient_test.h"

namespace meterbridge::gradient {
namespace {

TEST_F(GradientPluginTest, ProvisionCreatesMissingAccountsInOneArrayAndRenamesChangedOnes) {
  g_.add_account("w-1", "Northwind Dental");
  g_.add_account("w-2", "Contoso");
  json::value v = call(
      &mb_plugin_table::on_provision_accounts,
      R"({"accounts":[{"id":"w-1","name":"Northwind Dental"},{"id":"w-2","name":"Contoso Group"},
                                       {"id":"w-3","name":" Fabrikam "},{"id":"w-4","name":"Tailspin"}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["w-1"].at("outcome").as_string(), "unchanged");
  EXPECT_EQ(items["w-2"].at("outcome").as_string(), "renamed");
  EXPECT_EQ(items["w-3"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["w-3"].at("account_id").as_string(), "w-3");
  EXPECT_EQ(items["w-4"].at("outcome").as_string(), "created");

  auto posts = g_.seen("POST", "/api/vendor-api/organization/accounts");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].idempotent) << "a replayed create could duplicate";
  EXPECT_EQ(posts[0].headers.at("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(posts[0].body),
            json::parse(R"([{"id":"w-3","name":"Fabrikam","description":""},
                                                        {"id":"w-4","name":"Tailspin","description":""}])"));
  auto patches = g_.seen("PATCH", "/api/vendor-api/organization/accounts/");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].path, "/api/vendor-api/organization/accounts/w-2");
  EXPECT_EQ(json::parse(patches[0].body), json::parse(R"({"name":"Contoso Group"})"));
  EXPECT_EQ(g_.accounts.size(), 4u);
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/organization/accounts").size(), 1u);
}

TEST_F(GradientPluginTest, ACreateWhoseAnswerWasLostIsSettledByReadingBackNotByResending) {
  bool lost = false;
  g_.intercept([&](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.method == "POST" && !lost) {
      lost = true;
      json::value rows = json::parse(s.body);
      for (const auto& row : rows.as_array()) g_.accounts.push_back(row.as_object());
      return no_answer(true);  // Gradient created them; the answer never came back
    }
    return std::nullopt;
  });
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"Northwind"}]})");
  EXPECT_EQ(by_id(v)["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(g_.seen("POST").size(), 1u);
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/organization/accounts").size(), 2u);
  EXPECT_EQ(g_.accounts.size(), 1u);
}

TEST_F(GradientPluginTest, A409OnABulkCreateIsSettledAndOnlyTheStillMissingAreSentAgain) {
  bool raced = false;
  g_.intercept([&](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.method == "POST" && !raced) {
      raced = true;  // someone created w-2 meanwhile; Gradient refuses the whole array
      g_.add_account("w-2", "Contoso");
      return nest_error(409, "A resource with this Id already exists.");
    }
    return std::nullopt;
  });
  json::value v =
      call(&mb_plugin_table::on_provision_accounts,
           R"({"accounts":[{"id":"w-1","name":"Northwind"},{"id":"w-2","name":"Contoso"}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["w-2"].at("outcome").as_string(), "created");
  auto posts = g_.seen("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(json::parse(posts[1].body).as_array().size(), 1u);
  EXPECT_EQ(g_.accounts.size(), 2u);
}

TEST_F(GradientPluginTest, ABulkCreateTooLargeForGradientIsSentAgainInHalves) {
  // Gradient's body parser refuses a body above its limit with 413; here, more than 2 accounts.
  g_.intercept([&](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.method == "POST" && json::parse(s.body).as_array().size() > 2)
      return nest_error(413, "request entity too large");
    return std::nullopt;
  });
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"A"},{"id":"w-2","name":"B"},
                                       {"id":"w-3","name":"C"},{"id":"w-4","name":"D"},
                                       {"id":"w-5","name":"E"}]})");
  auto items = by_id(v);
  for (const char* id : {"w-1", "w-2", "w-3", "w-4", "w-5"})
    EXPECT_EQ(items[id].at("outcome").as_string(), "created") << id << " " << items[id];
  std::vector<size_t> sizes;
  for (const SeenRequest& post : g_.seen("POST"))
    sizes.push_back(json::parse(post.body).as_array().size());
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 2, 3, 1, 2})) << "halves, then halves of the halves";
  EXPECT_EQ(g_.accounts.size(), 5u);
}

// Gradient refuses a bulk create for one of its accounts: as invalid (400), or as too large (413)
// once halving has brought the body down to that one account.
struct OneBadAccount {
  int status;
  const char* message;
  const char* in_the_failure;
};
class GradientOneBadAccountTest : public GradientPluginTest,
                                  public ::testing::WithParamInterface<OneBadAccount> {};

TEST_P(GradientOneBadAccountTest, ABulkCreateIsRetriedInPartsAndOnlyTheBadAccountFails) {
  refuse_bodies_containing("Bad", GetParam().status, GetParam().message);
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"Good"},{"id":"w-2","name":"Bad"}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["w-2"].at("outcome").as_string(), "failed");
  EXPECT_FALSE(items["w-2"].contains("account_id"));
  EXPECT_NE(std::string(items["w-2"].at("message").as_string()).find(GetParam().in_the_failure),
            std::string::npos);
  EXPECT_EQ(g_.seen("POST").size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(
    InvalidOrTooLarge, GradientOneBadAccountTest,
    ::testing::Values(OneBadAccount{400, "name must be shorter than 100 characters",
                                    "shorter than 100"},
                      OneBadAccount{413, "request entity too large", "too large"}));

TEST_F(GradientPluginTest, ProvisioningStopsOnRefusedKeys) {
  answer_everything_with(nest_error(401, "Unauthorized"));
  CallResult r =
      raw(&mb_plugin_table::on_provision_accounts, R"({"accounts":[{"id":"w-1","name":"N"}]})");
  EXPECT_EQ(r.status, MB_STATUS_AUTH_FAILED);
  EXPECT_EQ(r.error_message.find(kToken), std::string::npos);
}

// ---- provisioning services --------------------------------------------------------------------

TEST_F(GradientPluginTest, ProvisionServicesKeepsRecordedIdsMatchesNamesAndCreatesTheRest) {
  g_.add_sku("6650a1c2e4b0a1b2c3d4e701", "Email Security");
  g_.add_sku("6650a1c2e4b0a1b2c3d4e702", "Old DLP name");
  json::value v = call(&mb_plugin_table::on_provision_services,
                       R"({"services":[{"id":"mail","name":"Email Security","platform_id":null},
                                       {"id":"dlp","name":"Data Loss Prevention","platform_id":"6650a1c2e4b0a1b2c3d4e702"},
                                       {"id":"edr","name":"EDR","platform_id":null}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["mail"].at("outcome").as_string(), "matched");
  EXPECT_EQ(items["mail"].at("platform_id").as_string(), "6650a1c2e4b0a1b2c3d4e701");
  EXPECT_EQ(items["mail"].at("metric").as_string(), "users");
  EXPECT_EQ(items["dlp"].at("outcome").as_string(), "unchanged");
  EXPECT_EQ(items["edr"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["edr"].at("platform_id").as_string(), g_.sku_id("Coro EDR"));
  EXPECT_EQ(items["edr"].at("metric").as_string(), "devices");

  auto posts = g_.seen("POST", "/api/vendor-api/service");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].idempotent);
  EXPECT_EQ(json::parse(posts[0].body), json::parse(R"j({"name":"Coro EDR","description":"Coro EDR",
      "category":"security","subcategory":"endpoint detection and response (EDR)"})j"));
  EXPECT_EQ(g_.skus.size(), 3u) << "a renamed service must not be created again";
}

TEST_F(GradientPluginTest, AServiceWithoutACategoryIsReportedNotCreated) {
  FakeHost::Session bare = plugin_.open(
      std::string(R"({"vendor_api_key":"vk_live_123","partner_api_key":"pk_456","base_url":")") +
      kBase + "\"}");
  CallResult r = bare.call(&mb_plugin_table::on_provision_services,
                           R"({"services":[{"id":"dlp","name":"DLP","platform_id":null}]})");
  ASSERT_TRUE(r.ok()) << r.error_message;
  auto item = by_id(json::parse(r.result))["dlp"];
  EXPECT_EQ(item.at("outcome").as_string(), "failed");
  EXPECT_TRUE(item.at("platform_id").is_null());
  EXPECT_NE(std::string(item.at("message").as_string()).find("services.dlp.category"),
            std::string::npos);
  EXPECT_TRUE(g_.seen("POST").empty());
}

TEST_F(GradientPluginTest, AnUnansweredServiceCreateIsSettledByReadingTheCatalogAgain) {
  g_.intercept([&](const SeenRequest& s) -> std::optional<HttpResponse> {
    if (s.method == "POST" && g_.skus.empty()) {
      g_.add_sku("6650a1c2e4b0a1b2c3d4e799", "Coro EDR");
      return reply(504, "Gateway Timeout");
    }
    return std::nullopt;
  });
  json::value v = call(&mb_plugin_table::on_provision_services,
                       R"({"services":[{"id":"edr","name":"EDR","platform_id":null}]})");
  EXPECT_EQ(by_id(v)["edr"].at("platform_id").as_string(), "6650a1c2e4b0a1b2c3d4e799");
  EXPECT_EQ(g_.seen("POST").size(), 1u);
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api").size(), 2u);
}

}  // namespace
}  // namespace meterbridge::gradient
