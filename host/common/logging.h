// Logging set-up: one spdlog logger for the whole process (plugins log through the host's
// callback into it), writing to stderr, with every line passed through secret redaction. Lines
// are text for a person, or JSON for a log pipeline: one object per line with time, level,
// connector, run, message and the other fields of the scopes the logging thread is in.
//
//   mb::init_logging("info", mb::LogFormat::kJson);
//   mb::LogScope scope("connector", "acme");  // until the end of this block, on this thread
//   spdlog::info("loaded {} plugins", n);     // redacted automatically
#ifndef METERBRIDGE_HOST_COMMON_LOGGING_H_
#define METERBRIDGE_HOST_COMMON_LOGGING_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace mb {

enum class LogFormat { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view name);

// Installs the default logger: stderr (text: colour on a TTY), the given level
// (trace|debug|info|warn|error|off), redaction of registered secrets.
void init_logging(std::string_view level, LogFormat format = LogFormat::kText);

// A field every line logged on this thread carries while the scope lives (JSON format only:
// text lines already name what they are about). "connector" and "run" are top-level members
// of a JSON line; other keys go under "fields". Scopes nest; an inner one with the same key
// wins until it ends.
class LogScope {
 public:
  LogScope(std::string key, std::string value);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;
};

// Replaces the default logger's sinks with `sink` (wrapped in redaction) writing `format`. For
// tests.
void set_log_sink_for_testing(std::shared_ptr<spdlog::sinks::sink> sink,
                              LogFormat format = LogFormat::kText);

// Wraps `inner` so every message is redacted before it is written. Tests use this to capture
// exactly what an operator would see.
std::shared_ptr<spdlog::sinks::sink> make_redacting_sink(
    std::shared_ptr<spdlog::sinks::sink> inner);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_LOGGING_H_
