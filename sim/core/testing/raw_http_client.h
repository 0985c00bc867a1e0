// RawHttpConnection: a deliberately simple HTTP/1.1 client for simulator tests. It reports what
// happened on the wire (partial bodies, resets, timeouts) instead of hiding it behind retries,
// so tests can observe each injected fault. Every wait is bounded by a timeout.
//
//   RawHttpConnection connection(simulator->port());
//   RawResult result = connection.send("GET", "/api/items", {{"Authorization", "Bearer
//   test-token"}}); ASSERT_TRUE(result.response) << result.error;
//   EXPECT_EQ(result.response->status, 200);
#ifndef METERBRIDGE_SIM_CORE_TESTING_RAW_HTTP_CLIENT_H_
#define METERBRIDGE_SIM_CORE_TESTING_RAW_HTTP_CLIENT_H_

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mb::sim::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct RawResult {
  std::optional<RawResponse> response;  // set when a complete response arrived
  std::string error;                    // why not: "timeout", "partial message", ...
  bool header_received = false;         // the status line and headers arrived
  int partial_status = 0;               // their status, even when the body did not complete
  size_t body_bytes_received = 0;       // body bytes read, complete or not
};

class RawHttpConnection {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

  // Connects to 127.0.0.1:port (TLS without certificate checks when `tls`). Throws
  // std::runtime_error when the connection cannot be made.
  explicit RawHttpConnection(uint16_t port, bool tls = false);
  ~RawHttpConnection();

  // Writes a request and reads its response on this connection.
  RawResult send(const std::string& method, const std::string& target, const Headers& headers = {},
                 const std::string& body = "", std::chrono::milliseconds timeout = kDefaultTimeout);
  // The two halves of send(), so a test can have requests outstanding on several connections.
  bool write_request(const std::string& method, const std::string& target,
                     const Headers& headers = {}, const std::string& body = "",
                     std::chrono::milliseconds timeout = kDefaultTimeout);
  RawResult read_response(std::chrono::milliseconds timeout = kDefaultTimeout);
  // True when the server closed the connection (waits at most `timeout` for it to say so).
  bool closed_by_peer(std::chrono::milliseconds timeout = kDefaultTimeout);

  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
RawResult http_request(uint16_t port, const std::string& method, const std::string& target,
                       const Headers& headers = {}, const std::string& body = "");
// A control-endpoint call that must succeed with JSON; throws std::runtime_error otherwise.
boost::json::value control_json(uint16_t port, const std::string& method, const std::string& target,
                                const std::string& body = "");

}  // namespace mb::sim::testing

#endif  // METERBRIDGE_SIM_CORE_TESTING_RAW_HTTP_CLIENT_H_
