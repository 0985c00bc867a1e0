#include "host/plugin/plugin.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <meterbridge/documents_json.hpp>

#include <deque>
#include <optional>

#include "host/common/json.h"
#include "host/common/redaction.h"

namespace mb {
namespace {

// The host side of one hook invocation; its address is the mb_call_host_ptr.
struct CallContext {
  const SessionContext* session = nullptr;  // null for plugin-level hooks
  std::string_view plugin_id;
  const std::atomic<bool>* cancelled = nullptr;
  const std::function<bool()>* ask_cancelled = nullptr;  // null or empty: read `cancelled`
  const JournalIntentsFn* journal_intents = nullptr;     // null or empty: not offered in this call
  std::optional<std::string> result;
  bool error_set = false;
  ErrorClass error_class = ErrorClass::kOk;
  std::string error_message;
  uint64_t retry_after_ms = 0;
  std::deque<std::string> buffers;  // HTTP responses, alive until the hook returns
};

CallContext* context_of(mb_call_host_ptr call) { return static_cast<CallContext*>(call); }
std::string_view view(mb_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

void cb_log(mb_call_host_ptr call, mb_log_level level, mb_str message) {
  std::string prefix;
  if (CallContext* c = context_of(call); c != nullptr) {
    prefix = "[" + std::string(c->plugin_id);
    if (c->session != nullptr) prefix += "/" + c->session->connector_id;
    prefix += "] ";
  }
  std::string line = prefix + std::string(view(message));
  switch (level) {
    case MB_LOG_TRACE: spdlog::trace("{}", line); break;
    case MB_LOG_DEBUG: spdlog::debug("{}", line); break;
    case MB_LOG_INFO: spdlog::info("{}", line); break;
    case MB_LOG_WARN: spdlog::warn("{}", line); break;
    default: spdlog::error("{}", line); break;
  }
}

void cb_result_set(mb_call_host_ptr call, mb_str json) {
  if (CallContext* c = context_of(call)) c->result = std::string(view(json));
}

void cb_error_set(mb_call_host_ptr call, mb_status cls, uint64_t retry_after_ms, mb_str message) {
  if (CallContext* c = context_of(call)) {
    c->error_set = true;
    c->error_class = error_class_from_abi(cls);
    c->error_message = redact(view(message));
    c->retry_after_ms = retry_after_ms;
  }
}

std::string batch_error(mb_status cls, const std::string& message, uint64_t after_ms = 0) {
  return meterbridge::encode(meterbridge::ErrorDocument{cls, redact(message), after_ms});
}

// Turns the ABI's request array into engine requests; the first problem is reported. The text
// is parsed by the host's own parser (its errors name the position, and it refuses duplicate
// keys); the SDK's codec reads the documents.
Result<std::vector<http::HttpRequest>> parse_requests(std::string_view text) {
  auto parsed = json::parse(text);
  if (!parsed) return parsed.status();
  std::vector<meterbridge::HttpRequest> documents;
  try {
    documents = meterbridge::codec::decode_http_batch(*parsed);
  } catch (const meterbridge::DocumentError& e) {
    return Status::ConfigInvalid(e.what());
  }
  std::vector<http::HttpRequest> out;
  out.reserve(documents.size());
  for (meterbridge::HttpRequest& d : documents) {
    http::HttpRequest& r = out.emplace_back();
    r.method = std::move(d.method);
    r.url = std::move(d.url);
    r.headers = std::move(d.headers);
    r.body = std::move(d.body).value_or("");
    bool safe_method = r.method == "GET" || r.method == "HEAD" || r.method == "PUT" ||
                       r.method == "DELETE" || r.method == "OPTIONS";
    r.idempotent = d.idempotent.value_or(safe_method);
    r.endpoint = std::move(d.endpoint);
    if (d.timeout_ms && *d.timeout_ms > 0) r.timeout = std::chrono::milliseconds(*d.timeout_ms);
  }
  return out;
}

// The engine's responses as the ABI's response documents (the SDK's codec writes them).
std::string serialize_responses(std::vector<http::HttpResponse>&& responses) {
  std::vector<meterbridge::HttpResponse> out;
  out.reserve(responses.size());
  for (auto& r : responses) {
    meterbridge::HttpResponse& o = out.emplace_back();
    o.status = r.status;
    o.attempts = r.attempts;
    if (r.status != 0) {
      for (auto& [name, value] : r.headers) o.headers[name] = std::move(value);
      o.body = std::move(r.body);
      o.retry_after_ms = r.retry_after_ms > 0 ? static_cast<uint64_t>(r.retry_after_ms) : 0;
    } else {
      o.error = meterbridge::HttpError{static_cast<mb_status>(r.error_class),
                                       redact(r.error_message), r.maybe_sent};
    }
  }
  return meterbridge::encode_array(out);
}

mb_status cb_http_batch(mb_call_host_ptr call, mb_str requests, mb_str* responses_out) {
  CallContext* c = context_of(call);
  if (c == nullptr || responses_out == nullptr) return MB_STATUS_FATAL;
  auto answer = [&](mb_status status, std::string body) {
    c->buffers.push_back(std::move(body));
    *responses_out = mb_str{c->buffers.back().data(), c->buffers.back().size()};
    return status;
  };
  if (c->session == nullptr || !c->session->http)
    return answer(
        MB_STATUS_UNSUPPORTED,
        batch_error(MB_STATUS_UNSUPPORTED, "this host offers no HTTP engine to this call"));
  auto parsed = parse_requests(view(requests));
  if (!parsed)
    return answer(MB_STATUS_CONFIG_INVALID,
                  batch_error(MB_STATUS_CONFIG_INVALID, parsed.status().message()));
  try {
    http::BatchOutcome outcome = c->session->http->execute(std::move(*parsed), c->cancelled);
    if (!outcome.status.ok()) {
      const Status& s = outcome.status;
      return answer(static_cast<mb_status>(s.code()),
                    batch_error(static_cast<mb_status>(s.code()), s.message(), s.retry_after_ms()));
    }
    return answer(MB_STATUS_OK, serialize_responses(std::move(outcome.responses)));
  } catch (const std::exception& e) {
    return answer(MB_STATUS_FATAL,
                  batch_error(MB_STATUS_FATAL, std::string("HTTP engine failed: ") + e.what()));
  }
}

int64_t cb_now_ms(mb_call_host_ptr call) {
  CallContext* c = context_of(call);
  if (c != nullptr && c->session != nullptr && c->session->clock != nullptr) return c->session->clock->now_ms();
  return SystemClock::instance().now_ms();
}

int32_t cb_is_cancelled(mb_call_host_ptr call) {
  CallContext* c = context_of(call);
  if (c == nullptr) return 0;
  if (c->ask_cancelled != nullptr && *c->ask_cancelled) return (*c->ask_cancelled)() ? 1 : 0;
  return c->cancelled != nullptr && c->cancelled->load() ? 1 : 0;
}

mb_status cb_journal_intents(mb_call_host_ptr call, mb_str intents) {
  CallContext* c = context_of(call);
  // Offered only during apply_quantities: there is nothing to journal anywhere else.
  if (c == nullptr || c->journal_intents == nullptr || !*c->journal_intents) return MB_STATUS_UNSUPPORTED;
  try {
    Status s = (*c->journal_intents)(view(intents));
    if (s.ok()) return MB_STATUS_OK;
    spdlog::error("[{}] write journal: {}", c->plugin_id, s.message());
    return static_cast<mb_status>(s.code() == ErrorClass::kOk ? ErrorClass::kFatal : s.code());
  } catch (const std::exception& e) {
    spdlog::error("[{}] write journal failed: {}", c->plugin_id, e.what());
    return MB_STATUS_FATAL;
  }
}

const mb_host_services kHostServices = {
    sizeof(mb_host_services), MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR,
    &cb_log,                  &cb_result_set,       &cb_error_set,
    &cb_http_batch,           &cb_now_ms,           &cb_is_cancelled,
    &cb_journal_intents,
};

// Converts a finished call into a Result: OK needs a result document; an error needs a class
// (the status) and preferably a message.
Result<std::string> finish(mb_status status, CallContext& c, std::string_view what) {
  if (status == MB_STATUS_OK) {
    if (!c.result) return Status::Fatal(std::string(what) + ": plugin returned OK without a result");
    return std::move(*c.result);
  }
  ErrorClass cls = error_class_from_abi(status);
  if (cls == ErrorClass::kOk) cls = ErrorClass::kFatal;
  std::string message = c.error_set && !c.error_message.empty()
                            ? c.error_message
                            : std::string(what) + ": plugin failed without a message";
  return Status(cls, message, c.retry_after_ms);
}

}  // namespace

const mb_host_services* host_services() { return &kHostServices; }

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::kAuthenticate: return "authenticate";
    case Operation::kListAccounts: return "list_accounts";
    case Operation::kListServices: return "list_services";
    case Operation::kReadQuantities: return "read_quantities";
    case Operation::kApplyQuantities: return "apply_quantities";
    case Operation::kProvisionAccounts: return "provision_accounts";
    case Operation::kProvisionServices: return "provision_services";
    case Operation::kSetStatus: return "set_status";
    case Operation::kLinkAccounts: return "link_accounts";
    case Operation::kDisconnect: return "disconnect";
    case Operation::kListTicketBoards:
      return "list_ticket_boards";
    case Operation::kCheckTicketPermissions:
      return "check_ticket_permissions";
    case Operation::kOpenTicket:
      return "open_ticket";
    case Operation::kAddTicketNote:
      return "add_ticket_note";
    case Operation::kCloseTicket:
      return "close_ticket";
  }
  return "unknown";
}

namespace {
// A hook of a newer minor than the table's: absent (its member lies past the table's size).
mb_session_hook if_in_table(const mb_plugin_table* t, const mb_session_hook& member) {
  size_t end = static_cast<size_t>(reinterpret_cast<const char*>(&member) -
                                   reinterpret_cast<const char*>(t)) +
               sizeof(mb_session_hook);
  return end <= t->size ? member : nullptr;
}

mb_session_hook hook_for(const mb_plugin_table* t, Operation op) {
  switch (op) {
    case Operation::kAuthenticate: return t->on_authenticate;
    case Operation::kListAccounts: return t->on_list_accounts;
    case Operation::kListServices: return t->on_list_services;
    case Operation::kReadQuantities: return t->on_read_quantities;
    case Operation::kApplyQuantities: return t->on_apply_quantities;
    case Operation::kProvisionAccounts: return t->on_provision_accounts;
    case Operation::kProvisionServices: return t->on_provision_services;
    case Operation::kSetStatus: return t->on_set_status;
    case Operation::kLinkAccounts: return t->on_link_accounts;
    case Operation::kDisconnect: return t->on_disconnect;
    case Operation::kListTicketBoards:
      return if_in_table(t, t->on_list_ticket_boards);
    case Operation::kCheckTicketPermissions:
      return if_in_table(t, t->on_check_ticket_permissions);
    case Operation::kOpenTicket:
      return if_in_table(t, t->on_open_ticket);
    case Operation::kAddTicketNote:
      return if_in_table(t, t->on_add_ticket_note);
    case Operation::kCloseTicket:
      return if_in_table(t, t->on_close_ticket);
  }
  return nullptr;
}
}  // namespace

LoadedPlugin::LoadedPlugin(PluginManifest manifest, const mb_plugin_table* table,
                           std::shared_ptr<void> library)
    : library_(std::move(library)), manifest_(std::move(manifest)), table_(table) {}

LoadedPlugin::~LoadedPlugin() {
  if (table_ != nullptr && table_->on_plugin_unload != nullptr) table_->on_plugin_unload(table_->plugin);
}

Result<std::string> LoadedPlugin::describe() {
  CallContext c;
  c.plugin_id = manifest_.id;
  mb_status status = table_->on_describe(table_->plugin, &c);
  return finish(status, c, "describe");
}

bool LoadedPlugin::offers(Operation op) const { return hook_for(table_, op) != nullptr; }

Result<std::unique_ptr<PluginSession>> LoadedPlugin::open(SessionContext context,
                                                          std::string_view config_json) {
  context.plugin_id = manifest_.id;
  CallContext c;
  c.session = &context;
  c.plugin_id = manifest_.id;
  mb_session_plugin_ptr session = nullptr;
  mb_status status = table_->on_session_open(table_->plugin, &c,
                                             mb_str{config_json.data(), config_json.size()}, &session);
  if (status != MB_STATUS_OK) {
    if (session != nullptr) table_->on_session_close(session);
    return finish(status, c, "open").status();
  }
  if (session == nullptr) return Status::Fatal("open: plugin returned OK without a session");
  return std::make_unique<PluginSession>(shared_from_this(), std::move(context), session);
}

PluginSession::PluginSession(std::shared_ptr<LoadedPlugin> plugin, SessionContext context,
                             mb_session_plugin_ptr session)
    : plugin_(std::move(plugin)), context_(std::move(context)), session_(session) {}

PluginSession::~PluginSession() {
  if (session_ != nullptr) plugin_->table()->on_session_close(session_);
}

Result<std::string> PluginSession::invoke(Operation op, std::string_view input_json,
                                          const std::atomic<bool>* cancelled) {
  InvokeHooks hooks;
  hooks.cancelled = cancelled;
  return invoke(op, input_json, hooks);
}

Result<std::string> PluginSession::invoke(Operation op, std::string_view input_json, const InvokeHooks& hooks) {
  mb_session_hook hook = hook_for(plugin_->table(), op);
  if (hook == nullptr)
    return Status::Unsupported(std::string(operation_name(op)) + " is not offered by plugin '" +
                               plugin_->manifest().id + "'");
  std::lock_guard<std::mutex> lock(mu_);
  CallContext c;
  c.session = &context_;
  c.plugin_id = plugin_->manifest().id;
  c.cancelled = hooks.cancelled;
  c.ask_cancelled = &hooks.ask_cancelled;
  c.journal_intents = &hooks.journal_intents;
  mb_status status = hook(session_, &c, mb_str{input_json.data(), input_json.size()});
  return finish(status, c, operation_name(op));
}

}  // namespace mb
