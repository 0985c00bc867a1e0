// Metrics: a small in-process registry of counters, gauges and histograms with labels, and its
// rendering in the Prometheus text exposition format 0.0.4 (what `GET /metrics` of the admin
// API answers). In-house rather than prometheus-cpp, which Debian 12 does not package
// (docs/operations.md, "Metrics").
//
//   auto& requests = registry.counter("meterbridge_http_requests_total", "Requests sent.",
//                                     {"connector", "status"});
//   Counter& ok = requests.labels({"acme", "200"});  // look up once, keep the reference
//   ok.inc();                                         // then a relaxed atomic add per event
//   std::string body = registry.render();
//
// Thread-safe: a family's label-set lookup takes the family's mutex; updating a cell is a
// lock-free atomic. A cell, once returned, stays valid for the life of its registry, even after
// remove() or clear() (which only stop it from being rendered), so call sites may cache it.
// Misuse (a malformed name, a wrong number of label values, one name registered twice with
// another type or other labels) throws std::logic_error: those are programming errors.
#ifndef METERBRIDGE_HOST_COMMON_METRICS_H_
#define METERBRIDGE_HOST_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mb::metrics {

// The Content-Type of a rendered registry.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A count that only goes up (Prometheus type "counter").
class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that is set (Prometheus type "gauge").
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted in fixed buckets (Prometheus type "histogram"). `bounds` are the
// buckets' upper bounds, strictly increasing; +Inf is implicit.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  // _count is the +Inf bucket, so the two always agree, even while others observe.
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // not cumulative; the last one is +Inf
  std::atomic<double> sum_{0.0};
};

// What every family shares: its name, help, type and label names, and how it renders.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::string type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Appends the HELP and TYPE lines and one line per sample.
  void render(std::string& out) const;

 protected:
  // The `{a="x",b="y"` part of a sample line for these label values (no closing brace), "" when
  // the family has no labels.
  std::string label_text(const std::vector<std::string>& values) const;
  void check_label_count(size_t count) const;
  virtual void render_samples(std::string& out) const = 0;
  mutable std::mutex mu_;

 private:
  const std::string name_;
  const std::string help_;
  const std::string type_;
  const std::vector<std::string> label_names_;
};

// One metric with its label sets; Cell is Counter, Gauge or Histogram.
template <typename Cell>
class Family final : public FamilyBase {
 public:
  template <typename... CellArgs>
  Family(std::string name, std::string help, std::string type,
         std::vector<std::string> label_names_in, CellArgs... cell_args)
      : FamilyBase(std::move(name), std::move(help), std::move(type), std::move(label_names_in)),
        make_([cell_args...] { return std::make_unique<Cell>(cell_args...); }) {
    // A family without labels has its one sample from the start (it shows 0, not nothing).
    if (label_names().empty()) labels();
  }

  // The one cell of a family without labels.
  Cell& labels() { return labels(std::vector<std::string>{}); }
  // The cell for these label values (one per label name, in order), created on first use.
  Cell& labels(std::initializer_list<std::string_view> values) {
    return labels(std::vector<std::string>(values.begin(), values.end()));
  }
  Cell& labels(const std::vector<std::string>& values) {
    check_label_count(values.size());
    std::lock_guard<std::mutex> lock(mu_);
    auto& cell = cells_[values];
    if (!cell) cell = make_();
    return *cell;
  }
  // Stops rendering the cell of these label values (a connector that is gone). A reference to
  // it stays valid; labels() with the same values later gives a new cell.
  void remove(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cells_.find(values);
    if (it == cells_.end()) return;
    retired_.push_back(std::move(it->second));
    cells_.erase(it);
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [values, cell] : cells_) retired_.push_back(std::move(cell));
    cells_.clear();
  }

 private:
  void render_samples(std::string& out) const override;

  std::function<std::unique_ptr<Cell>()> make_;
  std::map<std::vector<std::string>, std::unique_ptr<Cell>> cells_;  // guarded by mu_
  std::vector<std::unique_ptr<Cell>> retired_;                       // guarded by mu_
};

template <>
void Family<Counter>::render_samples(std::string& out) const;
template <>
void Family<Gauge>::render_samples(std::string& out) const;
template <>
void Family<Histogram>::render_samples(std::string& out) const;

class Registry {
 public:
  // Registers a family, or returns the one registered under `name` when its type and labels
  // are the same (so independent call sites may each ask for it).
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::vector<double> bounds);

  // Every family in registration order, in the text exposition format 0.0.4.
  std::string render() const;

 private:
  template <typename Cell, typename... CellArgs>
  Family<Cell>& add(const std::string& name, const std::string& help, const char* type,
                    std::vector<std::string> label_names, CellArgs... cell_args);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

// The process-wide registry `GET /metrics` renders.
Registry& default_registry();

// Text format helpers, exposed for tests: a label value with backslash, double quote and line
// feed escaped; a HELP text with backslash and line feed escaped; a sample value ("+Inf",
// "-Inf", "NaN", or the shortest text that reads back as the same double).
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
std::string format_value(double value);

}  // namespace mb::metrics

#endif  // METERBRIDGE_HOST_COMMON_METRICS_H_
