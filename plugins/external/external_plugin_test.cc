// The external plugin through the SDK's fake host, with the platform's answers scripted per test:
// the request each operation makes, and the answers a simulator of a correct platform rarely
// gives (a lost response, a reused key, a malformed result, a refused key mid-run).
#include <gtest/gtest.h>

#include <meterbridge/testing/plugin_test.hpp>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using meterbridge::HttpResponse;
using meterbridge::testing::by_field;
using meterbridge::testing::CallResult;
using meterbridge::testing::FakeHost;
using meterbridge::testing::ScriptedPlatform;

constexpr const char* kBase = "https://billing.example.com/vendor-api";

// One request as the plugin handed it to the host; `target` is the URL after the base.
using Seen = meterbridge::testing::SeenRequest;

HttpResponse reply(int status, const json::value& body,
                   std::map<std::string, std::string> headers = {}) {
  return meterbridge::testing::reply(status, body.is_null() ? std::string() : json::serialize(body),
                                     std::move(headers));
}

HttpResponse lost(bool sent) {
  HttpResponse r = meterbridge::testing::no_answer(sent, "connection reset by peer");
  r.attempts = 5;
  return r;
}

HttpResponse protocol_error(int status, const char* code, const char* message = "refused") {
  return reply(status, json::object{{"error", json::object{{"code", code},
                                                           {"message", message},
                                                           {"details", json::object{}}}}});
}

HttpResponse integration(int64_t max_batch_items = 100, const char* version = "1.0") {
  return reply(
      200, json::object{{"protocol_version", version},
                        {"integration", json::object{{"id", "int_7"}, {"name", "Coro for Acme"}}},
                        {"platform", json::object{{"name", "Example Distribution"}}},
                        {"limits", json::object{{"max_batch_items", max_batch_items},
                                                {"max_page_size", 500},
                                                {"max_customer_filter", 100}}}});
}

// Results echoing every item of a pushed body, each "applied".
HttpResponse applied_all(const Seen& s) {
  json::array results;
  int64_t index = 0;
  const json::value body = json::parse(s.body);
  for (const auto& item : body.at("items").as_array()) {
    results.push_back(json::object{{"index", index++},
                                   {"customer_id", item.at("customer_id")},
                                   {"service_id", item.at("service_id")},
                                   {"metric", item.at("metric")},
                                   {"status", "applied"},
                                   {"quantity", item.at("quantity")},
                                   {"previous_quantity", nullptr}});
  }
  return reply(
      200, json::object{
               {"batch_id", "b_1"}, {"results", std::move(results)}, {"summary", json::object{}}});
}

class ExternalPluginTest : public meterbridge::testing::PluginTest {
 protected:
  using Answer = ScriptedPlatform::Handler;

  ExternalPluginTest() {
    platform_.attach(host_);
    platform_.otherwise([](const Seen&) { return protocol_error(404, "not_found", "unscripted"); });
  }

  // Answers requests whose method matches and whose target starts with `prefix`; the last
  // matching rule wins, so a test can override a default.
  void on(const std::string& method, const std::string& prefix, Answer answer) {
    platform_.on(method, prefix, std::move(answer));
  }

  CallResult call(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    return session_.call(hook, input);
  }

  json::value ok(mb_session_hook mb_plugin_table::*hook, const std::string& input) {
    return meterbridge::testing::ok_result(call(hook, input));
  }

  // Copies: later requests may grow seen_.
  std::vector<Seen> seen(const std::string& method, const std::string& prefix = "") const {
    return platform_.seen(method, prefix);
  }

  static std::string apply_input(size_t lines, const std::string& key = "ext:run-4:batch-1") {
    std::string text =
        R"({"idempotency_key":")" + key + R"(","effective_date":"2026-11-21","lines":[)";
    for (size_t i = 0; i < lines; ++i) {
      text += (i ? "," : "") + std::string(R"({"key":"l)") + std::to_string(i) +
              R"(","account_id":"c-)" + std::to_string(i) +
              R"(","service_id":"coro-edr","metric":"devices","target":)" + std::to_string(i + 1) +
              R"(,"expected_current":null,"line_ref":{}})";
    }
    return text + R"(],"final":true})";
  }

  ScriptedPlatform platform_{kBase};
  FakeHost::Session session_ = plugin_.open(std::string(R"({"base_url":")") + kBase +
                                            R"(/","api_key":"k3y-s3cret","batch_size":100})");
  const std::vector<Seen>& seen_ = platform_.seen();
};

// ---- Manifest ----

TEST_F(ExternalPluginTest, DescribesItselfWithTheSidecarManifest) {
  // The host's checks of the manifest (secret fields, schema): tests/platforms/.
  expect_described_by(MB_EXTERNAL_MANIFEST, "external");
  EXPECT_NE(plugin_.table()->on_link_accounts, nullptr);
  EXPECT_NE(plugin_.table()->on_disconnect, nullptr);
}

// ---- authenticate ----

TEST_F(ExternalPluginTest, EveryRequestCarriesTheBearerKeyAndMayBeRetried) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(); });
  json::value v = ok(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "ok");
  EXPECT_EQ(v.at("message").as_string(),
            "Example Distribution: integration Coro for Acme (int_7), external protocol 1.0, up to "
            "100 counts per batch");
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].url, std::string(kBase) + "/v1/integration");
  EXPECT_EQ(seen_[0].headers.at("Authorization"), "Bearer k3y-s3cret");
  EXPECT_TRUE(seen_[0].idempotent);
  EXPECT_EQ(seen_[0].endpoint, "integration");
}

TEST_F(ExternalPluginTest, AuthenticateGivesAVerdictForEveryKindOfRefusal) {
  auto verdict = [&](HttpResponse answer) {
    on("GET", "/v1/integration", [answer](const Seen&) { return answer; });
    json::value v = ok(&mb_plugin_table::on_authenticate, "{}");
    return std::string(v.at("status").as_string()) + ": " +
           std::string(v.at("message").as_string());
  };
  const std::string bad_key =
      verdict(protocol_error(401, "unauthorized", "the API key is not valid"));
  EXPECT_EQ(bad_key.rfind("auth_failed: ", 0), 0u) << bad_key;
  EXPECT_NE(bad_key.find("the API key is not valid"), std::string::npos);
  EXPECT_EQ(bad_key.find("k3y-s3cret"), std::string::npos);
  EXPECT_EQ(verdict(protocol_error(403, "forbidden")).rfind("auth_failed", 0), 0u);
  EXPECT_EQ(verdict(reply(404, nullptr)).rfind("config_invalid: ", 0), 0u);
  EXPECT_EQ(verdict(lost(false)).rfind("unreachable: ", 0), 0u);
  EXPECT_EQ(verdict(reply(502, nullptr)).rfind("unreachable: ", 0), 0u);
  const std::string newer = verdict(integration(100, "2.0"));
  EXPECT_NE(newer.find("speaks external protocol 2.0"), std::string::npos) << newer;

  on("GET", "/v1/integration", [](const Seen&) {
    HttpResponse r = protocol_error(429, "rate_limited");
    r.retry_after_ms = 7000;
    return r;
  });
  CallResult throttled = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(throttled.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(throttled.retry_after_ms, 7000u);
}

TEST_F(ExternalPluginTest, AVersionedBaseUrlGetsAHint) {
  FakeHost::Session versioned =
      plugin_.open(std::string(R"({"base_url":")") + kBase + R"(/v1","api_key":"k"})");
  on("GET", "/v1/v1/integration", [](const Seen&) { return protocol_error(404, "not_found"); });
  CallResult r = versioned.call(&mb_plugin_table::on_authenticate, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r.result.find("base_url must not include /v1"), std::string::npos) << r.result;
}

// ---- apply_quantities ----

TEST_F(ExternalPluginTest, ABatchLargerThanThePlatformTakesIsSplitUnderNumberedKeys) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(2); });
  on("POST", "/v1/count-batches", applied_all);
  json::value first = ok(&mb_plugin_table::on_apply_quantities, apply_input(5));
  auto posts = seen("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[0].headers.at("Idempotency-Key"), "ext:run-4:batch-1:part-1");
  EXPECT_EQ(posts[2].headers.at("Idempotency-Key"), "ext:run-4:batch-1:part-3");
  EXPECT_EQ(posts[0].headers.at("Content-Type"), "application/json");
  EXPECT_TRUE(posts[0].idempotent);
  EXPECT_EQ(posts[0].endpoint, "count-batches");
  EXPECT_EQ(json::parse(posts[2].body).at("items").as_array().size(), 1u);
  EXPECT_EQ(json::parse(posts[0].body).at("effective_date").as_string(), "2026-11-21");
  auto lines = by_field(first);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines["l4"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["l4"].at("quantity").as_int64(), 5);

  // The same input again (a retry of the hook) sends the same keys and the same bytes.
  const std::vector<std::string> bodies{posts[0].body, posts[1].body, posts[2].body};
  ok(&mb_plugin_table::on_apply_quantities, apply_input(5));
  auto again = seen("POST");
  ASSERT_EQ(again.size(), 6u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again[3 + i].headers.at("Idempotency-Key"), posts[i].headers.at("Idempotency-Key"));
    EXPECT_EQ(again[3 + i].body, bodies[i]);
  }
  EXPECT_EQ(seen("GET", "/v1/integration").size(), 1u);  // cached within the session
}

TEST_F(ExternalPluginTest, TheConnectorsBatchSizeCapsBatchesBelowThePlatformsLimit) {
  FakeHost::Session small =
      plugin_.open(std::string(R"({"base_url":")") + kBase + R"(","api_key":"k","batch_size":3})");
  on("GET", "/v1/integration", [](const Seen&) { return integration(100); });
  on("POST", "/v1/count-batches", applied_all);
  ASSERT_TRUE(small.call(&mb_plugin_table::on_apply_quantities, apply_input(7)).ok());
  EXPECT_EQ(seen("POST").size(), 3u);
}

TEST_F(ExternalPluginTest, AKeyThePlatformKnowsForAnotherBodyIsRetriedOnceUnderAFingerprint) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(); });
  on("POST", "/v1/count-batches", [](const Seen& s) {
    if (s.headers.at("Idempotency-Key") == "ext:run-4:batch-1") {
      return protocol_error(422, "idempotency_key_reused");
    }
    return applied_all(s);
  });
  json::value v = ok(&mb_plugin_table::on_apply_quantities, apply_input(2));
  auto posts = seen("POST");
  ASSERT_EQ(posts.size(), 2u);
  const std::string retried = posts[1].headers.at("Idempotency-Key");
  EXPECT_EQ(retried.rfind("ext:run-4:batch-1~", 0), 0u) << retried;
  EXPECT_EQ(retried.size(), std::string("ext:run-4:batch-1~").size() + 16);
  EXPECT_EQ(posts[1].body, posts[0].body);
  EXPECT_EQ(by_field(v)["l0"].at("outcome").as_string(), "updated");
}

TEST_F(ExternalPluginTest, ALostResponseFailsItsLinesForTheNextRunToReRead) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(2); });
  on("POST", "/v1/count-batches", [](const Seen& s) {
    return s.headers.at("Idempotency-Key").ends_with(":part-1") ? lost(true) : applied_all(s);
  });
  auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(3)));
  EXPECT_EQ(lines["l0"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["l0"].at("error_class").as_string(), "retry");
  const std::string message(lines["l0"].at("message").as_string());
  EXPECT_NE(message.find("may have reached the platform"), std::string::npos) << message;
  EXPECT_NE(message.find("next run reads"), std::string::npos) << message;
  EXPECT_EQ(lines["l2"].at("outcome").as_string(), "updated");  // later parts still go
}

TEST_F(ExternalPluginTest, ARefusedKeyOnEveryBatchFailsTheCallAndOnSomeFailsOnlyTheirLines) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(2); });
  on("POST", "/v1/count-batches", [](const Seen&) { return protocol_error(401, "unauthorized"); });
  CallResult refused = call(&mb_plugin_table::on_apply_quantities, apply_input(3));
  EXPECT_EQ(refused.status, MB_STATUS_AUTH_FAILED);
  EXPECT_EQ(refused.error_message.find("k3y-s3cret"), std::string::npos);

  on("POST", "/v1/count-batches", [](const Seen& s) {
    return s.headers.at("Idempotency-Key").ends_with(":part-1")
               ? applied_all(s)
               : protocol_error(429, "rate_limited");
  });
  auto lines =
      by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(5, "ext:run-5:batch-1")));
  EXPECT_EQ(lines["l1"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["l2"].at("error_class").as_string(), "rate_limited");
  EXPECT_EQ(lines["l4"].at("error_class").as_string(), "rate_limited");
  EXPECT_NE(lines["l4"].at("message").as_string().find("batch ext:run-5:batch-1:part-3"),
            std::string::npos)
      << lines["l4"];
  EXPECT_EQ(seen("POST").size(), 2u + 3u);  // every part of both calls went out, together
}

TEST_F(ExternalPluginTest, SendsTheBatchesOfOneApplyCallTogether) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(2); });
  on("POST", "/v1/count-batches", [](const Seen& s) { return applied_all(s); });
  auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(5)));
  for (const auto& [key, line] : lines) EXPECT_EQ(line.at("outcome").as_string(), "updated") << key;
  size_t batches_with_pushes = 0, pushes_in_that_batch = 0;
  for (const auto& batch : host_.http_batches()) {
    const json::array requests = json::parse(batch).as_array();
    size_t pushes = 0;
    for (const auto& r : requests)
      if (r.at("url").as_string().ends_with("/v1/count-batches")) ++pushes;
    if (pushes > 0) {
      ++batches_with_pushes;
      pushes_in_that_batch = pushes;
    }
  }
  EXPECT_EQ(batches_with_pushes, 1u);
  EXPECT_EQ(pushes_in_that_batch, 3u);  // 5 counts in parts of 2
}

TEST_F(ExternalPluginTest, ResultsThatDoNotMatchTheItemsFailTheirLines) {
  on("GET", "/v1/integration", [](const Seen&) { return integration(); });
  on("POST", "/v1/count-batches", [](const Seen&) {
    return reply(200, json::object{{"batch_id", "b"}, {"results", json::array{}}});
  });
  auto lines = by_field(ok(&mb_plugin_table::on_apply_quantities, apply_input(2)));
  EXPECT_EQ(lines["l0"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["l0"].at("error_class").as_string(), "fatal");
  EXPECT_NE(lines["l0"].at("message").as_string().find("0 results for 2 items"), std::string::npos);
}

TEST_F(ExternalPluginTest, ApplyNeedsTheHostsKeyAndReportsIncompleteLines) {
  EXPECT_EQ(call(&mb_plugin_table::on_apply_quantities, R"({"lines":[]})").status,
            MB_STATUS_CONFIG_INVALID);
  auto lines =
      by_field(ok(&mb_plugin_table::on_apply_quantities, R"({"idempotency_key":"k","lines":[
    {"key":"a","account_id":"c-1","service_id":"s","metric":"users"},
    {"key":"b","account_id":"c-1","service_id":"s","metric":"bytes","target":1}]})"));
  EXPECT_EQ(lines["a"].at("error_class").as_string(), "config_invalid");
  EXPECT_EQ(lines["b"].at("error_class").as_string(), "config_invalid");
  EXPECT_TRUE(seen_.empty());  // nothing to push, nothing asked
}

// ---- read_quantities ----

TEST_F(ExternalPluginTest, ReadsAskForTheLinesCustomersInGroupsOfAHundredAllAtOnce) {
  on("GET", "/v1/services", [](const Seen&) {
    return reply(
        200, json::object{{"data", json::array{json::object{{"id", "coro-edr"},
                                                            {"name", "EDR"},
                                                            {"metrics", json::array{"devices"}}}}},
                          {"next_cursor", nullptr}});
  });
  on("GET", "/v1/counts", [](const Seen& s) {
    json::array data;
    if (s.target.find("customer_id=c-7&") != std::string::npos) {
      data.push_back(json::object{
          {"customer_id", "c-7"},
          {"vendor_customer_id", "ws-7"},
          {"counts", json::array{json::object{
                         {"service_id", "coro-edr"}, {"metric", "devices"}, {"quantity", 70}}}}});
    }
    return reply(200, json::object{{"data", std::move(data)}, {"next_cursor", nullptr}});
  });
  std::string input = R"({"effective_date":"2026-11-21","lines":[)";
  for (int i = 0; i < 150; ++i) {
    input += (i ? "," : "") + std::string(R"({"key":"l)") + std::to_string(i) +
             R"(","account_id":"c-)" + std::to_string(i) +
             R"(","service_id":"coro-edr","metric":"devices","last_pushed":null})";
  }
  json::value v = ok(&mb_plugin_table::on_read_quantities, input + "]}");
  auto reads = seen("GET", "/v1/counts");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].target.rfind("/v1/counts?limit=100&customer_id=c-0&customer_id=c-1&", 0), 0u);
  EXPECT_EQ(host_.http_batches().size(), 2u);  // the services, then both reads together
  auto lines = by_field(v);
  EXPECT_EQ(lines["l7"].at("quantity").as_int64(), 70);
  EXPECT_EQ(lines["l8"].at("reason").as_string(), "platform_not_mapped");
}

// ---- link_accounts and disconnect ----

TEST_F(ExternalPluginTest, LinkingUnlinksFirstThenPutsEachLink) {
  on("DELETE", "/v1/links/", [](const Seen&) { return reply(204, nullptr); });
  on("PUT", "/v1/links/",
     [](const Seen& s) { return reply(s.target.ends_with("ws%3A2") ? 200 : 201, json::object{}); });
  json::value v = ok(&mb_plugin_table::on_link_accounts, R"({
    "link":[{"account_id":"ws 1","platform_account_id":"c-1"},{"account_id":"ws:2","platform_account_id":"c-2"}],
    "unlink":["ws-9"]})");
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_EQ(seen_[0].method, "DELETE");
  EXPECT_EQ(seen_[0].target, "/v1/links/ws-9");
  EXPECT_EQ(seen_[1].target, "/v1/links/ws%201");
  EXPECT_EQ(seen_[1].body, R"({"customer_id":"c-1"})");
  EXPECT_EQ(v.at("items").at(1).at("outcome").as_string(), "linked");
  EXPECT_EQ(v.at("items").at(2).at("outcome").as_string(), "updated");
}

TEST_F(ExternalPluginTest, ARefusedLinkFailsTheCallWithThePlatformsReason) {
  on("PUT", "/v1/links/", [](const Seen&) {
    return protocol_error(409, "customer_already_linked",
                          "customer c-1 is already linked to vendor customer ws-8");
  });
  CallResult r =
      call(&mb_plugin_table::on_link_accounts,
           R"({"link":[{"account_id":"ws-1","platform_account_id":"c-1"}],"unlink":[]})");
  EXPECT_EQ(r.status, MB_STATUS_CONFLICT);
  EXPECT_NE(r.error_message.find("already linked to vendor customer ws-8"), std::string::npos);
  on("PUT", "/v1/links/", [](const Seen&) { return protocol_error(422, "unknown_customer"); });
  EXPECT_EQ(call(&mb_plugin_table::on_link_accounts,
                 R"({"link":[{"account_id":"ws-1","platform_account_id":"c-0"}]})")
                .status,
            MB_STATUS_NOT_FOUND);
  EXPECT_EQ(call(&mb_plugin_table::on_link_accounts,
                 R"({"link":[{"account_id":"ws/1","platform_account_id":"c-0"}]})")
                .status,
            MB_STATUS_CONFIG_INVALID);
}

TEST_F(ExternalPluginTest, DisconnectUnlinksEveryLinkOfTheIntegration) {
  on("GET", "/v1/links", [](const Seen& s) {
    if (s.target.find("cursor=") == std::string::npos) {
      return reply(200,
                   json::object{{"data", json::array{json::object{{"vendor_customer_id", "ws-1"},
                                                                  {"customer_id", "c-1"}}}},
                                {"next_cursor", "p2"}});
    }
    return reply(200, json::object{{"data", json::array{json::object{{"vendor_customer_id", "ws-2"},
                                                                     {"customer_id", "c-2"}}}},
                                   {"next_cursor", nullptr}});
  });
  on("DELETE", "/v1/links/", [](const Seen&) { return reply(204, nullptr); });
  json::value v = ok(&mb_plugin_table::on_disconnect, "{}");
  EXPECT_EQ(v.at("unlinked").as_int64(), 2);
  EXPECT_EQ(seen("DELETE").size(), 2u);
  EXPECT_EQ(seen("GET", "/v1/links")[1].target, "/v1/links?limit=1000&cursor=p2");
}

}  // namespace
