// LoadedPlugin and PluginSession: the host's C++ face of one negotiated plugin and of one
// connector's session with it. Everything crossing the C ABI happens here, so the rest of the
// host deals in Status, Result and JSON strings only.
//
//   std::shared_ptr<LoadedPlugin> plugin = registry.find("examplepsa");
//   auto session = plugin->open({.connector_id = "acme", .http = client}, config_json);
//   Result<std::string> r = (*session)->invoke(Operation::kAuthenticate, "{}");
#ifndef METERBRIDGE_HOST_PLUGIN_PLUGIN_H_
#define METERBRIDGE_HOST_PLUGIN_PLUGIN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/http/http_client.h"
#include "host/plugin/manifest.h"
#include "meterbridge/abi.h"

namespace mb {

enum class Operation {
  kAuthenticate,
  kListAccounts,
  kListServices,
  kReadQuantities,
  kApplyQuantities,
  kProvisionAccounts,
  kProvisionServices,
  kSetStatus,
  kLinkAccounts,
  kDisconnect,
  // The "tickets" capability (ABI 1.2).
  kListTicketBoards,
  kCheckTicketPermissions,
  kOpenTicket,
  kAddTicketNote,
  kCloseTicket,
};
std::string_view operation_name(Operation op);

// The host-services table every plugin receives. Valid for the life of the process.
const mb_host_services* host_services();

// What a session needs from the host besides its config.
struct SessionContext {
  std::string plugin_id;
  std::string connector_id;
  std::shared_ptr<http::HttpClient> http;  // null: callback_http_batch answers "unsupported"
  const Clock* clock = &SystemClock::instance();
};

class PluginSession;

// Records a plugin's write intents (the JSON array of callback_journal_intents) durably, or
// says why it could not; the plugin sends those writes only after OK.
using JournalIntentsFn = std::function<Status(std::string_view intents_json)>;

// What one invocation offers the plugin besides its input.
struct InvokeHooks {
  const std::atomic<bool>* cancelled = nullptr;  // callback_is_cancelled
  // When set, callback_is_cancelled asks it instead of reading `cancelled`: the runner's answer
  // comes from its host, so a plugin polling for cancellation sees it while it happens.
  std::function<bool()> ask_cancelled;
  JournalIntentsFn journal_intents;  // callback_journal_intents; empty: unsupported
};

class LoadedPlugin : public std::enable_shared_from_this<LoadedPlugin> {
 public:
  // Takes a negotiated table. `library` keeps the shared object mapped until after
  // on_plugin_unload has run (it is released last).
  LoadedPlugin(PluginManifest manifest, const mb_plugin_table* table, std::shared_ptr<void> library);
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const PluginManifest& manifest() const { return manifest_; }
  const mb_plugin_table* table() const { return table_; }

  // Calls on_describe and returns the manifest document the plugin reports.
  Result<std::string> describe();
  // Whether the table offers the hook for `op` (optional capabilities may be NULL).
  bool offers(Operation op) const;
  // Opens a session with an already validated, resolved plugin config.
  Result<std::unique_ptr<PluginSession>> open(SessionContext context, std::string_view config_json);

 private:
  std::shared_ptr<void> library_;  // declared first: destroyed last
  PluginManifest manifest_;
  const mb_plugin_table* table_;
};

// One connector's session. Calls into it are serialized (the ABI's threading contract), so a
// PluginSession may be shared between threads.
class PluginSession {
 public:
  PluginSession(std::shared_ptr<LoadedPlugin> plugin, SessionContext context,
                mb_session_plugin_ptr session);
  ~PluginSession();
  PluginSession(const PluginSession&) = delete;
  PluginSession& operator=(const PluginSession&) = delete;

  // Runs one operation with a JSON input; returns the plugin's result document, or the error
  // it reported (class + message). `cancelled` may be null.
  Result<std::string> invoke(Operation op, std::string_view input_json,
                             const std::atomic<bool>* cancelled = nullptr);
  Result<std::string> invoke(Operation op, std::string_view input_json, const InvokeHooks& hooks);
  const SessionContext& context() const { return context_; }
  const LoadedPlugin& plugin() const { return *plugin_; }

 private:
  std::shared_ptr<LoadedPlugin> plugin_;
  SessionContext context_;
  mb_session_plugin_ptr session_;
  std::mutex mu_;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_PLUGIN_PLUGIN_H_
