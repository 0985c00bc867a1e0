// The Gradient plugin through the SDK's fake host. A small in-memory Gradient answers each batch
// the plugin hands the host, so these tests check the requests the plugin builds (token, paths,
// bodies, no_build, idempotency marks, batching) and the documents it returns, including what a
// simulator cannot easily produce: an answer lost after a create reached Gradient, a 409 on a
// bulk create, a 403 "anomaly" mid-run. tests/platforms/gradient_sim_test.cc runs the plugin
// against the simulator through the host's real HTTP engine.
#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using meterbridge::HttpResponse;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::ScriptedPlatform;

constexpr char kBase[] = "http://gradient.test";
constexpr char kToken[] = "dmtfbGl2ZV8xMjM6cGtfNDU2";  // base64("vk_live_123:pk_456")

std::string config(const std::string& extra = "") {
  return std::string(R"({"vendor_api_key":"vk_live_123","partner_api_key":"pk_456","base_url":")") +
         kBase +
         R"j(","services":{"edr":{"name":"Coro EDR","category":"security",
              "subcategory":"endpoint detection and response (EDR)","metric":"devices"}},
            "service_defaults":{"category":"security","subcategory":"email security"})j" +
         extra + "}";
}

// One request as the plugin handed it to the host.
struct Seen {
  int batch = 0;
  std::string method;
  std::string path;   // after the base URL, without the query
  std::string query;  // without '?'
  std::string body;
  json::object headers;
  bool idempotent = true;
  std::string endpoint;
};

json::object reply(int status, const json::value& body) {
  return json::object{{"status", status},
                      {"headers", json::object{}},
                      {"body", json::serialize(body)},
                      {"attempts", 1}};
}
json::object raw_reply(int status, std::string body) {
  return json::object{
      {"status", status}, {"headers", json::object{}}, {"body", std::move(body)}, {"attempts", 1}};
}
json::object no_answer(bool sent) {
  return json::object{
      {"status", 0},
      {"error", json::object{{"class", "retry"}, {"message", "connection reset"}, {"sent", sent}}},
      {"attempts", 3}};
}
json::object nest_error(int status, const std::string& message) {
  return reply(status, json::object{{"statusCode", status}, {"message", message}});
}

// Percent-decoding for the ids tests use.
std::string decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A Gradient that keeps accounts, services, mappings and counts in memory. `intercept` lets a
// test answer a request itself (a fault), or return nullopt to let the model answer.
class MiniGradient {
 public:
  std::string status = "inactive";
  std::vector<json::object> accounts;
  std::vector<json::object> skus;
  std::set<std::pair<std::string, std::string>> mapped;  // (service id, account id)
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  std::vector<std::string> clients = {"c1", "c2", "c3", "c4", "c5"};
  size_t clients_page = 2;
  bool duplicate_is_409 = true;
  bool auto_activate = true;  // an accepted count makes the integration active
  std::vector<Seen> seen;
  std::function<std::optional<json::object>(const Seen&)> intercept;

  // The model answers on the SDK's ScriptedPlatform: every request is recorded and offered to
  // the test's `intercept` first; what it leaves, the model answers.
  MiniGradient() {
    platform_.intercept([this](const meterbridge::testing::SeenRequest& r) {
      Seen s = record(r);
      std::optional<json::object> answer = intercept ? intercept(s) : std::nullopt;
      return std::optional<HttpResponse>(wire(answer ? *answer : route(s)));
    });
  }

  std::string handle(std::string_view batch) { return platform_.handle(batch); }

  std::vector<Seen> requests(const std::string& method, const std::string& path_prefix = "") const {
    std::vector<Seen> out;
    for (const Seen& s : seen)
      if (s.method == method && s.path.rfind(path_prefix, 0) == 0) out.push_back(s);
    return out;
  }

  std::string sku_id(const std::string& name) const {
    for (const auto& s : skus)
      if (s.at("name").as_string() == name) return std::string(s.at("id").as_string());
    return "";
  }

  void add_sku(const std::string& id, const std::string& name) {
    skus.push_back(json::object{{"id", id},
                                {"_id", id},
                                {"name", name},
                                {"category", "security"},
                                {"subcategory", "email security"},
                                {"description", name}});
  }

 private:
  Seen record(const meterbridge::testing::SeenRequest& r) {
    Seen s;
    s.batch = r.batch;
    s.method = r.method;
    EXPECT_EQ(r.url.rfind(kBase, 0), 0u) << r.url;
    s.path = r.path;
    s.query = r.query;
    for (const auto& [name, value] : r.headers) s.headers[name] = value;
    s.body = r.body;
    s.idempotent = r.idempotent;
    s.endpoint = r.endpoint;
    seen.push_back(s);
    return s;
  }

  // A reply written as the host's response object, as the plugin will read it.
  static HttpResponse wire(const json::object& answer) {
    HttpResponse r;
    meterbridge::codec::decode_into(answer, r);
    return r;
  }

  json::object integration() const {
    return json::object{{"organizationId", "6650a1c2e4b0a1b2c3d4e5f6"}, {"name", "Northwind IT"},
                        {"vendorId", "6650a1c2e4b0a1b2c3d4e501"},       {"vendorName", "Coro"},
                        {"integrationId", "6650a1c2e4b0a1b2c3d4e5d2"},  {"status", status},
                        {"lastSyncedAt", "1900-06-18T17:11:28.553Z"}};
  }

  json::object* account(const std::string& id) {
    for (auto& a : accounts)
      if (a.at("id").as_string() == id) return &a;
    return nullptr;
  }

  json::object route(const Seen& s) {
    const json::value* token = s.headers.if_contains("GRADIENT-TOKEN");
    if (token == nullptr || token->as_string() != kToken) return nest_error(401, "Unauthorized");
    const std::string api = "/api/vendor-api";
    if (s.method == "GET" && s.path == api + "/organization") return reply(200, integration());
    if (s.method == "PATCH" && s.path.rfind(api + "/organization/status/", 0) == 0) {
      std::string next = s.path.substr((api + "/organization/status/").size());
      if (next != "active" && next != "inactive" && next != "pending")
        return nest_error(400, "bad status");
      status = next;
      return reply(200, json::object{{"data", integration()},
                                     {"status", 200},
                                     {"message", "Success - Updated Integration Status"}});
    }
    if (s.path == api + "/organization/accounts") {
      if (s.method == "GET") {
        json::array rows;
        for (const auto& a : accounts) rows.push_back(a);
        return reply(200, rows);
      }
      json::value body = json::parse(s.body);
      if (!body.is_array()) return nest_error(400, "body must be an array");
      for (const auto& row : body.as_array())
        if (duplicate_is_409 && account(std::string(row.at("id").as_string())) != nullptr)
          return nest_error(409, "A resource with this Id already exists.");
      for (const auto& row : body.as_array()) accounts.push_back(row.as_object());
      return reply(201, body);
    }
    if (s.method == "PATCH" && s.path.rfind(api + "/organization/accounts/", 0) == 0) {
      json::object* a = account(decoded(s.path.substr((api + "/organization/accounts/").size())));
      if (a == nullptr) return nest_error(404, "Account not found");
      (*a)["name"] = json::parse(s.body).at("name");
      return reply(200, *a);
    }
    if (s.method == "GET" && s.path == "/api/vendor-api/organization/clients")
      return clients_page_for(s.query);
    if (s.method == "GET" && s.path == api)
      return reply(
          200, json::object{
                   {"status", 200}, {"data", vendor()}, {"message", "Success - Retrieved Vendor"}});
    if (s.method == "POST" && s.path == api + "/service") {
      json::object body = json::parse(s.body).as_object();
      std::string id = "6650a1c2e4b0a1b2c3d4e7" + std::to_string(10 + skus.size());
      add_sku(id, std::string(body.at("name").as_string()));
      skus.back()["category"] = body.at("category");
      skus.back()["subcategory"] = body.at("subcategory");
      return reply(201, vendor());
    }
    if (s.method == "POST" && s.path.rfind(api + "/service/", 0) == 0 && s.path.size() > 6 &&
        s.path.compare(s.path.size() - 6, 6, "/count") == 0) {
      std::string service = decoded(s.path.substr((api + "/service/").size(),
                                                  s.path.size() - 6 - (api + "/service/").size()));
      json::object body = json::parse(s.body).as_object();
      std::string account_id(body.at("accountId").as_string());
      if (!body.at("unitCount").is_number()) return nest_error(400, "unitCount must be a number");
      if (mapped.count({service, account_id}) == 0)
        return nest_error(404, "No account map found with id: " + account_id);
      counts[{service, account_id}] = body.at("unitCount").to_number<int64_t>();
      if (auto_activate) status = "active";
      return reply(
          201, json::object{{"status", 201}, {"message", "Success - Created service unit count"}});
    }
    return nest_error(404, "Cannot " + s.method + " " + s.path);
  }

  json::object vendor() const {
    json::array list;
    for (const auto& s : skus) list.push_back(s);
    return json::object{{"_id", "v1"}, {"id", "v1"}, {"name", "Coro"}, {"skus", list}};
  }

  json::object clients_page_for(const std::string& query) const {
    std::string previous;
    size_t at = query.find("previousId=");
    if (at != std::string::npos)
      previous = decoded(query.substr(at + 11, query.find('&', at) - at - 11));
    size_t start = 0;
    if (!previous.empty())
      for (size_t i = 0; i < clients.size(); ++i)
        if (clients[i] == previous) start = i + 1;
    json::array page;
    for (size_t i = start; i < clients.size() && page.size() < clients_page; ++i)
      page.push_back(json::object{{"id", clients[i]}, {"name", "Client " + clients[i]}});
    return reply(200, json::object{{"meta", json::object{}}, {"clients", page}});
  }

  ScriptedPlatform platform_{kBase};
};

class GradientPluginTest : public meterbridge::testing::PluginTest {
 protected:
  GradientPluginTest() {
    host_.set_http_handler([this](std::string_view batch) { return g_.handle(batch); });
  }

  json::value call(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    return meterbridge::testing::ok_result(session_.call(hook, input));
  }
  CallResult raw(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    return session_.call(hook, input);
  }

  static std::map<std::string, json::object> by_id(const json::value& doc,
                                                   const char* list = "items",
                                                   const char* id = "id") {
    return meterbridge::testing::by_field(doc, list, id);
  }

  static std::string apply_input(const std::string& lines, bool final = true,
                                 const std::string& key = "gr:run-1:batch-1") {
    return R"({"idempotency_key":")" + key + R"(","effective_date":"2026-01-01","final":)" +
           (final ? "true" : "false") + R"(,"lines":[)" + lines + "]}";
  }
  static std::string line(const std::string& key, const std::string& account,
                          const std::string& service, int64_t target,
                          const std::string& expected = "null") {
    return R"({"key":")" + key + R"(","account_id":")" + account + R"(","service_id":")" + service +
           R"(","target":)" + std::to_string(target) + R"(,"expected_current":)" + expected +
           R"(,"metric":"users","line_ref":{}})";
  }

  // Gradient answers every request whose body contains `text` with this NestJS error.
  void refuse_bodies_containing(const std::string& text, int status, const std::string& message) {
    g_.intercept = [=](const Seen& s) -> std::optional<json::object> {
      if (s.body.find(text) != std::string::npos) return nest_error(status, message);
      return std::nullopt;
    };
  }

  FakeHost::Session session_ = plugin_.open(config());
  MiniGradient g_;
};

// ---- Manifest and config ----------------------------------------------------------------------
// (The host's checks of the manifest, secret fields and schema: tests/platforms/.)

TEST_F(GradientPluginTest, DescribesItselfWithTheSidecarManifestAndOffersItsCapabilities) {
  expect_described_by(MB_GRADIENT_MANIFEST, "gradient");
  const mb_plugin_table* t = plugin_.table();
  EXPECT_NE(t->on_provision_accounts, nullptr);
  EXPECT_NE(t->on_provision_services, nullptr);
  EXPECT_NE(t->on_set_status, nullptr);
  EXPECT_NE(t->on_disconnect, nullptr);
  EXPECT_EQ(t->on_link_accounts, nullptr);
}

TEST(GradientOpen, RefusesABadConfigWithoutNamingTheSecret) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  try {
    plugin.open(R"({"vendor_api_key":"vk:oops","partner_api_key":"pk_456"})");
    FAIL() << "open accepted a vendor key with ':'";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("vendor_api_key"), std::string::npos) << what;
    EXPECT_EQ(what.find("oops"), std::string::npos) << what;
  }
}

// ---- authenticate -----------------------------------------------------------------------------

TEST_F(GradientPluginTest, AuthenticateSendsTheTokenAndNeverChangesTheStatus) {
  json::value v = call(&mb_plugin_table::on_authenticate, R"({"purpose":"connect"})");
  EXPECT_EQ(v.at("status").as_string(), "pending") << v;
  EXPECT_NE(std::string(v.at("message").as_string()).find("Northwind IT"), std::string::npos);
  // The host provisions first, then sets the status this asks for.
  EXPECT_EQ(v.at("status_after_connect").as_string(), "pending");
  ASSERT_EQ(g_.seen.size(), 1u);
  EXPECT_EQ(g_.seen[0].method, "GET");
  EXPECT_EQ(g_.seen[0].path, "/api/vendor-api/organization");
  EXPECT_EQ(g_.seen[0].headers.at("GRADIENT-TOKEN").as_string(), kToken);
  EXPECT_EQ(g_.seen[0].headers.at("Accept").as_string(), "application/json");
  EXPECT_EQ(g_.status, "inactive");
  for (const auto& log : host_.logs()) EXPECT_EQ(log.message.find(kToken), std::string::npos);
}

TEST_F(GradientPluginTest, AuthenticateLeavesAPendingOrActiveIntegrationAlone) {
  for (const char* input : {"{}", R"({"purpose":"test"})", R"({"purpose":"connect"})"}) {
    g_.status = "pending";
    json::value pending = call(&mb_plugin_table::on_authenticate, input);
    EXPECT_EQ(pending.at("status").as_string(), "pending");
    EXPECT_FALSE(pending.as_object().contains("status_after_connect"));
    g_.status = "active";
    json::value active = call(&mb_plugin_table::on_authenticate, input);
    EXPECT_EQ(active.at("status").as_string(), "ok");
    EXPECT_FALSE(active.as_object().contains("status_after_connect"));
  }
  EXPECT_TRUE(g_.requests("PATCH").empty());
}

TEST_F(GradientPluginTest, AuthenticateReportsAStatusTheMspOrGradientSetWithWhatToDo) {
  for (const char* purpose : {"test", "connect"}) {
    for (const char* status : {"disabled", "error"}) {
      g_.status = status;
      json::value v = call(&mb_plugin_table::on_authenticate,
                           std::string(R"({"purpose":")") + purpose + R"("})");
      EXPECT_EQ(v.at("status").as_string(), "conflict") << status << " " << purpose;
      std::string message(v.at("message").as_string());
      EXPECT_NE(message.find(std::string("'") + status + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("never overrides"), std::string::npos) << message;
      EXPECT_NE(message.find("Synthesize"), std::string::npos) << message;
      EXPECT_FALSE(v.as_object().contains("status_after_connect"));
    }
  }
  // Inactive outside a connect: the integration was disconnected, or never connected.
  g_.status = "inactive";
  json::value inactive = call(&mb_plugin_table::on_authenticate, R"({"purpose":"test"})");
  EXPECT_EQ(inactive.at("status").as_string(), "conflict");
  EXPECT_NE(std::string(inactive.at("message").as_string()).find("connectors connect"),
            std::string::npos);
  EXPECT_TRUE(g_.requests("PATCH").empty());
}

TEST_F(GradientPluginTest, AuthenticateClassifiesWhatWentWrong) {
  auto verdict_for = [&](json::object answer) {
    g_.intercept = [answer](const Seen&) { return std::optional<json::object>(answer); };
    return call(&mb_plugin_table::on_authenticate, "{}");
  };
  json::value bad_key = verdict_for(nest_error(401, "Unauthorized"));
  EXPECT_EQ(bad_key.at("status").as_string(), "auth_failed");
  EXPECT_NE(std::string(bad_key.at("message").as_string()).find("Partner API Key"),
            std::string::npos);
  EXPECT_EQ(verdict_for(no_answer(false)).at("status").as_string(), "unreachable");
  EXPECT_EQ(verdict_for(raw_reply(502, "Bad Gateway")).at("status").as_string(), "unreachable");
  EXPECT_EQ(verdict_for(raw_reply(200, "<html>a login page</html>")).at("status").as_string(),
            "config_invalid");
  EXPECT_EQ(verdict_for(nest_error(404, "Cannot GET /api/vendor-api/organization"))
                .at("status")
                .as_string(),
            "config_invalid");

  g_.intercept = [](const Seen&) {
    return std::optional<json::object>(nest_error(429, "Request limit reached"));
  };
  CallResult throttled = raw(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(throttled.status, MB_STATUS_RATE_LIMITED);
}

// ---- provisioning accounts --------------------------------------------------------------------

TEST_F(GradientPluginTest, ProvisionCreatesMissingAccountsInOneArrayAndRenamesChangedOnes) {
  g_.accounts = {json::object{{"id", "w-1"}, {"name", "Northwind Dental"}, {"description", ""}},
                 json::object{{"id", "w-2"}, {"name", "Contoso"}, {"description", ""}}};
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

  auto posts = g_.requests("POST", "/api/vendor-api/organization/accounts");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].idempotent) << "a replayed create could duplicate";
  EXPECT_EQ(posts[0].headers.at("Content-Type").as_string(), "application/json");
  EXPECT_EQ(json::parse(posts[0].body),
            json::parse(R"([{"id":"w-3","name":"Fabrikam","description":""},
                                                        {"id":"w-4","name":"Tailspin","description":""}])"));
  auto patches = g_.requests("PATCH", "/api/vendor-api/organization/accounts/");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].path, "/api/vendor-api/organization/accounts/w-2");
  EXPECT_EQ(json::parse(patches[0].body), json::parse(R"({"name":"Contoso Group"})"));
  EXPECT_EQ(g_.accounts.size(), 4u);
  EXPECT_EQ(g_.requests("GET", "/api/vendor-api/organization/accounts").size(), 1u);
}

TEST_F(GradientPluginTest, ACreateWhoseAnswerWasLostIsSettledByReadingBackNotByResending) {
  bool lost = false;
  g_.intercept = [&](const Seen& s) -> std::optional<json::object> {
    if (s.method == "POST" && !lost) {
      lost = true;
      json::value rows = json::parse(s.body);
      for (const auto& row : rows.as_array()) g_.accounts.push_back(row.as_object());
      return no_answer(true);  // Gradient created them; the answer never came back
    }
    return std::nullopt;
  };
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"Northwind"}]})");
  EXPECT_EQ(by_id(v)["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(g_.requests("POST").size(), 1u);
  EXPECT_EQ(g_.requests("GET", "/api/vendor-api/organization/accounts").size(), 2u);
  EXPECT_EQ(g_.accounts.size(), 1u);
}

TEST_F(GradientPluginTest, A409OnABulkCreateIsSettledAndOnlyTheStillMissingAreSentAgain) {
  bool raced = false;
  g_.intercept = [&](const Seen& s) -> std::optional<json::object> {
    if (s.method == "POST" && !raced) {
      raced = true;  // someone created w-2 meanwhile; Gradient refuses the whole array
      g_.accounts.push_back(json::object{{"id", "w-2"}, {"name", "Contoso"}, {"description", ""}});
      return nest_error(409, "A resource with this Id already exists.");
    }
    return std::nullopt;
  };
  json::value v =
      call(&mb_plugin_table::on_provision_accounts,
           R"({"accounts":[{"id":"w-1","name":"Northwind"},{"id":"w-2","name":"Contoso"}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["w-2"].at("outcome").as_string(), "created");
  auto posts = g_.requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(json::parse(posts[1].body).as_array().size(), 1u);
  EXPECT_EQ(g_.accounts.size(), 2u);
}

TEST_F(GradientPluginTest, ABulkCreateRefusedAsInvalidIsRetriedAccountByAccount) {
  refuse_bodies_containing("Bad", 400, "name must be shorter than 100 characters");
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"Good"},{"id":"w-2","name":"Bad"}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["w-2"].at("outcome").as_string(), "failed");
  EXPECT_FALSE(items["w-2"].contains("account_id"));
  EXPECT_NE(std::string(items["w-2"].at("message").as_string()).find("shorter than 100"),
            std::string::npos);
  EXPECT_EQ(g_.requests("POST").size(), 3u);
}

TEST_F(GradientPluginTest, ABulkCreateTooLargeForGradientIsSentAgainInHalves) {
  // Gradient's body parser refuses a body above its limit with 413; here, more than 2 accounts.
  g_.intercept = [&](const Seen& s) -> std::optional<json::object> {
    if (s.method == "POST" && json::parse(s.body).as_array().size() > 2)
      return nest_error(413, "request entity too large");
    return std::nullopt;
  };
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"A"},{"id":"w-2","name":"B"},
                                       {"id":"w-3","name":"C"},{"id":"w-4","name":"D"},
                                       {"id":"w-5","name":"E"}]})");
  auto items = by_id(v);
  for (const char* id : {"w-1", "w-2", "w-3", "w-4", "w-5"})
    EXPECT_EQ(items[id].at("outcome").as_string(), "created") << id << " " << items[id];
  std::vector<size_t> sizes;
  for (const Seen& post : g_.requests("POST"))
    sizes.push_back(json::parse(post.body).as_array().size());
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 2, 3, 1, 2})) << "halves, then halves of the halves";
  EXPECT_EQ(g_.accounts.size(), 5u);
}

TEST_F(GradientPluginTest, OneAccountTooLargeForGradientFailsAlone) {
  refuse_bodies_containing("Huge", 413, "request entity too large");
  json::value v = call(&mb_plugin_table::on_provision_accounts,
                       R"({"accounts":[{"id":"w-1","name":"Small"},{"id":"w-2","name":"Huge"}]})");
  auto items = by_id(v);
  EXPECT_EQ(items["w-1"].at("outcome").as_string(), "created");
  EXPECT_EQ(items["w-2"].at("outcome").as_string(), "failed");
  EXPECT_NE(std::string(items["w-2"].at("message").as_string()).find("too large"),
            std::string::npos);
  EXPECT_EQ(g_.requests("POST").size(), 3u);
}

TEST_F(GradientPluginTest, ProvisioningStopsOnRefusedKeys) {
  g_.intercept = [](const Seen&) {
    return std::optional<json::object>(nest_error(401, "Unauthorized"));
  };
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

  auto posts = g_.requests("POST", "/api/vendor-api/service");
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
  EXPECT_TRUE(g_.requests("POST").empty());
}

TEST_F(GradientPluginTest, AnUnansweredServiceCreateIsSettledByReadingTheCatalogAgain) {
  g_.intercept = [&](const Seen& s) -> std::optional<json::object> {
    if (s.method == "POST" && g_.skus.empty()) {
      g_.add_sku("6650a1c2e4b0a1b2c3d4e799", "Coro EDR");
      return raw_reply(504, "Gateway Timeout");
    }
    return std::nullopt;
  };
  json::value v = call(&mb_plugin_table::on_provision_services,
                       R"({"services":[{"id":"edr","name":"EDR","platform_id":null}]})");
  EXPECT_EQ(by_id(v)["edr"].at("platform_id").as_string(), "6650a1c2e4b0a1b2c3d4e799");
  EXPECT_EQ(g_.requests("POST").size(), 1u);
  EXPECT_EQ(g_.requests("GET", "/api/vendor-api").size(), 2u);
}

// ---- read_quantities --------------------------------------------------------------------------

TEST_F(GradientPluginTest, TheLastPushedCountIsCurrentExceptForWhatWasJustCreated) {
  g_.status = "active";
  g_.accounts = {json::object{{"id", "w-1"}, {"name", "Northwind"}, {"description", ""}}};
  g_.add_sku("6650a1c2e4b0a1b2c3d4e701", "Email Security");
  call(&mb_plugin_table::on_provision_accounts,
       R"({"accounts":[{"id":"w-1","name":"Northwind"},{"id":"w-2","name":"Contoso"}]})");
  call(&mb_plugin_table::on_provision_services,
       R"({"services":[{"id":"mail","name":"Email Security","platform_id":null}]})");
  size_t calls_before = g_.seen.size();
  json::value v =
      call(&mb_plugin_table::on_read_quantities, R"({"effective_date":"2026-01-01","lines":[
      {"key":"a","account_id":"w-1","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":12},
      {"key":"b","account_id":"w-1","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":null},
      {"key":"c","account_id":"w-2","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":7},
      {"key":"d","account_id":"w-9","service_id":"6650a1c2e4b0a1b2c3d4e701","last_pushed":7},
      {"key":"e","account_id":"w-1","service_id":"unknown-service","last_pushed":7}]})");
  EXPECT_EQ(g_.seen.size(), calls_before) << "reading costs no call after provisioning";
  auto lines = by_id(v, "lines", "key");
  EXPECT_EQ(lines["a"].at("quantity").as_int64(), 12);
  EXPECT_TRUE(lines["a"].at("reason").is_null());
  EXPECT_EQ(lines["a"].at("line_ref").at("basis").as_string(), "last_pushed");
  EXPECT_TRUE(lines["b"].at("quantity").is_null());
  EXPECT_TRUE(lines["b"].at("reason").is_null());
  EXPECT_TRUE(lines["c"].at("quantity").is_null())
      << "w-2 was created now: Gradient has no count for it";
  EXPECT_EQ(lines["d"].at("reason").as_string(), "not_found");
  EXPECT_EQ(lines["e"].at("reason").as_string(), "not_found");
}

TEST_F(GradientPluginTest, ReadingWithoutProvisioningListsTheAccountsOnce) {
  g_.status = "active";
  g_.accounts = {json::object{{"id", "w-1"}, {"name", "Northwind"}, {"description", ""}}};
  std::string input =
      R"({"lines":[{"key":"a","account_id":"w-1","service_id":"s","last_pushed":3}]})";
  EXPECT_EQ(
      call(&mb_plugin_table::on_read_quantities, input).at("lines").at(0).at("quantity").as_int64(),
      3);
  call(&mb_plugin_table::on_read_quantities, input);
  EXPECT_EQ(g_.requests("GET", "/api/vendor-api/organization/accounts").size(), 1u);
  EXPECT_EQ(g_.requests("GET", "/api/vendor-api/organization").size(), 2u)
      << "status and accounts, once each";
}

TEST_F(GradientPluginTest, WhileTheIntegrationIsNotActiveNoPushedCountIsTrusted) {
  // The MSP disconnected and reconnected: Gradient deleted the accounts and their counts, and the
  // integration waits as pending. The ledger's counts predate that.
  g_.status = "pending";
  g_.accounts = {json::object{{"id", "w-1"}, {"name", "Northwind"}, {"description", ""}}};
  call(&mb_plugin_table::on_provision_accounts,
       R"({"accounts":[{"id":"w-1","name":"Northwind"}]})");
  json::value v =
      call(&mb_plugin_table::on_read_quantities,
           R"({"lines":[{"key":"a","account_id":"w-1","service_id":"s","last_pushed":3}]})");
  EXPECT_TRUE(v.at("lines").at(0).at("quantity").is_null());
  EXPECT_TRUE(v.at("lines").at(0).at("reason").is_null());
  EXPECT_EQ(v.at("lines").at(0).at("line_ref").at("basis").as_string(), "integration_not_active");
}

TEST_F(GradientPluginTest, AcceptedCountsNeverMakeThePluginSetActiveItself) {
  // Gradient activates the integration itself on the first usage it accepts; when it has not,
  // the vendor does not either.
  g_.status = "pending";
  g_.auto_activate = false;
  g_.mapped = {{"s1", "w-1"}};
  g_.accounts = {json::object{{"id", "w-1"}, {"name", "Northwind"}, {"description", ""}}};
  call(&mb_plugin_table::on_provision_accounts,
       R"({"accounts":[{"id":"w-1","name":"Northwind"}]})");
  json::value v = call(&mb_plugin_table::on_apply_quantities,
                       R"({"idempotency_key":"gr:run-1:batch-1","final":true,"lines":[
           {"key":"a","account_id":"w-1","service_id":"s1","target":4,"expected_current":null}]})");
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated");
  EXPECT_EQ(g_.status, "pending");
  EXPECT_TRUE(g_.requests("PATCH").empty());
}

// ---- apply_quantities -------------------------------------------------------------------------

class GradientApplyTest : public GradientPluginTest {
 protected:
  GradientApplyTest() { g_.mapped = {{"s1", "w-1"}, {"s1", "w-2"}, {"s2", "w-1"}}; }
};

TEST_F(GradientApplyTest, PushesEveryCountWithNoBuildButTheLastWhichGoesAfterTheOthers) {
  json::value v =
      call(&mb_plugin_table::on_apply_quantities,
           apply_input(line("a", "w-1", "s1", 10) + "," + line("b", "w-2", "s1", 0, "4") + "," +
                       line("c", "w-1", "s2", 3)));
  auto lines = by_id(v, "lines", "key");
  for (const char* k : {"a", "b", "c"}) {
    EXPECT_EQ(lines[k].at("outcome").as_string(), "updated") << k;
  }
  EXPECT_EQ(lines["b"].at("quantity").as_int64(), 0);
  EXPECT_EQ((g_.counts[{"s1", "w-2"}]), 0) << "a zero is pushed like any count";
  auto posts = g_.requests("POST");
  ASSERT_EQ(posts.size(), 3u);
  // "b" was pushed before (expected_current 4): it is the one most likely mapped, so it goes last.
  EXPECT_EQ(posts[2].body, R"({"accountId":"w-2","unitCount":0})");
  EXPECT_EQ(posts[2].query, "");
  EXPECT_GT(posts[2].batch, posts[1].batch) << "the rebuild must come after every other count";
  EXPECT_EQ(posts[0].query, "no_build=true");
  EXPECT_EQ(posts[1].query, "no_build=true");
  EXPECT_EQ(posts[0].batch, posts[1].batch) << "independent counts share one batch";
  EXPECT_TRUE(posts[0].idempotent) << "an absolute count may be replayed";
  EXPECT_EQ(posts[0].endpoint, "counts");
}

TEST_F(GradientApplyTest, ABatchThatIsNotTheRunsLastSendsNoBuildOnEveryCount) {
  call(&mb_plugin_table::on_apply_quantities,
       apply_input(line("a", "w-1", "s1", 1) + "," + line("b", "w-1", "s2", 2), false));
  for (const Seen& s : g_.requests("POST")) EXPECT_EQ(s.query, "no_build=true");
}

TEST_F(GradientApplyTest, AnUnmappedPairIsNotMappedOnThePlatformAndTheRunGoesOn) {
  json::value v = call(&mb_plugin_table::on_apply_quantities,
                       apply_input(line("a", "w-1", "s1", 5) + "," + line("u", "w-3", "s1", 9)));
  auto lines = by_id(v, "lines", "key");
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["u"].at("outcome").as_string(), "platform_not_mapped");
  EXPECT_TRUE(lines["u"].at("error_class").is_null());
  EXPECT_NE(std::string(lines["u"].at("message").as_string()).find("not mapped on the platform"),
            std::string::npos);
}

TEST_F(GradientApplyTest, WhenTheLastPushFailsOneAcceptedCountIsResentToRebuild) {
  // "u" goes last (nothing was pushed before) and is unmapped: the rebuild is still owed.
  call(&mb_plugin_table::on_apply_quantities,
       apply_input(line("a", "w-1", "s1", 5) + "," + line("u", "w-3", "s1", 9)));
  auto posts = g_.requests("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[1].body, R"({"accountId":"w-3","unitCount":9})");
  EXPECT_EQ(posts[2].body, R"({"accountId":"w-1","unitCount":5})");
  EXPECT_EQ(posts[2].query, "");
}

TEST_F(GradientApplyTest, ARebuildOwedByEarlierBatchesIsPaidByTheFinalOne) {
  call(&mb_plugin_table::on_apply_quantities,
       apply_input(line("a", "w-1", "s1", 5), false, "gr:run-7:batch-1"));
  call(&mb_plugin_table::on_apply_quantities,
       apply_input(line("u", "w-3", "s1", 9), true, "gr:run-7:batch-2"));
  auto posts = g_.requests("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[2].body, R"({"accountId":"w-1","unitCount":5})");
  EXPECT_EQ(posts[2].query, "");
}

TEST_F(GradientApplyTest, BadRequestsAreLineErrorsWithGradientsMessage) {
  g_.intercept = [](const Seen& s) -> std::optional<json::object> {
    if (s.path.find("not-an-id") != std::string::npos)
      return nest_error(400, "You have provided an invalid Id type");
    return std::nullopt;
  };
  auto lines =
      by_id(call(&mb_plugin_table::on_apply_quantities,
                 apply_input(line("bad", "w-1", "not-an-id", 5) + "," + line("a", "w-1", "s1", 5))),
            "lines", "key");
  EXPECT_EQ(lines["bad"].at("outcome").as_string(), "failed");
  EXPECT_NE(std::string(lines["bad"].at("message").as_string()).find("invalid Id type"),
            std::string::npos);
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
}

TEST_F(GradientApplyTest, AnAnomaly403StopsTheRunsWritesUntilTheNextRun) {
  g_.intercept = [](const Seen& s) -> std::optional<json::object> {
    if (s.method == "POST") return nest_error(403, "Forbidden resource");
    return std::nullopt;
  };
  auto first = by_id(call(&mb_plugin_table::on_apply_quantities,
                          apply_input(line("a", "w-1", "s1", 1) + "," + line("b", "w-2", "s1", 2),
                                      false, "gr:run-3:batch-1")),
                     "lines", "key");
  EXPECT_EQ(first["a"].at("outcome").as_string(), "failed");
  EXPECT_EQ(first["a"].at("error_class").as_string(), "rate_limited");
  EXPECT_NE(std::string(first["a"].at("message").as_string()).find("Forbidden resource"),
            std::string::npos);
  size_t sent = g_.requests("POST").size();
  CallResult next = raw(&mb_plugin_table::on_apply_quantities,
                        apply_input(line("c", "w-1", "s2", 3), true, "gr:run-3:batch-2"));
  EXPECT_EQ(next.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(g_.requests("POST").size(), sent) << "nothing more is sent in that run";

  g_.intercept = nullptr;
  json::value later = call(&mb_plugin_table::on_apply_quantities,
                           apply_input(line("c", "w-1", "s2", 3), true, "gr:run-4:batch-1"));
  EXPECT_EQ(later.at("lines").at(0).at("outcome").as_string(), "updated");
}

TEST_F(GradientApplyTest, RefusedKeysStopTheRun) {
  g_.intercept = [](const Seen&) {
    return std::optional<json::object>(nest_error(401, "Unauthorized"));
  };
  CallResult r = raw(&mb_plugin_table::on_apply_quantities, apply_input(line("a", "w-1", "s1", 1)));
  EXPECT_EQ(r.status, MB_STATUS_AUTH_FAILED);
}

TEST_F(GradientApplyTest, ALostAnswerIsAFailedLineThatTheNextRunSendsAgain) {
  g_.intercept = [](const Seen& s) -> std::optional<json::object> {
    if (s.method == "POST") return no_answer(true);
    return std::nullopt;
  };
  auto lines =
      by_id(call(&mb_plugin_table::on_apply_quantities, apply_input(line("a", "w-1", "s1", 1))),
            "lines", "key");
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["a"].at("error_class").as_string(), "retry");
  EXPECT_NE(std::string(lines["a"].at("message").as_string()).find("may or may not be stored"),
            std::string::npos);
}

TEST_F(GradientApplyTest, LinesTheAbiCannotCarryToGradientAreRefusedWithoutACall) {
  auto lines =
      by_id(call(&mb_plugin_table::on_apply_quantities,
                 apply_input(R"({"key":"neg","account_id":"w-1","service_id":"s1","target":-1},)"
                             R"({"key":"frac","account_id":"w-1","service_id":"s1","target":1.5},)"
                             R"({"key":"dots","account_id":"w-1","service_id":"..","target":1})")),
            "lines", "key");
  for (const char* k : {"neg", "frac", "dots"}) {
    EXPECT_EQ(lines[k].at("outcome").as_string(), "failed") << k;
    EXPECT_EQ(lines[k].at("error_class").as_string(), "config_invalid") << k;
  }
  EXPECT_TRUE(g_.seen.empty());
}

// ---- status, disconnect, listings -------------------------------------------------------------

TEST_F(GradientPluginTest, SetStatusSendsTheLowerCaseValueAndRefusesUndocumentedOnes) {
  EXPECT_EQ(
      call(&mb_plugin_table::on_set_status, R"({"status":"Active"})").at("status").as_string(),
      "active");
  EXPECT_EQ(g_.requests("PATCH").back().path, "/api/vendor-api/organization/status/active");
  json::value pending = call(&mb_plugin_table::on_set_status, R"({"status":"pending"})");
  EXPECT_NE(std::string(pending.at("message").as_string()).find("can now map"), std::string::npos)
      << pending;
  CallResult r = raw(&mb_plugin_table::on_set_status, R"({"status":"disabled"})");
  EXPECT_EQ(r.status, MB_STATUS_CONFIG_INVALID);
  EXPECT_EQ(g_.requests("PATCH").size(), 2u);
}

TEST_F(GradientPluginTest, DisconnectSetsTheIntegrationInactive) {
  g_.status = "active";
  call(&mb_plugin_table::on_disconnect, "{}");
  EXPECT_EQ(g_.status, "inactive");
  ASSERT_EQ(g_.requests("PATCH").size(), 1u);
  EXPECT_EQ(g_.requests("PATCH")[0].path, "/api/vendor-api/organization/status/inactive");
}

TEST_F(GradientPluginTest, ListAccountsPagesTheVendorAccountsFromOneRead) {
  for (int i = 1; i <= 5; ++i)
    g_.accounts.push_back(json::object{{"id", "w-" + std::to_string(i)},
                                       {"name", "Customer " + std::to_string(i)},
                                       {"description", ""}});
  json::value p1 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":3})");
  ASSERT_EQ(p1.at("items").as_array().size(), 3u);
  EXPECT_TRUE(p1.at("items").at(0).at("active").as_bool());
  std::string cursor(p1.at("next_cursor").as_string());
  json::value p2 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":")" + cursor + R"(","limit":3})");
  EXPECT_EQ(p2.at("items").as_array().size(), 2u);
  EXPECT_TRUE(p2.at("next_cursor").is_null());
  EXPECT_EQ(g_.requests("GET").size(), 1u);
  json::value found = call(&mb_plugin_table::on_list_accounts, R"({"search":"customer 4"})");
  ASSERT_EQ(found.at("items").as_array().size(), 1u);
  EXPECT_EQ(found.at("items").at(0).at("id").as_string(), "w-4");
}

TEST_F(GradientPluginTest, APsaSearchListsTheMspsClientsWithThePreviousIdCursor) {
  std::vector<std::string> ids;
  json::value cursor = nullptr;
  for (int page = 0; page < 10; ++page) {
    json::value p = call(&mb_plugin_table::on_list_accounts,
                         json::serialize(json::object{{"search", "psa:"}, {"cursor", cursor}}));
    for (const auto& item : p.at("items").as_array()) {
      ids.emplace_back(item.at("id").as_string());
      EXPECT_EQ(item.at("details").at("kind").as_string(), "psa_client");
    }
    cursor = p.at("next_cursor");
    if (cursor.is_null()) break;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"c1", "c2", "c3", "c4", "c5"}));
  auto gets = g_.requests("GET", "/api/vendor-api/organization/clients");
  ASSERT_EQ(gets.size(), 3u) << "the third page is shorter than the second: the end";
  EXPECT_EQ(gets[0].query, "");
  EXPECT_EQ(gets[1].query, "previousId=c2");
  EXPECT_EQ(gets[2].query, "previousId=c4");
}

TEST_F(GradientPluginTest, ListServicesShowsTheVendorsCatalog) {
  g_.add_sku("6650a1c2e4b0a1b2c3d4e701", "Email Security");
  json::value v = call(&mb_plugin_table::on_list_services, "{}");
  ASSERT_EQ(v.at("items").as_array().size(), 1u);
  EXPECT_EQ(v.at("items").at(0).at("id").as_string(), "6650a1c2e4b0a1b2c3d4e701");
  EXPECT_EQ(v.at("items").at(0).at("details").at("subcategory").as_string(), "email security");
  EXPECT_TRUE(v.at("next_cursor").is_null());
}

}  // namespace
