/* hello-c-plugin: the smallest complete meterbridge plugin in strict C99, against abi.h alone.
 *
 * It describes itself with the manifest the build generates (meterbridge_plugin_manifest.inc,
 * the bytes of hello-c.plugin.json), checks the host's ABI version with mb_host_offer_accepts,
 * answers authenticate and the two listings with fixed documents, and refuses the quantity
 * hooks: a real plugin reads their JSON input (abi.h and docs/plugin-authoring.md give the
 * shapes) and asks the host for HTTP through services->callback_http_batch. */
#include <meterbridge/abi.h>

#include <string.h>

static const char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

static const mb_host_services* g_services;
static mb_plugin_table g_table;
static int g_session; /* this plugin keeps no per-session state; any non-NULL pointer will do */

static mb_str text(const char* s) {
  mb_str out;
  out.ptr = s;
  out.len = (uint64_t)strlen(s);
  return out;
}

static mb_status answer(mb_call_host_ptr call, const char* document) {
  g_services->callback_result_set(call, text(document));
  return MB_STATUS_OK;
}

static mb_status on_describe(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call) {
  (void)plugin;
  return answer(call, kManifest);
}

static mb_status on_session_open(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call, mb_str config,
                                 mb_session_plugin_ptr* session_out) {
  (void)plugin;
  (void)call;
  (void)config; /* already validated by the host against the manifest's config_schema */
  *session_out = &g_session;
  return MB_STATUS_OK;
}

static void on_session_close(mb_session_plugin_ptr session) { (void)session; }

static mb_status on_authenticate(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                 mb_str input) {
  (void)session;
  (void)input;
  g_services->callback_log(call, MB_LOG_INFO, text("hello-c: authenticating"));
  return answer(call, "{\"status\":\"" MB_AUTH_OK "\",\"message\":\"hello from C\"}");
}

static mb_status on_list_accounts(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                  mb_str input) {
  (void)session;
  (void)input;
  return answer(call, "{\"items\":[{\"id\":\"1\",\"name\":\"Acme\",\"active\":true}]}");
}

static mb_status on_list_services(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                  mb_str input) {
  (void)session;
  (void)input;
  return answer(call, "{\"items\":[{\"id\":\"seats\",\"name\":\"Seats\"}]}");
}

static mb_status on_not_here(mb_session_plugin_ptr session, mb_call_host_ptr call, mb_str input) {
  (void)session;
  (void)input;
  g_services->callback_error_set(call, MB_STATUS_UNSUPPORTED, 0,
                                 text("hello-c does not read or write quantities"));
  return MB_STATUS_UNSUPPORTED;
}

MB_PLUGIN_EXPORT mb_status meterbridge_plugin_negotiate(const mb_host_offer* offer,
                                                        const mb_plugin_table** table_out) {
  *table_out = NULL;
  if (!mb_host_offer_accepts(offer, MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR)) {
    return MB_STATUS_UNSUPPORTED;
  }
  g_services = offer->services;
  memset(&g_table, 0, sizeof g_table);
  g_table.size = (uint32_t)sizeof g_table;
  g_table.abi_major = MB_ABI_VERSION_MAJOR;
  g_table.abi_minor = MB_ABI_VERSION_MINOR;
  g_table.on_describe = on_describe;
  g_table.on_session_open = on_session_open;
  g_table.on_session_close = on_session_close;
  g_table.on_authenticate = on_authenticate;
  g_table.on_list_accounts = on_list_accounts;
  g_table.on_list_services = on_list_services;
  g_table.on_read_quantities = on_not_here;
  g_table.on_apply_quantities = on_not_here;
  *table_out = &g_table;
  return MB_STATUS_OK;
}
