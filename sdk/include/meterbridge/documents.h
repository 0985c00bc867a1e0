/*
 * The typed documents of the meterbridge ABI for C plugins: one C struct per JSON document that
 * crosses the waist (abi.h), a reader for every document the host sends and a writer for every
 * answer, so a C plugin never parses or prints the ABI's JSON itself. The C++ SDK's codec
 * (<meterbridge/documents_json.hpp>) reads and writes the same shapes the same way; the SDK's
 * tests hold the two to each other. Part of the SDK's C library: link meterbridge::sdk_c.
 *
 *   static mb_status on_read_quantities(mb_session_plugin_ptr s, mb_call_host_ptr call,
 *                                       mb_str input) {
 *     mb_read_request request;
 *     mb_error error;
 *     if (!mb_read_request_from_json(input, &request, &error))
 *       return mb_send_error(g_services, call, &error);      // MB_STATUS_CONFIG_INVALID, named
 *     mb_read_line_result* lines = calloc(request.line_count + 1, sizeof *lines);
 *     for (size_t i = 0; i < request.line_count; ++i) {
 *       lines[i].key = request.lines[i].key;
 *       lines[i].has_quantity = 1;
 *       lines[i].quantity = 7;                                // or .reason = MB_REASON_...
 *     }
 *     mb_read_result result = {lines, request.line_count};
 *     mb_status status = mb_send_result(g_services, call, mb_read_result_to_json(&result));
 *     free(lines);
 *     mb_read_request_release(&request);                     // after the last use of its text
 *     return status;
 *   }
 *
 * Conventions
 *  - Readers: <document>_from_json(input, &out, &error) returns 1 and fills `out`, or returns 0
 *    with `error` (may be NULL) naming the document and member, MB_STATUS_CONFIG_INVALID, and
 *    `out` empty. Bad input never crashes a reader. Every string a reader gives is
 *    NUL-terminated UTF-8 owned by `out` until <document>_release(&out), which every read
 *    document needs (releasing an empty or failed one is fine). Reading is as lenient as the
 *    ABI and the C++ codec: a missing optional member takes its default ("" for text, NULL
 *    where the ABI says null), an id sent as a number reads as its decimal text, 3.0 reads as 3,
 *    a member of the wrong type reads as absent. Only the shape is enforced: a document that is
 *    not a JSON object, a required array ("lines", "accounts", "services") that is missing, or
 *    an item of one that is not an object, is refused. An empty input reads as {}.
 *  - Writers: <document>_to_json(&doc) returns the JSON text, malloc'd and NUL-terminated (free()
 *    it), or NULL when memory ran out. Strings you give are copied; NULL means absent or null as
 *    each member says. A zero-initialized struct is a valid document: NULL text, has_* = 0.
 *  - Vocabularies are the wire-name constants of abi.h (MB_AUTH_*, MB_REASON_*, MB_OUTCOME_*,
 *    MB_PROVISION_*, MB_LINK_*, MB_METRIC_*, MB_PURPOSE_*), compared with strcmp; error classes
 *    are mb_status values (mb_error_class_name / mb_error_class_from_name convert).
 *  - Optional numbers and booleans travel as a has_<name> flag beside the value.
 *  - Platform references ("line_ref", list "details", an intent's "ref") are opaque to the host
 *    and travel as JSON text: read as compact text (NULL when absent or null), written from any
 *    valid JSON text (text that is not JSON is written as null).
 *
 * Threading: no global state; a document is used by one thread at a time.
 */
#ifndef METERBRIDGE_DOCUMENTS_H_
#define METERBRIDGE_DOCUMENTS_H_

#include <stddef.h>
#include <stdint.h>

#include "meterbridge/abi.h"
#include "meterbridge/json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Answering the host --------------------------------------------------------------------- */

/* Hands `json` (a *_to_json result) to the host as the hook's result, frees it, and returns
 * MB_STATUS_OK. A NULL `json` (memory ran out) fails the hook with MB_STATUS_FATAL instead.
 * A hook may `return mb_send_result(services, call, mb_..._to_json(&result));`. */
mb_status mb_send_result(const mb_host_services* services, mb_call_host_ptr call, char* json);

/* Fails the hook: reports the error's class, wait and message (callback_error_set) and returns
 * the class for the hook to return (MB_STATUS_FATAL when the class is MB_STATUS_OK). */
mb_status mb_send_error(const mb_host_services* services, mb_call_host_ptr call,
                        const mb_error* error);
/* The same with the parts given one by one; message NULL reads as "unknown error". */
mb_status mb_fail(const mb_host_services* services, mb_call_host_ptr call, mb_status error_class,
                  uint64_t retry_after_ms, const char* message);

/* An error class's wire name (MB_ERROR_CLASS_*); "fatal" for a value it does not know. */
const char* mb_error_class_name(mb_status error_class);
/* The class a wire name names; MB_STATUS_FATAL for a name it does not know or NULL. */
mb_status mb_error_class_from_name(const char* name);

/* ---- on_session_open: the connector's config ------------------------------------------------ */

/* The config is the plugin's own document (its manifest's config_schema, already validated by
 * the host): read it with mb_json_parse and mb_json_get_*. */

/* ---- on_authenticate ------------------------------------------------------------------------ */

typedef struct mb_authenticate_request {
  /* MB_PURPOSE_TEST, MB_PURPOSE_CONNECT, or "" when an older host sent {} (or a purpose this
   * SDK does not know). */
  const char* purpose;
  mb_json* owned; /* what the strings point into; freed by the release */
} mb_authenticate_request;
int mb_authenticate_request_from_json(mb_str input, mb_authenticate_request* out, mb_error* error);
void mb_authenticate_request_release(mb_authenticate_request* request);

typedef struct mb_authenticate_result {
  const char* status;               /* MB_AUTH_*; NULL writes MB_AUTH_UNREACHABLE */
  const char* message;              /* NULL writes "" */
  const char* status_after_connect; /* NULL: omitted */
} mb_authenticate_result;
char* mb_authenticate_result_to_json(const mb_authenticate_result* result);

/* ---- on_list_accounts, on_list_services ----------------------------------------------------- */

typedef struct mb_list_request {
  const char* cursor; /* NULL: the first page */
  const char* search; /* NULL: no filter */
  int has_limit;
  int64_t limit;
  mb_json* owned;
} mb_list_request;
int mb_list_request_from_json(mb_str input, mb_list_request* out, mb_error* error);
void mb_list_request_release(mb_list_request* request);

typedef struct mb_list_item {
  const char* id;   /* NULL writes "" */
  const char* name; /* NULL writes "" */
  int has_active;   /* accounts: whether the account is active */
  int active;
  const char* details; /* JSON text (an object) shown to operators; NULL: omitted */
} mb_list_item;
typedef struct mb_list_page {
  const mb_list_item* items;
  size_t item_count;
  const char* next_cursor; /* NULL: this is the last page */
} mb_list_page;
char* mb_list_page_to_json(const mb_list_page* page);

/* ---- on_read_quantities --------------------------------------------------------------------- */

typedef struct mb_read_line {
  const char* key;
  const char* account_id;
  const char* service_id;
  const char* metric; /* MB_METRIC_USERS or MB_METRIC_DEVICES as sent; the plugin checks it */
  int has_last_pushed;
  int64_t last_pushed;
} mb_read_line;
typedef struct mb_read_request {
  const char* effective_date; /* "YYYY-MM-DD", or "" when the host sent none */
  const mb_read_line* lines;
  size_t line_count;
  mb_json* owned;
} mb_read_request;
int mb_read_request_from_json(mb_str input, mb_read_request* out, mb_error* error);
void mb_read_request_release(mb_read_request* request);

typedef struct mb_read_line_result {
  const char* key;
  int has_quantity; /* 0: no quantity (say why in reason) */
  int64_t quantity;
  const char* reason;   /* MB_REASON_* when there is no quantity; NULL writes null */
  const char* message;  /* NULL writes "" */
  const char* line_ref; /* JSON text: the platform object read, handed back on apply; NULL: null */
} mb_read_line_result;
typedef struct mb_read_result {
  const mb_read_line_result* lines;
  size_t line_count;
} mb_read_result;
char* mb_read_result_to_json(const mb_read_result* result);

/* ---- on_apply_quantities -------------------------------------------------------------------- */

typedef struct mb_apply_line {
  const char* key;
  const char* account_id;
  const char* service_id;
  int has_target; /* 0 when the target is missing or not a whole number: fail the line */
  int64_t target;
  int has_expected_current;
  int64_t expected_current;
  const char* metric;
  const char* line_ref; /* JSON text from the read, or NULL */
} mb_apply_line;
typedef struct mb_apply_request {
  const char* idempotency_key; /* NULL when the host sent none */
  const char* effective_date;
  const mb_apply_line* lines;
  size_t line_count;
  int final; /* 1: the last batch of the run (the default) */
  mb_json* owned;
} mb_apply_request;
int mb_apply_request_from_json(mb_str input, mb_apply_request* out, mb_error* error);
void mb_apply_request_release(mb_apply_request* request);

typedef struct mb_apply_line_result {
  const char* key;
  const char* outcome; /* MB_OUTCOME_*; NULL writes MB_OUTCOME_FAILED */
  int has_quantity;    /* the quantity now on the platform, when known */
  int64_t quantity;
  mb_status error_class; /* a failed line's class; MB_STATUS_OK writes null */
  const char* message;   /* NULL writes "" */
  int in_doubt; /* 1: a journaled write that may have been applied (callback_journal_intents) */
} mb_apply_line_result;
typedef struct mb_apply_result {
  const mb_apply_line_result* lines;
  size_t line_count;
} mb_apply_result;
char* mb_apply_result_to_json(const mb_apply_result* result);

/* ---- on_provision_accounts ------------------------------------------------------------------ */

typedef struct mb_account_to_provision {
  const char* id;
  const char* name;
} mb_account_to_provision;
typedef struct mb_provision_accounts_request {
  const mb_account_to_provision* accounts;
  size_t account_count;
  mb_json* owned;
} mb_provision_accounts_request;
int mb_provision_accounts_request_from_json(mb_str input, mb_provision_accounts_request* out,
                                            mb_error* error);
void mb_provision_accounts_request_release(mb_provision_accounts_request* request);

typedef struct mb_provisioned_account {
  const char* id;
  const char* account_id; /* the platform's id when it differs from id; NULL: omitted */
  const char* name;
  const char* outcome; /* MB_PROVISION_*; NULL writes null */
  const char* message;
} mb_provisioned_account;
typedef struct mb_provision_accounts_result {
  const mb_provisioned_account* items;
  size_t item_count;
} mb_provision_accounts_result;
char* mb_provision_accounts_result_to_json(const mb_provision_accounts_result* result);

/* ---- on_provision_services ------------------------------------------------------------------ */

typedef struct mb_service_to_provision {
  const char* id;
  const char* name;
  const char* platform_id; /* known from an earlier provisioning; NULL when none */
} mb_service_to_provision;
typedef struct mb_provision_services_request {
  const mb_service_to_provision* services;
  size_t service_count;
  mb_json* owned;
} mb_provision_services_request;
int mb_provision_services_request_from_json(mb_str input, mb_provision_services_request* out,
                                            mb_error* error);
void mb_provision_services_request_release(mb_provision_services_request* request);

typedef struct mb_provisioned_service {
  const char* id;
  const char* platform_id; /* NULL writes null: none was obtained */
  const char* outcome;     /* MB_PROVISION_*; NULL writes null */
  const char* metric;      /* the metric the platform bills the service by; NULL: omitted */
  const char* message;
} mb_provisioned_service;
typedef struct mb_provision_services_result {
  const mb_provisioned_service* items;
  size_t item_count;
} mb_provision_services_result;
char* mb_provision_services_result_to_json(const mb_provision_services_result* result);

/* ---- on_set_status -------------------------------------------------------------------------- */

typedef struct mb_set_status_request {
  const char* status;
  mb_json* owned;
} mb_set_status_request;
int mb_set_status_request_from_json(mb_str input, mb_set_status_request* out, mb_error* error);
void mb_set_status_request_release(mb_set_status_request* request);

typedef struct mb_set_status_result {
  const char* status;
  const char* message;
} mb_set_status_result;
char* mb_set_status_result_to_json(const mb_set_status_result* result);

/* ---- on_link_accounts ----------------------------------------------------------------------- */

typedef struct mb_account_link {
  const char* account_id; /* "" for an item that was not an object: refuse it */
  const char* platform_account_id;
} mb_account_link;
typedef struct mb_link_accounts_request {
  const mb_account_link* link;
  size_t link_count;
  const char* const* unlink; /* account ids */
  size_t unlink_count;
  mb_json* owned;
} mb_link_accounts_request;
int mb_link_accounts_request_from_json(mb_str input, mb_link_accounts_request* out,
                                       mb_error* error);
void mb_link_accounts_request_release(mb_link_accounts_request* request);

typedef struct mb_linked_account {
  const char* account_id;
  const char* platform_account_id; /* NULL: omitted */
  const char* outcome;             /* MB_LINK_*; NULL writes MB_LINK_FAILED */
  const char* message;             /* NULL: omitted */
} mb_linked_account;
typedef struct mb_link_accounts_result {
  const mb_linked_account* items;
  size_t item_count;
} mb_link_accounts_result;
char* mb_link_accounts_result_to_json(const mb_link_accounts_result* result);

/* ---- callback_journal_intents --------------------------------------------------------------- */

typedef struct mb_write_intent {
  const char* key; /* the input line's key */
  int has_units_before;
  int64_t units_before;
  int64_t target;
  const char* ref; /* JSON text: the platform object written, shown to users; NULL writes {} */
} mb_write_intent;
char* mb_write_intents_to_json(const mb_write_intent* intents, size_t count);

/* Records intents durably before a plugin sends writes that are not idempotent (abi.h,
 * callback_journal_intents). MB_STATUS_OK once every intent is on disk; any other status means
 * nothing was recorded: send none of those writes, and *error (may be NULL) says why
 * (MB_STATUS_UNSUPPORTED when the host offers no journal). */
mb_status mb_journal_intents(const mb_host_services* services, mb_call_host_ptr call,
                             const mb_write_intent* intents, size_t count, mb_error* error);

/* ---- callback_http_batch -------------------------------------------------------------------- */

typedef struct mb_http_header {
  const char* name;
  const char* value;
} mb_http_header;

/* Whether the host's engine may retry a request after it may have reached the server. */
typedef enum mb_http_idempotency {
  MB_HTTP_BY_METHOD = 0, /* the default: GET, HEAD, PUT, DELETE and OPTIONS are */
  MB_HTTP_IDEMPOTENT,
  MB_HTTP_NOT_IDEMPOTENT /* a write that would apply twice if sent twice */
} mb_http_idempotency;

typedef struct mb_http_request {
  const char* method; /* NULL: "GET" */
  const char* url;
  const mb_http_header* headers;
  size_t header_count;
  const char* body;     /* NULL: no body */
  const char* endpoint; /* the concurrency and budget key; NULL: the URL's path */
  mb_http_idempotency idempotency;
  int64_t timeout_ms; /* 0: the connector's default */
} mb_http_request;
char* mb_http_requests_to_json(const mb_http_request* requests, size_t count);

/* One request's outcome: an HTTP response (status != 0), or no answer (status == 0, has_error). */
typedef struct mb_http_response {
  int status;
  const mb_http_header* headers; /* names lower-case */
  size_t header_count;
  const char* body; /* "" when none; body_length counts a body holding NULs */
  size_t body_length;
  int attempts;
  uint64_t retry_after_ms; /* the host's reading of Retry-After on a 429/503; 0 if none */
  int has_error;           /* no answer: the class, message and "sent" below */
  mb_status error_class;
  const char* error_message;
  int error_sent; /* 1: the request may have reached the server; its outcome is unknown */
} mb_http_response;
typedef struct mb_http_responses {
  const mb_http_response* items;
  size_t count;
  mb_json* owned;
} mb_http_responses;
/* Reads the host's response array (what callback_http_batch returns with MB_STATUS_OK). */
int mb_http_responses_from_json(mb_str input, mb_http_responses* out, mb_error* error);
void mb_http_responses_release(mb_http_responses* responses);

/* A response header by its lower-case name; NULL when absent. */
const char* mb_http_response_header(const mb_http_response* response, const char* name);
/* How long a throttled or unavailable answer asks to wait: the host's retry_after_ms, else the
 * Retry-After header's delta-seconds; 0 when it says nothing. */
uint64_t mb_http_retry_after_ms(const mb_http_response* response);

/* Runs `requests` as one batch through the host's engine and reads its answer. MB_STATUS_OK:
 * *responses (release it) holds one response per request, in order, HTTP errors included.
 * Otherwise nothing was sent, or the host's answer was unreadable, and *error (may be NULL)
 * holds the host's class, message and retry_after_ms (MB_STATUS_RATE_LIMITED when the
 * connector's request budget is spent, MB_STATUS_UNSUPPORTED without an engine). */
mb_status mb_http_run(const mb_host_services* services, mb_call_host_ptr call,
                      const mb_http_request* requests, size_t count, mb_http_responses* responses,
                      mb_error* error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* METERBRIDGE_DOCUMENTS_H_ */
