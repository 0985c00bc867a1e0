#include "host/plugin/internal/plugin_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <meterbridge/abi.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

#include "host/common/json.h"
#include "host/common/redaction.h"

namespace mb::plugin_internal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 1024;
constexpr size_t kMaxBodyBytes = 64u << 20;
constexpr size_t kMaxStderrLine = 4096;
constexpr int kMaxStderrLinesPerChild = 2000;
constexpr std::string_view kFailurePrefix = "plugin process ";
// How often a waiting call looks at its cancellation.
constexpr std::chrono::milliseconds kCancelPollSlice{50};

int remaining_ms(Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

std::string signal_text(int sig) {
  const char* name = ::strsignal(sig);
  return "signal " + std::to_string(sig) + (name != nullptr ? std::string(" (") + name + ")" : "");
}

void set_limit(int resource, uint64_t value) {
  struct rlimit limit {};
  limit.rlim_cur = static_cast<rlim_t>(value);
  limit.rlim_max = static_cast<rlim_t>(value);
  ::setrlimit(resource, &limit);
}

// JSON-RPC error codes: -32000 carries data.class; the standard ones map to the closest class.
ErrorClass class_of_error(const boost::json::value& error) {
  if (const auto* data = json::get(error, "data"))
    if (auto name = json::get_string(*data, "class")) return error_class_from_name(*name);
  int64_t code = json::get_int(error, "code").value_or(0);
  if (code == -32601) return ErrorClass::kUnsupported;
  if (code == -32602) return ErrorClass::kConfigInvalid;
  return ErrorClass::kFatal;
}

bool header_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Checks the header bytes received so far: "Name: value\r\n" lines. Returns an empty string
// while they may still become a valid header, else what is wrong (so garbage fails at once
// instead of at the deadline).
std::string header_problem(std::string_view header) {
  size_t start = 0;
  for (;;) {
    size_t end = header.find("\r\n", start);
    bool complete = end != std::string_view::npos;
    std::string_view line = header.substr(start, complete ? end - start : std::string_view::npos);
    if (!complete && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_of("\r\n") != std::string_view::npos)
      return "header lines must end with \\r\\n";
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), header_name_char))
      return "expected a 'Content-Length: N' header, got bytes that are not one";
    if (!complete || line.empty()) return "";
    if (colon == std::string_view::npos) return "a header line has no ':'";
    start = end + 2;
  }
}

}  // namespace

bool is_child_failure(const Status& status) {
  return status.message().rfind(kFailurePrefix, 0) == 0;
}

Result<std::unique_ptr<PluginProcess>> PluginProcess::start(const ProcessSpec& spec) {
  int channel[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0)
    return Status::Retry(std::string("cannot start plugin process: socketpair: ") +
                         std::strerror(errno));
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(channel[0]);
    ::close(channel[1]);
    return Status::Retry(std::string("cannot start plugin process: pipe: ") + std::strerror(errno));
  }
  // Everything the child needs is built before fork: after it, in a threaded host, only
  // async-signal-safe calls are allowed. fork + execve rather than posix_spawn because the
  // limits must be in place before the program's first instruction, and posix_spawn cannot
  // set them.
  std::vector<std::string> arg_strings{spec.program.string()};
  arg_strings.insert(arg_strings.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_strings{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                                       "MB_PLUGIN_ID=" + spec.plugin_id,
                                       "MB_PLUGIN_DIR=" + spec.working_dir.string()};
  std::vector<char*> argv, envp;
  for (auto& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string program = spec.program.string();
  std::string dir = spec.working_dir.string();
  uint64_t memory_bytes = spec.memory_mb << 20;

  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {channel[0], channel[1], err[0], err[1]}) ::close(fd);
    return Status::Retry(std::string("cannot start plugin process: fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t all;
    ::sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    if (memory_bytes > 0) set_limit(RLIMIT_AS, memory_bytes);
    set_limit(RLIMIT_CPU, spec.cpu_seconds);
    set_limit(RLIMIT_NOFILE, spec.open_files);
    set_limit(RLIMIT_CORE, 0);
    if (::dup2(channel[1], 0) < 0 || ::dup2(channel[1], 1) < 0 || ::dup2(err[1], 2) < 0)
      ::_exit(127);
    ::close_range(3, ~0U, 0);
    if (!dir.empty() && ::chdir(dir.c_str()) != 0) ::_exit(127);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(channel[1]);
  ::close(err[1]);
  ::setpgid(pid, pid);  // also from here, so the group exists whichever runs first
  ::fcntl(channel[0], F_SETFL, ::fcntl(channel[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, ::fcntl(err[0], F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<PluginProcess>(new PluginProcess(spec, pid, channel[0], err[0]));
}

PluginProcess::PluginProcess(const ProcessSpec& spec, pid_t pid, int channel_fd, int stderr_fd)
    : plugin_id_(spec.plugin_id), pid_(pid), channel_fd_(channel_fd), stderr_fd_(stderr_fd) {}

PluginProcess::~PluginProcess() {
  kill_and_reap();
  if (channel_fd_ >= 0) ::close(channel_fd_);
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

void PluginProcess::kill_and_reap() {
  if (reaped_ || pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status_ = status;
  reaped_ = true;
}

Status PluginProcess::child_gone(std::string_view during) {
  // The child closed its end: give it a moment to finish dying so its status is known.
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 100 && done == 0; ++i) {
    done = ::waitpid(pid_, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == pid_) {
    reaped_ = true;
    exit_status_ = status;
    ::kill(-pid_, SIGKILL);  // whatever it left behind in its group
  } else {
    kill_and_reap();
    return Status::Retry("plugin process exited: it closed its output during " +
                         std::string(during) + " and was killed");
  }
  if (WIFSIGNALED(status))
    return Status::Retry("plugin process crashed: killed by " + signal_text(WTERMSIG(status)) +
                         " during " + std::string(during));
  return Status::Retry("plugin process exited with status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + " during " +
                       std::string(during));
}

Status PluginProcess::broke_protocol(std::string_view what) {
  kill_and_reap();
  return Status::Fatal("plugin process broke the protocol: " + std::string(what));
}

void PluginProcess::drain_stderr(const HostServiceHandler& handler, bool flush_partial) {
  if (stderr_fd_ < 0) return;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(stderr_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) {
        ::close(stderr_fd_);
        stderr_fd_ = -1;
        flush_partial = true;
      }
      break;
    }
    stderr_line_.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = stderr_line_.find('\n')) != std::string::npos ||
           stderr_line_.size() >= kMaxStderrLine) {
      size_t cut = newline == std::string::npos ? kMaxStderrLine : newline;
      std::string line = stderr_line_.substr(0, std::min(cut, kMaxStderrLine));
      stderr_line_.erase(0, newline == std::string::npos ? cut : cut + 1);
      if (stderr_lines_logged_ < kMaxStderrLinesPerChild && handler.log)
        handler.log(MB_LOG_WARN, "stderr: " + redact(line));
      else if (stderr_lines_logged_ == kMaxStderrLinesPerChild && handler.log)
        handler.log(MB_LOG_WARN, "stderr: further lines from this process are not logged");
      ++stderr_lines_logged_;
    }
  }
  if (flush_partial && !stderr_line_.empty() && handler.log &&
      stderr_lines_logged_ < kMaxStderrLinesPerChild) {
    handler.log(MB_LOG_WARN, "stderr: " + redact(stderr_line_));
    stderr_line_.clear();
  }
}

// Waits until the channel can be read or written (`events`) or the deadline passes, draining
// stderr meanwhile. Returns false at the deadline.
static bool wait_for(int channel_fd, short events, int stderr_fd, Clock::time_point deadline,
                     short& revents_out, bool& stderr_ready) {
  pollfd fds[2] = {{channel_fd, events, 0}, {stderr_fd, POLLIN, 0}};
  nfds_t count = stderr_fd >= 0 ? 2 : 1;
  for (;;) {
    int timeout = remaining_ms(deadline);
    int n = ::poll(fds, count, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    revents_out = fds[0].revents;
    stderr_ready = count == 2 && fds[1].revents != 0;
    return true;
  }
}

bool PluginProcess::write_frame(const std::string& body, Clock::time_point deadline,
                                const HostServiceHandler& handler, Status& failure) {
  std::string frame = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(channel_fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      short revents = 0;
      bool stderr_ready = false;
      if (!wait_for(channel_fd_, POLLOUT, stderr_fd_, deadline, revents, stderr_ready)) {
        kill_and_reap();
        failure = Status::Retry("plugin process timed out: it did not read its input");
        return false;
      }
      if (stderr_ready) drain_stderr(handler, false);
      continue;
    }
    drain_stderr(handler, true);
    failure = child_gone("a write to it");
    return false;
  }
  return true;
}

PluginProcess::Read PluginProcess::read_frame(Clock::time_point deadline,
                                              const HostServiceHandler& handler, std::string& body,
                                              Status& failure) {
  for (;;) {
    size_t header_end = inbox_.find("\r\n\r\n");
    std::string_view header(inbox_.data(),
                            header_end == std::string::npos ? inbox_.size() : header_end + 2);
    if (std::string problem = header_problem(header); !problem.empty()) {
      failure = broke_protocol(problem);
      return Read::kFailed;
    }
    if (header_end == std::string::npos && inbox_.size() > kMaxHeaderBytes) {
      failure = Status::Fatal("plugin process output too large: a header over 1 KiB");
      kill_and_reap();
      return Read::kFailed;
    }
    if (header_end != std::string::npos) {
      if (header_end > kMaxHeaderBytes) {
        kill_and_reap();
        failure = Status::Fatal("plugin process output too large: a header over 1 KiB");
        return Read::kFailed;
      }
      std::optional<uint64_t> length;
      size_t pos = 0;
      while (pos < header_end) {
        size_t eol = inbox_.find("\r\n", pos);
        std::string_view line(inbox_.data() + pos, eol - pos);
        size_t colon = line.find(':');
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name == "content-length") {
          std::string_view value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          uint64_t n = 0;
          auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
          if (ec != std::errc() || end != value.data() + value.size()) {
            failure = broke_protocol("Content-Length is not a number");
            return Read::kFailed;
          }
          length = n;
        }
        pos = eol + 2;
      }
      if (!length) {
        failure = broke_protocol("a frame without Content-Length");
        return Read::kFailed;
      }
      if (*length > kMaxBodyBytes) {
        kill_and_reap();
        failure = Status::Fatal("plugin process output too large: a " + std::to_string(*length) +
                                "-byte message (the limit is 64 MiB)");
        return Read::kFailed;
      }
      size_t start = header_end + 4;
      if (inbox_.size() - start >= *length) {
        body = inbox_.substr(start, *length);
        inbox_.erase(0, start + *length);
        return Read::kFrame;
      }
    }
    short revents = 0;
    bool stderr_ready = false;
    // With a cancellation to watch, wait in short slices and look at it between them.
    Clock::time_point wake =
        handler.cancelled ? std::min(deadline, Clock::now() + kCancelPollSlice) : deadline;
    if (!wait_for(channel_fd_, POLLIN, stderr_fd_, wake, revents, stderr_ready)) {
      if (wake < deadline) {
        if (cancelled_at_ == Clock::time_point{} && handler.cancelled())
          cancelled_at_ = Clock::now();
        if (cancelled_at_ == Clock::time_point{} || Clock::now() - cancelled_at_ < kCancelGrace)
          continue;
        drain_stderr(handler, true);
        kill_and_reap();
        failure = Status::Retry(
            "plugin process stopped: the call was cancelled and it did not "
            "answer within " +
            std::to_string(kCancelGrace.count()) + " ms");
        return Read::kFailed;
      }
      drain_stderr(handler, true);
      kill_and_reap();
      failure = Status::Retry("plugin process timed out: no answer within the call's deadline");
      return Read::kFailed;
    }
    if (stderr_ready) drain_stderr(handler, false);
    if (revents == 0) continue;
    char buffer[65536];
    ssize_t n = ::recv(channel_fd_, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) {
      drain_stderr(handler, true);
      failure = child_gone("a call");
      return Read::kFailed;
    }
    inbox_.append(buffer, static_cast<size_t>(n));
  }
}

CallOutcome PluginProcess::call(std::string_view method, const boost::json::value& params,
                                Clock::time_point deadline, const HostServiceHandler& handler) {
  CallOutcome out;
  cancelled_at_ = Clock::time_point{};
  int64_t id = next_id_++;
  boost::json::object request{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  std::string what = std::string(method);
  if (!write_frame(boost::json::serialize(request), deadline, handler, out.status)) return out;
  for (;;) {
    std::string body;
    if (read_frame(deadline, handler, body, out.status) != Read::kFrame) {
      if (out.status.message().find(" during a call") != std::string::npos) {
        std::string message = out.status.message();
        message.replace(message.find(" during a call"), 14, " during " + what);
        out.status = Status(out.status.code(), message);
      }
      return out;
    }
    auto parsed = json::parse(body);
    if (!parsed || !parsed->is_object()) {
      out.status = broke_protocol("a message that is not a JSON object");
      return out;
    }
    const boost::json::value& message = *parsed;
    if (json::get_string(message, "jsonrpc").value_or("") != "2.0") {
      out.status = broke_protocol("a message without \"jsonrpc\":\"2.0\"");
      return out;
    }
    const auto* method_value = json::get(message, "method");
    if (method_value != nullptr) {
      if (!method_value->is_string()) {
        out.status = broke_protocol("a request whose method is not a string");
        return out;
      }
      std::string name(method_value->get_string());
      const auto* child_params = json::get(message, "params");
      static const boost::json::value kEmpty = boost::json::object{};
      const boost::json::value& p = child_params != nullptr ? *child_params : kEmpty;
      const auto* child_id = json::get(message, "id");
      if (child_id == nullptr) {  // a notification: only host/log
        if (name != "host/log") {
          out.status = broke_protocol("an unknown notification '" + name + "'");
          return out;
        }
        static const std::pair<std::string_view, int> kLevels[] = {{"trace", MB_LOG_TRACE},
                                                                   {"debug", MB_LOG_DEBUG},
                                                                   {"info", MB_LOG_INFO},
                                                                   {"warn", MB_LOG_WARN},
                                                                   {"error", MB_LOG_ERROR}};
        std::string level = json::get_string(p, "level").value_or("info");
        int mb_level = MB_LOG_INFO;
        for (const auto& [n, l] : kLevels)
          if (n == level) mb_level = l;
        if (handler.log) handler.log(mb_level, redact(json::get_string(p, "message").value_or("")));
        continue;
      }
      if (name.rfind("host/", 0) != 0 || !handler.request) {
        out.status = broke_protocol("an unknown host service '" + name + "'");
        return out;
      }
      Result<boost::json::value> answer = handler.request(name, p);
      boost::json::object reply{{"jsonrpc", "2.0"}, {"id", *child_id}};
      if (answer) {
        reply["result"] = std::move(*answer);
      } else {
        const Status& s = answer.status();
        boost::json::object data{{"class", error_class_name(s.code())}};
        if (s.retry_after_ms() > 0) data["retry_after_ms"] = s.retry_after_ms();
        reply["error"] =
            boost::json::object{{"code", s.code() == ErrorClass::kUnsupported ? -32601 : -32000},
                                {"message", redact(s.message())},
                                {"data", std::move(data)}};
      }
      if (!write_frame(boost::json::serialize(reply), deadline, handler, out.status)) return out;
      continue;
    }
    const auto* answer_id = json::get(message, "id");
    if (answer_id == nullptr || !answer_id->is_int64() || answer_id->as_int64() != id) {
      out.status = broke_protocol("an answer to a request that was not asked (wrong id)");
      return out;
    }
    if (const auto* error = json::get(message, "error")) {
      out.kind = CallOutcome::kError;
      std::string text = json::get_string(*error, "message").value_or("");
      if (text.empty()) text = what + ": plugin failed without a message";
      uint64_t after = 0;
      if (const auto* data = json::get(*error, "data"))
        after = static_cast<uint64_t>(
            std::max<int64_t>(0, json::get_int(*data, "retry_after_ms").value_or(0)));
      ErrorClass cls = class_of_error(*error);
      if (cls == ErrorClass::kOk) cls = ErrorClass::kFatal;
      out.status = Status(cls, redact(text), after);
      return out;
    }
    const auto* result = json::get(message, "result");
    if (result == nullptr || !result->is_object()) {
      out.status = broke_protocol("an answer with neither an object \"result\" nor \"error\"");
      return out;
    }
    out.kind = CallOutcome::kResult;
    out.result = *result;
    return out;
  }
}

void PluginProcess::shutdown(std::chrono::milliseconds grace, const HostServiceHandler& handler) {
  if (reaped_) return;
  auto deadline = Clock::now() + grace;
  CallOutcome out = call("shutdown", boost::json::object{}, deadline, handler);
  if (out.kind != CallOutcome::kChildFailed) {
    ::shutdown(channel_fd_, SHUT_RDWR);
    int status = 0;
    while (Clock::now() < deadline) {
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        exit_status_ = status;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  drain_stderr(handler, true);
  kill_and_reap();
}

}  // namespace mb::plugin_internal
