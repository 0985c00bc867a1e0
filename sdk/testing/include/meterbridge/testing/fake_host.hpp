// A fake meterbridge host for unit-testing a plugin without the real host.
//
// It implements the host-services table of <meterbridge/abi.h> in memory: logs are captured,
// the clock is settable, cancellation is a flag, and HTTP batches go to a handler you supply
// (a function from the request array JSON to the response array JSON), so a test can answer
// like the platform would, or forward to a simulator with its own client.
//
//   meterbridge::testing::FakeHost host;
//   host.set_http_handler([](std::string_view requests) { return R"([{"status":200,...}])"; });
//   auto plugin = host.load(&meterbridge_plugin_negotiate);   // the plugin linked into the test
//   auto session = plugin.open(R"({"base_url":"http://127.0.0.1:1"})");
//   auto result = session.call(&mb_plugin_table::on_authenticate, "{}");
//   EXPECT_EQ(result.status, MB_STATUS_OK);
//
// Header-only and standard C++ only, so a third party can use it from the installed SDK.
#ifndef METERBRIDGE_TESTING_FAKE_HOST_HPP_
#define METERBRIDGE_TESTING_FAKE_HOST_HPP_

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "meterbridge/abi.h"

namespace meterbridge::testing {

// A whole text file (a plugin's sidecar manifest, to compare with describe()); empty when it
// cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What one hook returned: its status and either the result document or the error.
struct CallResult {
  mb_status status = MB_STATUS_FATAL;
  std::string result;         // set by callback_result_set
  std::string error_message;  // set by callback_error_set
  mb_status error_class = MB_STATUS_OK;
  uint64_t retry_after_ms = 0;
  bool ok() const { return status == MB_STATUS_OK; }
};

struct LogLine {
  mb_log_level level;
  std::string message;
};

class FakeHost {
 public:
  using HttpHandler = std::function<std::string(std::string_view requests_json)>;

  FakeHost() {
    services_.size = sizeof(mb_host_services);
    services_.abi_major = MB_ABI_VERSION_MAJOR;
    services_.abi_minor = MB_ABI_VERSION_MINOR;
    services_.callback_log = &FakeHost::cb_log;
    services_.callback_result_set = &FakeHost::cb_result_set;
    services_.callback_error_set = &FakeHost::cb_error_set;
    services_.callback_http_batch = &FakeHost::cb_http_batch;
    services_.callback_now_ms = &FakeHost::cb_now_ms;
    services_.callback_is_cancelled = &FakeHost::cb_is_cancelled;
    services_.callback_journal_intents = &FakeHost::cb_journal_intents;
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  void set_http_handler(HttpHandler handler) { http_ = std::move(handler); }
  void set_now_ms(int64_t now) { now_ms_ = now; }
  void set_cancelled(bool cancelled) { cancelled_ = cancelled; }
  // What callback_journal_intents answers (MB_STATUS_OK: every intent recorded).
  void set_journal_status(mb_status status) { journal_status_ = status; }
  // Every intents array a plugin journaled, in order (refused ones included).
  const std::vector<std::string>& journaled_intents() const { return journal_; }
  const std::vector<LogLine>& logs() const { return logs_; }
  const std::vector<std::string>& http_batches() const { return batches_; }
  const mb_host_services* services() const { return &services_; }

  class Session;

  // A negotiated plugin. Unloads (on_plugin_unload) when destroyed.
  class LoadedPlugin {
   public:
    LoadedPlugin(FakeHost* host, const mb_plugin_table* table) : host_(host), table_(table) {}
    LoadedPlugin(LoadedPlugin&& o) noexcept : host_(o.host_), table_(std::exchange(o.table_, nullptr)) {}
    LoadedPlugin(const LoadedPlugin&) = delete;
    ~LoadedPlugin() {
      if (table_ != nullptr && table_->on_plugin_unload != nullptr) table_->on_plugin_unload(table_->plugin);
    }
    const mb_plugin_table* table() const { return table_; }

    CallResult describe() {
      return host_->invoke([&](mb_call_host_ptr call) { return table_->on_describe(table_->plugin, call); });
    }
    // Opens a session; throws std::runtime_error with the plugin's message when it refuses.
    Session open(std::string_view config_json) {
      mb_session_plugin_ptr session = nullptr;
      CallResult r = host_->invoke([&](mb_call_host_ptr call) {
        return table_->on_session_open(table_->plugin, call, mb_str{config_json.data(), config_json.size()},
                                       &session);
      });
      if (!r.ok()) throw std::runtime_error("open refused: " + r.error_message);
      return Session(host_, table_, session);
    }

   private:
    FakeHost* host_;
    const mb_plugin_table* table_;
  };

  // An open session. Closes (on_session_close) when destroyed.
  class Session {
   public:
    Session(FakeHost* host, const mb_plugin_table* table, mb_session_plugin_ptr session)
        : host_(host), table_(table), session_(session) {}
    Session(Session&& o) noexcept
        : host_(o.host_), table_(o.table_), session_(std::exchange(o.session_, nullptr)) {}
    Session(const Session&) = delete;
    ~Session() {
      if (session_ != nullptr) table_->on_session_close(session_);
    }
    // Calls one session hook, e.g. call(&mb_plugin_table::on_read_quantities, input).
    CallResult call(mb_session_hook mb_plugin_table::*hook, std::string_view input) {
      // A hook past the table's size does not exist (a plugin of an older minor).
      const auto* first = reinterpret_cast<const char*>(table_);
      size_t end = static_cast<size_t>(reinterpret_cast<const char*>(&(table_->*hook)) - first) +
                   sizeof(mb_session_hook);
      mb_session_hook fn = end <= table_->size ? table_->*hook : nullptr;
      if (fn == nullptr) {
        CallResult r;
        r.status = MB_STATUS_UNSUPPORTED;
        r.error_message = "hook not offered";
        return r;
      }
      return host_->invoke(
          [&](mb_call_host_ptr call) { return fn(session_, call, mb_str{input.data(), input.size()}); });
    }

   private:
    FakeHost* host_;
    const mb_plugin_table* table_;
    mb_session_plugin_ptr session_;
  };

  // Negotiates with a plugin's entry point (linked into the test, or found with dlsym).
  LoadedPlugin load(mb_plugin_negotiate_fn negotiate) {
    mb_host_offer offer{};
    offer.size = sizeof(mb_host_offer);
    offer.abi_major = MB_ABI_VERSION_MAJOR;
    offer.abi_minor_max = MB_ABI_VERSION_MINOR;
    offer.services = &services_;
    static const char kVersion[] = "fake-host";
    offer.host_version = mb_str{kVersion, sizeof(kVersion) - 1};
    const mb_plugin_table* table = nullptr;
    mb_status status = negotiate(&offer, &table);
    if (status != MB_STATUS_OK || table == nullptr) throw std::runtime_error("plugin refused negotiation");
    return LoadedPlugin(this, table);
  }

 private:
  // Per-invocation state; its address is the mb_call_host_ptr.
  struct PendingCall {
    FakeHost* host;
    CallResult result;
    std::vector<std::unique_ptr<std::string>> buffers;  // http responses live until the hook returns
  };

  template <typename Fn>
  CallResult invoke(Fn&& fn) {
    PendingCall pending{this, {}, {}};
    pending.result.status = fn(static_cast<mb_call_host_ptr>(&pending));
    return std::move(pending.result);
  }

  static PendingCall* pending(mb_call_host_ptr call) { return static_cast<PendingCall*>(call); }
  static std::string copy(mb_str s) { return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len); }

  static void cb_log(mb_call_host_ptr call, mb_log_level level, mb_str message) {
    if (call != nullptr) pending(call)->host->logs_.push_back({level, copy(message)});
  }
  static void cb_result_set(mb_call_host_ptr call, mb_str json) { pending(call)->result.result = copy(json); }
  static void cb_error_set(mb_call_host_ptr call, mb_status cls, uint64_t after, mb_str message) {
    CallResult& r = pending(call)->result;
    r.error_class = cls;
    r.retry_after_ms = after;
    r.error_message = copy(message);
  }
  static mb_status cb_http_batch(mb_call_host_ptr call, mb_str requests, mb_str* responses_out) {
    PendingCall* p = pending(call);
    FakeHost* host = p->host;
    host->batches_.push_back(copy(requests));
    auto buffer = std::make_unique<std::string>();
    mb_status status = MB_STATUS_OK;
    if (!host->http_) {
      *buffer = R"({"error":{"class":"unsupported","message":"no HTTP handler in this test"}})";
      status = MB_STATUS_UNSUPPORTED;
    } else {
      *buffer = host->http_(host->batches_.back());
    }
    *responses_out = mb_str{buffer->data(), buffer->size()};
    p->buffers.push_back(std::move(buffer));
    return status;
  }
  static int64_t cb_now_ms(mb_call_host_ptr call) { return pending(call)->host->now_ms_; }
  static int32_t cb_is_cancelled(mb_call_host_ptr call) { return pending(call)->host->cancelled_ ? 1 : 0; }
  static mb_status cb_journal_intents(mb_call_host_ptr call, mb_str intents) {
    FakeHost* host = pending(call)->host;
    host->journal_.push_back(copy(intents));
    return host->journal_status_;
  }

  mb_host_services services_{};
  HttpHandler http_;
  int64_t now_ms_ = 1767225600000;  // 2026-01-01T00:00:00Z
  bool cancelled_ = false;
  mb_status journal_status_ = MB_STATUS_OK;
  std::vector<std::string> journal_;
  std::vector<LogLine> logs_;
  std::vector<std::string> batches_;
};

}  // namespace meterbridge::testing

#endif  // METERBRIDGE_TESTING_FAKE_HOST_HPP_
