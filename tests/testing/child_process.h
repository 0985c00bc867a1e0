// ChildProcess: runs a program with its stdout on a pipe, reads lines with a deadline, and
// stops it (SIGTERM, then SIGKILL) when the test ends — for daemons such as `meterbridge
// serve` whose first stdout line says where they listen. Tests of signal handling send their
// own signals and wait for the exit with a deadline.
#ifndef METERBRIDGE_TESTS_TESTING_CHILD_PROCESS_H_
#define METERBRIDGE_TESTS_TESTING_CHILD_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mb::testing {

class ChildProcess {
 public:
  // argv[0] is the program path; `env` entries are added as NAME=VALUE. Standard error goes to
  // `stderr_path` when given (appended), else to the test's own.
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {},
               std::string stderr_path = "") {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      if (!stderr_path.empty()) {
        int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (err >= 0) ::dup2(err, STDERR_FILENO);
      }
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of stdout, or nullopt after `timeout` or at end of output.
  std::optional<std::string> read_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[4096];
      ssize_t n = ::read(out_, chunk, sizeof(chunk));
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  void send_signal(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  // The exit status once the process has ended (-1 for a signal), or nullopt if it is still
  // running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
        ::close(out_);
        return exit_status_;
      }
      ::usleep(10000);
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
  }

  // Sends SIGTERM and waits (at most 10 s, then SIGKILL). Returns the exit status.
  int stop() {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    if (auto status = wait_exit(std::chrono::seconds(10))) return *status;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    ::close(out_);
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int exit_status_ = -1;
  std::string buffer_;
};

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_CHILD_PROCESS_H_
