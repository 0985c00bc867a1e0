// Calls to a simulator's control endpoints (`/_sim/...`, docs/simulators.md): set the latency,
// play the MSP's part on the platform (Gradient's auto-map). Those endpoints get no latency,
// faults or limits, so a small blocking client is enough, and the benchmark keeps these calls
// out of the HTTP engine whose requests it counts.
//
//   SimResponse r = sim_request("http://127.0.0.1:41873", "POST", "/_sim/latency",
//   R"({"latency_ms":50})"); if (r.status != 200) ...
#ifndef METERBRIDGE_BENCH_SIM_CONTROL_H_
#define METERBRIDGE_BENCH_SIM_CONTROL_H_

#include <string>
#include <utility>
#include <vector>

namespace mb::bench {

struct SimResponse {
  int status = 0;
  std::string body;
};

// One request on a fresh loopback connection to `base_url` (http://127.0.0.1:PORT). A body is
// sent as application/json. `headers` are added as they are (e.g. an admin API's
// Authorization). Throws std::runtime_error when no complete response arrives within 30 seconds.
SimResponse sim_request(const std::string& base_url, const std::string& method,
                        const std::string& path, const std::string& json_body = "",
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

// sim_request that must answer 2xx; throws std::runtime_error naming the call otherwise.
std::string sim_control(const std::string& base_url, const std::string& method,
                        const std::string& path, const std::string& json_body = "");

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SIM_CONTROL_H_
