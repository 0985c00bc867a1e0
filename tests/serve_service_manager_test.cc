// `meterbridge serve` under a service manager, black-box: with NOTIFY_SOCKET and WATCHDOG_USEC
// set as systemd sets them for a Type=notify unit with WatchdogSec=, it reports READY=1 once the
// admin API accepts and the scheduler runs, keeps the watchdog fed, and reports STOPPING=1 on
// SIGTERM. The test stands in for systemd with a unix datagram socket of its own.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

using namespace std::chrono_literals;
using testing::ServeHarness;

// The receiving end of the sd_notify protocol: one datagram per notification.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (fd_ < 0 || path.string().size() >= sizeof(address.sun_path))
      throw std::runtime_error("cannot make a notification socket at " + path.string());
    std::strcpy(address.sun_path, path.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
      throw std::runtime_error("cannot bind " + path.string());
  }
  ~NotifySocket() { ::close(fd_); }

  std::string environment() const { return "NOTIFY_SOCKET=" + path_.string(); }

  // Reads notifications until one holds `line` (as a whole line) or `timeout` passes; every
  // notification read is kept in received().
  bool wait_for(const std::string& line, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
      char buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) continue;
      received_.emplace_back(buffer, static_cast<size_t>(n));
      if (("\n" + received_.back() + "\n").find("\n" + line + "\n") != std::string::npos)
        return true;
    }
    return false;
  }

  std::string received() const {
    std::string all;
    for (const auto& m : received_) all += "[" + m + "] ";
    return all;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> received_;
};

TEST(ServeServiceManager, ReportsReadyFeedsTheWatchdogAndReportsStoppingOnSigterm) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  NotifySocket manager(serve.dir() / "notify.sock");
  // 400 ms: serve pings every 200 ms, so a few arrive within the test's second.
  serve.start({}, {manager.environment(), "WATCHDOG_USEC=400000"});

  ASSERT_TRUE(manager.wait_for("READY=1", 5s)) << manager.received();
  EXPECT_NE(manager.received().find(
                "STATUS=meterbridge serving: 1 connectors, scheduler on, 4 workers, admin API on"),
            std::string::npos)
      << manager.received();
  ASSERT_EQ(serve.call("GET", "/v1/health", "", "").status, 200);
  ASSERT_TRUE(manager.wait_for("WATCHDOG=1", 2s)) << manager.received();
  ASSERT_TRUE(manager.wait_for("WATCHDOG=1", 2s)) << manager.received();

  serve.process().send_signal(SIGTERM);
  EXPECT_TRUE(manager.wait_for("STOPPING=1", 5s)) << manager.received();
  auto status = serve.process().wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "serve still running 5 s after SIGTERM";
  EXPECT_EQ(*status, 0) << serve.log();
}

TEST(ServeServiceManager, WithoutTheAdminApiTheSignalLoopFeedsTheWatchdog) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  NotifySocket manager(serve.dir() / "notify.sock");
  testing::ChildProcess daemon(
      {testing::meterbridge_binary(), "--config", serve.config_path().string(), "serve",
       "--no-api"},
      {"MB_SECRET_KEY=" + std::string(64, 'e'), manager.environment(), "WATCHDOG_USEC=400000"},
      serve.log_path().string());

  ASSERT_TRUE(manager.wait_for("READY=1", 5s)) << manager.received() << serve.log();
  ASSERT_TRUE(manager.wait_for("WATCHDOG=1", 2s)) << manager.received();
  ASSERT_TRUE(manager.wait_for("WATCHDOG=1", 2s)) << manager.received();
  daemon.send_signal(SIGTERM);
  EXPECT_TRUE(manager.wait_for("STOPPING=1", 5s)) << manager.received();
  EXPECT_EQ(daemon.wait_exit(5s), std::optional<int>(0)) << serve.log();
}

TEST(ServeServiceManager, AWatchdogWithoutANotifySocketIsIgnored) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  serve.start({}, {"WATCHDOG_USEC=400000"});
  ASSERT_EQ(serve.call("GET", "/v1/health", "", "").status, 200);
  serve.process().send_signal(SIGTERM);
  EXPECT_EQ(serve.process().wait_exit(5s), std::optional<int>(0)) << serve.log();
}

}  // namespace
}  // namespace mb
