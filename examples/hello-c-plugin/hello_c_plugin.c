/* hello-c-plugin: a complete meterbridge plugin in strict C99, on the SDK's C documents.
 *
 * Its "platform" is a toy ledger kept in the session's memory, so it needs no network: a tenant
 * has N companies ("hc-1" ...), two services, and a quantity per (company, service) that
 * apply_quantities sets. Everything else is what a real C plugin does: it reads its config with
 * <meterbridge/json.h>, describes itself with the manifest the build generates, checks the
 * host's ABI version, reads every request with a <meterbridge/documents.h> reader and answers
 * with a writer, and fails with an error class and a message. A real plugin reaches its platform
 * through the host with mb_http_run (docs/plugin-authoring.md, "A plugin in C"). */
#include <meterbridge/abi.h>
#include <meterbridge/documents.h>
#include <meterbridge/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

enum { kServiceCount = 2, kMaxAccounts = 100000 };
static const mb_list_item kServices[kServiceCount] = {
    {"hello-email", "Hello Email Protection", 0, 0, NULL},
    {"hello-endpoint", "Hello Endpoint Protection", 0, 0, NULL},
};

/* The host's services, set once by negotiation and read-only afterwards. */
static const mb_host_services* g_services;
static mb_plugin_table g_table;

/* One connector: its tenant and its toy ledger. Sessions may run on different threads, so all
 * state lives here rather than in globals. */
typedef struct hello_session {
  char tenant[128];
  int64_t accounts;
  int64_t* quantities; /* [account][service], accounts * kServiceCount */
} hello_session;

static void log_info(mb_call_host_ptr call, const char* message) {
  mb_str text;
  text.ptr = message;
  text.len = (uint64_t)strlen(message);
  g_services->callback_log(call, MB_LOG_INFO, text);
}

/* The ledger slot of ("hc-<n>", service), or NULL when the tenant has no such company or
 * service. */
static int64_t* ledger_slot(hello_session* s, const char* account_id, const char* service_id) {
  char* end;
  long n;
  int service;
  if (strncmp(account_id, "hc-", 3) != 0) return NULL;
  n = strtol(account_id + 3, &end, 10);
  if (*end != '\0' || end == account_id + 3 || n < 1 || n > s->accounts) return NULL;
  for (service = 0; service < kServiceCount; ++service)
    if (strcmp(service_id, kServices[service].id) == 0)
      return &s->quantities[(n - 1) * kServiceCount + service];
  return NULL;
}

static mb_status on_describe(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call) {
  mb_str manifest;
  (void)plugin;
  manifest.ptr = kManifest;
  manifest.len = sizeof kManifest - 1;
  g_services->callback_result_set(call, manifest);
  return MB_STATUS_OK;
}

/* The config was validated by the host against the manifest's config_schema; it is still read
 * defensively, as any input. */
static mb_status on_session_open(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call, mb_str config,
                                 mb_session_plugin_ptr* session_out) {
  mb_error error;
  mb_json* document = mb_json_parse(config, &error);
  const mb_json_value* root = mb_json_root(document);
  hello_session* s;
  (void)plugin;
  *session_out = NULL;
  if (document == NULL) return mb_send_error(g_services, call, &error);
  s = (hello_session*)calloc(1, sizeof *s);
  if (s == NULL) {
    mb_json_free(document);
    return mb_fail(g_services, call, MB_STATUS_FATAL, 0, "out of memory");
  }
  strncpy(s->tenant, mb_json_get_string(root, "tenant", ""), sizeof s->tenant - 1);
  s->accounts = mb_json_get_int64(root, "accounts", 3);
  mb_json_free(document);
  if (s->tenant[0] == '\0' || s->accounts < 0 || s->accounts > kMaxAccounts) {
    free(s);
    return mb_fail(g_services, call, MB_STATUS_CONFIG_INVALID, 0,
                   "config needs a tenant and at most 100000 accounts");
  }
  s->quantities = (int64_t*)calloc((size_t)s->accounts * kServiceCount + 1, sizeof(int64_t));
  if (s->quantities == NULL) {
    free(s);
    return mb_fail(g_services, call, MB_STATUS_FATAL, 0, "out of memory");
  }
  *session_out = s;
  return MB_STATUS_OK;
}

static void on_session_close(mb_session_plugin_ptr session) {
  hello_session* s = (hello_session*)session;
  if (s == NULL) return;
  free(s->quantities);
  free(s);
}

static mb_status on_authenticate(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                 mb_str input) {
  hello_session* s = (hello_session*)session;
  mb_authenticate_request request;
  mb_authenticate_result result = {MB_AUTH_OK, NULL, NULL};
  mb_error error;
  char message[192];
  if (!mb_authenticate_request_from_json(input, &request, &error))
    return mb_send_error(g_services, call, &error);
  snprintf(message, sizeof message, "Hello tenant %s (%s)", s->tenant,
           strcmp(request.purpose, MB_PURPOSE_CONNECT) == 0 ? "connecting" : "checking");
  mb_authenticate_request_release(&request);
  log_info(call, message);
  result.message = message;
  return mb_send_result(g_services, call, mb_authenticate_result_to_json(&result));
}

/* Accounts come in pages; the cursor is the index of the page's first account. */
typedef struct account_text {
  char id[24];
  char name[48];
} account_text;

static mb_status on_list_accounts(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                  mb_str input) {
  hello_session* s = (hello_session*)session;
  mb_list_request request;
  mb_list_page page = {NULL, 0, NULL};
  mb_list_item* items;
  account_text* texts;
  mb_error error;
  char next[24];
  int64_t start = 0, limit, i;
  mb_status status;
  if (!mb_list_request_from_json(input, &request, &error))
    return mb_send_error(g_services, call, &error);
  if (request.cursor != NULL) {
    char* end;
    start = strtol(request.cursor, &end, 10);
    if (*end != '\0' || end == request.cursor) start = -1;
  }
  limit = request.has_limit && request.limit > 0 && request.limit < 1000 ? request.limit : 100;
  mb_list_request_release(&request);
  if (start < 0 || start > s->accounts)
    return mb_fail(g_services, call, MB_STATUS_CONFIG_INVALID, 0, "not a cursor of this plugin");
  if (limit > s->accounts - start) limit = s->accounts - start;
  items = (mb_list_item*)calloc((size_t)limit + 1, sizeof *items);
  texts = (account_text*)calloc((size_t)limit + 1, sizeof *texts);
  if (items == NULL || texts == NULL) {
    free(items);
    free(texts);
    return mb_fail(g_services, call, MB_STATUS_FATAL, 0, "out of memory");
  }
  for (i = 0; i < limit; ++i) {
    sprintf(texts[i].id, "hc-%ld", (long)(start + i + 1));
    sprintf(texts[i].name, "Hello Customer %ld", (long)(start + i + 1));
    items[i].id = texts[i].id;
    items[i].name = texts[i].name;
    items[i].has_active = 1;
    items[i].active = 1;
  }
  page.items = items;
  page.item_count = (size_t)limit;
  if (start + limit < s->accounts) {
    sprintf(next, "%ld", (long)(start + limit));
    page.next_cursor = next;
  }
  status = mb_send_result(g_services, call, mb_list_page_to_json(&page));
  free(items);
  free(texts);
  return status;
}

static mb_status on_list_services(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                  mb_str input) {
  mb_list_request request;
  mb_list_page page = {kServices, kServiceCount, NULL};
  mb_error error;
  (void)session;
  if (!mb_list_request_from_json(input, &request, &error))
    return mb_send_error(g_services, call, &error);
  mb_list_request_release(&request);
  return mb_send_result(g_services, call, mb_list_page_to_json(&page));
}

/* A message per line, for the lines that need one. */
typedef char line_message[160];

/* Zeroed result lines and a message per line, for `count` request lines; 0 when memory ran out
 * (then nothing is kept). */
static int allocate_lines(size_t count, size_t line_size, void** lines, line_message** messages) {
  *lines = calloc(count + 1, line_size);
  *messages = (line_message*)calloc(count + 1, sizeof **messages);
  if (*lines != NULL && *messages != NULL) return 1;
  free(*lines);
  free(*messages);
  return 0;
}

static mb_status on_read_quantities(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                    mb_str input) {
  hello_session* s = (hello_session*)session;
  mb_read_request request;
  mb_read_result result;
  mb_read_line_result* lines;
  line_message* messages;
  void* memory;
  mb_error error;
  mb_status status;
  size_t i;
  if (!mb_read_request_from_json(input, &request, &error))
    return mb_send_error(g_services, call, &error);
  if (!allocate_lines(request.line_count, sizeof *lines, &memory, &messages)) {
    mb_read_request_release(&request);
    return mb_fail(g_services, call, MB_STATUS_FATAL, 0, "out of memory");
  }
  lines = (mb_read_line_result*)memory;
  for (i = 0; i < request.line_count; ++i) {
    const mb_read_line* line = &request.lines[i];
    const int64_t* slot = ledger_slot(s, line->account_id, line->service_id);
    lines[i].key = line->key;
    if (slot == NULL) {
      lines[i].reason = MB_REASON_NOT_FOUND;
      snprintf(messages[i], sizeof messages[i], "no company %s with service %s in this tenant",
               line->account_id, line->service_id);
      lines[i].message = messages[i];
    } else {
      lines[i].has_quantity = 1;
      lines[i].quantity = *slot;
    }
  }
  result.lines = lines;
  result.line_count = request.line_count;
  status = mb_send_result(g_services, call, mb_read_result_to_json(&result));
  free(lines);
  free(messages);
  mb_read_request_release(&request); /* after the result: its keys point into the request */
  return status;
}

static mb_status on_apply_quantities(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                     mb_str input) {
  hello_session* s = (hello_session*)session;
  mb_apply_request request;
  mb_apply_result result;
  mb_apply_line_result* lines;
  line_message* messages;
  void* memory;
  mb_error error;
  mb_status status;
  size_t i;
  if (!mb_apply_request_from_json(input, &request, &error))
    return mb_send_error(g_services, call, &error);
  if (!allocate_lines(request.line_count, sizeof *lines, &memory, &messages)) {
    mb_apply_request_release(&request);
    return mb_fail(g_services, call, MB_STATUS_FATAL, 0, "out of memory");
  }
  lines = (mb_apply_line_result*)memory;
  for (i = 0; i < request.line_count; ++i) {
    const mb_apply_line* line = &request.lines[i];
    int64_t* slot = ledger_slot(s, line->account_id, line->service_id);
    lines[i].key = line->key;
    lines[i].message = messages[i];
    if (slot == NULL) {
      lines[i].outcome = MB_OUTCOME_FAILED;
      lines[i].error_class = MB_STATUS_NOT_FOUND;
      snprintf(messages[i], sizeof messages[i], "no company %s with service %s in this tenant",
               line->account_id, line->service_id);
    } else if (!line->has_target || line->target < 0) {
      lines[i].outcome = MB_OUTCOME_FAILED;
      lines[i].error_class = MB_STATUS_CONFIG_INVALID;
      snprintf(messages[i], sizeof messages[i], "target must be a non-negative integer");
    } else {
      /* The write is absolute, so replaying it is harmless: no journal needed. */
      lines[i].outcome = *slot == line->target ? MB_OUTCOME_UNCHANGED : MB_OUTCOME_UPDATED;
      lines[i].has_quantity = 1;
      lines[i].quantity = line->target;
      *slot = line->target;
    }
  }
  result.lines = lines;
  result.line_count = request.line_count;
  status = mb_send_result(g_services, call, mb_apply_result_to_json(&result));
  free(lines);
  free(messages);
  mb_apply_request_release(&request);
  return status;
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
  g_table.on_read_quantities = on_read_quantities;
  g_table.on_apply_quantities = on_apply_quantities;
  /* No optional capabilities: their hooks stay NULL, as the manifest's empty list says. */
  *table_out = &g_table;
  return MB_STATUS_OK;
}
