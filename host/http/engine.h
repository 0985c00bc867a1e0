// HttpEngine: the host's one HTTP engine (Boost.Beast + Asio + OpenSSL). It owns the I/O
// threads and the TLS contexts; each connector gets an HttpClient from make_client() with its
// own policy (limits, retries, budget), connection pools, secrets and counters.
//
//   HttpEngine engine;                                  // process-wide, outlives its clients' use
//   HttpPolicy policy;                                  // manifest defaults, then config
//   MB_RETURN_IF_ERROR(apply_http_policy_json(config_http, &policy));
//   auto client = engine.make_client("acme-psa", policy, {api_secret, integration_code});
//   if (!client) return client.status();
//   BatchOutcome out = (*client)->execute(std::move(requests), &cancelled);
//
// execute() blocks the calling thread (a plugin hook's thread), never an engine thread: calling
// it from inside the engine would deadlock. Beast and Asio appear only in engine.cc.
#ifndef METERBRIDGE_HOST_HTTP_ENGINE_H_
#define METERBRIDGE_HOST_HTTP_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/http/http_client.h"
#include "host/http/request_budget.h"

namespace mb::http {

struct EngineOptions {
  int threads = 2;                         // I/O threads shared by every client
  std::string user_agent = "meterbridge";  // sent unless a request sets User-Agent
};

class HttpEngine {
 public:
  explicit HttpEngine(EngineOptions options = {});
  // Waits for batches still running, then stops the threads. Clients that outlive the engine
  // answer execute() with unsupported.
  ~HttpEngine();
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  // A client for one connector. `secrets` are masked in every text the client builds (on top of
  // the process-wide SecretRegistry). `budget` counts the requests against policy.hourly_budget
  // (its limit should be the same); nullptr: a budget of the client's own, in memory.
  // config_invalid for an invalid policy or an unreadable ca_file.
  Result<std::shared_ptr<HttpClient>> make_client(std::string connector_id, HttpPolicy policy,
                                                  std::vector<std::string> secrets = {},
                                                  std::shared_ptr<RequestBudget> budget = nullptr);

  class Core;  // engine.cc

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_ENGINE_H_
