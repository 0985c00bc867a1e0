#include "host/common/logging.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "host/common/clock.h"
#include "host/common/redaction.h"

namespace mb {
namespace {

// Forwards to an inner sink after masking secrets in the payload.
class RedactingSink : public spdlog::sinks::sink {
 public:
  explicit RedactingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string clean = redact(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(clean.data(), clean.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

// The fields of the LogScopes alive on this thread, outermost first.
thread_local std::vector<std::pair<std::string, std::string>> scope_fields;

bool all_digits(std::string_view text) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// One JSON object per line: {"time","level","connector","run","message","fields"}. The
// payload it gets is already redacted.
class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    boost::json::object line;
    // Milliseconds, as in text lines: "2026-12-05T08:46:10.123Z".
    std::string time = format_iso8601_utc(ms);
    char millis[8];
    std::snprintf(millis, sizeof(millis), ".%03d", static_cast<int>(ms % 1000));
    if (!time.empty() && time.back() == 'Z') time.insert(time.size() - 1, millis);
    line["time"] = time;
    const auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string_view(level.data(), level.size());
    boost::json::object fields;
    for (const auto& [key, value] : scope_fields) {
      if (key == "run" && all_digits(value))
        line[key] = std::stoll(value);
      else if (key == "connector" || key == "run")
        line[key] = value;
      else
        fields[key] = value;
    }
    line["message"] = std::string_view(msg.payload.data(), msg.payload.size());
    if (!fields.empty()) line["fields"] = std::move(fields);
    const std::string text = boost::json::serialize(line) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::shared_ptr<spdlog::logger> make_logger(std::shared_ptr<spdlog::sinks::sink> sink,
                                            LogFormat format) {
  auto logger =
      std::make_shared<spdlog::logger>("meterbridge", make_redacting_sink(std::move(sink)));
  if (format == LogFormat::kJson)
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    // UTC timestamps: logs from hosts in different zones line up, and nothing depends on TZ.
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  return logger;
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

LogScope::LogScope(std::string key, std::string value) {
  scope_fields.emplace_back(std::move(key), std::move(value));
}

LogScope::~LogScope() { scope_fields.pop_back(); }

std::shared_ptr<spdlog::sinks::sink> make_redacting_sink(
    std::shared_ptr<spdlog::sinks::sink> inner) {
  return std::make_shared<RedactingSink>(std::move(inner));
}

void init_logging(std::string_view level, LogFormat format) {
  auto logger = make_logger(std::make_shared<spdlog::sinks::stderr_color_sink_mt>(), format);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

void set_log_sink_for_testing(std::shared_ptr<spdlog::sinks::sink> sink, LogFormat format) {
  auto logger = make_logger(std::move(sink), format);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace mb
