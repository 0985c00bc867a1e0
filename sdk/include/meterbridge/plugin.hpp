// meterbridge C++ plugin layer: write a plugin as two ordinary C++ classes.
//
// Header-only, built on <meterbridge/abi.h> alone. A plugin derives from meterbridge::Plugin
// (global state, describe, open) and meterbridge::Session (one connector's operations), then
// exports itself with exactly one macro:
//
//   class HelloSession : public meterbridge::Session {
//    public:
//     std::string authenticate(meterbridge::Call&, std::string_view) override {
//       return R"({"status":"ok","message":"hello"})";
//     }
//     ...
//   };
//   class HelloPlugin : public meterbridge::Plugin {
//    public:
//     std::string describe() override { return kManifestJson; }
//     std::unique_ptr<meterbridge::Session> open(meterbridge::Call&,
//                                                std::string_view config) override { ... }
//   };
//   MB_PLUGIN(HelloPlugin)
//
// Errors: throw meterbridge::PluginError(MB_STATUS_..., "message") from any hook; any other
// exception becomes MB_STATUS_FATAL with its what(). No exception ever crosses the C waist.
// Documents are JSON strings; pick any JSON library you like.
#ifndef METERBRIDGE_PLUGIN_HPP_
#define METERBRIDGE_PLUGIN_HPP_

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meterbridge/abi.h"
#include "meterbridge/documents.hpp"

namespace meterbridge {

inline mb_str to_mb_str(std::string_view s) { return mb_str{s.data(), s.size()}; }
inline std::string_view to_string_view(mb_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// The name of an error class as the JSON documents spell it ("error_class": "retry", ...);
// unknown values are "fatal", as the ABI says.
inline const char* error_class_name(mb_status status) {
  switch (status) {
    case MB_STATUS_OK: return "ok";
    case MB_STATUS_RETRY: return "retry";
    case MB_STATUS_RATE_LIMITED: return "rate_limited";
    case MB_STATUS_AUTH_FAILED: return "auth_failed";
    case MB_STATUS_CONFIG_INVALID: return "config_invalid";
    case MB_STATUS_NOT_FOUND: return "not_found";
    case MB_STATUS_CONFLICT: return "conflict";
    case MB_STATUS_UNSUPPORTED: return "unsupported";
    default: return "fatal";
  }
}

// An error a hook reports to the host: an ABI error class, a message users may read (never a
// secret), and for retry/rate_limited how long to wait.
class PluginError : public std::runtime_error {
 public:
  PluginError(mb_status error_class, const std::string& message, uint64_t retry_after_ms = 0)
      : std::runtime_error(message), error_class_(error_class), retry_after_ms_(retry_after_ms) {}
  mb_status error_class() const { return error_class_; }
  uint64_t retry_after_ms() const { return retry_after_ms_; }

 private:
  mb_status error_class_;
  uint64_t retry_after_ms_;
};

// The host's services for the duration of one hook. Not copyable; never keep it after the hook.
class Call {
 public:
  Call(const mb_host_services* services, mb_call_host_ptr call) : services_(services), call_(call) {}
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  void log(mb_log_level level, std::string_view message) const {
    if (services_ != nullptr && services_->callback_log != nullptr)
      services_->callback_log(call_, level, to_mb_str(message));
  }
  void info(std::string_view m) const { log(MB_LOG_INFO, m); }
  void warn(std::string_view m) const { log(MB_LOG_WARN, m); }
  void debug(std::string_view m) const { log(MB_LOG_DEBUG, m); }

  // Runs a batch of typed HTTP requests through the host's engine and returns one response per
  // request, in order. Throws PluginError (with the host's class, message and retry_after_ms)
  // when the host refused the batch as a whole. Defined in <meterbridge/http.hpp>, which a
  // translation unit calling it includes; this header stays free of any JSON library.
  template <typename Requests = std::vector<HttpRequest>>
  std::vector<HttpResponse> http(const Requests& requests) const {
    return run_http(*this, requests);
  }

  // Runs a batch of HTTP requests (a JSON array, see abi.h) and returns the JSON array of
  // responses. Throws PluginError when the batch as a whole could not run. The text-level form
  // of http(), for plugins that build their own JSON.
  std::string http_batch(std::string_view requests_json) const {
    if (services_ == nullptr || services_->callback_http_batch == nullptr)
      throw PluginError(MB_STATUS_UNSUPPORTED, "host offers no HTTP engine");
    mb_str out{nullptr, 0};
    mb_status status = services_->callback_http_batch(call_, to_mb_str(requests_json), &out);
    std::string body(to_string_view(out));
    if (status != MB_STATUS_OK) throw PluginError(status, "HTTP batch refused by host: " + body);
    return body;
  }

  int64_t now_ms() const {
    return services_ != nullptr && services_->callback_now_ms != nullptr
               ? services_->callback_now_ms(call_)
               : 0;
  }
  bool cancelled() const {
    return services_ != nullptr && services_->callback_is_cancelled != nullptr &&
           services_->callback_is_cancelled(call_) != 0;
  }

  // Records write intents (a JSON array, see callback_journal_intents in abi.h) durably before
  // the plugin sends writes that are not idempotent. Throws PluginError when the host did not
  // record them: the writes must then not be sent.
  void journal_intents(std::string_view intents_json) const {
    bool offered = services_ != nullptr &&
                   services_->size >= offsetof(mb_host_services, callback_journal_intents) +
                                          sizeof(services_->callback_journal_intents) &&
                   services_->callback_journal_intents != nullptr;
    if (!offered) throw PluginError(MB_STATUS_UNSUPPORTED, "the host offers no write journal");
    mb_status status = services_->callback_journal_intents(call_, to_mb_str(intents_json));
    if (status != MB_STATUS_OK)
      throw PluginError(status, "the host could not journal the writes; none was sent");
  }

  mb_call_host_ptr raw() const { return call_; }
  const mb_host_services* services() const { return services_; }

 private:
  const mb_host_services* services_;
  mb_call_host_ptr call_;
};

// One connector's session. Inputs and results are the JSON documents described in abi.h.
// Optional capabilities throw MB_STATUS_UNSUPPORTED unless overridden AND advertised by the
// plugin's capabilities().
class Session {
 public:
  virtual ~Session() = default;
  virtual std::string authenticate(Call& call, std::string_view input) = 0;
  virtual std::string list_accounts(Call& call, std::string_view input) = 0;
  virtual std::string list_services(Call& call, std::string_view input) = 0;
  virtual std::string read_quantities(Call& call, std::string_view input) = 0;
  virtual std::string apply_quantities(Call& call, std::string_view input) = 0;

  virtual std::string provision_accounts(Call&, std::string_view) { throw unsupported(); }
  virtual std::string provision_services(Call&, std::string_view) { throw unsupported(); }
  virtual std::string set_status(Call&, std::string_view) { throw unsupported(); }
  virtual std::string link_accounts(Call&, std::string_view) { throw unsupported(); }
  virtual std::string disconnect(Call&, std::string_view) { return "{}"; }

  // The "tickets" capability (abi.h: on_list_ticket_boards ... on_close_ticket).
  virtual std::string list_ticket_boards(Call&, std::string_view) { throw unsupported(); }
  virtual std::string check_ticket_permissions(Call&, std::string_view) { throw unsupported(); }
  virtual std::string open_ticket(Call&, std::string_view) { throw unsupported(); }
  virtual std::string add_ticket_note(Call&, std::string_view) { throw unsupported(); }
  virtual std::string close_ticket(Call&, std::string_view) { throw unsupported(); }

 private:
  static PluginError unsupported() {
    return PluginError(MB_STATUS_UNSUPPORTED, "capability not offered by this plugin");
  }
};

// Which optional hooks the table exposes. Must agree with the manifest's "capabilities".
struct Capabilities {
  bool provision_accounts = false;
  bool provision_services = false;
  bool set_status = false;
  bool link_accounts = false;
  bool disconnect = false;
  bool tickets = false;  // the five ticket hooks
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  // The manifest document (must agree with the sidecar <id>.plugin.json).
  virtual std::string describe() = 0;
  virtual Capabilities capabilities() const { return {}; }
  // Opens a session with the connector's validated config. Throw PluginError to refuse.
  virtual std::unique_ptr<Session> open(Call& call, std::string_view config) = 0;
};

namespace internal {

// Runs `body` and converts every exception into an error status reported to the host.
template <typename Body>
mb_status guarded(const mb_host_services* services, mb_call_host_ptr call, Body&& body) noexcept {
  auto report = [&](mb_status cls, uint64_t after, const char* what) noexcept {
    if (services != nullptr && services->callback_error_set != nullptr) {
      std::string_view message = what != nullptr ? what : "unknown error";
      services->callback_error_set(call, cls, after, to_mb_str(message));
    }
    return cls;
  };
  try {
    body();
    return MB_STATUS_OK;
  } catch (const PluginError& e) {
    mb_status cls = e.error_class() == MB_STATUS_OK ? MB_STATUS_FATAL : e.error_class();
    return report(cls, e.retry_after_ms(), e.what());
  } catch (const std::bad_alloc&) {
    return report(MB_STATUS_FATAL, 0, "out of memory");
  } catch (const std::exception& e) {
    return report(MB_STATUS_FATAL, 0, e.what());
  } catch (...) {
    return report(MB_STATUS_FATAL, 0, "non-standard exception");
  }
}

// Process-wide glue between the C table and the C++ objects. One per plugin library.
struct Glue {
  const mb_host_services* services = nullptr;
  Plugin* plugin = nullptr;
  mb_plugin_table table{};
};

inline Glue& glue() {
  static Glue instance;
  return instance;
}

inline void set_result(mb_call_host_ptr call, const std::string& json) {
  const mb_host_services* services = glue().services;
  if (services != nullptr && services->callback_result_set != nullptr)
    services->callback_result_set(call, to_mb_str(json));
}

template <std::string (Session::*Method)(Call&, std::string_view)>
mb_status session_hook(mb_session_plugin_ptr session, mb_call_host_ptr call, mb_str input) {
  const mb_host_services* services = glue().services;
  return guarded(services, call, [&] {
    if (session == nullptr) throw PluginError(MB_STATUS_FATAL, "no session");
    Call c(services, call);
    set_result(call, (static_cast<Session*>(session)->*Method)(c, to_string_view(input)));
  });
}

inline mb_status on_describe(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call) {
  return guarded(glue().services, call, [&] {
    set_result(call, static_cast<Plugin*>(plugin)->describe());
  });
}

inline mb_status on_session_open(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call, mb_str config,
                                 mb_session_plugin_ptr* session_out) {
  const mb_host_services* services = glue().services;
  return guarded(services, call, [&] {
    if (session_out == nullptr) throw PluginError(MB_STATUS_FATAL, "no session slot");
    *session_out = nullptr;
    Call c(services, call);
    std::unique_ptr<Session> session = static_cast<Plugin*>(plugin)->open(c, to_string_view(config));
    if (!session) throw PluginError(MB_STATUS_FATAL, "plugin returned no session");
    *session_out = session.release();
  });
}

inline void on_session_close(mb_session_plugin_ptr session) noexcept {
  delete static_cast<Session*>(session);
}

inline void on_plugin_unload(mb_plugin_plugin_ptr plugin) noexcept {
  delete static_cast<Plugin*>(plugin);
  glue().plugin = nullptr;
}

template <typename PluginClass>
mb_status negotiate(const mb_host_offer* offer, const mb_plugin_table** table_out) noexcept {
  if (table_out == nullptr) return MB_STATUS_FATAL;
  *table_out = nullptr;
  if (!mb_host_offer_accepts(offer, MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR) ||
      offer->services == nullptr) {
    return MB_STATUS_UNSUPPORTED;
  }
  Glue& g = glue();
  if (g.plugin != nullptr) {  // Negotiated twice: hand back the same table.
    *table_out = &g.table;
    return MB_STATUS_OK;
  }
  try {
    g.services = offer->services;
    g.plugin = new PluginClass();
  } catch (...) {
    return MB_STATUS_FATAL;
  }
  Capabilities caps = g.plugin->capabilities();
  mb_plugin_table& t = g.table;
  t.size = sizeof(mb_plugin_table);
  t.abi_major = MB_ABI_VERSION_MAJOR;
  t.abi_minor = MB_ABI_VERSION_MINOR;
  t.plugin = g.plugin;
  t.on_describe = &on_describe;
  t.on_session_open = &on_session_open;
  t.on_session_close = &on_session_close;
  t.on_authenticate = &session_hook<&Session::authenticate>;
  t.on_list_accounts = &session_hook<&Session::list_accounts>;
  t.on_list_services = &session_hook<&Session::list_services>;
  t.on_read_quantities = &session_hook<&Session::read_quantities>;
  t.on_apply_quantities = &session_hook<&Session::apply_quantities>;
  t.on_provision_accounts =
      caps.provision_accounts ? &session_hook<&Session::provision_accounts> : nullptr;
  t.on_provision_services =
      caps.provision_services ? &session_hook<&Session::provision_services> : nullptr;
  t.on_set_status = caps.set_status ? &session_hook<&Session::set_status> : nullptr;
  t.on_link_accounts = caps.link_accounts ? &session_hook<&Session::link_accounts> : nullptr;
  t.on_disconnect = caps.disconnect ? &session_hook<&Session::disconnect> : nullptr;
  t.on_plugin_unload = &on_plugin_unload;
  if (caps.tickets) {
    t.on_list_ticket_boards = &session_hook<&Session::list_ticket_boards>;
    t.on_check_ticket_permissions = &session_hook<&Session::check_ticket_permissions>;
    t.on_open_ticket = &session_hook<&Session::open_ticket>;
    t.on_add_ticket_note = &session_hook<&Session::add_ticket_note>;
    t.on_close_ticket = &session_hook<&Session::close_ticket>;
  }
  *table_out = &t;
  return MB_STATUS_OK;
}

}  // namespace internal
}  // namespace meterbridge

// Exports PluginClass (default-constructible, derived from meterbridge::Plugin) as this
// library's plugin. Use exactly once per plugin library.
#define MB_PLUGIN(PluginClass)                                                             \
  extern "C" MB_PLUGIN_EXPORT mb_status meterbridge_plugin_negotiate(                      \
      const mb_host_offer* offer, const mb_plugin_table** table_out) {                      \
    return ::meterbridge::internal::negotiate<PluginClass>(offer, table_out);              \
  }

#endif  // METERBRIDGE_PLUGIN_HPP_
