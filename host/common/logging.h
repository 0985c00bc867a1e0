// Logging set-up: one spdlog logger for the whole process (plugins log through the host's
// callback into it), writing to stderr, with every line passed through secret redaction.
//
//   mb::init_logging("info");
//   spdlog::info("loaded {} plugins", n);   // redacted automatically
#ifndef METERBRIDGE_HOST_COMMON_LOGGING_H_
#define METERBRIDGE_HOST_COMMON_LOGGING_H_

#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace mb {

// Installs the default logger: stderr (colour on a TTY), the given level
// (trace|debug|info|warn|error|off), redaction of registered secrets.
void init_logging(std::string_view level);

// Wraps `inner` so every message is redacted before it is written. Tests use this to capture
// exactly what an operator would see.
std::shared_ptr<spdlog::sinks::sink> make_redacting_sink(std::shared_ptr<spdlog::sinks::sink> inner);

// Replaces the default logger's sinks with `sink` (wrapped in redaction). For tests.
void set_log_sink_for_testing(std::shared_ptr<spdlog::sinks::sink> sink);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_LOGGING_H_
