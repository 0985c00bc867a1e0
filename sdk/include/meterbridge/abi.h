/*
 * meterbridge plugin ABI, version 1.2 (1.1 added callback_journal_intents; 1.2 the optional
 * "tickets" capability: five session hooks appended to mb_plugin_table).
 *
 * The one contract between the meterbridge host and a platform plugin (a shared library). It is
 * pure C99 so a plugin can be written in any language that can export a C function; the C++
 * convenience layer in <meterbridge/plugin.hpp> is built on this header alone.
 *
 * Rules of the waist
 * ------------------
 *  - No C++ type crosses it. Data crosses as UTF-8 JSON documents passed as {ptr,len} views
 *    (mb_str). The JSON shapes of every document are specified beside each hook below and in
 *    docs/plugin-authoring.md.
 *  - Handles are opaque. Names say who owns what, as in Envoy's dynamic modules:
 *      ..._plugin_ptr  memory owned by the plugin; the host never frees it.
 *      ..._host_ptr    memory owned by the host; the plugin never frees it.
 *    Hooks the plugin implements are named on_*; functions the host offers are callback_*.
 *  - Whoever allocates frees. A plugin hands results to the host by calling a callback that
 *    COPIES the bytes before returning, so the plugin may free or reuse its buffer right after.
 *  - Every table begins with its own size in bytes and only grows at the end. A reader must
 *    check `size` before touching a member that a newer minor version appended.
 *  - Versions are major.minor. Majors must be equal. A plugin built for minor N loads in any
 *    host of minor >= N; a host never calls a hook beyond the plugin table's `size`.
 *  - The plugin exports exactly one symbol: MB_PLUGIN_ENTRY_SYMBOL (see the bottom). Nothing in
 *    the plugin runs before the host calls it.
 *  - No exception, longjmp or signal crosses the waist: every hook returns an mb_status.
 *
 * Threading
 * ---------
 *  - The negotiation entry point and on_describe are called once, on the host's start-up thread.
 *  - Calls into one session are serialized: the host never calls two hooks of the same session
 *    at the same time, but it may call them from different threads over the session's life.
 *  - Different sessions of one plugin may be called concurrently from different threads, so
 *    state shared by sessions (the mb_plugin_plugin_ptr) must be thread-safe.
 *  - Callbacks may block the calling thread (callback_http_batch waits for every response);
 *    hooks may block too. Hooks must not start threads that outlive the hook.
 *  - Every callback is safe to call from the thread that is running a hook, and only from it.
 */
#ifndef METERBRIDGE_ABI_H_
#define METERBRIDGE_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions ------------------------------------------------------------------------------ */

#define MB_ABI_VERSION_MAJOR 1
#define MB_ABI_VERSION_MINOR 2

/* ---- Plain data ---------------------------------------------------------------------------- */

/* A borrowed view of UTF-8 bytes (usually a JSON document); not NUL-terminated. Whoever passes
 * an mb_str keeps ownership; the receiver may read it only until the call that received it
 * returns, and must copy what it wants to keep. ptr may be NULL only when len is 0. */
typedef struct mb_str {
  const char* ptr;
  uint64_t len;
} mb_str;

/* Status of every hook and of the callbacks that can fail. Values are stable across versions;
 * new classes may be appended, and a reader treats an unknown value as MB_STATUS_FATAL. */
typedef int32_t mb_status;
#define MB_STATUS_OK 0
#define MB_STATUS_RETRY 1          /* transient; safe to try again after retry_after_ms */
#define MB_STATUS_RATE_LIMITED 2   /* the platform throttled us; wait retry_after_ms */
#define MB_STATUS_AUTH_FAILED 3    /* credentials rejected by the platform */
#define MB_STATUS_CONFIG_INVALID 4 /* config is wrong (unknown tenant, bad URL, ...) */
#define MB_STATUS_NOT_FOUND 5      /* the named object does not exist on the platform */
#define MB_STATUS_CONFLICT 6       /* the platform refused because of its current state */
#define MB_STATUS_UNSUPPORTED 7    /* the operation or capability is not implemented */
#define MB_STATUS_FATAL 8          /* anything else; do not retry without a change */

/* Log levels for callback_log. */
typedef int32_t mb_log_level;
#define MB_LOG_TRACE 0
#define MB_LOG_DEBUG 1
#define MB_LOG_INFO 2
#define MB_LOG_WARN 3
#define MB_LOG_ERROR 4

/* ---- Opaque handles ------------------------------------------------------------------------ */

/* The plugin's global state, created by the negotiation entry point. Owned by the plugin; the
 * host passes it back to on_describe/on_session_open and finally to on_plugin_unload. */
typedef void* mb_plugin_plugin_ptr;

/* One connector's session (its config and credentials), created by on_session_open and
 * destroyed by on_session_close. Owned by the plugin. */
typedef void* mb_session_plugin_ptr;

/* The host's context for one hook invocation: where results, errors and HTTP go. Owned by the
 * host, valid only until the hook it was passed to returns. Never NULL. */
typedef void* mb_call_host_ptr;

/* ---- Host services (the host's table, read by the plugin) ---------------------------------- */

typedef struct mb_host_services {
  /* sizeof(mb_host_services) as compiled into the host. Members past `size` do not exist. */
  uint32_t size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* Writes a log line through the host's logger, tagged with the plugin and, when `call` is
   * not NULL, the connector. The host redacts secrets it knows, but plugins should still never
   * log one. message is copied. */
  void (*callback_log)(mb_call_host_ptr call, mb_log_level level, mb_str message);

  /* Sets the hook's result document (JSON). Copies; a second call replaces the first. */
  void (*callback_result_set)(mb_call_host_ptr call, mb_str json);

  /* Describes why the hook failed, before it returns a non-OK status. `message` is copied and
   * shown to users: it must never contain a secret. retry_after_ms is 0 when unknown. */
  void (*callback_error_set)(mb_call_host_ptr call, mb_status error_class, uint64_t retry_after_ms,
                             mb_str message);

  /* Executes a batch of HTTP requests through the host's engine (TLS, pools, limits, retries,
   * redaction, counting) and blocks until every one has an outcome. Requests run concurrently
   * within the connector's limits; responses come back in request order.
   *
   * requests: JSON array of
   *   {"method":"GET","url":"https://...","headers":{"Name":"value"},"body":"...",
   *    "idempotent":true,"endpoint":"Companies","timeout_ms":30000}
   *   (headers, body, idempotent (default: GET/HEAD/PUT/DELETE), endpoint (concurrency and
   *    budget key, default the URL path) and timeout_ms are optional)
   * *responses_out receives a JSON array, same length and order, of
   *   {"status":200,"headers":{"name":"value"},"body":"...","attempts":1}
   *   (plus "retry_after_ms":n when a 429/503 came back because retries ran out or the
   *    platform asked for a longer wait than the connector allows)
   *   or, when no HTTP response was obtained,
   *   {"status":0,"error":{"class":"retry","message":"...","sent":true},"attempts":3}
   *   where "sent" says whether the request may have reached the server (ambiguous outcome).
   *   Response header names are lower-case.
   * The bytes behind *responses_out are owned by the host and stay valid until the hook that
   * received `call` returns. Returns MB_STATUS_OK when every request has an outcome in
   * *responses_out (even HTTP errors). Otherwise nothing was sent, and *responses_out holds
   * {"error":{"class":"unsupported|config_invalid|rate_limited|fatal","message":"..",
   * "retry_after_ms":n}}: MB_STATUS_UNSUPPORTED when the host has no engine,
   * MB_STATUS_CONFIG_INVALID for a malformed batch, MB_STATUS_RATE_LIMITED when the connector's
   * request budget is exhausted (retry_after_ms says when it refills). */
  mb_status (*callback_http_batch)(mb_call_host_ptr call, mb_str requests, mb_str* responses_out);

  /* Milliseconds since the Unix epoch on the host's clock (a fake clock in tests). */
  int64_t (*callback_now_ms)(mb_call_host_ptr call);

  /* Non-zero when the user or the scheduler asked this call to stop. Long hooks check it
   * between pages or batches and return MB_STATUS_RETRY with a message when set. */
  int32_t (*callback_is_cancelled)(mb_call_host_ptr call);

  /* ---- Since 1.1 ---- */

  /* The write journal (docs/sync.md). Records, durably, writes the plugin is about to send that
   * are NOT idempotent (a delta that adds to the platform's value, where sending it twice adds
   * twice). Call it during on_apply_quantities, after deciding the writes and before sending
   * them; send only when it returns MB_STATUS_OK. The host keeps each intent open until a run
   * proves its outcome: the line's outcome in this call's result, or a later read that shows
   * the target. While an intent is open and young the host does not ask for that line again,
   * so a write whose answer was lost (timeout, reset, crash) is never sent twice.
   *
   * intents: JSON array of
   *   {"key":"<the input line's key>","units_before":n|null,"target":n,
   *    "ref":{...}}   (ref: the platform object written, e.g. {"contract_service_id":55120};
   *                    shown to users, never a secret)
   * Returns MB_STATUS_OK once every intent is on disk. Any other status means nothing was
   * recorded: the plugin must not send those writes and reports their lines failed with that
   * class. Plugins whose writes are idempotent (set a quantity, post an absolute count) do not
   * call it.
   *
   * In the result of on_apply_quantities, a line whose write may have been applied but could
   * not be confirmed carries "in_doubt":true; its intent then stays open. */
  mb_status (*callback_journal_intents)(mb_call_host_ptr call, mb_str intents);
} mb_host_services;

/* ---- Plugin table (the plugin's table, read by the host) ----------------------------------- */

/* Every session hook has the same shape: the session, the call context, and the input JSON.
 * It returns MB_STATUS_OK after callback_result_set, or an error status after
 * callback_error_set. Inputs and results, by hook:
 *
 * on_authenticate      in  {"purpose":"test|connect"}  ("connect": the first connect or an
 *                           explicit reconnect; older hosts send {})
 *                      out {"status":"ok|pending|auth_failed|config_invalid|unreachable|
 *                           conflict","message":"...","status_after_connect":".."}
 *                           (a completed check returns MB_STATUS_OK even when the platform said
 *                           no: the verdict is in "status"; "conflict": the keys work but the
 *                           platform's side is in a state only its owner can change; optional
 *                           "status_after_connect": on a connect, the host provisions, then
 *                           passes it to on_set_status)
 * on_list_accounts     in  {"cursor":null|"...","search":null|"...","limit":500}
 *                      out {"items":[{"id":"..","name":"..","active":true,"details":{}}],
 *                           "next_cursor":null|"..."}
 * on_list_services     in/out the same shape as on_list_accounts (no "active" required)
 * on_read_quantities   in  {"effective_date":"YYYY-MM-DD",
 *                           "lines":[{"key":"..","account_id":"..","service_id":"..",
 *                                     "metric":"users|devices","last_pushed":null|n}]}
 *                      out {"lines":[{"key":"..","quantity":n|null,
 *                           "reason":null|"no_contract_line|ambiguous_contract_line|
 *                                          account_inactive|platform_not_mapped|not_found",
 *                           "message":"..","line_ref":{...}}]}
 * on_apply_quantities  in  {"idempotency_key":"..","effective_date":"YYYY-MM-DD",
 *                           "lines":[{"key":"..","account_id":"..","service_id":"..",
 *                                     "target":n,"expected_current":n|null,"metric":"users",
 *                                     "line_ref":{...}}],"final":true}
 *                      out {"lines":[{"key":"..","outcome":"updated|unchanged|failed|
 *                           platform_not_mapped|no_contract_line|ambiguous_contract_line",
 *                           "quantity":n|null,"error_class":null|"retry|...","message":"..",
 *                           "in_doubt":false}]}
 *                      ("in_doubt":true only on a failed line whose journaled write may have
 *                      been applied: see callback_journal_intents)
 *                      The plugin turns each absolute target into the platform's native write.
 *                      It never replays a delta blindly: after an ambiguous failure it re-reads.
 *
 * Optional capabilities (NULL when the plugin does not offer them; the manifest lists them):
 * on_provision_accounts in {"accounts":[{"id":"..","name":".."}]}
 *                       out {"items":[{"id":"..","name":"..","outcome":"created|renamed|
 *                            unchanged|failed","message":".."}]}
 * on_provision_services in {"services":[{"id":"..","name":"..","platform_id":null|".."}]}
 *                       out {"items":[{"id":"..","platform_id":"..","outcome":"..."}]}
 * on_set_status         in {"status":"..."}  out {"status":"...","message":".."}
 * on_link_accounts      in {"link":[{"account_id":"..","platform_account_id":".."}],
 *                           "unlink":["account_id"]}  out {"items":[...]}
 * on_disconnect         in {}  out {}   (called before the host deletes credentials)
 *
 * The "tickets" capability (since 1.2; all five hooks, or none): the vendor's security alerts
 * as tickets on a board (a service board, a queue) of the platform. Ids are strings (a
 * platform's numeric ids as their decimal text). A "reference" is "mb-alert:<alert id>"; the
 * plugin stores it on the ticket where the platform can search it.
 * on_list_ticket_boards in {}
 *                       out {"boards":[{"id":"..","name":"..",
 *                             "statuses":[{"id":"..","name":"..","default":false,
 *                                          "closed":false}],
 *                             "types":[{"id":"..","name":"..",
 *                                       "subtypes":[{"id":"..","name":".."}]}]}],
 *                            "priorities":[{"id":"..","name":"..","default":false,
 *                                           "level":null|"critical|high|medium|low"}]}
 *                       (active boards and statuses only; "default": what a new ticket gets;
 *                        "closed": the status closes the ticket; "types" may be empty)
 * on_check_ticket_permissions
 *                       in  {"board_id":null|".."}  (read-only: never creates anything)
 *                       out {"can_list":true,"can_create":true,"can_update":true,
 *                            "can_close":true,"missing":["<what to grant, in the platform's
 *                            words>"],"message":".."}
 * on_open_ticket        in  {"reference":"mb-alert:..","account_id":"..","board_id":null|"..",
 *                            "status_id":null|"..","priority_id":null|"..",
 *                            "type_id":null|"..","subtype_id":null|"..","title":"..",
 *                            "description":"..","search_first":false}
 *                       out {"ticket_id":"..","outcome":"created|found","closed":false,
 *                            "message":".."}
 *                       Creating a ticket is NOT idempotent. The host journals its intent before
 *                       the call and keeps it open until it has recorded the ticket id; when an
 *                       earlier intent for the reference is still open (its answer was lost),
 *                       it sends "search_first":true and the plugin returns the ticket that
 *                       carries the reference ("found") before it would create one. A plugin
 *                       may always search first; it must when asked.
 * on_add_ticket_note    in  {"ticket_id":"..","reference":"mb-alert:..","note_key":"..",
 *                            "text":".."}
 *                       out {"ticket_id":"..","outcome":"noted|unchanged","message":".."}
 *                       ("note_key" is stable per change: a plugin that can see the ticket's
 *                        notes answers "unchanged" when one already carries it)
 * on_close_ticket       in  {"ticket_id":"..","status_id":null|"..","note":null|".."}
 *                       out {"ticket_id":"..","outcome":"closed|already_closed","message":".."}
 *                       (idempotent by ticket id: a ticket already closed is not written)
 */
typedef mb_status (*mb_session_hook)(mb_session_plugin_ptr session, mb_call_host_ptr call,
                                     mb_str input);

typedef struct mb_plugin_table {
  /* sizeof(mb_plugin_table) as compiled into the plugin. Members past `size` do not exist. */
  uint32_t size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* The plugin's global state; passed back to the plugin-level hooks. */
  mb_plugin_plugin_ptr plugin;

  /* Sets the result to the plugin's manifest document: {"id","version","abi":"1.0",
   * "capabilities":[...],"config_schema":{...}, ...}. It must agree with the sidecar
   * <id>.plugin.json; the host refuses the plugin otherwise. */
  mb_status (*on_describe)(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call);

  /* Opens a session for one connector. config is the connector's plugin config, already
   * validated against the plugin's schema, with secret references resolved. On success the
   * plugin stores its session in *session_out (owned by the plugin until on_session_close). */
  mb_status (*on_session_open)(mb_plugin_plugin_ptr plugin, mb_call_host_ptr call, mb_str config,
                               mb_session_plugin_ptr* session_out);

  /* Destroys a session. Called exactly once per successful on_session_open. */
  void (*on_session_close)(mb_session_plugin_ptr session);

  mb_session_hook on_authenticate;
  mb_session_hook on_list_accounts;
  mb_session_hook on_list_services;
  mb_session_hook on_read_quantities;
  mb_session_hook on_apply_quantities;

  /* Optional capabilities: NULL when not offered. */
  mb_session_hook on_provision_accounts;
  mb_session_hook on_provision_services;
  mb_session_hook on_set_status;
  mb_session_hook on_link_accounts;
  mb_session_hook on_disconnect;

  /* Frees the plugin's global state. Called once, after every session is closed. May be NULL. */
  void (*on_plugin_unload)(mb_plugin_plugin_ptr plugin);

  /* ---- Since 1.2: the "tickets" capability (all five, or all NULL) ---- */
  mb_session_hook on_list_ticket_boards;
  mb_session_hook on_check_ticket_permissions;
  mb_session_hook on_open_ticket;
  mb_session_hook on_add_ticket_note;
  mb_session_hook on_close_ticket;
} mb_plugin_table;

/* The size of the table a plugin of minor 0 or 1 hands over (everything before the 1.2 hooks).
 * A host reads a member only when the table's `size` covers it. */
#define MB_PLUGIN_TABLE_SIZE_1_0 (offsetof(mb_plugin_table, on_list_ticket_boards))

/* ---- Wire names ---------------------------------------------------------------------------- */

/* The closed vocabularies of the documents above, spelled once for C and C++ plugins alike
 * (<meterbridge/documents.hpp> maps them to enums). Names only: no table or hook changed. */

/* "error_class" of a failed line and "class" of an HTTP or batch error (mb_status values). */
#define MB_ERROR_CLASS_OK "ok"
#define MB_ERROR_CLASS_RETRY "retry"
#define MB_ERROR_CLASS_RATE_LIMITED "rate_limited"
#define MB_ERROR_CLASS_AUTH_FAILED "auth_failed"
#define MB_ERROR_CLASS_CONFIG_INVALID "config_invalid"
#define MB_ERROR_CLASS_NOT_FOUND "not_found"
#define MB_ERROR_CLASS_CONFLICT "conflict"
#define MB_ERROR_CLASS_UNSUPPORTED "unsupported"
#define MB_ERROR_CLASS_FATAL "fatal"

/* on_authenticate: input "purpose" and the verdict's "status". */
#define MB_PURPOSE_TEST "test"
#define MB_PURPOSE_CONNECT "connect"
#define MB_AUTH_OK "ok"
#define MB_AUTH_PENDING "pending"
#define MB_AUTH_AUTH_FAILED "auth_failed"
#define MB_AUTH_CONFIG_INVALID "config_invalid"
#define MB_AUTH_UNREACHABLE "unreachable"
#define MB_AUTH_CONFLICT "conflict"

/* A line's "metric". */
#define MB_METRIC_USERS "users"
#define MB_METRIC_DEVICES "devices"

/* on_read_quantities: a line's "reason" when it has no quantity. */
#define MB_REASON_NO_CONTRACT_LINE "no_contract_line"
#define MB_REASON_AMBIGUOUS_CONTRACT_LINE "ambiguous_contract_line"
#define MB_REASON_ACCOUNT_INACTIVE "account_inactive"
#define MB_REASON_PLATFORM_NOT_MAPPED "platform_not_mapped"
#define MB_REASON_NOT_FOUND "not_found"

/* on_apply_quantities: a line's "outcome". */
#define MB_OUTCOME_UPDATED "updated"
#define MB_OUTCOME_UNCHANGED "unchanged"
#define MB_OUTCOME_FAILED "failed"
#define MB_OUTCOME_PLATFORM_NOT_MAPPED "platform_not_mapped"
#define MB_OUTCOME_NO_CONTRACT_LINE "no_contract_line"
#define MB_OUTCOME_AMBIGUOUS_CONTRACT_LINE "ambiguous_contract_line"
#define MB_OUTCOME_ACCOUNT_INACTIVE "account_inactive"

/* on_provision_accounts / on_provision_services: an item's "outcome". */
#define MB_PROVISION_CREATED "created"
#define MB_PROVISION_RENAMED "renamed"
#define MB_PROVISION_MATCHED "matched"
#define MB_PROVISION_UNCHANGED "unchanged"
#define MB_PROVISION_FAILED "failed"

/* on_link_accounts: an item's "outcome". */
#define MB_LINK_LINKED "linked"
#define MB_LINK_UPDATED "updated"
#define MB_LINK_UNLINKED "unlinked"
#define MB_LINK_FAILED "failed"

/* The "tickets" capability: on_open_ticket's "outcome" ... */
#define MB_TICKET_CREATED "created"
#define MB_TICKET_FOUND "found"
/* ... on_add_ticket_note's ... */
#define MB_TICKET_NOTED "noted"
#define MB_TICKET_UNCHANGED "unchanged"
/* ... and on_close_ticket's. */
#define MB_TICKET_CLOSED "closed"
#define MB_TICKET_ALREADY_CLOSED "already_closed"
/* A priority's "level" in on_list_ticket_boards. */
#define MB_PRIORITY_CRITICAL "critical"
#define MB_PRIORITY_HIGH "high"
#define MB_PRIORITY_MEDIUM "medium"
#define MB_PRIORITY_LOW "low"
/* The prefix of a ticket's "reference": "mb-alert:" followed by the alert's id. */
#define MB_TICKET_REFERENCE_PREFIX "mb-alert:"

/* ---- Negotiation --------------------------------------------------------------------------- */

/* What the host offers. The host supports exactly major `abi_major` and every minor from 0 to
 * `abi_minor_max`. */
typedef struct mb_host_offer {
  uint32_t size;
  uint16_t abi_major;
  uint16_t abi_minor_max;
  /* Owned by the host; valid for the life of the process. */
  const mb_host_services* services;
  /* A human-readable host name and version (borrowed, valid during the call). */
  mb_str host_version;
} mb_host_offer;

/* The one symbol a plugin exports, looked up by this exact name:
 *
 *   mb_status meterbridge_plugin_negotiate(const mb_host_offer* offer,
 *                                          const mb_plugin_table** table_out);
 *
 * The plugin checks offer->abi_major == its major and offer->abi_minor_max >= its minor
 * (mb_host_offer_accepts below); if not it returns MB_STATUS_UNSUPPORTED and leaves *table_out
 * NULL. Otherwise it creates its global state and sets *table_out to a table it owns, valid
 * until on_plugin_unload returns. The host checks the table's versions again and refuses a
 * table it cannot use. */
#define MB_PLUGIN_ENTRY_SYMBOL "meterbridge_plugin_negotiate"

typedef mb_status (*mb_plugin_negotiate_fn)(const mb_host_offer* offer,
                                            const mb_plugin_table** table_out);

/* The version check every plugin's negotiate makes: true when the host speaks `major` and a
 * minor of at least `minor` (the versions the plugin was built for, normally
 * MB_ABI_VERSION_MAJOR and MB_ABI_VERSION_MINOR). A function rather than an inline comparison,
 * so that a plugin built for minor 0 does not compare an unsigned value with `>= 0` (a warning
 * under -Wextra). */
static inline int mb_host_offer_accepts(const mb_host_offer* offer, uint16_t major,
                                        uint16_t minor) {
  return offer != NULL && offer->abi_major == major && offer->abi_minor_max >= minor;
}

#if defined(_WIN32)
#define MB_PLUGIN_EXPORT __declspec(dllexport)
#else
#define MB_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* METERBRIDGE_ABI_H_ */
