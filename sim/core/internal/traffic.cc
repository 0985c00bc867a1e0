#include "sim/core/internal/traffic.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

namespace mb::sim::internal {

namespace json = boost::json;

int64_t now_epoch_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t RequestLog::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void RequestLog::append(RequestLogEntry entry, uint64_t generation) {
  if (entry.body.size() > kMaxLoggedBodyBytes) {
    entry.body.resize(kMaxLoggedBodyBytes);
    entry.body_truncated = true;
  }
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;
  if (entries_.size() >= kMaxEntries) {
    // Benchmarks can run for millions of requests; keep the newest window.
    const size_t discard = kMaxEntries / 10;
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(discard));
    dropped_ += discard;
  }
  entries_.push_back(std::move(entry));
}

void RequestLog::mark_client_gone(uint64_t id, uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;
  // The entry was appended moments ago; it is at or near the end.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->id == id) {
      it->outcome = "client_gone";
      return;
    }
  }
}

void RequestLog::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  dropped_ = 0;
  ++generation_;
}

json::value RequestLog::to_json(uint64_t after_id, size_t limit) const {
  std::vector<const RequestLogEntry*> selected;
  json::array requests;
  std::lock_guard lock(mutex_);
  for (const RequestLogEntry& entry : entries_) {
    if (entry.id > after_id) selected.push_back(&entry);
  }
  // Entries are appended when a response finishes; readers want arrival order.
  std::sort(selected.begin(), selected.end(),
            [](const RequestLogEntry* a, const RequestLogEntry* b) { return a->id < b->id; });
  if (selected.size() > limit) selected.resize(limit);
  for (const RequestLogEntry* entry : selected) {
    json::object headers;
    for (const auto& [name, value] : entry->headers) headers[name] = value;
    json::object out{{"id", entry->id},
                     {"connection_id", entry->connection_id},
                     {"method", entry->method},
                     {"target", entry->target},
                     {"endpoint", entry->endpoint},
                     {"status", entry->status},
                     {"outcome", entry->outcome},
                     {"start_us", entry->start_us},
                     {"end_us", entry->end_us},
                     {"headers", std::move(headers)},
                     {"body", entry->body}};
    if (entry->body_truncated) out["body_truncated"] = true;
    if (!entry->fault.empty()) out["fault"] = entry->fault;
    if (entry->throttled) out["throttled"] = true;
    requests.push_back(std::move(out));
  }
  return json::object{{"requests", std::move(requests)}, {"dropped", dropped_}};
}

int TrafficStats::enter(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  Counters& counters = endpoints_[endpoint];
  for (Counters* c : {&overall_, &counters}) {
    ++c->requests;
    ++c->in_flight;
    c->max_in_flight = std::max(c->max_in_flight, c->in_flight);
  }
  return static_cast<int>(counters.in_flight);
}

void TrafficStats::leave_endpoint(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  --endpoints_[endpoint].in_flight;
}

void TrafficStats::leave_overall() {
  std::lock_guard lock(mutex_);
  --overall_.in_flight;
}

void TrafficStats::count_throttled(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  ++overall_.throttled;
  ++endpoints_[endpoint].throttled;
}

void TrafficStats::count_fault() {
  std::lock_guard lock(mutex_);
  ++faults_;
}

void TrafficStats::connection_opened() {
  std::lock_guard lock(mutex_);
  ++connections_opened_;
  ++connections_open_;
}

void TrafficStats::connection_closed() {
  std::lock_guard lock(mutex_);
  --connections_open_;
}

void TrafficStats::reset() {
  std::lock_guard lock(mutex_);
  auto restart = [](Counters& c) {
    c.requests = 0;
    c.throttled = 0;
    c.max_in_flight = c.in_flight;
  };
  restart(overall_);
  std::erase_if(endpoints_, [](const auto& item) { return item.second.in_flight == 0; });
  for (auto& [key, counters] : endpoints_) restart(counters);
  faults_ = 0;
  connections_opened_ = connections_open_;
}

int64_t TrafficStats::max_in_flight() const {
  std::lock_guard lock(mutex_);
  return overall_.max_in_flight;
}

int64_t TrafficStats::connections_opened() const {
  std::lock_guard lock(mutex_);
  return connections_opened_;
}

json::value TrafficStats::to_json() const {
  auto counters_json = [](const Counters& c) {
    return json::object{{"requests", c.requests},
                        {"in_flight", c.in_flight},
                        {"max_in_flight", c.max_in_flight},
                        {"throttled", c.throttled}};
  };
  std::lock_guard lock(mutex_);
  json::object endpoints;
  for (const auto& [key, counters] : endpoints_) endpoints[key] = counters_json(counters);
  json::object out = counters_json(overall_);
  out["faults_injected"] = faults_;
  out["connections_opened"] = connections_opened_;
  out["connections_open"] = connections_open_;
  out["endpoints"] = std::move(endpoints);
  return out;
}

}  // namespace mb::sim::internal
