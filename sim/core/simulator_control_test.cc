// End-to-end behaviour of the simulator core, observed the way a client sees it: the
// concurrency limits, latency, the request log, the control endpoints, reset and TLS.
#include "sim/core/simulator.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <set>

#include "sim/core/simulator_test_helpers.h"
#include "sim/core/testing/raw_http_client.h"

namespace mb::sim {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using namespace testing;  // NOLINT(google-build-using-namespace): the core's test helpers

TEST(SimConcurrencyLimitTest, RequestsBeyondTheEndpointLimitGetTheThrottleError) {
  SimOptions options;
  // Long enough that all three requests are surely in flight together.
  options.latency_ms = 1500;
  options.settings_json = R"({"items_concurrency_limit": 2})";
  auto simulator = start_test_platform(options);
  std::vector<std::unique_ptr<RawHttpConnection>> connections;
  for (int i = 0; i < 3; ++i) {
    connections.push_back(std::make_unique<RawHttpConnection>(simulator->port()));
    ASSERT_TRUE(connections.back()->write_request("GET", "/api/items", kTestPlatformAuth));
  }
  std::multiset<int> statuses;
  for (auto& connection : connections) statuses.insert(status_of(connection->read_response()));
  EXPECT_EQ(statuses, (std::multiset<int>{200, 200, 429}));

  const json::value stats = control_json(simulator->port(), "GET", "/_sim/stats");
  EXPECT_EQ(stats.at("endpoints").at("items").at("max_in_flight"), 3);
  EXPECT_EQ(stats.at("endpoints").at("items").at("throttled"), 1);
  EXPECT_EQ(stats.at("endpoints").at("items").at("in_flight"), 0);
  // Requests on other endpoints are not limited by the items limit.
  control_json(simulator->port(), "POST", "/_sim/latency", R"({"latency_ms":0})");
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/echo")), 200);
}

TEST(SimLatencyTest, DelayedResponsesDoNotBlockEachOther) {
  SimOptions options;
  options.latency_ms = 300;
  options.threads = 1;  // a sleeping io thread would serialize the two requests
  auto simulator = start_test_platform(options);
  RawHttpConnection first(simulator->port());
  RawHttpConnection second(simulator->port());
  ASSERT_TRUE(first.write_request("GET", "/api/echo"));
  ASSERT_TRUE(second.write_request("GET", "/api/echo"));
  ASSERT_EQ(status_of(first.read_response()), 200);
  ASSERT_EQ(status_of(second.read_response()), 200);

  const json::array log = logged_requests(simulator->port());
  ASSERT_EQ(log.size(), 2u);
  const int64_t start_a = log[0].at("start_us").as_int64();
  const int64_t end_a = log[0].at("end_us").as_int64();
  const int64_t start_b = log[1].at("start_us").as_int64();
  const int64_t end_b = log[1].at("end_us").as_int64();
  // Each was delayed, and they overlapped: the server held both at once.
  EXPECT_GE(end_a - start_a, 300000);
  EXPECT_GE(end_b - start_b, 300000);
  EXPECT_LT(start_b, end_a);
  EXPECT_LT(start_a, end_b);
  EXPECT_EQ(control_json(simulator->port(), "GET", "/_sim/requests").at("max_in_flight"), 2);
}

TEST(SimLatencyTest, CanBeChangedAtRunTime) {
  auto simulator = start_test_platform();
  control_json(simulator->port(), "POST", "/_sim/latency", R"({"latency_ms":120})");
  ASSERT_EQ(status_of(http_request(simulator->port(), "GET", "/api/echo")), 200);
  const json::array log = logged_requests(simulator->port());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_GE(log[0].at("end_us").as_int64() - log[0].at("start_us").as_int64(), 120000);
}

TEST(SimRequestLogTest, RecordsRequestsWithConnectionIdsAndHeaders) {
  auto simulator = start_test_platform();
  RawHttpConnection keep_alive(simulator->port());
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(status_of(keep_alive.send("GET", "/api/items/1",
                                        {{"Authorization", "Bearer test-token"},
                                         {"X-Request-Number", std::to_string(i)}})),
              200);
  }
  RawHttpConnection other(simulator->port());
  ASSERT_EQ(status_of(other.send("POST", "/api/echo", {{"Content-Type", "text/plain"}}, "hi")),
            200);

  const json::array log = logged_requests(simulator->port());
  ASSERT_EQ(log.size(), 5u);
  std::set<int64_t> connection_ids;
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].at("id").as_int64(), static_cast<int64_t>(i + 1));
    connection_ids.insert(log[i].at("connection_id").as_int64());
    EXPECT_LE(log[i].at("start_us").as_int64(), log[i].at("end_us").as_int64());
  }
  EXPECT_EQ(connection_ids.size(), 2u);  // keep-alive reuse is visible
  EXPECT_EQ(log[0].at("connection_id"), log[3].at("connection_id"));
  EXPECT_EQ(log[0].at("method"), "GET");
  EXPECT_EQ(log[0].at("target"), "/api/items/1");
  EXPECT_EQ(log[0].at("endpoint"), "items");
  EXPECT_EQ(log[0].at("status"), 200);
  EXPECT_EQ(log[2].at("headers").at("x-request-number"), "2");
  EXPECT_EQ(log[0].at("headers").at("authorization"), "Bearer test-token");
  EXPECT_EQ(log[4].at("body"), "hi");
}

TEST(SimRequestLogTest, AResponseReadByTheClientIsAlreadyLoggedAndNoLongerInFlight) {
  SimOptions options;
  options.settings_json = R"({"items_concurrency_limit": 1})";
  auto simulator = start_test_platform(options);
  RawHttpConnection connection(simulator->port());
  for (size_t i = 1; i <= 20; ++i) {
    // With a limit of 1, a request still counted after its response would throttle the next.
    ASSERT_EQ(status_of(connection.send("GET", "/api/items/1", kTestPlatformAuth)), 200)
        << "request " << i;
    ASSERT_EQ(logged_requests(simulator->port()).size(), i);
  }
  EXPECT_EQ(control_json(simulator->port(), "GET", "/_sim/stats").at("max_in_flight"), 1);
}

TEST(SimRequestLogTest, ControlEndpointsAreNeitherLoggedNorFaulted) {
  SimOptions options;
  options.faults = "500";
  auto simulator = start_test_platform(options);
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/echo")), 500);
  control_json(simulator->port(), "GET", "/_sim/state");
  const json::array log = logged_requests(simulator->port());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("target"), "/api/echo");
}

TEST(SimRequestLogTest, AfterReturnsOnlyNewerEntries) {
  auto simulator = start_test_platform();
  for (int i = 0; i < 3; ++i) http_request(simulator->port(), "GET", "/api/echo");
  const json::value newer = control_json(simulator->port(), "GET", "/_sim/requests?after=2");
  ASSERT_EQ(newer.at("requests").as_array().size(), 1u);
  EXPECT_EQ(newer.at("requests").at(0).at("id"), 3);
}

TEST(SimFaultControlTest, PostJsonThenReadBack) {
  auto simulator = start_test_platform();
  control_json(
      simulator->port(), "POST", "/_sim/faults",
      R"({"seed":3,"rules":[{"kind":"status","status":502,"count":1,"path":"/api/echo"}]})");
  const json::value shown = control_json(simulator->port(), "GET", "/_sim/faults");
  EXPECT_EQ(shown.at("seed"), 3);
  EXPECT_EQ(shown.at("rules").at(0).at("status"), 502);
  EXPECT_EQ(shown.at("rules").at(0).at("remaining"), 1);

  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/echo")), 502);
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/echo")), 200);
  EXPECT_EQ(control_json(simulator->port(), "GET", "/_sim/faults").at("rules").at(0).at("fired"),
            1);
}

TEST(SimFaultControlTest, AppendAndStringBodyAndClear) {
  auto simulator = start_test_platform();
  RawResult plain = http_request(simulator->port(), "POST", "/_sim/faults", {}, "503:count=1");
  ASSERT_EQ(status_of(plain), 200) << plain.error;
  control_json(simulator->port(), "POST", "/_sim/faults",
               R"({"append":true,"rules":[{"kind":"drop"}]})");
  EXPECT_EQ(control_json(simulator->port(), "GET", "/_sim/faults").at("rules").as_array().size(),
            2u);
  control_json(simulator->port(), "DELETE", "/_sim/faults");
  EXPECT_TRUE(
      control_json(simulator->port(), "GET", "/_sim/faults").at("rules").as_array().empty());
}

TEST(SimFaultControlTest, BadRulesAreRejectedWithTheReason) {
  auto simulator = start_test_platform();
  RawResult result = http_request(simulator->port(), "POST", "/_sim/faults", {},
                                  R"({"rules":[{"kind":"status","status":99}]})");
  ASSERT_EQ(status_of(result), 400);
  EXPECT_NE(result.response->body.find("status"), std::string::npos);
}

TEST(SimResetTest, RestoresSeedAndClearsFaultsLogsAndStats) {
  auto simulator = start_test_platform();
  const uint16_t port = simulator->port();
  ASSERT_EQ(
      status_of(http_request(port, "POST", "/api/items", kTestPlatformAuth, R"({"name":"New"})")),
      201);
  control_json(port, "POST", "/_sim/faults", R"({"rules":[{"kind":"status","status":503}]})");
  control_json(port, "POST", "/_sim/settings", R"({"max_page_size":5})");
  ASSERT_EQ(control_json(port, "GET", "/_sim/state").at("items").as_array().size(), 4u);

  control_json(port, "POST", "/_sim/reset");

  EXPECT_EQ(control_json(port, "GET", "/_sim/state").at("items").as_array().size(), 3u);
  EXPECT_TRUE(control_json(port, "GET", "/_sim/faults").at("rules").as_array().empty());
  EXPECT_TRUE(logged_requests(port).empty());
  EXPECT_EQ(control_json(port, "GET", "/_sim/stats").at("requests"), 0);
  EXPECT_EQ(control_json(port, "GET", "/_sim/settings").at("max_page_size"), 500);
  EXPECT_EQ(status_of(http_request(port, "GET", "/api/items", kTestPlatformAuth)), 200);
}

TEST(SimResetTest, KeepsStartupSettingsAndSeed) {
  SimOptions options;
  options.generate = "items=40,seed=3";
  options.settings_json = R"({"token":"other"})";
  auto simulator = start_test_platform(options);
  const uint16_t port = simulator->port();
  ASSERT_EQ(
      status_of(http_request(port, "DELETE", "/api/items/1", {{"Authorization", "Bearer other"}})),
      204);
  control_json(port, "POST", "/_sim/reset");
  EXPECT_EQ(control_json(port, "GET", "/_sim/state").at("items").as_array().size(), 40u);
  EXPECT_EQ(control_json(port, "GET", "/_sim/settings").at("token"), "other");
  EXPECT_EQ(control_json(port, "GET", "/_sim/seed").at("items").as_array().size(), 40u);
}

TEST(SimControlTest, UnknownControlEndpointIs404) {
  auto simulator = start_test_platform();
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/_sim/nothing")), 404);
  EXPECT_EQ(status_of(http_request(simulator->port(), "PUT", "/_sim/state")), 405);
}

// A throw-away self-signed certificate for 127.0.0.1, written as PEM files.
struct SelfSignedCertificate {
  std::filesystem::path directory;
  std::filesystem::path certificate;
  std::filesystem::path key;

  SelfSignedCertificate() {
    directory =
        std::filesystem::temp_directory_path() / ("mb-sim-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    certificate = directory / "cert.pem";
    key = directory / "key.pem";
    EVP_PKEY* private_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* x509 = X509_new();
    X509_set_version(x509, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509), 0);
    X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
    X509_set_pubkey(x509, private_key);
    X509_NAME* name = X509_get_subject_name(x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x509, name);
    X509_sign(x509, private_key, EVP_sha256());
    FILE* key_file = std::fopen(key.c_str(), "wb");
    PEM_write_PrivateKey(key_file, private_key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(key_file);
    FILE* cert_file = std::fopen(certificate.c_str(), "wb");
    PEM_write_X509(cert_file, x509);
    std::fclose(cert_file);
    X509_free(x509);
    EVP_PKEY_free(private_key);
  }
  ~SelfSignedCertificate() { std::filesystem::remove_all(directory); }
};

TEST(SimTlsTest, ServesHttpsWithTheGivenCertificate) {
  SelfSignedCertificate files;
  SimOptions options;
  options.tls_cert_file = files.certificate.string();
  options.tls_key_file = files.key.string();
  auto simulator = start_test_platform(options);
  EXPECT_EQ(simulator->base_url(), "https://127.0.0.1:" + std::to_string(simulator->port()));
  RawHttpConnection connection(simulator->port(), /*tls=*/true);
  RawResult result = connection.send("GET", "/api/items/1", kTestPlatformAuth);
  ASSERT_EQ(status_of(result), 200) << result.error;
  EXPECT_EQ(json::parse(result.response->body).at("name"), "Widget");
  EXPECT_EQ(status_of(connection.send("GET", "/api/echo")), 200);  // keep-alive over TLS
}

TEST(SimTlsTest, MissingCertificateFileIsAClearError) {
  SimOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  try {
    start_test_platform(options);
    FAIL() << "started without a certificate";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("certificate"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace mb::sim
