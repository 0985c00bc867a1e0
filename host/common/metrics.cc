#include "host/common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace mb::metrics {
namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names: [a-zA-Z_][a-zA-Z0-9_]*, not "__...".
bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) || c == ':'; });
}
bool valid_label_name(std::string_view name) {
  if (name.empty() || !is_name_start(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), is_name_char);
}

void append_sample(std::string& out, const std::string& name, const std::string& labels,
                   const std::string& value) {
  out += name;
  if (!labels.empty()) out += labels + "}";
  out += ' ';
  out += value;
  out += '\n';
}

// Backslash and line feed as \\ and \n, and double quotes as \" when `quotes` (a label value
// is quoted; a HELP text is not).
std::string escaped(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escaped(value, true); }

std::string escape_help(std::string_view help) { return escaped(help, false); }

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "NaN";
  return std::string(buffer, end);
}

// ---- Histogram ---------------------------------------------------------------------------------

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      throw std::logic_error("histogram bounds must be finite and strictly increasing");
  }
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- Families ----------------------------------------------------------------------------------

FamilyBase::FamilyBase(std::string name, std::string help, std::string type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {
  if (!valid_metric_name(name_)) throw std::logic_error("invalid metric name '" + name_ + "'");
  for (const auto& label : label_names_) {
    if (!valid_label_name(label) || (type_ == "histogram" && label == "le"))
      throw std::logic_error("metric " + name_ + ": invalid label name '" + label + "'");
  }
}

void FamilyBase::check_label_count(size_t count) const {
  if (count != label_names_.size())
    throw std::logic_error("metric " + name_ + " takes " + std::to_string(label_names_.size()) +
                           " label values, not " + std::to_string(count));
}

std::string FamilyBase::label_text(const std::vector<std::string>& values) const {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    out += i == 0 ? "{" : ",";
    out += label_names_[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  return out;
}

void FamilyBase::render(std::string& out) const {
  out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
  out += "# TYPE " + name_ + " " + type_ + "\n";
  render_samples(out);
}

template <>
void Family<Counter>::render_samples(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, cell] : cells_)
    append_sample(out, name(), label_text(values), std::to_string(cell->value()));
}

template <>
void Family<Gauge>::render_samples(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, cell] : cells_)
    append_sample(out, name(), label_text(values), format_value(cell->value()));
}

template <>
void Family<Histogram>::render_samples(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, cell] : cells_) {
    const std::string labels = label_text(values);
    const Histogram::Snapshot s = cell->snapshot();
    const std::string open = labels.empty() ? "{" : labels + ",";
    for (size_t i = 0; i < s.cumulative.size(); ++i) {
      const std::string le = i < cell->bounds().size() ? format_value(cell->bounds()[i]) : "+Inf";
      append_sample(out, name() + "_bucket", open + "le=\"" + le + "\"",
                    std::to_string(s.cumulative[i]));
    }
    append_sample(out, name() + "_sum", labels, format_value(s.sum));
    append_sample(out, name() + "_count", labels, std::to_string(s.count));
  }
}

// ---- Registry ----------------------------------------------------------------------------------

template <typename Cell, typename... CellArgs>
Family<Cell>& Registry::add(const std::string& name, const std::string& help, const char* type,
                            std::vector<std::string> label_names, CellArgs... cell_args) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& family : families_) {
    if (family->name() != name) continue;
    auto* same = dynamic_cast<Family<Cell>*>(family.get());
    if (same == nullptr || same->label_names() != label_names)
      throw std::logic_error("metric " + name +
                             " is already registered with another type or labels");
    return *same;
  }
  auto family = std::make_unique<Family<Cell>>(name, help, type, std::move(label_names),
                                               std::move(cell_args)...);
  Family<Cell>& result = *family;
  families_.push_back(std::move(family));
  return result;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  return add<Counter>(name, help, "counter", std::move(label_names));
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names) {
  return add<Gauge>(name, help, "gauge", std::move(label_names));
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> bounds) {
  Histogram check(bounds);  // bad bounds fail here, at registration, not at first use
  return add<Histogram>(name, help, "histogram", std::move(label_names), std::move(bounds));
}

std::string Registry::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& family : families_) family->render(out);
  return out;
}

Registry& default_registry() {
  static auto* registry = new Registry();  // never destroyed: threads may count during exit
  return *registry;
}

}  // namespace mb::metrics
