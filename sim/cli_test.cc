// meterbridge-sim as a process: the base URL on the first stdout line, clean exit on SIGTERM,
// exit code 1 for a port in use, --help listing the platforms.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "sim/core/testing/raw_http_client.h"

namespace {

using std::chrono::milliseconds;

std::string simulator_binary() {
  return std::string(MB_TEST_BUILD_DIR) + "/bin/meterbridge-sim";
}

// A child process with its stdout and stderr on pipes. Every wait is bounded.
class SimulatorProcess {
 public:
  explicit SimulatorProcess(std::vector<std::string> arguments) {
    int out[2];
    int err[2];
    if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      close(out[0]);
      close(err[0]);
      const std::string binary = simulator_binary();
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (std::string& argument : arguments) argv.push_back(argument.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
  }

  ~SimulatorProcess() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_fd_);
    close(stderr_fd_);
  }

  // The first line of stdout, or nullopt when none arrives in time.
  std::optional<std::string> first_stdout_line(milliseconds timeout) {
    while (true) {
      const size_t newline = stdout_.find('\n');
      if (newline != std::string::npos) return stdout_.substr(0, newline);
      if (!read_some(stdout_fd_, stdout_, timeout)) return std::nullopt;
    }
  }

  // Everything the process writes until it exits (bounded), then its exit code.
  std::optional<int> wait_for_exit(milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      read_some(stdout_fd_, stdout_, milliseconds(10));
      read_some(stderr_fd_, stderr_, milliseconds(10));
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        while (read_some(stdout_fd_, stdout_, milliseconds(10))) {
        }
        while (read_some(stderr_fd_, stderr_, milliseconds(10))) {
        }
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
    }
    return std::nullopt;
  }

  void signal(int signal_number) { kill(pid_, signal_number); }
  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }

 private:
  static bool read_some(int fd, std::string& into, milliseconds timeout) {
    pollfd descriptor{fd, POLLIN, 0};
    if (poll(&descriptor, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t count = read(fd, buffer, sizeof buffer);
    if (count <= 0) return false;
    into.append(buffer, static_cast<size_t>(count));
    return true;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_;
  std::string stderr_;
  std::optional<int> exit_code_;
};

uint16_t port_of(const std::string& base_url) {
  return static_cast<uint16_t>(std::stoi(base_url.substr(base_url.rfind(':') + 1)));
}

TEST(SimulatorCliTest, PrintsBaseUrlFirstAndExitsCleanlyOnSigterm) {
  SimulatorProcess process({"test", "--port", "0"});
  const std::optional<std::string> line = process.first_stdout_line(milliseconds(10000));
  ASSERT_TRUE(line) << process.stderr_text();
  EXPECT_TRUE(std::regex_match(*line, std::regex(R"(http://127\.0\.0\.1:[0-9]{1,5})"))) << *line;

  auto result = mb::sim::testing::http_request(port_of(*line), "GET", "/api/echo");
  ASSERT_TRUE(result.response) << result.error;
  EXPECT_EQ(result.response->status, 200);

  process.signal(SIGTERM);
  EXPECT_EQ(process.wait_for_exit(milliseconds(10000)), 0);
}

TEST(SimulatorCliTest, ExitsCleanlyOnSigint) {
  SimulatorProcess process({"test"});
  ASSERT_TRUE(process.first_stdout_line(milliseconds(10000)));
  process.signal(SIGINT);
  EXPECT_EQ(process.wait_for_exit(milliseconds(10000)), 0);
}

TEST(SimulatorCliTest, PortInUseExitsWithCodeOneAndSaysWhy) {
  SimulatorProcess first({"test"});
  const std::optional<std::string> line = first.first_stdout_line(milliseconds(10000));
  ASSERT_TRUE(line);
  SimulatorProcess second({"test", "--port", std::to_string(port_of(*line))});
  EXPECT_EQ(second.wait_for_exit(milliseconds(10000)), 1);
  EXPECT_NE(second.stderr_text().find("cannot listen"), std::string::npos) << second.stderr_text();
  EXPECT_TRUE(second.stdout_text().empty());
}

TEST(SimulatorCliTest, HelpListsThePlatforms) {
  SimulatorProcess process({"--help"});
  EXPECT_EQ(process.wait_for_exit(milliseconds(10000)), 0);
  EXPECT_NE(process.stdout_text().find("Platforms:"), std::string::npos);
  EXPECT_NE(process.stdout_text().find("  test "), std::string::npos) << process.stdout_text();
}

TEST(SimulatorCliTest, UnknownPlatformFails) {
  SimulatorProcess process({"nope"});
  const std::optional<int> code = process.wait_for_exit(milliseconds(10000));
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
}

TEST(SimulatorCliTest, BadFaultSpecFailsWithCodeOne) {
  SimulatorProcess process({"test", "--faults", "503:sometimes=1"});
  EXPECT_EQ(process.wait_for_exit(milliseconds(10000)), 1);
  EXPECT_NE(process.stderr_text().find("sometimes"), std::string::npos) << process.stderr_text();
}

TEST(SimulatorCliTest, PrintSeedShowsTheGeneratedDocument) {
  SimulatorProcess process({"test", "--generate", "items=2,seed=1", "--print-seed"});
  ASSERT_EQ(process.wait_for_exit(milliseconds(10000)), 0) << process.stderr_text();
  const boost::json::value seed = boost::json::parse(process.stdout_text());
  EXPECT_EQ(seed.at("items").as_array().size(), 2u);
}

TEST(SimulatorCliTest, SeedAndGenerateAreExclusive) {
  SimulatorProcess process({"test", "--seed", simulator_binary(), "--generate", "items=1"});
  const std::optional<int> code = process.wait_for_exit(milliseconds(10000));
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
}

}  // namespace
