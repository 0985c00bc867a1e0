// PluginProcess: one running child of a process plugin (docs/plugin-protocol.md), and the
// framed JSON-RPC exchange with it. It starts the child with a clean environment, no inherited
// descriptors and resource limits, sends one request at a time, serves the child's host-service
// requests while it waits, drains its stderr into the log, and turns anything the child does
// wrong (dies, hangs, writes what is not a frame, floods) into a ChildFailure naming what
// happened. It never throws and never blocks past the call's deadline.
//
//   auto child = PluginProcess::start(spec, logger);
//   CallOutcome out = (*child)->call("describe", boost::json::object{}, deadline, services);
//   if (out.kind == CallOutcome::kResult) use(out.result);
//
// Only host/plugin/ uses this header.
#ifndef METERBRIDGE_HOST_PLUGIN_INTERNAL_PLUGIN_PROCESS_H_
#define METERBRIDGE_HOST_PLUGIN_INTERNAL_PLUGIN_PROCESS_H_

#include <sys/types.h>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"

namespace mb::plugin_internal {

// How to start a plugin's child.
struct ProcessSpec {
  std::filesystem::path program;      // what is executed (the private copy)
  std::vector<std::string> args;      // after argv[0]
  std::filesystem::path working_dir;  // the plugin folder
  std::string plugin_id;
  std::string abi;                        // the manifest's "abi": the handshake must agree
  std::vector<std::string> capabilities;  // the manifest's optional operations
  std::chrono::milliseconds call_timeout{120000};
  uint64_t memory_mb = 1024;   // RLIMIT_AS; 0: none (a sanitizer build reserves terabytes)
  uint64_t cpu_seconds = 600;  // RLIMIT_CPU
  uint64_t open_files = 64;    // RLIMIT_NOFILE
};

// The host's side of the child's host-service requests and log lines during one call.
struct HostServiceHandler {
  // Answers a "host/..." request: its result object, or a Status whose class and message become
  // the JSON-RPC error.
  std::function<Result<boost::json::value>(std::string_view method,
                                           const boost::json::value& params)>
      request;
  // A line for the host's log: `level` is an mb_log_level; the text is already redacted.
  std::function<void(int level, std::string_view line)> log;
  // Whether the call was cancelled (a sync stopping). Asked while the host waits for the
  // child: a child that has not answered kCancelGrace after the cancellation is killed, so a
  // plugin blocked where it cannot see the cancellation still lets its sync stop promptly.
  std::function<bool()> cancelled;
};

// How long a cancelled call waits for the child's answer before the child is killed.
inline constexpr std::chrono::milliseconds kCancelGrace{2000};

// What one call came to.
struct CallOutcome {
  enum Kind { kResult, kError, kChildFailed } kind = kChildFailed;
  boost::json::value result;  // kResult
  Status status;              // kError: the plugin's error; kChildFailed: what the child did
};

class PluginProcess {
 public:
  // Starts the child. Fails (class retry) only when the OS cannot start a process.
  static Result<std::unique_ptr<PluginProcess>> start(const ProcessSpec& spec);
  ~PluginProcess();  // kills the child's process group and reaps it
  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  // Sends `method` with `params` and waits for its answer until `deadline`, serving host
  // services through `handler` meanwhile. After kChildFailed the child is gone: the caller
  // discards this object.
  CallOutcome call(std::string_view method, const boost::json::value& params,
                   std::chrono::steady_clock::time_point deadline,
                   const HostServiceHandler& handler);

  // Asks the child to exit (shutdown, then end of input) and waits up to `grace` before
  // killing it.
  void shutdown(std::chrono::milliseconds grace, const HostServiceHandler& handler);

  pid_t pid() const { return pid_; }

 private:
  PluginProcess(const ProcessSpec& spec, pid_t pid, int channel_fd, int stderr_fd);

  enum class Read { kFrame, kFailed };
  Read read_frame(std::chrono::steady_clock::time_point deadline, const HostServiceHandler& handler,
                  std::string& body, Status& failure);
  bool write_frame(const std::string& body, std::chrono::steady_clock::time_point deadline,
                   const HostServiceHandler& handler, Status& failure);
  // Reads what stderr holds without blocking and logs complete lines.
  void drain_stderr(const HostServiceHandler& handler, bool flush_partial);
  // After the child closed its end or broke the rules: kills it, reaps it, and says what
  // happened in a ChildFailure status starting with the failure's name.
  Status child_gone(std::string_view during);
  Status broke_protocol(std::string_view what);
  void kill_and_reap();

  std::string plugin_id_;
  pid_t pid_ = -1;
  int channel_fd_ = -1;  // our end of the socket that is the child's stdin and stdout
  int stderr_fd_ = -1;
  std::string inbox_;        // bytes read from the channel, not yet a whole frame
  std::string stderr_line_;  // a stderr line not yet ended
  int stderr_lines_logged_ = 0;
  int64_t next_id_ = 1;
  int exit_status_ = -1;  // waitpid status once reaped
  // When the current call was first seen cancelled; the epoch while it is not.
  std::chrono::steady_clock::time_point cancelled_at_{};
  bool reaped_ = false;
};

// A failure of the child (crash, exit, timeout, protocol, flood) as opposed to an error the
// plugin reported: the message starts with "plugin process ".
bool is_child_failure(const Status& status);

}  // namespace mb::plugin_internal

#endif  // METERBRIDGE_HOST_PLUGIN_INTERNAL_PLUGIN_PROCESS_H_
