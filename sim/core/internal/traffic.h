// What the simulator records about the traffic it served: the request log (GET /_sim/requests)
// and in-flight statistics (GET /_sim/stats). Both are test tools and thread-safe.
#ifndef METERBRIDGE_SIM_CORE_INTERNAL_TRAFFIC_H_
#define METERBRIDGE_SIM_CORE_INTERNAL_TRAFFIC_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mb::sim::internal {

// Microseconds since the Unix epoch (system clock), the unit of every logged time.
int64_t now_epoch_us();

struct RequestLogEntry {
  uint64_t id = 0;
  uint64_t connection_id = 0;
  std::string method;
  std::string target;
  std::string endpoint;
  std::map<std::string, std::string> headers;  // as the client sent them, names lower-cased
  std::string body;                            // at most kMaxLoggedBodyBytes of it
  bool body_truncated = false;
  int status = 0;          // status line sent; 0 when none was (drop)
  std::string outcome;     // ok, closed, reset, dropped, client_gone
  std::string fault;       // the fault kind applied, empty when none
  bool throttled = false;  // refused by the endpoint's concurrency limit
  int64_t start_us = 0;    // request fully read
  int64_t end_us = 0;      // response written (or abandoned)
};

class RequestLog {
 public:
  static constexpr size_t kMaxEntries = 100000;
  static constexpr size_t kMaxLoggedBodyBytes = 64 * 1024;

  // Which log an exchange will report to: captured when a request arrives, so a request that
  // began before a clear() is not logged after it.
  uint64_t generation() const;
  // Appends unless the log was cleared since `generation` was read.
  void append(RequestLogEntry entry, uint64_t generation);
  // The response could not be written after all: the entry's outcome becomes "client_gone".
  void mark_client_gone(uint64_t id, uint64_t generation);
  void clear();
  // {"requests":[...by id...],"dropped":n}; only entries with id > after_id, at most `limit`.
  boost::json::value to_json(uint64_t after_id, size_t limit) const;

 private:
  mutable std::mutex mutex_;
  std::vector<RequestLogEntry> entries_;
  uint64_t dropped_ = 0;  // entries discarded past kMaxEntries (oldest first)
  uint64_t generation_ = 0;
};

class TrafficStats {
 public:
  // A request arrived: counts it overall and on `endpoint`; returns the endpoint's in-flight
  // count including this request.
  int enter(const std::string& endpoint);
  // The request no longer occupies its endpoint (done, or refused by the concurrency limit).
  void leave_endpoint(const std::string& endpoint);
  // The request is finished overall.
  void leave_overall();
  void count_throttled(const std::string& endpoint);
  void count_fault();
  void connection_opened();
  void connection_closed();
  // Zeroes counts; peaks restart from what is in flight now (requests in flight stay counted).
  void reset();

  int64_t max_in_flight() const;
  int64_t connections_opened() const;
  boost::json::value to_json() const;

 private:
  struct Counters {
    int64_t requests = 0;
    int64_t in_flight = 0;
    int64_t max_in_flight = 0;
    int64_t throttled = 0;
  };
  mutable std::mutex mutex_;
  Counters overall_;
  std::map<std::string, Counters> endpoints_;
  int64_t faults_ = 0;
  int64_t connections_opened_ = 0;
  int64_t connections_open_ = 0;
};

}  // namespace mb::sim::internal

#endif  // METERBRIDGE_SIM_CORE_INTERNAL_TRAFFIC_H_
