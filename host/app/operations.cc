#include "host/app/operations.h"

#include <boost/json.hpp>
#include <meterbridge/documents_json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "host/common/json.h"
#include "host/common/logging.h"
#include "host/common/metrics_catalog.h"
#include "host/common/redaction.h"
#include "host/sync/lease.h"

namespace mb::ops {

namespace {

// A verdict, and what the plugin asks the host to set once a connect is complete.
struct Authenticated {
  ConnectorVerdict verdict;
  std::string status_after_connect;
};

// What the platform says about a session's credentials. A session that could not be opened is an
// "error" verdict too: its reason is what the user needs to see. `purpose` is kConnect for the
// first connect or an explicit reconnect, else kTest.
Authenticated authenticate(const std::string& id,
                           const Result<std::unique_ptr<PluginSession>>& session,
                           meterbridge::AuthPurpose purpose) {
  Authenticated a;
  ConnectorVerdict& v = a.verdict;
  v.id = id;
  v.status = ConnectorStatus::kError;
  if (!session) {
    v.error_class = session.status().code();
    v.message = std::string(error_class_name(v.error_class)) + ": " + session.status().message();
    v.message = redact(v.message);
    return a;
  }
  auto result = (*session)->invoke(Operation::kAuthenticate,
                                   meterbridge::encode(meterbridge::AuthenticateRequest{purpose}));
  if (!result) {
    v.error_class = result.status().code();
    v.message = std::string(error_class_name(v.error_class)) + ": " + result.status().message();
  } else {
    meterbridge::AuthenticateResult answer;
    try {
      answer = meterbridge::decode<meterbridge::AuthenticateResult>(*result);
    } catch (const meterbridge::DocumentError&) {
      answer.status_sent = false;  // not a JSON object: no status either
    }
    v.message = answer.message;
    bool known = answer.unknown_status.empty();
    if (!answer.status_sent) {
      v.error_class = ErrorClass::kFatal;
      v.message = "plugin returned an authenticate result without a status";
    } else if (known && (answer.status == meterbridge::AuthStatus::kOk ||
                         answer.status == meterbridge::AuthStatus::kPending)) {
      v.status = answer.status == meterbridge::AuthStatus::kOk ? ConnectorStatus::kOk
                                                               : ConnectorStatus::kPending;
      a.status_after_connect = answer.status_after_connect.value_or("");
    } else {
      // A status this host does not know is fatal (error_class_from_name's default).
      std::string status = known ? meterbridge::wire_name(answer.status) : answer.unknown_status;
      v.error_class = error_class_from_name(status == "unreachable" ? "retry" : status);
      v.message = status + (v.message.empty() ? "" : ": " + v.message);
    }
  }
  v.message = redact(v.message);
  return a;
}

// Whether connecting writes to the platform: it creates the vendor's accounts and services
// there, or sets a status once connected.
bool connect_writes(const LoadedPlugin& plugin) {
  return plugin.offers(Operation::kProvisionAccounts) ||
         plugin.offers(Operation::kProvisionServices) || plugin.offers(Operation::kSetStatus);
}

// Completes a connect whose credentials the platform accepted. A plugin that offers
// provision_accounts/provision_services gets them called first — the sync's own provisioning —
// so the platform has the accounts and services to map the moment its status says it may; then
// the status the plugin asked for in authenticate's answer is set through set_status. Records
// in `v` what was created and the platform's final word. Call it holding the connector's lease.
Status complete_connect(app::App& app, const ConnectorConfig& connector, PluginSession& session,
                        const std::string& status_after_connect, ConnectorVerdict& v) {
  const LoadedPlugin& plugin = session.plugin();
  if (plugin.offers(Operation::kProvisionAccounts) ||
      plugin.offers(Operation::kProvisionServices)) {
    auto config = app.config();
    if (!config) return config.status();
    auto store = app.store();
    if (!store) return store.status();
    // Whether usage was imported: the header says, without reading every count.
    auto snapshot = (*store)->latest_snapshot_header();
    if (!snapshot) return snapshot.status();
    if (!*snapshot) {
      v.provisioned.push_back(
          "nothing created on the platform yet: no usage imported; the first sync after "
          "`meterbridge usage import` creates the accounts and services");
    } else {
      SyncEngine engine(**store, app::sync_settings(**config));
      Status provisioned = engine.provision(connector, session, v.provisioned);
      if (!provisioned.ok())
        return Status(provisioned.code(),
                      "creating the accounts and services on the platform failed (" +
                          redact(provisioned.message()) +
                          "), so its status was left as it was; once that is fixed, run "
                          "`meterbridge connectors connect " +
                          connector.id + "` again");
    }
  }
  if (status_after_connect.empty() || !plugin.offers(Operation::kSetStatus)) return Status::Ok();
  auto set =
      session.invoke(Operation::kSetStatus,
                     meterbridge::encode(meterbridge::SetStatusRequest{status_after_connect}));
  if (!set)
    return Status(set.status().code(),
                  "the accounts and services exist on the platform, but setting its status to '" +
                      status_after_connect + "' failed (" + redact(set.status().message()) +
                      "); run `meterbridge connectors connect " + connector.id + "` again");
  std::string message;
  try {
    message = meterbridge::decode<meterbridge::SetStatusResult>(*set).message;
  } catch (const meterbridge::DocumentError&) {
    // Not a JSON object: the status was set; there is just no word from the platform.
  }
  if (!message.empty()) v.message = redact(message);
  return Status::Ok();
}

// Checks a credentials document: a JSON object whose keys are secret fields of the plugin (by
// name or JSON Pointer). Registers its string values for redaction before anything can print
// them. Returns it re-serialized.
Result<std::string> checked_credentials(const std::string& text, const PluginManifest& manifest) {
  auto doc = json::parse(text);
  if (!doc || !doc->is_object())
    return Status::ConfigInvalid("credentials must be a JSON object of the plugin's secret fields" +
                                 (doc ? std::string() : ": " + doc.status().message()));
  for (const auto& [key, value] : doc->get_object())
    if (value.is_string()) SecretRegistry::global().add(value.get_string());
  const auto& secrets = manifest.secret_fields;
  for (const auto& [key, value] : doc->get_object()) {
    std::string pointer = key.starts_with("/") ? std::string(key) : "/" + json::pointer_token(key);
    if (std::find(secrets.begin(), secrets.end(), pointer) == secrets.end())
      return Status::ConfigInvalid("credentials: '" + std::string(key) +
                                   "' is not a secret field of plugin '" + manifest.id + "'");
  }
  return json::serialize(*doc);
}

}  // namespace

ConnectorVerdict test_new_connector(app::App& app, const ConnectorConfig& draft,
                                    const std::string& credentials_json) {
  auto session = app.open_draft_session(draft, credentials_json);
  return authenticate(draft.id, session, meterbridge::AuthPurpose::kTest).verdict;
}

Result<ConnectorVerdict> test_connector(app::App& app, const std::string& id) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(id));
  auto record = (*store)->get_connector(id);
  if (!record) return record.status();
  // A connector never tested nor connected is connected by its first test (secrets that all live
  // in the config need no `connectors connect`).
  const bool first_connect = !*record || (*record)->status == ConnectorStatus::kNew;
  auto session = app.open_session(id);
  std::unique_ptr<ConnectorLease> lease;
  if (first_connect && session && connect_writes((*session)->plugin())) {
    auto taken = ConnectorLease::acquire(**store, id, "connect");
    if (!taken) return taken.status();
    lease = std::move(*taken);
  }
  Authenticated a = authenticate(
      id, session,
      first_connect ? meterbridge::AuthPurpose::kConnect : meterbridge::AuthPurpose::kTest);
  ConnectorVerdict& v = a.verdict;
  if (first_connect && v.status != ConnectorStatus::kError) {
    Status completed = complete_connect(app, **connector, **session, a.status_after_connect, v);
    if (!completed.ok()) {
      std::string why = "the platform accepted the credentials, but " + completed.message();
      MB_RETURN_IF_ERROR((*store)->set_connector_status(id, ConnectorStatus::kError, why));
      return Status(completed.code(), "connector '" + id + "': " + why);
    }
  }
  MB_RETURN_IF_ERROR((*store)->set_connector_status(id, v.status, v.message));
  return v;
}

namespace {

// The loaded plugin a connector runs.
Result<std::shared_ptr<LoadedPlugin>> plugin_of(app::App& app, const ConnectorConfig& connector) {
  auto registry = app.plugins();
  if (!registry) return registry.status();
  auto plugin = (*registry)->find(connector.plugin);
  if (!plugin) return Status::Unsupported("plugin '" + connector.plugin + "' is not loaded");
  return plugin;
}

// The reference tokens of a JSON Pointer, unescaped (RFC 6901).
std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  size_t start = 1;
  while (start <= pointer.size()) {
    size_t end = pointer.find('/', start);
    if (end == std::string_view::npos) end = pointer.size();
    std::string token;
    for (size_t i = start; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end) {
        token += pointer[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        token += pointer[i];
      }
    }
    tokens.push_back(std::move(token));
    start = end + 1;
  }
  return tokens;
}

}  // namespace

Result<std::vector<CredentialField>> credential_fields(app::App& app, const std::string& id) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  auto plugin = plugin_of(app, **connector);
  if (!plugin) return plugin.status();
  const PluginManifest& manifest = (*plugin)->manifest();
  std::vector<CredentialField> fields;
  for (const std::string& pointer : manifest.secret_fields) {
    std::vector<std::string> tokens = pointer_tokens(pointer);
    if (tokens.empty()) continue;
    const boost::json::value* schema = &manifest.config_schema;
    const boost::json::value* configured = &(*connector)->plugin_config;
    for (const std::string& token : tokens) {
      const auto* properties =
          schema && schema->is_object() ? schema->as_object().if_contains("properties") : nullptr;
      schema = properties && properties->is_object() ? properties->as_object().if_contains(token)
                                                     : nullptr;
      configured = configured && configured->is_object()
                       ? configured->as_object().if_contains(token)
                       : nullptr;
    }
    CredentialField field;
    field.key = tokens.size() == 1 ? tokens.front() : pointer;
    field.label = tokens.back();
    field.in_config = configured != nullptr && !configured->is_null();
    if (schema && schema->is_object()) {
      const auto& o = schema->as_object();
      if (const auto* title = o.if_contains("title"); title && title->is_string())
        field.label = title->as_string();
      if (const auto* d = o.if_contains("description"); d && d->is_string())
        field.description = d->as_string();
      if (const auto* d = o.if_contains("default"); d && d->is_string())
        field.default_value = std::string(d->as_string());
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

Result<ConnectorVerdict> connect_connector(app::App& app, const std::string& id,
                                           const std::optional<std::string>& credentials_json,
                                           bool force) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  auto loaded = plugin_of(app, **connector);
  if (!loaded) return loaded.status();
  std::shared_ptr<LoadedPlugin> plugin = *loaded;
  auto store = app.store();
  if (!store) return store.status();
  std::optional<std::string> candidate;
  if (credentials_json) {
    auto checked = checked_credentials(*credentials_json, plugin->manifest());
    if (!checked) return checked.status();
    candidate = *checked;
  } else {
    auto stored = (*store)->get_credentials(id);
    if (!stored) return stored.status();
    candidate = *stored;
  }
  // Connecting may write to the platform (accounts, services, status): not beside a sync.
  std::unique_ptr<ConnectorLease> lease;
  if (connect_writes(*plugin)) {
    auto taken = ConnectorLease::acquire(**store, id, "connect");
    if (!taken) return taken.status();
    lease = std::move(*taken);
  }
  auto session = app.open_session_with(id, candidate);
  Authenticated a = authenticate(id, session, meterbridge::AuthPurpose::kConnect);
  ConnectorVerdict& v = a.verdict;
  if (v.status == ConnectorStatus::kError) {
    if (!force) {
      std::string what = credentials_json ? "credentials not stored" : "not connected";
      std::string next =
          v.error_class == ErrorClass::kConflict
              ? "the platform accepted the credentials but its side must change first; or store "
                "them anyway with --force"
          : credentials_json ? "correct them, or store them anyway with --force"
                             : "correct the connector's secrets, or give credentials to store";
      return Status(v.error_class == ErrorClass::kOk ? ErrorClass::kAuthFailed : v.error_class,
                    "connector '" + id + "': " + what + ": the test against the platform failed (" +
                        v.message + "); " + next);
    }
    v.message = std::string(credentials_json ? "stored" : "connected") +
                " with --force although the test failed: " + v.message;
  }
  if (credentials_json) {
    MB_RETURN_IF_ERROR((*store)->put_credentials(id, *candidate));
    v.credentials_stored = true;
  }
  if (v.status != ConnectorStatus::kError) {
    Status completed = complete_connect(app, **connector, **session, a.status_after_connect, v);
    if (!completed.ok()) {
      std::string why = std::string("the platform accepted the credentials") +
                        (v.credentials_stored ? " (stored)" : "") + ", but " + completed.message();
      MB_RETURN_IF_ERROR((*store)->set_connector_status(id, ConnectorStatus::kError, why));
      return Status(completed.code(), "connector '" + id + "': " + why);
    }
  }
  MB_RETURN_IF_ERROR((*store)->set_connector_status(id, v.status, v.message));
  return v;
}

Result<std::string> disconnect_connector(app::App& app, const std::string& id) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  auto store = app.store();
  if (!store) return store.status();
  // Not while a run writes: its mappings and credentials would vanish under it.
  auto lease = ConnectorLease::acquire(**store, id, "disconnect");
  if (!lease) return lease.status();
  std::string note;
  if (Status connected = app.require_connected(id); connected.code() == ErrorClass::kConflict) {
    note = "already disconnected; the platform was not called";
  } else if (!connected.ok()) {
    return connected;
  } else if (auto session = app.open_session(id); !session) {
    // Disconnecting must work even when the platform or the credentials are gone.
    note = "platform not notified: " + redact(session.status().message());
  } else if ((*session)->plugin().offers(Operation::kDisconnect)) {
    auto r = (*session)->invoke(Operation::kDisconnect, "{}");
    note = r ? "platform notified" : "platform not notified: " + redact(r.status().message());
  }
  MB_RETURN_IF_ERROR((*store)->disconnect_connector(id));
  return note;
}

namespace {

// Hands each checked row straight to the store's open import transaction.
class StoreUsageSink : public UsageSink {
 public:
  explicit StoreUsageSink(UsageImportTransaction& import) : import_(import) {}
  Status add_workspace(const Workspace& workspace) override {
    return import_.add_workspace(workspace);
  }
  Status add_service(const VendorService& service) override { return import_.add_service(service); }
  Status add_count(const UsageCount& count) override { return import_.add_count(count); }
  Result<bool> has_workspace(const std::string& id) override { return import_.has_workspace(id); }

 private:
  UsageImportTransaction& import_;
};

using UsageReader = std::function<Result<UsageStreamSummary>(const UsageParseOptions&, UsageSink&)>;

Result<UsageImported> import_usage_document(app::App& app, const std::string& origin,
                                            const UsageReader& read) {
  auto store = app.store();
  if (!store) return store.status();
  auto config = app.config();
  if (!config) return config.status();
  UsageParseOptions options;
  options.source = origin;
  options.max_bytes = (*config)->max_usage_bytes.value_or(kDefaultMaxUsageBytes);
  auto services = (*store)->list_services();
  if (!services) return services.status();
  for (const auto& s : *services) options.known_services.insert(s.id);
  // Rows are written as they are checked; any error drops the transaction, so nothing changes.
  auto import = (*store)->begin_usage_import(origin);
  if (!import) return import.status();
  StoreUsageSink sink(**import);
  auto streamed = read(options, sink);
  if (!streamed) return streamed.status();
  auto id = (*import)->commit(streamed->as_of);
  if (!id) return id.status();
  import->reset();  // releases the store for the comparison below
  auto compared = (*store)->compare_usage_snapshot(*id);
  if (!compared) return compared.status();
  UsageImported report;
  report.snapshot_id = *id;
  report.as_of = streamed->as_of;
  report.services = streamed->services;
  report.counts = compared->counts;
  report.workspaces_with_data = compared->workspaces_with_data;
  report.previous_snapshot_id = compared->previous_snapshot_id;
  report.previous_as_of = compared->previous_as_of;
  report.omitted_pairs = compared->omitted_pairs;
  report.absent_workspaces = compared->absent_workspaces;
  report.is_latest = compared->latest_snapshot_id == *id;
  report.latest_as_of = compared->latest_as_of;
  return report;
}

Result<UsageImported> counted(Result<UsageImported> imported) {
  const HostMetrics& m = host_metrics();
  // An invalid document is the sender's problem ("rejected"); anything else is ours ("failed").
  const char* outcome = imported                                                 ? "ok"
                        : imported.status().code() == ErrorClass::kConfigInvalid ? "rejected"
                                                                                 : "failed";
  m.usage_imports.labels({outcome}).inc();
  if (imported) m.usage_rows_imported.labels().inc(imported->counts);
  return imported;
}

}  // namespace

Result<UsageImported> import_usage(app::App& app, std::string_view text,
                                   const std::string& origin) {
  return counted(
      import_usage_document(app, origin, [&](const UsageParseOptions& options, UsageSink& sink) {
        return stream_usage(text, origin, options, sink);
      }));
}

Result<UsageImported> import_usage_file(app::App& app, const std::string& file) {
  std::string origin = file == "-" ? "stdin" : file;
  return counted(
      import_usage_document(app, origin, [&](const UsageParseOptions& options, UsageSink& sink) {
        return stream_usage_file(file, options, sink);
      }));
}

Result<UsageImported> import_usage_spooled(app::App& app, const std::string& path,
                                           const std::string& origin) {
  return counted(
      import_usage_document(app, origin, [&](const UsageParseOptions& options, UsageSink& sink) {
        return stream_usage_spooled(path, origin, options, sink);
      }));
}

boost::json::value usage_imported_to_json(const UsageImported& r) {
  boost::json::object o{{"snapshot", r.snapshot_id},         {"as_of", r.as_of},
                        {"workspaces", r.workspaces_with_data}, {"services", r.services},
                        {"counts", r.counts},                 {"latest", r.is_latest},
                        {"latest_as_of", r.latest_as_of}};
  if (r.previous_snapshot_id > 0)
    o["compared_with"] = boost::json::object{{"snapshot", r.previous_snapshot_id},
                                             {"as_of", r.previous_as_of},
                                             {"omitted_pairs", r.omitted_pairs},
                                             {"absent_workspaces", r.absent_workspaces}};
  return o;
}

std::string describe_usage_imported(const UsageImported& r) {
  std::string text = "imported usage snapshot " + std::to_string(r.snapshot_id) + " as of " + r.as_of + ": " +
                     std::to_string(r.workspaces_with_data) + " workspaces with data, " + std::to_string(r.services) +
                     " services, " + std::to_string(r.counts) + " counts\n";
  if (r.previous_snapshot_id > 0 && (r.omitted_pairs > 0 || r.absent_workspaces > 0)) {
    text += "  compared with snapshot " + std::to_string(r.previous_snapshot_id) + " (as of " + r.previous_as_of +
            "): ";
    if (r.omitted_pairs > 0)
      text += std::to_string(r.omitted_pairs) +
              " workspace x service rows are omitted for workspaces still listed (planned as 0, held for "
              "approval by default)";
    if (r.omitted_pairs > 0 && r.absent_workspaces > 0) text += "; ";
    if (r.absent_workspaces > 0)
      text += std::to_string(r.absent_workspaces) + " workspaces are no longer listed (no data: left untouched)";
    text += "\n";
  }
  if (!r.is_latest)
    text += "  note: this snapshot is not the latest; syncs keep using the snapshot as of " + r.latest_as_of + "\n";
  return text;
}

Result<std::vector<PsaAccount>> list_accounts(app::App& app, const std::string& connector, const std::string& search,
                                              bool refresh) {
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  if (!search.empty()) {
    auto session = app.open_session(connector);
    if (!session) return session.status();
    return fetch_accounts(**session, search);  // a search is live, never cached
  }
  auto cached = (*store)->list_psa_accounts(connector);
  if (!cached) return cached.status();
  if (refresh || cached->empty()) {
    auto session = app.open_session(connector);
    if (!session) return session.status();
    auto n = refresh_accounts(**store, connector, **session);
    if (!n) return n.status();
    cached = (*store)->list_psa_accounts(connector);
  }
  return cached;
}

Result<std::vector<PsaService>> list_services(app::App& app, const std::string& connector, bool refresh) {
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  auto cached = (*store)->list_psa_services(connector);
  if (!cached) return cached.status();
  if (refresh || cached->empty()) {
    auto session = app.open_session(connector);
    if (!session) return session.status();
    auto n = refresh_services(**store, connector, **session);
    if (!n) return n.status();
    cached = (*store)->list_psa_services(connector);
  }
  return cached;
}

Result<AutoMapReport> map_auto(app::App& app, const std::string& connector) {
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  auto session = app.open_session(connector);
  if (!session) return session.status();
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  if ((*session)->plugin().offers(Operation::kProvisionAccounts)) {
    // The vendor creates the platform's accounts: "matching" is creating them, mapped by identity.
    auto config = app.config();
    if (!config) return config.status();
    auto before = (*store)->list_account_mappings(connector);
    if (!before) return before.status();
    SyncEngine engine(**store, app::sync_settings(**config));
    std::vector<std::string> notes;
    MB_RETURN_IF_ERROR(engine.provision(**conn, **session, notes));
    auto after = (*store)->list_account_mappings(connector);
    if (!after) return after.status();
    std::set<std::string> had;
    for (const auto& m : *before) had.insert(m.workspace_id);
    AutoMapReport report;
    report.provisioned = true;
    report.kept_existing = before->size();
    for (const auto& m : *after) {
      if (had.count(m.workspace_id) > 0) continue;
      if (report.created.size() < AutoMapReport::kReportSample) report.created.push_back(m);
      ++report.created_count;
    }
    return report;
  }
  auto n = refresh_accounts(**store, connector, **session);
  if (!n) return n.status();
  if (!(*session)->plugin().offers(Operation::kLinkAccounts))
    return auto_map(**store, connector, (*conn)->partner_id);
  // On link-based platforms a mapping only counts once the platform has the link too: each page
  // of matches is linked, then stored. A page is one plugin call (the plugin batches its links
  // as the platform allows); one call with every link would hold every request and response of
  // the platform at once (a million workspaces: hundreds of MB).
  size_t linked = 0;
  auto link_page = [&](const std::vector<AccountMapping>& page) -> Status {
    meterbridge::LinkAccountsRequest links;
    for (const AccountMapping& m : page) links.link.push_back({m.workspace_id, *m.account_id});
    auto done = (*session)->invoke(Operation::kLinkAccounts, meterbridge::encode(links));
    if (!done) {
      // The pages before this one are linked and their mappings stand; this page and the rest
      // are not mapped, so a mapping never exists without its link.
      std::string what = linked == 0 ? "nothing mapped"
                                     : std::to_string(linked) +
                                           " new mappings linked and kept, the rest not mapped";
      return Status(done.status().code(),
                    "linking on the platform failed, " + what + ": " + done.status().message());
    }
    linked += page.size();
    return Status::Ok();
  };
  return auto_map(**store, connector, (*conn)->partner_id, link_page);
}

namespace {

// On link-based platforms a mapping is also a link on the platform side.
Status link_on_platform(PluginSession& session, const std::string& workspace, const std::optional<std::string>& account,
                        bool unlink) {
  if (!session.plugin().offers(Operation::kLinkAccounts)) return Status::Ok();
  meterbridge::LinkAccountsRequest request;
  if (unlink)
    request.unlink.push_back(workspace);
  else
    request.link.push_back({workspace, *account});
  auto r = session.invoke(Operation::kLinkAccounts, meterbridge::encode(request));
  return r ? Status::Ok() : r.status();
}

template <typename T>
std::vector<NamedItem> named_items(const std::vector<T>& records) {
  std::vector<NamedItem> items;
  items.reserve(records.size());
  for (const T& r : records) items.push_back({r.id, r.name});
  return items;
}

// The connector's platform lists a PSA account or service name is looked up in.
enum class PlatformList { kAccounts, kServices };

// The PSA account or service `given` names, from the store's cache; when the cache does not
// have it, the platform's list is fetched again and looked up once more, so a name made on the
// platform a minute ago is found.
Result<NamedItem> find_on_platform(app::App& app, Store& store, const std::string& connector,
                                   std::string_view given, PlatformList which) {
  const bool accounts = which == PlatformList::kAccounts;
  const std::string listed = accounts ? "accounts" : "services";
  NamedKind kind{accounts ? "PSA account" : "PSA service",
                 "the " + listed + " of connector '" + connector + "' on its platform",
                 "the platform lists no " + listed + " for this connector"};
  auto cached = [&]() -> Result<std::vector<NamedItem>> {
    if (!accounts) {
      auto services = store.list_psa_services(connector);
      if (!services) return services.status();
      return named_items(*services);
    }
    auto found = store.list_psa_accounts(connector);
    if (!found) return found.status();
    std::erase_if(*found, [](const PsaAccount& a) { return a.missing_since.has_value(); });
    return named_items(*found);
  };
  auto items = cached();
  if (!items) return items.status();
  auto found = find_named(given, *items, kind);
  if (found || found.status().code() != ErrorClass::kNotFound) return found;
  auto session = app.open_session(connector);
  if (!session) return session.status();
  auto fetched = accounts ? refresh_accounts(store, connector, **session)
                          : refresh_services(store, connector, **session);
  if (!fetched) return fetched.status();
  items = cached();
  if (!items) return items.status();
  return find_named(given, *items, kind);
}

// The workspace's mapping row, if it has one.
Result<std::optional<AccountMapping>> mapping_of(Store& store, const std::string& connector,
                                                 const std::string& workspace_id) {
  auto mappings = store.list_account_mappings(connector);
  if (!mappings) return mappings.status();
  for (auto& m : *mappings)
    if (m.workspace_id == workspace_id) return std::optional<AccountMapping>(std::move(m));
  return std::optional<AccountMapping>();
}

}  // namespace

Result<NamedItem> find_workspace(app::App& app, const std::string& connector,
                                 std::string_view given) {
  auto store = app.store();
  if (!store) return store.status();
  auto workspaces = (*store)->list_workspaces();
  if (!workspaces) return workspaces.status();
  std::string partner;
  if (!connector.empty()) {
    auto conn = app.connector(connector);
    if (!conn) return conn.status();
    partner = (*conn)->partner_id;
  }
  std::vector<Workspace> visible = *workspaces;
  std::erase_if(visible, [&](const Workspace& w) { return !visible_to(w, partner); });
  NamedKind kind{"workspace", "the workspaces of the imported usage",
                 "no usage imported yet (meterbridge usage import FILE)"};
  if (!partner.empty()) {
    kind.where = "the workspaces of partner '" + partner + "' in the imported usage";
    if (!workspaces->empty())
      kind.when_empty = "none of the " + std::to_string(workspaces->size()) +
                        " imported workspaces belongs to that partner";
  }
  auto found = find_named(given, named_items(visible), kind);
  if (found || found.status().code() != ErrorClass::kNotFound || partner.empty()) return found;
  // Named, but another partner's: say so rather than "not found".
  auto elsewhere = find_named(given, named_items(*workspaces), kind);
  if (!elsewhere) return found;
  auto it = std::find_if(workspaces->begin(), workspaces->end(),
                         [&](const Workspace& w) { return w.id == elsewhere->id; });
  return Status::Conflict("workspace '" + it->name + "' (" + it->id + ") belongs to partner '" +
                          it->partner_id + "', not to connector '" + connector + "''s partner '" +
                          partner + "'");
}

Result<NamedItem> find_vendor_service(app::App& app, std::string_view given) {
  auto store = app.store();
  if (!store) return store.status();
  auto services = (*store)->list_services();
  if (!services) return services.status();
  return find_named(given, named_items(*services),
                    {"vendor service", "the services of the imported usage",
                     "no usage imported yet (meterbridge usage import FILE)"});
}

Result<AccountMapping> map_account(app::App& app, const std::string& connector, const std::string& workspace,
                                   const std::string& account) {
  auto store_r = app.store();
  if (!store_r) return store_r.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  Store& store = **store_r;
  auto ws = find_workspace(app, connector, workspace);
  if (!ws) return ws.status();
  auto found = find_on_platform(app, store, connector, account, PlatformList::kAccounts);
  if (!found) return found.status();
  auto session = app.open_session(connector);
  if (!session) return session.status();
  AccountMapping m;
  m.workspace_id = ws->id;
  m.account_id = found->id;
  m.account_name = found->name;
  m.source = MappingSource::kManual;
  MB_RETURN_IF_ERROR(store.put_account_mapping(connector, m));
  Status linked = link_on_platform(**session, ws->id, found->id, false);
  if (!linked.ok()) {
    (void)store.delete_account_mapping(connector, ws->id);
    return linked;
  }
  return m;
}

Result<NamedItem> unmap_account(app::App& app, const std::string& connector,
                                const std::string& workspace) {
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  auto ws = find_workspace(app, connector, workspace);
  if (!ws) return ws.status();
  auto session = app.open_session(connector);
  if (!session) return session.status();
  MB_RETURN_IF_ERROR(link_on_platform(**session, ws->id, std::nullopt, true));
  auto existing = mapping_of(**store, connector, ws->id);
  if (!existing) return existing.status();
  if (*existing && (*existing)->excluded) {
    // Unmapping an excluded workspace forgets the account it kept; it stays excluded.
    AccountMapping kept = **existing;
    kept.account_id.reset();
    kept.account_name.clear();
    kept.drift = MappingDrift::kNone;
    MB_RETURN_IF_ERROR((*store)->put_account_mapping(connector, kept));
    return *ws;
  }
  MB_RETURN_IF_ERROR((*store)->delete_account_mapping(connector, ws->id));
  return *ws;
}

Result<NamedItem> set_excluded(app::App& app, const std::string& connector,
                               const std::string& workspace, const std::string& account,
                               bool excluded) {
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  if (!account.empty()) {
    auto found = find_on_platform(app, **store, connector, account, PlatformList::kAccounts);
    if (!found) return found.status();
    MB_RETURN_IF_ERROR((*store)->set_psa_account_excluded(connector, found->id, excluded));
    return *found;
  }
  if (workspace.empty()) return Status::ConfigInvalid("name a workspace or a PSA account");
  auto ws = find_workspace(app, connector, workspace);
  if (!ws) return ws.status();
  auto existing = mapping_of(**store, connector, ws->id);
  if (!existing) return existing.status();
  if (excluded) {
    // The mapping is kept, only set aside: `include` makes it active again.
    AccountMapping m = existing->value_or(AccountMapping{});
    m.workspace_id = ws->id;
    if (!*existing) m.source = MappingSource::kManual;
    m.excluded = true;
    MB_RETURN_IF_ERROR((*store)->put_account_mapping(connector, m));
    return *ws;
  }
  if (!*existing || !(*existing)->excluded)
    return Status::NotFound("workspace '" + ws->name + "' (" + ws->id + ") is not excluded");
  if (!(*existing)->account_id) {
    MB_RETURN_IF_ERROR((*store)->delete_account_mapping(connector, ws->id));
    return *ws;
  }
  AccountMapping restored = **existing;
  restored.excluded = false;
  MB_RETURN_IF_ERROR((*store)->put_account_mapping(connector, restored));
  return *ws;
}

std::optional<ServiceMetric> metric_named_by(std::string_view psa_service_name) {
  std::string name(psa_service_name);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool devices = name.find("device") != std::string::npos;
  const bool users = name.find("user") != std::string::npos;
  if (devices == users) return std::nullopt;
  return devices ? ServiceMetric::kDevices : ServiceMetric::kUsers;
}

Result<MappedService> map_service(app::App& app, const std::string& connector,
                                  const std::string& service, const std::string& psa_service,
                                  const std::string& metric_text) {
  std::optional<ServiceMetric> metric;
  if (!metric_text.empty()) {
    metric = parse_state<ServiceMetric>(metric_text);
    if (!metric) return Status::ConfigInvalid("metric must be users or devices");
  }
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  auto vendor = find_vendor_service(app, service);
  if (!vendor) return vendor.status();
  auto psa = find_on_platform(app, **store, connector, psa_service, PlatformList::kServices);
  if (!psa) return psa.status();
  MappedService mapped;
  mapped.service = *vendor;
  mapped.psa_service = *psa;
  if (metric) {
    mapped.metric = *metric;
  } else {
    std::optional<ServiceMetric> named = metric_named_by(psa->name);
    if (!named)
      return Status::ConfigInvalid(
          "metric: the PSA service '" + psa->name + "' (" + psa->id +
          ") does not say whether service '" + vendor->name + "' (" + vendor->id +
          ") counts users or devices; give the metric (--metric users|devices, "
          "\"metric\" in the API)");
    mapped.metric = *named;
    mapped.chosen_by_name = psa->name;
  }
  MB_RETURN_IF_ERROR(
      (*store)->put_service_mapping(connector, {vendor->id, psa->id, mapped.metric}));
  return mapped;
}

Result<NamedItem> unmap_service(app::App& app, const std::string& connector,
                                const std::string& service) {
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  auto vendor = find_vendor_service(app, service);
  if (!vendor) return vendor.status();
  MB_RETURN_IF_ERROR((*store)->delete_service_mapping(connector, vendor->id));
  return *vendor;
}

Result<boost::json::value> mappings_json(app::App& app, const std::string& connector, bool unmapped_only) {
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  auto workspaces = (*store)->list_workspaces();
  if (!workspaces) return workspaces.status();
  std::erase_if(*workspaces, [&](const Workspace& w) { return !visible_to(w, (*conn)->partner_id); });
  auto accounts = (*store)->list_psa_accounts(connector);
  if (!accounts) return accounts.status();
  auto mappings = (*store)->list_account_mappings(connector);
  if (!mappings) return mappings.status();
  auto service_mappings = (*store)->list_service_mappings(connector);
  if (!service_mappings) return service_mappings.status();
  auto psa_services = (*store)->list_psa_services(connector);
  if (!psa_services) return psa_services.status();
  auto services = (*store)->list_services();
  if (!services) return services.status();
  std::map<std::string, const AccountMapping*> by_ws;
  std::set<std::string> mapped_accounts;
  for (const auto& m : *mappings) {
    by_ws[m.workspace_id] = &m;
    if (m.account_id) mapped_accounts.insert(*m.account_id);
  }
  std::map<std::string, std::string> account_names, psa_service_names, service_names;
  for (const auto& a : *accounts) account_names[a.id] = a.name;
  for (const auto& s : *psa_services) psa_service_names[s.id] = s.name;
  for (const auto& s : *services) service_names[s.id] = s.name;
  boost::json::array ws_arr, acct_arr, svc_arr;
  for (const auto& w : *workspaces) {
    auto it = by_ws.find(w.id);
    std::string state = it == by_ws.end() ? "unmapped" : (it->second->excluded ? "excluded" : "mapped");
    if (unmapped_only && state != "unmapped") continue;
    boost::json::object o{{"workspace_id", w.id}, {"name", w.name}, {"state", state}};
    if (state != "unmapped") {
      const AccountMapping& m = *it->second;
      // An excluded workspace shows the account it keeps for `include`, if it kept one.
      if (m.account_id) {
        o["account_id"] = *m.account_id;
        o["account_name"] =
            account_names.count(*m.account_id) ? account_names[*m.account_id] : m.account_name;
        // Beside the platform's name today, what a rename changed (drift "account_renamed").
        if (!m.account_name.empty()) o["account_name_when_mapped"] = m.account_name;
      }
      o["source"] = to_text(m.source);
      if (state == "mapped") o["drift"] = to_text(m.drift);
    }
    ws_arr.push_back(std::move(o));
  }
  for (const auto& a : *accounts) {
    if (mapped_accounts.count(a.id) > 0 || a.missing_since) continue;
    acct_arr.push_back(boost::json::object{{"id", a.id}, {"name", a.name}, {"excluded", a.excluded}, {"active", a.active}});
  }
  std::set<std::string> mapped_services;
  for (const auto& m : *service_mappings) {
    mapped_services.insert(m.service_id);
    if (!unmapped_only)
      svc_arr.push_back(boost::json::object{{"service_id", m.service_id},
                                            {"service", service_names[m.service_id]},
                                            {"psa_service_id", m.psa_service_id},
                                            {"psa_service", psa_service_names[m.psa_service_id]},
                                            {"metric", to_text(m.metric)}});
  }
  boost::json::array unmapped_svc_arr;
  for (const auto& s : *services)
    if (mapped_services.count(s.id) == 0)
      unmapped_svc_arr.push_back(boost::json::object{{"service_id", s.id}, {"service", s.name}});
  return boost::json::value(boost::json::object{{"workspaces", ws_arr},
                                                {"unmapped_accounts", acct_arr},
                                                {"services", svc_arr},
                                                {"unmapped_services", unmapped_svc_arr}});
}

Result<std::vector<std::string>> apply_declared_mappings(app::App& app, const std::string& connector) {
  auto conn = app.connector(connector);
  if (!conn) return conn.status();
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector));
  auto existing = (*store)->list_account_mappings(connector);
  if (!existing) return existing.status();
  std::map<std::string, std::string> current;
  std::set<std::string> excluded;
  for (const auto& m : *existing) {
    if (m.excluded)
      excluded.insert(m.workspace_id);
    else if (m.account_id)
      current[m.workspace_id] = *m.account_id;
  }
  std::vector<std::string> out;
  bool any_failed = false;
  for (const auto& [workspace, account] : (*conn)->declared_accounts) {
    if (excluded.count(workspace) > 0) {
      // Mapping would include it again; an exclusion is undone only by `include`.
      out.push_back("workspace " + workspace + " -> " + account + ": excluded, left as it is");
      continue;
    }
    auto it = current.find(workspace);
    if (it != current.end() && it->second == account) {
      out.push_back("workspace " + workspace + " -> " + account + ": already mapped");
      continue;
    }
    auto m = map_account(app, connector, workspace, account);
    any_failed |= !m.ok();
    out.push_back("workspace " + workspace + " -> " + account + ": " +
                  (m ? "mapped (" + m->account_name + ")" : "FAILED: " + m.status().message()));
  }
  auto services = (*store)->list_service_mappings(connector);
  if (!services) return services.status();
  for (const auto& [service, spec] : (*conn)->declared_services) {
    bool same = std::any_of(services->begin(), services->end(), [&](const ServiceMapping& m) {
      return m.service_id == service && m.psa_service_id == spec.first &&
             to_text(m.metric) == spec.second;
    });
    if (same) {
      out.push_back("service " + service + " -> " + spec.first + ": already mapped");
      continue;
    }
    Status s = map_service(app, connector, service, spec.first, spec.second).status();
    any_failed |= !s.ok();
    out.push_back("service " + service + " -> " + spec.first + " (" + spec.second + "): " +
                  (s.ok() ? "mapped" : "FAILED: " + s.message()));
  }
  if (any_failed) {
    std::string all;
    for (const auto& l : out) all += (all.empty() ? "" : "\n") + l;
    return Status::Conflict("some declared mappings could not be applied:\n" + all);
  }
  return out;
}

namespace {

// Runs `body` holding the connector's lease, with the lease wired into the engine's options,
// and (unless the caller holds one) a slot of its platform tenant, which the lease's heartbeat
// renews; the slot goes back before the lease.
template <typename Body>
auto with_lease(app::App& app, const std::string& connector_id, const std::string& purpose, const SyncOptions& options,
                app::TenantSlotTaker slot_taker, Body&& body) -> decltype(body(std::declval<const SyncOptions&>())) {
  auto store = app.store();
  if (!store) return store.status();
  LogScope scope("connector", connector_id);
  const LeaseOptions lease_options;
  auto lease = ConnectorLease::acquire(**store, connector_id, purpose, lease_options);
  if (!lease) return lease.status();
  auto slot = app.take_tenant_slot(connector_id, lease_options.ttl_ms, slot_taker);
  if (!slot) return slot.status();
  SyncOptions leased = options;
  leased.owner_id = (*lease)->holder().owner_id;
  ConnectorLease* held = lease->get();
  leased.confirm_owner = [held] { return held->confirm(); };
  return body(leased);
}

// The connector a run belongs to.
Result<std::string> connector_of_run(app::App& app, int64_t run_id) {
  auto store = app.store();
  if (!store) return store.status();
  auto run = (*store)->get_run(run_id);
  if (!run) return run.status();
  if (!*run) return Status::NotFound("no run " + std::to_string(run_id));
  return (*run)->connector_id;
}

Result<SyncReport> followup(app::App& app, int64_t run_id, const std::vector<int64_t>& line_numbers,
                            const SyncOptions& options, bool approve) {
  auto config = app.config();
  if (!config) return config.status();
  auto store = app.store();
  if (!store) return store.status();
  auto owner = connector_of_run(app, run_id);
  if (!owner) return owner.status();
  const std::string connector_id = *owner;
  auto connector = app.connector(connector_id);
  if (!connector) return connector.status();
  return with_lease(app, connector_id, approve ? "approval" : "retry", options, app::TenantSlotTaker::kTheRun,
                    [&](const SyncOptions& leased) -> Result<SyncReport> {
                      auto session = app.open_session(connector_id);
                      if (!session) return session.status();
                      SyncEngine engine(**store, app::sync_settings(**config));
                      auto report = approve ? engine.approve(**connector, **session, run_id, line_numbers, leased)
                                            : engine.retry(**connector, **session, run_id, leased);
                      if (report) app.notify(**connector, *report);
                      return report;
                    });
}

}  // namespace

Result<SyncReport> sync_connector(app::App& app, const std::string& id, const SyncOptions& options,
                                  app::TenantSlotTaker slot) {
  auto config = app.config();
  if (!config) return config.status();
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  auto store = app.store();
  if (!store) return store.status();
  return with_lease(app, id, "sync", options, slot, [&](const SyncOptions& leased) -> Result<SyncReport> {
    auto session = app.open_session(id);
    if (!session) return session.status();
    SyncEngine engine(**store, app::sync_settings(**config));
    auto report = engine.sync(**connector, **session, leased);
    if (report) app.notify(**connector, *report);
    return report;
  });
}

Result<SyncJob> enqueue_sync(app::App& app, const std::string& id, const std::string& trigger) {
  return enqueue_job_now(app, id, trigger, "");
}

Result<SyncJob> enqueue_job_now(app::App& app, const std::string& id, const std::string& trigger,
                                std::string_view window_prefix) {
  auto connector = app.connector(id);
  if (!connector) return connector.status();
  auto store = app.store();
  if (!store) return store.status();
  SyncJob job;
  job.connector_id = id;
  job.trigger = trigger;
  job.due_at_ms = SystemClock::instance().now_ms();
  // A window of its own: every request is a sync of its own, never merged with another.
  job.window_key = std::string(window_prefix) + trigger + ":" + format_iso8601_utc(job.due_at_ms) +
                   ":" + this_process_as_holder(trigger).owner_id;
  auto added = (*store)->enqueue_job(job);
  if (!added) return added.status();
  auto queued = (*store)->list_jobs(id, 20);
  if (!queued) return queued.status();
  for (const auto& j : *queued)
    if (j.window_key == job.window_key) return j;
  return Status::Fatal("connector '" + id + "': the queued sync is not in the job queue");
}

Result<SyncReport> approve_run(app::App& app, int64_t run_id, const std::vector<int64_t>& line_numbers,
                               const SyncOptions& options) {
  return followup(app, run_id, line_numbers, options, true);
}

Result<SyncReport> retry_run(app::App& app, int64_t run_id, const SyncOptions& options) {
  return followup(app, run_id, {}, options, false);
}

Result<std::vector<SyncLine>> dismiss_run(app::App& app, int64_t run_id, const std::vector<int64_t>& line_numbers,
                                          const std::string& who) {
  auto config = app.config();
  if (!config) return config.status();
  auto store = app.store();
  if (!store) return store.status();
  auto connector_id = connector_of_run(app, run_id);
  if (!connector_id) return connector_id.status();
  SyncEngine engine(**store, app::sync_settings(**config));
  return engine.dismiss(*connector_id, run_id, line_numbers, "dismissed by " + who);
}

Result<std::vector<int64_t>> select_held_lines(app::App& app, int64_t run_id,
                                               const std::vector<int64_t>& line_numbers,
                                               const std::string& workspace,
                                               const std::string& service) {
  if (workspace.empty() && service.empty()) return line_numbers;
  auto connector_id = connector_of_run(app, run_id);
  if (!connector_id) return connector_id.status();
  std::optional<NamedItem> ws, svc;
  if (!workspace.empty()) {
    auto found = find_workspace(app, *connector_id, workspace);
    if (!found) return found.status();
    ws = *found;
  }
  if (!service.empty()) {
    auto found = find_vendor_service(app, service);
    if (!found) return found.status();
    svc = *found;
  }
  auto store = app.store();
  if (!store) return store.status();
  // A page of the run at a time, in key order: a run may hold millions of lines.
  constexpr size_t kLinesPerPage = 1000;
  std::vector<int64_t> selected = line_numbers;
  for (std::string after_key;;) {
    auto page = (*store)->scan_lines(run_id, after_key, kLinesPerPage);
    if (!page) return page.status();
    for (const SyncLine& l : *page)
      if (l.outcome == outcome::kHeld && l.decision == Decision::kUndecided &&
          (!ws || l.workspace_id == ws->id) && (!svc || l.service_id == svc->id))
        selected.push_back(l.number);
    if (page->size() < kLinesPerPage) break;
    after_key = page->back().key;
  }
  if (selected.size() == line_numbers.size())
    return Status::NotFound(
        "run " + std::to_string(run_id) + " has no held line awaiting a decision for" +
        (ws ? " workspace '" + ws->name + "' (" + ws->id + ")" : std::string()) +
        (ws && svc ? " and" : "") +
        (svc ? " service '" + svc->name + "' (" + svc->id + ")" : std::string()));
  return selected;
}

Result<std::vector<PendingApproval>> pending_approvals(app::App& app, const std::string& connector) {
  if (!connector.empty()) {
    auto conn = app.connector(connector);
    if (!conn) return conn.status();
  }
  auto store = app.store();
  if (!store) return store.status();
  return (*store)->pending_approvals(connector);
}

}  // namespace mb::ops
