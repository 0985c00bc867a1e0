#include "bench/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace mb::bench {
namespace {

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// posix_spawn's file actions, released however start() leaves.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

}  // namespace

ChildProcess ChildProcess::start(const std::vector<std::string>& argv, const Options& options) {
  if (argv.empty()) throw std::runtime_error("no program to start");
  FileActions actions;
  int pipe_fds[2] = {-1, -1};
  if (options.capture_stdout) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_adddup2(actions.get(), pipe_fds[1], STDOUT_FILENO);
  } else if (!options.stdout_path.empty()) {
    posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, options.stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  if (!options.stderr_path.empty())
    posix_spawn_file_actions_addopen(actions.get(), STDERR_FILENO, options.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), actions.get(), nullptr, args.data(), environ);
  if (options.capture_stdout) close(pipe_fds[1]);
  if (rc != 0) {
    if (options.capture_stdout) close(pipe_fds[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  return ChildProcess(pid, options.capture_stdout ? pipe_fds[0] : -1);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      exit_status_(std::move(other.exit_status_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    exit_status_ = std::move(other.exit_status_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() {
  if (pid_ > 0 && !exit_status_) terminate();
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  pid_ = -1;
}

std::optional<int> ChildProcess::poll() {
  if (exit_status_ || pid_ <= 0) return exit_status_;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) exit_status_ = decode_wait_status(status);
  return exit_status_;
}

int ChildProcess::wait_and_read(std::string* out) {
  if (stdout_fd_ >= 0) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(stdout_fd_, buf, sizeof(buf));
      if (n > 0) {
        if (out != nullptr) out->append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (exit_status_) return *exit_status_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status_ = decode_wait_status(status);
  return *exit_status_;
}

int ChildProcess::terminate() {
  if (exit_status_ || pid_ <= 0) return exit_status_.value_or(0);
  kill(pid_, SIGTERM);
  return wait_and_read(nullptr);
}

std::string ChildProcess::wait_for_first_line(const std::filesystem::path& file,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::ifstream in(file);
    std::string line;
    // A line is complete only once its newline is written; a partial one is read again later.
    if (in && std::getline(in, line) && !in.eof()) return line;
    if (poll())
      throw std::runtime_error("exited with status " + std::to_string(*exit_status_) +
                               " before printing its address");
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("printed no address within " +
                               std::to_string(timeout.count() / 1000) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::filesystem::path self_executable() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the running executable: " + ec.message());
  return self;
}

std::string tail_of_file(const std::filesystem::path& file, size_t max_lines) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace mb::bench
