// What `serve` tells the service manager that started it, in systemd's sd_notify protocol: that
// it is ready, a one-line status, watchdog keep-alives, and that it is stopping. Every call does
// nothing when the process was not started with NOTIFY_SOCKET, so `serve` behaves the same from a
// terminal. libsystemd is confined to service_manager.cc.
//
//   service_manager::notify_ready("serving 3 connectors");
//   if (auto every = service_manager::watchdog_ping_interval(); every.count() > 0)
//     ...call service_manager::notify_watchdog() every `every` from the loop that proves liveness
//   service_manager::notify_stopping();
#ifndef METERBRIDGE_HOST_SERVER_SERVICE_MANAGER_H_
#define METERBRIDGE_HOST_SERVER_SERVICE_MANAGER_H_

#include <chrono>
#include <string_view>

namespace mb::server::service_manager {

// READY=1 with a STATUS= line: start-up is complete (systemd's Type=notify waits for it).
void notify_ready(std::string_view status);
// STATUS=: a line `systemctl status` shows.
void notify_status(std::string_view status);
// STOPPING=1 with a STATUS= line: the process is shutting down.
void notify_stopping(std::string_view status);
// WATCHDOG=1: the process is alive.
void notify_watchdog();
// Half the watchdog timeout the service manager asked for (WatchdogSec=, passed as
// WATCHDOG_USEC), or zero when no watchdog is armed for this process.
std::chrono::milliseconds watchdog_ping_interval();

}  // namespace mb::server::service_manager

#endif  // METERBRIDGE_HOST_SERVER_SERVICE_MANAGER_H_
