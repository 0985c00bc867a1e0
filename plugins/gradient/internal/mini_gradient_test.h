// Test support for the whole-plugin tests (internal/<operation>_test.cc, gradient_plugin_test.cc):
// a small Gradient that keeps accounts, services, mappings and counts in memory, answering on the
// SDK's ScriptedPlatform, and the fixture that opens a Gradient session on the SDK's fake host.
// These tests check the requests the plugin builds (token, paths, bodies, no_build, idempotency
// marks, batching) and the documents it returns, including what a simulator cannot easily
// produce: an answer lost after a create reached Gradient, a 409 on a bulk create, a 403
// "anomaly" mid-run. A test injects such a fault with g_.intercept(...); the model answers the
// rest. tests/platforms/gradient_sim_test.cc runs the plugin against the simulator through the
// host's real HTTP engine.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_MINI_GRADIENT_TEST_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_MINI_GRADIENT_TEST_H_

#include <gtest/gtest.h>
#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace meterbridge::gradient {

namespace json = boost::json;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::no_answer;
using meterbridge::testing::reply;
using meterbridge::testing::SeenRequest;

inline constexpr char kBase[] = "http://gradient.test";
inline constexpr char kToken[] = "dmtfbGl2ZV8xMjM6cGtfNDU2";  // base64("vk_live_123:pk_456")

inline HttpResponse json_reply(int status, const json::value& body) {
  return reply(status, json::serialize(body));
}
inline HttpResponse nest_error(int status, const std::string& message) {
  return json_reply(status, json::object{{"statusCode", status}, {"message", message}});
}

class MiniGradient : public meterbridge::testing::ScriptedPlatform {
 public:
  std::string status = "inactive";
  std::vector<json::object> accounts;
  std::vector<json::object> skus;
  std::set<std::pair<std::string, std::string>> mapped;  // (service id, account id)
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  std::vector<std::string> clients = {"c1", "c2", "c3", "c4", "c5"};
  bool auto_activate = true;  // an accepted count makes the integration active

  // Routes added later win over the earlier ones they share a prefix with.
  MiniGradient() : ScriptedPlatform(kBase) {
    const std::string api = "/api/vendor-api";
    on("GET", api, [this](const SeenRequest&) {
      return json_reply(
          200, json::object{
                   {"status", 200}, {"data", vendor()}, {"message", "Success - Retrieved Vendor"}});
    });
    on("GET", api + "/organization",
       [this](const SeenRequest&) { return json_reply(200, integration()); });
    on("PATCH", api + "/organization/status/", [this, api](const SeenRequest& s) {
      std::string next = s.path.substr((api + "/organization/status/").size());
      if (next != "active" && next != "inactive" && next != "pending")
        return nest_error(400, "bad status");
      status = next;
      return json_reply(200, json::object{{"data", integration()},
                                          {"status", 200},
                                          {"message", "Success - Updated Integration Status"}});
    });
    on("GET", api + "/organization/accounts", [this](const SeenRequest&) {
      return json_reply(200, json::array(accounts.begin(), accounts.end()));
    });
    on("POST", api + "/organization/accounts", [this](const SeenRequest& s) {
      json::value body = json::parse(s.body);
      if (!body.is_array()) return nest_error(400, "body must be an array");
      for (const auto& row : body.as_array())
        if (account(std::string(row.at("id").as_string())) != nullptr)
          return nest_error(409, "A resource with this Id already exists.");
      for (const auto& row : body.as_array()) accounts.push_back(row.as_object());
      return json_reply(201, body);
    });
    on("PATCH", api + "/organization/accounts/", [this, api](const SeenRequest& s) {
      json::object* a = account(s.path.substr((api + "/organization/accounts/").size()));
      if (a == nullptr) return nest_error(404, "Account not found");
      (*a)["name"] = json::parse(s.body).at("name");
      return json_reply(200, *a);
    });
    on("GET", api + "/organization/clients",
       [this](const SeenRequest& s) { return clients_page(s); });
    on("POST", api + "/service", [this](const SeenRequest& s) {
      json::object body = json::parse(s.body).as_object();
      std::string id = "6650a1c2e4b0a1b2c3d4e7" + std::to_string(10 + skus.size());
      add_sku(id, std::string(body.at("name").as_string()));
      skus.back()["category"] = body.at("category");
      skus.back()["subcategory"] = body.at("subcategory");
      return json_reply(201, vendor());
    });
    on("POST", api + "/service/", [this](const SeenRequest& s) { return count(s); });
    otherwise(
        [](const SeenRequest& s) { return nest_error(404, "Cannot " + s.method + " " + s.path); });
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

  void add_account(const std::string& id, const std::string& name) {
    accounts.push_back(json::object{{"id", id}, {"name", name}, {"description", ""}});
  }

 private:
  // Every route answers only a request that carries the keys' token.
  void on(std::string method, std::string prefix, Handler handler) {
    ScriptedPlatform::on(std::move(method), std::move(prefix),
                         [handler = std::move(handler)](const SeenRequest& s) {
                           if (s.header("GRADIENT-TOKEN") != kToken)
                             return nest_error(401, "Unauthorized");
                           return handler(s);
                         });
  }

  json::object integration() const {
    return json::object{{"organizationId", "6650a1c2e4b0a1b2c3d4e5f6"}, {"name", "Northwind IT"},
                        {"vendorId", "6650a1c2e4b0a1b2c3d4e501"},       {"vendorName", "Coro"},
                        {"integrationId", "6650a1c2e4b0a1b2c3d4e5d2"},  {"status", status},
                        {"lastSyncedAt", "1900-06-18T17:11:28.553Z"}};
  }

  json::object vendor() const {
    return json::object{{"_id", "v1"},
                        {"id", "v1"},
                        {"name", "Coro"},
                        {"skus", json::array(skus.begin(), skus.end())}};
  }

  json::object* account(const std::string& id) {
    for (auto& a : accounts)
      if (a.at("id").as_string() == id) return &a;
    return nullptr;
  }

  // Get Clients: pages of two, after the client named by previousId.
  HttpResponse clients_page(const SeenRequest& s) const {
    size_t at = s.query.find("previousId="), start = 0;
    if (at != std::string::npos)
      for (size_t i = 0; i < clients.size(); ++i)
        if (clients[i] == s.query.substr(at + 11, s.query.find('&', at) - at - 11)) start = i + 1;
    json::array page;
    for (size_t i = start; i < clients.size() && page.size() < 2; ++i)
      page.push_back(json::object{{"id", clients[i]}, {"name", "Client " + clients[i]}});
    return json_reply(200, json::object{{"meta", json::object{}}, {"clients", page}});
  }

  // Set Unit Count: POST service/<id>/count, stored only for a pair the MSP mapped.
  HttpResponse count(const SeenRequest& s) {
    const std::string prefix = "/api/vendor-api/service/", suffix = "/count";
    if (s.path.size() <= prefix.size() + suffix.size() ||
        s.path.compare(s.path.size() - suffix.size(), suffix.size(), suffix) != 0)
      return nest_error(404, "Cannot POST " + s.path);
    std::string service =
        s.path.substr(prefix.size(), s.path.size() - suffix.size() - prefix.size());
    json::object body = json::parse(s.body).as_object();
    std::string account_id(body.at("accountId").as_string());
    if (!body.at("unitCount").is_number()) return nest_error(400, "unitCount must be a number");
    if (mapped.count({service, account_id}) == 0)
      return nest_error(404, "No account map found with id: " + account_id);
    counts[{service, account_id}] = body.at("unitCount").to_number<int64_t>();
    if (auto_activate) status = "active";
    return json_reply(
        201, json::object{{"status", 201}, {"message", "Success - Created service unit count"}});
  }
};

inline std::string config(const std::string& extra = "") {
  return std::string(R"({"vendor_api_key":"vk_live_123","partner_api_key":"pk_456","base_url":")") +
         kBase +
         R"j(","services":{"edr":{"name":"Coro EDR","category":"security",
              "subcategory":"endpoint detection and response (EDR)","metric":"devices"}},
            "service_defaults":{"category":"security","subcategory":"email security"})j" +
         extra + "}";
}

class GradientPluginTest : public meterbridge::testing::PluginTest {
 protected:
  GradientPluginTest() { g_.attach(host_); }

  // Every request went to the configured Gradient.
  void TearDown() override {
    for (const SeenRequest& s : g_.seen()) EXPECT_EQ(s.url.rfind(kBase, 0), 0u) << s.url;
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

  // Gradient answers every request with this answer.
  void answer_everything_with(HttpResponse answer) {
    g_.intercept([answer](const SeenRequest&) { return std::optional<HttpResponse>(answer); });
  }
  // Gradient answers every request whose body contains `text` with this NestJS error.
  void refuse_bodies_containing(const std::string& text, int status, const std::string& message) {
    g_.intercept([=](const SeenRequest& s) -> std::optional<HttpResponse> {
      if (s.body.find(text) != std::string::npos) return nest_error(status, message);
      return std::nullopt;
    });
  }

  FakeHost::Session session_ = plugin_.open(config());
  MiniGradient g_;
};

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_MINI_GRADIENT_TEST_H_
