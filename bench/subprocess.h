// ChildProcess: a program started with posix_spawn, for benchmarks that must keep other work
// (a simulator, an earlier measurement) out of their own process. getrusage and ru_maxrss are
// per process, so a figure taken in a fresh child describes that child's work alone.
//
//   ChildProcess sim = ChildProcess::start({sim_path, "autotask", "--generate", "companies=50"},
//                                          {.stdout_path = dir / "sim.out", .stderr_path = dir /
//                                          "sim.log"});
//   std::string url = sim.wait_for_first_line(dir / "sim.out", std::chrono::seconds(60));
//   ...
//   sim.terminate();   // SIGTERM, then reaped; the destructor does the same
#ifndef METERBRIDGE_BENCH_SUBPROCESS_H_
#define METERBRIDGE_BENCH_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mb::bench {

class ChildProcess {
 public:
  struct Options {
    std::filesystem::path stdout_path;  // empty: inherited (unless capture_stdout)
    std::filesystem::path stderr_path;  // empty: inherited
    bool capture_stdout = false;        // read it with wait_and_read()
  };

  // argv[0] is the program's path. Throws std::runtime_error when it cannot be started.
  static ChildProcess start(const std::vector<std::string>& argv, const Options& options);

  ChildProcess() = default;  // no process
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Terminates and reaps a child still running, so none outlives the benchmark.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // The exit status once the child has ended: its exit code, or 128 + the signal that ended it.
  std::optional<int> poll();
  // Reads the captured stdout to its end, then waits; returns the exit status.
  int wait_and_read(std::string* out);
  // SIGTERM, then waits; returns the exit status.
  int terminate();
  // Waits until `file` (the child's stdout) holds a complete first line and returns it. Throws
  // std::runtime_error when the child ends first or `timeout` passes.
  std::string wait_for_first_line(const std::filesystem::path& file,
                                  std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  void release();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> exit_status_;
};

// The running executable's path, to find the binaries installed beside it.
std::filesystem::path self_executable();

// A path that starts this very program again (/proc/self/exe): the same binary even when the
// file was rebuilt or removed while a long benchmark runs.
inline constexpr const char* kSelfExecutable = "/proc/self/exe";

// The last `max_lines` lines of a text file (a child's log), for error messages.
std::string tail_of_file(const std::filesystem::path& file, size_t max_lines);

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SUBPROCESS_H_
