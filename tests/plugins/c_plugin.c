/* A plugin written in plain C99 against the SDK's C headers alone: abi.h, and the C documents
 * (documents.h, json.h) for what it answers. Its ABI version and id come from the build
 * (TEST_ABI_MAJOR, TEST_ABI_MINOR, TEST_PLUGIN_ID) so one source yields the variants the loader
 * tests need: the current ABI, another major, and a newer minor. */
#include <meterbridge/abi.h>
#include <meterbridge/documents.h>
#include <meterbridge/json.h>

#include <string.h>

#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR MB_ABI_VERSION_MAJOR
#endif
#ifndef TEST_ABI_MINOR
#define TEST_ABI_MINOR MB_ABI_VERSION_MINOR
#endif
#ifndef TEST_PLUGIN_ID
#define TEST_PLUGIN_ID "cplugin"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

static const mb_host_services* g_services;
static mb_plugin_table g_table;
static int g_session_token;

static mb_str view(const char* s) {
  mb_str out;
  out.ptr = s;
  out.len = (uint64_t)strlen(s);
  return out;
}

static mb_status on_describe(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call) {
  mb_json_writer* w = mb_json_writer_new();
  (void)plugin;
  mb_json_begin_object(w);
  mb_json_key(w, "id");
  mb_json_write_string(w, TEST_PLUGIN_ID);
  mb_json_key(w, "version");
  mb_json_write_string(w, "0.1.0");
  mb_json_key(w, "abi");
  mb_json_write_string(w, STR(TEST_ABI_MAJOR) "." STR(TEST_ABI_MINOR));
  mb_json_key(w, "config_schema");
  mb_json_begin_object(w);
  mb_json_key(w, "type");
  mb_json_write_string(w, "object");
  mb_json_end_object(w);
  mb_json_end_object(w);
  return mb_send_result(g_services, call, mb_json_writer_finish(w, NULL));
}

static mb_status on_session_open(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call, mb_str config,
                                 mb_session_plugin_ptr* session_out) {
  (void)plugin;
  (void)call;
  (void)config;
  *session_out = &g_session_token;
  return MB_STATUS_OK;
}

static void on_session_close(mb_session_plugin_ptr session) { (void)session; }

static mb_status on_authenticate(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                 mb_str input) {
  mb_authenticate_result result = {MB_AUTH_OK, "plain C", NULL};
  (void)session;
  (void)input;
  g_services->callback_log(call, MB_LOG_INFO, view("C plugin authenticating"));
  return mb_send_result(g_services, call, mb_authenticate_result_to_json(&result));
}

static mb_status on_unsupported(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                mb_str input) {
  (void)session;
  (void)input;
  return mb_fail(g_services, call, MB_STATUS_UNSUPPORTED, 0, "not in this C plugin");
}

MB_PLUGIN_EXPORT mb_status meterbridge_plugin_negotiate(const mb_host_offer* offer,
                                                        const mb_plugin_table** table_out) {
  *table_out = NULL;
  if (!mb_host_offer_accepts(offer, TEST_ABI_MAJOR, TEST_ABI_MINOR)) return MB_STATUS_UNSUPPORTED;
  g_services = offer->services;
  memset(&g_table, 0, sizeof g_table);
  /* A plugin built for minor 0 or 1 hands over the table as it was then: without the 1.2 hooks. */
  g_table.size = (uint32_t)(TEST_ABI_MINOR < 2 ? MB_PLUGIN_TABLE_SIZE_1_0 : sizeof g_table);
  g_table.abi_major = TEST_ABI_MAJOR;
  g_table.abi_minor = TEST_ABI_MINOR;
  g_table.on_describe = on_describe;
  g_table.on_session_open = on_session_open;
  g_table.on_session_close = on_session_close;
  g_table.on_authenticate = on_authenticate;
  g_table.on_list_accounts = on_unsupported;
  g_table.on_list_services = on_unsupported;
  g_table.on_read_quantities = on_unsupported;
  g_table.on_apply_quantities = on_unsupported;
  *table_out = &g_table;
  return MB_STATUS_OK;
}
