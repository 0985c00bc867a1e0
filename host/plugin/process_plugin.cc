#include "host/plugin/process_plugin.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <thread>

#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/plugin/manifest.h"

namespace mb {
namespace {

using plugin_internal::CallOutcome;
using plugin_internal::HostServiceHandler;
using plugin_internal::PluginProcess;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr std::chrono::milliseconds kShutdownGrace{2000};
constexpr std::chrono::milliseconds kDescribeTimeout{30000};

// The session operations in the order of mb_plugin_table's session hooks.
constexpr std::array<std::string_view, 15> kMethods = {
    "authenticate",     "list_accounts",      "list_services",      "read_quantities",
    "apply_quantities", "provision_accounts", "provision_services", "set_status",
    "link_accounts",    "disconnect",         "list_ticket_boards", "check_ticket_permissions",
    "open_ticket",      "add_ticket_note",    "close_ticket"};

std::string_view view(mb_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
mb_str str(std::string_view s) { return mb_str{s.data(), s.size()}; }

mb_status report(const mb_host_services* services, mb_call_host_ptr call, const Status& status) {
  ErrorClass cls = status.ok() ? ErrorClass::kFatal : status.code();
  std::string message = redact(status.message());
  services->callback_error_set(call, static_cast<mb_status>(cls), status.retry_after_ms(),
                               str(message));
  return static_cast<mb_status>(cls);
}

void log_to_host(const mb_host_services* services, mb_call_host_ptr call, int level,
                 std::string_view line) {
  services->callback_log(call, static_cast<mb_log_level>(level), str(line));
}

// The child's host-service requests, answered through the host's own callbacks for `call`.
HostServiceHandler handler_for(const mb_host_services* services, mb_call_host_ptr call) {
  HostServiceHandler handler;
  handler.log = [services, call](int level, std::string_view line) {
    log_to_host(services, call, level, line);
  };
  handler.cancelled = [services, call] { return services->callback_is_cancelled(call) != 0; };
  handler.request = [services, call](
                        std::string_view method,
                        const boost::json::value& params) -> Result<boost::json::value> {
    if (method == "host/now")
      return boost::json::value(boost::json::object{{"now_ms", services->callback_now_ms(call)}});
    if (method == "host/is_cancelled")
      return boost::json::value(
          boost::json::object{{"cancelled", services->callback_is_cancelled(call) != 0}});
    if (method == "host/http_batch") {
      const auto* requests = json::get(params, "requests");
      if (requests == nullptr || !requests->is_array())
        return Status::ConfigInvalid("host/http_batch: params.requests must be an array");
      std::string text = boost::json::serialize(*requests);
      mb_str out{nullptr, 0};
      mb_status status = services->callback_http_batch(call, str(text), &out);
      auto answer = json::parse(view(out));
      if (!answer) return Status::Fatal("host/http_batch: the host's answer did not parse");
      if (status == MB_STATUS_OK)
        return boost::json::value(boost::json::object{{"responses", std::move(*answer)}});
      const auto* error = json::get(*answer, "error");
      static const boost::json::value kNone;
      const boost::json::value& e = error != nullptr ? *error : kNone;
      return Status(error_class_from_abi(status), json::get_string(e, "message").value_or(""),
                    static_cast<uint64_t>(
                        std::max<int64_t>(0, json::get_int(e, "retry_after_ms").value_or(0))));
    }
    if (method == "host/journal_intents") {
      if (services->size < offsetof(mb_host_services, callback_journal_intents) + sizeof(void*) ||
          services->callback_journal_intents == nullptr)
        return Status::Unsupported("host/journal_intents is not offered by this host");
      const auto* intents = json::get(params, "intents");
      if (intents == nullptr || !intents->is_array())
        return Status::ConfigInvalid("host/journal_intents: params.intents must be an array");
      std::string text = boost::json::serialize(*intents);
      mb_status status = services->callback_journal_intents(call, str(text));
      if (status == MB_STATUS_OK) return boost::json::value(boost::json::object{});
      ErrorClass cls = error_class_from_abi(status);
      return Status(cls, cls == ErrorClass::kUnsupported
                             ? "the write journal is offered only during apply_quantities"
                             : "the write journal could not record the intents");
    }
    return Status::Unsupported("unknown host service '" + std::string(method) + "'");
  };
  return handler;
}

// Starts a child and shakes hands with it (docs/plugin-protocol.md, "Handshake and versions").
Result<std::unique_ptr<PluginProcess>> start_child(const ProcessSpec& spec,
                                                   const HostServiceHandler& handler) {
  auto child = PluginProcess::start(spec);
  if (!child) return child.status();
  auto deadline = SteadyClock::now() + spec.call_timeout;
  boost::json::object params{
      {"protocol", {{"major", kProtocolMajor}, {"minor_max", kProtocolMinor}}},
      {"host_version", "meterbridge " MB_HOST_VERSION},
      {"plugin_id", spec.plugin_id}};
  CallOutcome out = (*child)->call("initialize", params, deadline, handler);
  if (out.kind == CallOutcome::kChildFailed) return out.status;
  if (out.kind == CallOutcome::kError)
    return Status(out.status.code(), "the plugin refused the handshake: " + out.status.message());
  const auto* protocol = json::get(out.result, "protocol");
  std::optional<int64_t> major, minor;
  if (protocol != nullptr) {
    major = json::get_int(*protocol, "major");
    minor = json::get_int(*protocol, "minor");
  }
  if (!major || !minor)
    return Status::Fatal(
        "plugin process broke the protocol: initialize's result has no protocol version");
  std::string spoken = std::to_string(*major) + "." + std::to_string(*minor);
  if (*major != kProtocolMajor || *minor < 0 || *minor > kProtocolMinor)
    return Status::Unsupported("plugin process speaks protocol " + spoken + ", host speaks " +
                               std::to_string(kProtocolMajor) + ".0 to " +
                               std::to_string(kProtocolMajor) + "." +
                               std::to_string(kProtocolMinor));
  if (!spec.abi.empty() && spoken != spec.abi)
    return Status::ConfigInvalid("manifest says ABI " + spec.abi +
                                 " but the plugin process speaks protocol " + spoken);
  return std::move(*child);
}

// One connector's session: its child (started at open, restarted after a failure) and the
// config every fresh child is opened with.
class BridgeSession {
 public:
  BridgeSession(const ProcessBridge& bridge, std::string config)
      : bridge_(bridge), config_(std::move(config)) {}
  ~BridgeSession() {
    if (child_) child_->shutdown(kShutdownGrace, HostServiceHandler{});
  }

  Status open(mb_call_host_ptr call) { return ensure_child(call); }

  mb_status invoke(mb_call_host_ptr call, std::string_view method, std::string_view input) {
    const mb_host_services* services = bridge_.services();
    auto params = json::parse(input.empty() ? std::string_view("{}") : input);
    if (!params || !params->is_object())
      return report(
          services, call,
          Status::ConfigInvalid(std::string(method) + ": the input is not a JSON object"));
    if (Status started = ensure_child(call); !started.ok()) return report(services, call, started);
    HostServiceHandler handler = handler_for(services, call);
    CallOutcome out =
        child_->call(method, *params, SteadyClock::now() + bridge_.spec().call_timeout, handler);
    if (out.kind == CallOutcome::kChildFailed) {
      failed(call, out.status);
      return report(services, call, out.status);
    }
    backoff_ = std::chrono::milliseconds(0);
    if (out.kind == CallOutcome::kError) return report(services, call, out.status);
    std::string text = boost::json::serialize(out.result);
    services->callback_result_set(call, str(text));
    return MB_STATUS_OK;
  }

 private:
  // A running, opened child, or why there is none. Waits out the backoff after a failure.
  Status ensure_child(mb_call_host_ptr call) {
    if (child_) return Status::Ok();
    const mb_host_services* services = bridge_.services();
    while (SteadyClock::now() < not_before_) {
      if (services->callback_is_cancelled(call) != 0)
        return Status::Retry("cancelled while waiting to restart the plugin process");
      std::this_thread::sleep_for(std::min<SteadyClock::duration>(not_before_ - SteadyClock::now(),
                                                                  std::chrono::milliseconds(20)));
    }
    HostServiceHandler handler = handler_for(services, call);
    auto child = start_child(bridge_.spec(), handler);
    if (!child) {
      if (plugin_internal::is_child_failure(child.status())) failed(call, child.status());
      return child.status();
    }
    auto config = json::parse(config_);
    if (!config || !config->is_object())
      return Status::ConfigInvalid("open: the plugin config is not a JSON object");
    CallOutcome out = (*child)->call("open", boost::json::object{{"config", std::move(*config)}},
                                     SteadyClock::now() + bridge_.spec().call_timeout, handler);
    if (out.kind == CallOutcome::kChildFailed) {
      failed(call, out.status);
      return out.status;
    }
    if (out.kind == CallOutcome::kError) return out.status;
    child_ = std::move(*child);
    log_to_host(services, call, MB_LOG_DEBUG,
                "started plugin process " + std::to_string(child_->pid()) + " (" +
                    bridge_.spec().program.filename().string() + ")");
    return Status::Ok();
  }

  void failed(mb_call_host_ptr call, const Status& why) {
    child_.reset();
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
    not_before_ = SteadyClock::now() + backoff_;
    std::string line = why.message() + "; the next call starts a fresh process";
    log_to_host(bridge_.services(), call, MB_LOG_ERROR, line);
  }

  const ProcessBridge& bridge_;
  std::string config_;
  std::unique_ptr<PluginProcess> child_;
  std::chrono::milliseconds backoff_{0};
  SteadyClock::time_point not_before_{};
};

template <size_t I>
mb_status session_hook(mb_session_plugin_ptr session, mb_call_host_ptr call, mb_str input) {
  auto* s = static_cast<BridgeSession*>(session);
  try {
    return s->invoke(call, kMethods[I], view(input));
  } catch (...) {  // nothing may cross the waist; the host reports a failure without a message
    return MB_STATUS_FATAL;
  }
}

ProcessBridge* bridge_of(mb_plugin_plugin_ptr plugin) {
  return static_cast<ProcessBridge*>(plugin);
}

mb_status on_describe(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call) {
  ProcessBridge* bridge = bridge_of(plugin);
  const mb_host_services* services = bridge->services();
  try {
    HostServiceHandler handler = handler_for(services, call);
    auto child = start_child(bridge->spec(), handler);
    if (!child) return report(services, call, child.status());
    // Describing happens while the host starts: a plugin hanging there delays start-up by
    // at most kDescribeTimeout, whatever its call timeout.
    auto timeout =
        std::min<std::chrono::milliseconds>(bridge->spec().call_timeout, kDescribeTimeout);
    CallOutcome out =
        (*child)->call("describe", boost::json::object{}, SteadyClock::now() + timeout, handler);
    if (out.kind != CallOutcome::kResult) return report(services, call, out.status);
    (*child)->shutdown(kShutdownGrace, handler);
    std::string text = boost::json::serialize(out.result);
    services->callback_result_set(call, str(text));
    return MB_STATUS_OK;
  } catch (const std::exception& e) {
    return report(services, call, Status::Fatal(std::string("describe: ") + e.what()));
  }
}

mb_status on_session_open(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call, mb_str config,
                          mb_session_plugin_ptr* session_out) {
  ProcessBridge* bridge = bridge_of(plugin);
  try {
    auto session = std::make_unique<BridgeSession>(*bridge, std::string(view(config)));
    if (Status opened = session->open(call); !opened.ok())
      return report(bridge->services(), call, opened);
    *session_out = session.release();
    return MB_STATUS_OK;
  } catch (const std::exception& e) {
    return report(bridge->services(), call, Status::Fatal(std::string("open: ") + e.what()));
  }
}

void on_session_close(mb_session_plugin_ptr session) {
  delete static_cast<BridgeSession*>(session);
}

Result<uint64_t> positive(const boost::json::value& object, std::string_view key,
                          std::string_view pointer, uint64_t fallback) {
  const auto* v = json::get(object, key);
  if (v == nullptr) return fallback;
  if (!v->is_int64() || v->as_int64() <= 0)
    return Status::ConfigInvalid(std::string(pointer) + "/" + std::string(key) +
                                 ": must be a positive integer");
  return static_cast<uint64_t>(v->as_int64());
}

}  // namespace

Result<ProcessSpec> process_spec_from_manifest(const boost::json::value& manifest,
                                               const std::filesystem::path& folder) {
  const auto* process = json::get(manifest, "process");
  if (process == nullptr || !process->is_object())
    return Status::ConfigInvalid("/process: required object when \"runtime\" is \"process\"");
  ProcessSpec spec;
  auto command = json::get_string(*process, "command");
  if (!command || command->empty() || command->find('/') != std::string::npos)
    return Status::ConfigInvalid("/process/command: must name a file in the plugin folder");
  spec.program = folder / *command;
  spec.working_dir = folder;
  if (const auto* args = json::get(*process, "args")) {
    if (!args->is_array())
      return Status::ConfigInvalid("/process/args: must be an array of strings");
    for (const auto& a : args->get_array()) {
      if (!a.is_string())
        return Status::ConfigInvalid("/process/args: must be an array of strings");
      spec.args.emplace_back(a.get_string());
    }
  }
  auto timeout = positive(*process, "call_timeout_ms", "/process", 120000);
  if (!timeout) return timeout.status();
  spec.call_timeout = std::chrono::milliseconds(*timeout);
  if (const auto* limits = json::get(*process, "limits"))
    MB_RETURN_IF_ERROR(apply_process_limits(*limits, "/process/limits", false, spec));
  spec.plugin_id = json::get_string(manifest, "id").value_or("");
  spec.abi = json::get_string(manifest, "abi").value_or("");
  if (const auto* caps = json::get(manifest, "capabilities"); caps != nullptr && caps->is_array())
    for (const auto& c : caps->get_array())
      if (c.is_string()) spec.capabilities.emplace_back(c.get_string());
  return spec;
}

Status apply_process_limits(const boost::json::value& limits, std::string_view pointer,
                            bool with_call_timeout, ProcessSpec& spec) {
  if (!limits.is_object())
    return Status::ConfigInvalid(std::string(pointer) + ": must be an object");
  auto memory = positive(limits, "memory_mb", pointer, spec.memory_mb);
  auto cpu = positive(limits, "cpu_seconds", pointer, spec.cpu_seconds);
  auto files = positive(limits, "open_files", pointer, spec.open_files);
  auto timeout = positive(limits, "call_timeout_ms", pointer,
                          static_cast<uint64_t>(spec.call_timeout.count()));
  for (const auto* r : {&memory, &cpu, &files, &timeout})
    if (!*r) return r->status();
  if (!with_call_timeout && json::get(limits, "call_timeout_ms") != nullptr)
    return Status::ConfigInvalid(
        std::string(pointer) + "/call_timeout_ms: not a limit here (it belongs beside \"limits\")");
  spec.memory_mb = *memory;
  spec.cpu_seconds = *cpu;
  spec.open_files = *files;
  spec.call_timeout = std::chrono::milliseconds(*timeout);
  return Status::Ok();
}

ProcessBridge::ProcessBridge(ProcessSpec spec, const mb_host_services* services)
    : spec_(std::move(spec)), services_(services) {
  table_.size = sizeof(mb_plugin_table);
  table_.abi_major = kProtocolMajor;
  table_.abi_minor = kProtocolMinor;
  if (auto abi = parse_abi_version(spec_.abi)) {
    table_.abi_major = abi->major;
    table_.abi_minor = abi->minor;
  }
  table_.plugin = this;
  table_.on_describe = &on_describe;
  table_.on_session_open = &on_session_open;
  table_.on_session_close = &on_session_close;
  table_.on_authenticate = &session_hook<0>;
  table_.on_list_accounts = &session_hook<1>;
  table_.on_list_services = &session_hook<2>;
  table_.on_read_quantities = &session_hook<3>;
  table_.on_apply_quantities = &session_hook<4>;
  auto offered = [this](std::string_view capability) {
    return std::find(spec_.capabilities.begin(), spec_.capabilities.end(), capability) !=
           spec_.capabilities.end();
  };
  if (offered("provision_accounts")) table_.on_provision_accounts = &session_hook<5>;
  if (offered("provision_services")) table_.on_provision_services = &session_hook<6>;
  if (offered("set_status")) table_.on_set_status = &session_hook<7>;
  if (offered("link_accounts")) table_.on_link_accounts = &session_hook<8>;
  if (offered("disconnect")) table_.on_disconnect = &session_hook<9>;
  if (offered("tickets")) {
    table_.on_list_ticket_boards = &session_hook<10>;
    table_.on_check_ticket_permissions = &session_hook<11>;
    table_.on_open_ticket = &session_hook<12>;
    table_.on_add_ticket_note = &session_hook<13>;
    table_.on_close_ticket = &session_hook<14>;
  }
}

ProcessBridge::~ProcessBridge() = default;

}  // namespace mb
