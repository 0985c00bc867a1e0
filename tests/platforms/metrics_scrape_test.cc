// GET /metrics of `meterbridge serve`, end to end: a real daemon on a loopback port, the external
// platform's simulator (one throttled push), a usage import and a sync through the API, then a
// scrape over a real socket, parsed by the reference Prometheus text-format parser
// (python3-prometheus-client), whose numbers must be what the sync did.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <ctime>
#include <map>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/serve_harness.h"

namespace {

namespace json = boost::json;
using mb::testing::HttpReply;
using mb::testing::ServeHarness;

constexpr char kKey[] = "ext-metrics-key-42";
constexpr int kCustomers = 3;

// A sample the parser returned, and the parsed exposition's samples by name.
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};
struct Scrape {
  std::map<std::string, std::string> types;  // family name -> type
  std::multimap<std::string, Sample> samples;

  // The sum of the samples named `name` whose labels include every one of `match`.
  double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const {
    double total = 0;
    auto [begin, end] = samples.equal_range(name);
    for (auto it = begin; it != end; ++it) {
      bool all = true;
      for (const auto& [k, v] : match) {
        auto found = it->second.labels.find(k);
        all = all && found != it->second.labels.end() && found->second == v;
      }
      if (all) total += it->second.value;
    }
    return total;
  }
  size_t count(const std::string& name) const { return samples.count(name); }
};

// The body of a /metrics reply, parsed by the reference parser; fails the test when it refuses.
Scrape parse_exposition(const HttpReply& reply) {
  Scrape scrape;
  size_t start = reply.raw.find("\r\n\r\n");
  if (start == std::string::npos) {
    ADD_FAILURE() << "no body in " << reply.raw;
    return scrape;
  }
  auto parsed = mb::testing::run(
      // The Debian interpreter, which python3-prometheus-client installs into
      // (scripts/install-deps.sh), whatever other python3 comes first on PATH.
      "/usr/bin/python3 '" + std::string(MB_TEST_SOURCE_DIR) + "/tests/testing/prometheus_text.py'",
      reply.raw.substr(start + 4));
  if (parsed.exit_code != 0) {
    ADD_FAILURE() << "the Prometheus parser refused the exposition: " << parsed.err;
    return scrape;
  }
  const json::value document = json::parse(parsed.out);
  for (const auto& family : document.at("families").as_array()) {
    scrape.types[std::string(family.at("name").as_string())] =
        std::string(family.at("type").as_string());
    for (const auto& s : family.at("samples").as_array()) {
      Sample sample;
      for (const auto& [k, v] : s.at("labels").as_object())
        sample.labels[std::string(k)] = std::string(v.as_string());
      sample.value = s.at("value").is_number() ? s.at("value").to_number<double>() : -1;
      scrape.samples.emplace(std::string(s.at("name").as_string()), sample);
    }
  }
  return scrape;
}

std::string seed() {
  json::array customers;
  for (int i = 1; i <= kCustomers; ++i)
    customers.push_back(json::object{{"id", "cust-" + std::to_string(i)},
                                     {"name", "Client " + std::to_string(i)},
                                     {"active", true}});
  return json::serialize(json::object{
      {"integration", json::object{{"id", "int_metrics"}, {"name", "Coro for Metrics"}}},
      {"platform", json::object{{"name", "Metrics Distribution"}}},
      {"services", json::array{json::object{
                       {"id", "coro-edr"}, {"name", "EDR"}, {"metrics", json::array{"devices"}}}}},
      {"customers", customers},
      {"links", json::array{}},
      {"counts", json::array{}}});
}

std::string usage() {
  json::array workspaces, rows;
  for (int i = 1; i <= kCustomers; ++i) {
    std::string id = "ws-" + std::to_string(i);
    workspaces.push_back(json::object{{"id", id}, {"name", "Client " + std::to_string(i)}});
    rows.push_back(json::object{
        {"workspace_id", id}, {"service_id", "edr"}, {"users", 2 * i}, {"devices", 3 * i}});
  }
  return json::serialize(
      json::object{{"as_of", "2026-12-01"},
                   {"workspaces", workspaces},
                   {"services", json::array{json::object{{"id", "edr"}, {"name", "EDR"}}}},
                   {"usage", rows}});
}

class MetricsTest : public ::testing::Test {
 protected:
  // The simulator and the config; serve starts with the scheduler on, its daily run 12 hours
  // away, so the next-run gauge has something to show and nothing runs during the test.
  void SetUp() override {
    mb::sim::SimOptions options;
    options.seed_json = seed();
    options.settings_json = json::serialize(json::object{{"api_key", kKey}});
    sim_ = mb::sim::Simulator::start("external", options);
    serve_.add_plugin("external");
  }

  void start_serve(const std::string& api_extra = "") {
    std::time_t later = std::time(nullptr) + 12 * 3600;
    char at[6];
    std::strftime(at, sizeof at, "%H:%M", std::gmtime(&later));
    json::object connector{
        {"id", "ext"},
        {"plugin", "external"},
        {"config",
         json::object{{"base_url", sim_->base_url()}, {"api_key", kKey}, {"batch_size", 1}}}};
    serve_.write_config(
        {json::serialize(connector)},
        R"("schedule": {"time": ")" + std::string(at) +
            R"(", "timezone": "UTC", "jitter_minutes": 0}, "api": {"token": "${file:token}")" +
            api_extra + "}");
    serve_.start({});
  }

  json::value control(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, target, body);
  }

  ServeHarness serve_;
  std::unique_ptr<mb::sim::Simulator> sim_;
};

TEST_F(MetricsTest, AScrapeCountsWhatTheSyncDidAndParsesAsPrometheusText) {
  start_serve();
  HttpReply imported = serve_.call("POST", "/v1/usage", usage());
  ASSERT_EQ(imported.status, 201) << imported.raw;
  for (const std::string& step : {std::string("map auto ext"),
                                  std::string("map service ext edr coro-edr --metric devices")}) {
    auto r = serve_.cli(step);
    ASSERT_EQ(r.exit_code, 0) << step << "\n" << r.out << r.err;
  }
  // Only the sync's requests from here; its first push is refused once with a 429.
  control("DELETE", "/_sim/requests");
  control("POST", "/_sim/faults", R"({"spec": "429:count=1,retry_after=none,method=POST"})");

  HttpReply sync = serve_.call("POST", "/v1/connectors/ext/sync", "{}");
  ASSERT_EQ(sync.status, 200) << sync.raw;
  const json::object& run = sync.body.as_object();
  const std::string state(run.at("state").as_string());
  const json::value requests = control("GET", "/_sim/requests");
  const json::array& log = requests.at("requests").as_array();
  std::map<std::string, double> sent_by_method;
  double throttled_by_sim = 0;
  for (const auto& r : log) {
    sent_by_method[std::string(r.at("method").as_string())] += 1;
    if (r.at("status").as_int64() == 429) ++throttled_by_sim;
  }
  ASSERT_EQ(throttled_by_sim, 1) << json::serialize(log);

  EXPECT_EQ(serve_.call("GET", "/metrics", "", "").status, 401);
  EXPECT_EQ(serve_.call("GET", "/metrics", "", "not-the-token").status, 401);
  HttpReply reply = serve_.call("GET", "/metrics");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  std::string head = reply.raw.substr(0, reply.raw.find("\r\n\r\n"));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(head.find("content-type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos)
      << head;
  Scrape m = parse_exposition(reply);

  // Runs and lines: what the run's report says.
  EXPECT_EQ(m.types["meterbridge_sync_runs"], "counter");
  EXPECT_EQ(
      m.sum("meterbridge_sync_runs_total",
            {{"connector", "ext"}, {"trigger", "api"}, {"state", state}, {"dry_run", "false"}}),
      1);
  EXPECT_EQ(m.sum("meterbridge_sync_runs_total"), 1);
  double lines = 0;
  for (const auto& [outcome, n] : run.at("counts").as_object()) {
    EXPECT_EQ(m.sum("meterbridge_sync_lines_total", {{"connector", "ext"}, {"outcome", outcome}}),
              n.to_number<double>())
        << outcome;
    lines += n.to_number<double>();
  }
  EXPECT_EQ(lines, kCustomers);
  EXPECT_EQ(m.sum("meterbridge_sync_lines_total"), lines);
  if (state == "ok") {
    double last = m.sum("meterbridge_sync_last_success_timestamp_seconds", {{"connector", "ext"}});
    EXPECT_NEAR(last, static_cast<double>(std::time(nullptr)), 120);
  }

  // Requests: every attempt the simulator saw, the 429 among them, and its retry.
  EXPECT_EQ(m.sum("meterbridge_http_requests_total", {{"connector", "ext"}}),
            static_cast<double>(log.size()));
  for (const auto& [method, n] : sent_by_method)
    EXPECT_EQ(m.sum("meterbridge_http_requests_total", {{"connector", "ext"}, {"method", method}}),
              n)
        << method;
  EXPECT_EQ(m.sum("meterbridge_http_requests_total", {{"connector", "ext"}, {"status", "429"}}), 1);
  EXPECT_EQ(m.sum("meterbridge_http_retries_total", {{"connector", "ext"}}), 1);
  EXPECT_EQ(m.sum("meterbridge_http_throttled_total", {{"connector", "ext"}}), 1);
  for (const auto& [name, sample] : m.samples) {
    if (name != "meterbridge_http_requests_total") continue;
    const std::string& endpoint = sample.labels.at("endpoint");
    EXPECT_EQ(endpoint.find('?'), std::string::npos) << endpoint;  // never a query string
    EXPECT_EQ(endpoint.find(kKey), std::string::npos);
  }
  EXPECT_EQ(m.types["meterbridge_http_request_duration_seconds"], "histogram");
  EXPECT_EQ(m.sum("meterbridge_http_request_duration_seconds_count", {{"connector", "ext"}}),
            static_cast<double>(log.size()));
  EXPECT_EQ(m.sum("meterbridge_http_request_duration_seconds_bucket",
                  {{"connector", "ext"}, {"le", "+Inf"}}),
            static_cast<double>(log.size()));

  // Usage, leases, the scheduler and the build.
  EXPECT_EQ(m.sum("meterbridge_usage_imports_total", {{"outcome", "ok"}}), 1);
  EXPECT_EQ(m.sum("meterbridge_usage_rows_imported_total"), kCustomers);
  EXPECT_EQ(m.sum("meterbridge_leases_held", {{"connector", "ext"}}), 0);  // released after the run
  double next = m.sum("meterbridge_scheduler_next_run_timestamp_seconds", {{"connector", "ext"}});
  EXPECT_NEAR(next, static_cast<double>(std::time(nullptr)) + 12 * 3600, 120);
  ASSERT_EQ(m.count("meterbridge_build_info"), 1u);
  auto build = m.samples.find("meterbridge_build_info");
  EXPECT_FALSE(build->second.labels.at("version").empty());
  EXPECT_EQ(build->second.value, 1);
  // No secret in the scrape, whatever it says.
  EXPECT_EQ(reply.raw.find(kKey), std::string::npos);
  EXPECT_EQ(reply.raw.find(mb::testing::kServeToken), std::string::npos);
}

TEST_F(MetricsTest, PublicMetricsNeedNoTokenAndTheRestOfTheApiStillDoes) {
  // Also: a usage document the import refuses counts as rejected.
  start_serve(R"(, "metrics": {"public": true})");
  EXPECT_EQ(serve_.call("POST", "/v1/usage", R"({"as_of": "yesterday"})").status, 400);
  HttpReply open = serve_.call("GET", "/metrics", "", "");
  ASSERT_EQ(open.status, 200) << open.raw;
  Scrape m = parse_exposition(open);
  EXPECT_EQ(m.types["meterbridge_http_requests"], "counter");
  EXPECT_EQ(m.sum("meterbridge_usage_imports_total", {{"outcome", "rejected"}}), 1);
  EXPECT_EQ(m.sum("meterbridge_usage_imports_total", {{"outcome", "ok"}}), 0);
  EXPECT_EQ(serve_.call("GET", "/v1/connectors", "", "").status, 401);
  EXPECT_EQ(serve_.call("POST", "/metrics").status, 405);
}

}  // namespace
