#include "host/runner/runner.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "host/common/json.h"
#include "host/plugin/loader.h"
#include "host/plugin/process_plugin.h"

namespace mb {
namespace {

// The runner's end of the channel. The host is trusted here: a malformed message from it ends
// the runner rather than being diagnosed.
class Channel {
 public:
  Channel(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}

  // The next message, or nothing at end of input or on a broken frame.
  std::optional<boost::json::value> read() {
    for (;;) {
      size_t end = inbox_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::optional<size_t> length = content_length(std::string_view(inbox_).substr(0, end));
        if (!length) return std::nullopt;
        if (inbox_.size() >= end + 4 + *length) {
          auto parsed = json::parse(std::string_view(inbox_).substr(end + 4, *length));
          inbox_.erase(0, end + 4 + *length);
          if (!parsed || !parsed->is_object()) return std::nullopt;
          return std::move(*parsed);
        }
      }
      char buffer[65536];
      ssize_t n = ::read(in_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      inbox_.append(buffer, static_cast<size_t>(n));
    }
  }

  void write(const boost::json::value& message) {
    std::string body = boost::json::serialize(message);
    std::string frame = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::lock_guard<std::mutex> lock(write_mu_);
    size_t sent = 0;
    while (sent < frame.size()) {
      ssize_t n = ::write(out_, frame.data() + sent, frame.size() - sent);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the host is gone; the next read ends the runner
      sent += static_cast<size_t>(n);
    }
  }

  // A host service: sends the request and waits for its answer.
  Result<boost::json::value> call_host(std::string_view method, boost::json::object params) {
    int64_t id = next_id_++;
    write(boost::json::object{
        {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    auto answer = read();
    if (!answer) return Status::Fatal(std::string(method) + ": the host closed the channel");
    if (const auto* error = json::get(*answer, "error")) {
      const auto* data = json::get(*error, "data");
      static const boost::json::value kNone;
      const boost::json::value& d = data != nullptr ? *data : kNone;
      return Status(error_class_from_name(json::get_string(d, "class").value_or("fatal")),
                    json::get_string(*error, "message").value_or(""),
                    static_cast<uint64_t>(
                        std::max<int64_t>(0, json::get_int(d, "retry_after_ms").value_or(0))));
    }
    const auto* result = json::get(*answer, "result");
    if (result == nullptr) return Status::Fatal(std::string(method) + ": the host sent no result");
    return *result;
  }

 private:
  static std::optional<size_t> content_length(std::string_view header) {
    const std::string_view kName = "Content-Length:";
    size_t at = header.find(kName);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view value = header.substr(at + kName.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    size_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc()) return std::nullopt;
    return n;
  }

  int in_;
  int out_;
  std::string inbox_;
  std::mutex write_mu_;
  int64_t next_id_ = 1;
};

// The plugin's log lines (and the runner's) as host/log notifications, so they keep their level
// and reach the host's log tagged with the plugin and connector.
class HostLogSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit HostLogSink(Channel& channel) : channel_(channel) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    // The host adds its own "[plugin/connector] " tag.
    if (!text.empty() && text.front() == '[') {
      size_t end = text.find("] ");
      if (end != std::string_view::npos) text.remove_prefix(end + 2);
    }
    std::string_view level = "info";
    switch (msg.level) {
      case spdlog::level::trace:
        level = "trace";
        break;
      case spdlog::level::debug:
        level = "debug";
        break;
      case spdlog::level::info:
        level = "info";
        break;
      case spdlog::level::warn:
        level = "warn";
        break;
      default:
        level = "error";
        break;
    }
    channel_.write(boost::json::object{{"jsonrpc", "2.0"},
                                       {"method", "host/log"},
                                       {"params", {{"level", level}, {"message", text}}}});
  }
  void flush_() override {}

 private:
  Channel& channel_;
};

// The host's HTTP engine, reached over the channel. The host runs each batch with the call's
// cancellation flag, so the runner passes none of its own.
class ChannelHttpClient : public http::HttpClient {
 public:
  explicit ChannelHttpClient(Channel& channel) : channel_(channel) {}

  http::BatchOutcome execute(std::vector<http::HttpRequest> requests,
                             const std::atomic<bool>*) override {
    boost::json::array documents;
    for (const auto& r : requests) {
      boost::json::object headers;
      for (const auto& [name, value] : r.headers) headers[name] = value;
      boost::json::object d{{"method", r.method},
                            {"url", r.url},
                            {"headers", std::move(headers)},
                            {"body", r.body},
                            {"idempotent", r.idempotent}};
      if (!r.endpoint.empty()) d["endpoint"] = r.endpoint;
      if (r.timeout.count() > 0) d["timeout_ms"] = r.timeout.count();
      documents.push_back(std::move(d));
    }
    http::BatchOutcome out;
    auto answer = channel_.call_host("host/http_batch", {{"requests", std::move(documents)}});
    if (!answer) {
      out.status = answer.status();
      return out;
    }
    const auto* responses = json::get(*answer, "responses");
    if (responses == nullptr || !responses->is_array()) {
      out.status = Status::Fatal("host/http_batch: the host sent no responses");
      return out;
    }
    for (const auto& d : responses->get_array()) out.responses.push_back(response_from(d));
    return out;
  }

 private:
  static http::HttpResponse response_from(const boost::json::value& d) {
    http::HttpResponse r;
    r.status = static_cast<int>(json::get_int(d, "status").value_or(0));
    r.attempts = static_cast<int>(json::get_int(d, "attempts").value_or(0));
    r.body = json::get_string(d, "body").value_or("");
    r.retry_after_ms = json::get_int(d, "retry_after_ms").value_or(0);
    if (const auto* headers = json::get(d, "headers"); headers != nullptr && headers->is_object())
      for (const auto& [name, value] : headers->get_object())
        if (value.is_string()) r.headers.emplace_back(name, value.get_string());
    if (const auto* error = json::get(d, "error")) {
      r.error_class = error_class_from_name(json::get_string(*error, "class").value_or("fatal"));
      r.error_message = json::get_string(*error, "message").value_or("");
      const auto* sent = json::get(*error, "sent");
      r.maybe_sent = sent != nullptr && sent->is_bool() && sent->get_bool();
    }
    return r;
  }

  Channel& channel_;
};

// The host's clock, reached over the channel.
class ChannelClock : public Clock {
 public:
  explicit ChannelClock(Channel& channel) : channel_(channel) {}
  int64_t now_ms() const override {
    auto answer = channel_.call_host("host/now", {});
    if (!answer) return SystemClock::instance().now_ms();
    return json::get_int(*answer, "now_ms").value_or(SystemClock::instance().now_ms());
  }

 private:
  Channel& channel_;
};

std::optional<Operation> operation_named(std::string_view method) {
  for (Operation op :
       {Operation::kAuthenticate, Operation::kListAccounts, Operation::kListServices,
        Operation::kReadQuantities, Operation::kApplyQuantities, Operation::kProvisionAccounts,
        Operation::kProvisionServices, Operation::kSetStatus, Operation::kLinkAccounts,
        Operation::kDisconnect, Operation::kListTicketBoards, Operation::kCheckTicketPermissions,
        Operation::kOpenTicket, Operation::kAddTicketNote, Operation::kCloseTicket})
    if (operation_name(op) == method) return op;
  return std::nullopt;
}

boost::json::object error_of(const Status& s) {
  boost::json::object data{{"class", error_class_name(s.ok() ? ErrorClass::kFatal : s.code())}};
  if (s.retry_after_ms() > 0) data["retry_after_ms"] = s.retry_after_ms();
  return {{"code", -32000}, {"message", s.message()}, {"data", std::move(data)}};
}

class Runner {
 public:
  Runner(const RunnerOptions& options, Channel& channel) : options_(options), channel_(channel) {}

  int serve() {
    for (;;) {
      auto message = channel_.read();
      if (!message) return 0;
      const auto* id = json::get(*message, "id");
      std::string method = json::get_string(*message, "method").value_or("");
      if (id == nullptr) continue;  // the host sends no notifications today
      static const boost::json::value kEmpty = boost::json::object{};
      const auto* params = json::get(*message, "params");
      Result<boost::json::value> result = handle(method, params != nullptr ? *params : kEmpty);
      boost::json::object answer{{"jsonrpc", "2.0"}, {"id", *id}};
      if (result) {
        answer["result"] = std::move(*result);
      } else {
        answer["error"] = error_of(result.status());
      }
      channel_.write(answer);
      if (method == "shutdown") return 0;
    }
  }

 private:
  Result<boost::json::value> handle(const std::string& method, const boost::json::value& params) {
    if (method == "initialize") return initialize(params);
    if (method == "shutdown") {
      session_.reset();
      return boost::json::value(boost::json::object{});
    }
    if (plugin_ == nullptr) return Status::Fatal("initialize first");
    if (method == "describe") {
      auto text = plugin_->describe();
      if (!text) return text.status();
      return json::parse(*text);
    }
    if (method == "open") {
      const auto* config = json::get(params, "config");
      if (config == nullptr) return Status::ConfigInvalid("open: params.config is required");
      SessionContext context;
      context.http = std::make_shared<ChannelHttpClient>(channel_);
      context.clock = &clock_;
      auto session = plugin_->open(std::move(context), boost::json::serialize(*config));
      if (!session) return session.status();
      session_ = std::move(*session);
      return boost::json::value(boost::json::object{});
    }
    auto op = operation_named(method);
    if (!op) return Status::Unsupported("unknown method '" + method + "'");
    if (session_ == nullptr) return Status::Fatal(method + " before open");
    InvokeHooks hooks;
    cancellation_ = CancellationCache{};
    hooks.ask_cancelled = [this] { return cancelled(); };
    if (*op == Operation::kApplyQuantities)
      hooks.journal_intents = [this](std::string_view intents) -> Status {
        auto parsed = json::parse(intents);
        if (!parsed) return parsed.status();
        auto answer = channel_.call_host("host/journal_intents", {{"intents", std::move(*parsed)}});
        return answer.status();
      };
    auto text = session_->invoke(*op, boost::json::serialize(params), hooks);
    if (!text) return text.status();
    return json::parse(*text);
  }

  // Whether the host cancelled the current call. A plugin may poll in a tight loop, so the
  // host is asked at most every kCancellationPollInterval; once cancelled, always cancelled.
  bool cancelled() {
    auto now = std::chrono::steady_clock::now();
    if (cancellation_.cancelled || now < cancellation_.next_ask) return cancellation_.cancelled;
    cancellation_.next_ask = now + kCancellationPollInterval;
    if (auto asked = channel_.call_host("host/is_cancelled", {}))
      if (const auto* flag = json::get(*asked, "cancelled"); flag != nullptr && flag->is_bool())
        cancellation_.cancelled = flag->get_bool();
    return cancellation_.cancelled;
  }

  // Loads the plugin with the loader's rules and agrees on the version its table was built for.
  Result<boost::json::value> initialize(const boost::json::value& params) {
    const auto* protocol = json::get(params, "protocol");
    static const boost::json::value kNone;
    int64_t major = json::get_int(protocol != nullptr ? *protocol : kNone, "major").value_or(-1);
    int64_t minor_max =
        json::get_int(protocol != nullptr ? *protocol : kNone, "minor_max").value_or(-1);
    LoaderOptions options;
    options.dir = options_.plugin_dir;
    options.only_id = options_.plugin_id;
    if (!options_.sha256.empty()) options.sha256_pins[options_.plugin_id] = options_.sha256;
    if (major >= 0 && minor_max >= 0)
      options.host_abi = AbiVersion{static_cast<uint16_t>(major), static_cast<uint16_t>(minor_max)};
    auto registry = load_plugins(options);
    if (!registry) return registry.status();
    registry_ = std::move(*registry);
    const PluginRecord* record = registry_.record(options_.plugin_id);
    if (record == nullptr)
      return Status::NotFound("no plugin '" + options_.plugin_id + "' in " +
                              options_.plugin_dir.string());
    if (record->state != PluginState::kLoaded)
      return Status::ConfigInvalid("plugin '" + record->id + "' is " +
                                   std::string(plugin_state_name(record->state)) + ": " +
                                   record->reason);
    plugin_ = record->plugin;
    const AbiVersion& abi = plugin_->manifest().abi;
    return boost::json::value(boost::json::object{
        {"protocol", {{"major", abi.major}, {"minor", abi.minor}}},
        {"plugin", {{"name", "meterbridge-plugin-runner"}, {"version", MB_HOST_VERSION}}}});
  }

  const RunnerOptions& options_;
  Channel& channel_;
  ChannelClock clock_{channel_};
  PluginRegistry registry_;
  std::shared_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<PluginSession> session_;
  struct CancellationCache {
    bool cancelled = false;
    std::chrono::steady_clock::time_point next_ask{};
  };
  static constexpr std::chrono::milliseconds kCancellationPollInterval{20};
  CancellationCache cancellation_;  // of the current call
};

}  // namespace

int run_plugin_runner(const RunnerOptions& options, int in_fd, int out_fd) {
  Channel channel(in_fd, out_fd);
  auto logger = std::make_shared<spdlog::logger>("plugin", std::make_shared<HostLogSink>(channel));
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  Runner runner(options, channel);
  int status = runner.serve();
  spdlog::set_default_logger(nullptr);
  return status;
}

}  // namespace mb
