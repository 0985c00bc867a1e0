#include "host/server/service_manager.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace mb::server::service_manager {
namespace {

// A failed notification is worth a line in the log, never a failed start: the service manager
// then either times the start out or restarts the process, and says so itself.
void send(const std::string& state) {
  int sent = sd_notify(0, state.c_str());
  if (sent < 0) spdlog::warn("service manager notification failed: error {}", -sent);
}

std::string status_line(std::string_view status) {
  std::string line(status);
  for (char& c : line)
    if (c == '\n') c = ' ';  // one assignment per line in the protocol
  return "STATUS=" + line;
}

}  // namespace

void notify_ready(std::string_view status) { send("READY=1\n" + status_line(status)); }

void notify_status(std::string_view status) { send(status_line(status)); }

void notify_stopping(std::string_view status) { send("STOPPING=1\n" + status_line(status)); }

void notify_watchdog() { send("WATCHDOG=1"); }

std::chrono::milliseconds watchdog_ping_interval() {
  uint64_t timeout_usec = 0;
  if (sd_watchdog_enabled(0, &timeout_usec) <= 0 || timeout_usec == 0)
    return std::chrono::milliseconds(0);
  auto half = std::chrono::microseconds(timeout_usec / 2);
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(half));
}

}  // namespace mb::server::service_manager
