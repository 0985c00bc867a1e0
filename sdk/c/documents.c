/* The C side of the ABI's typed documents (<meterbridge/documents.h>). Each reader parses the
 * input once and keeps its structs' arrays and strings in the parsed document's arena, so one
 * release frees everything; each writer streams the document through an mb_json_writer in the
 * member order the C++ codec (documents_json.hpp) writes, so both produce the same text. */
#include "meterbridge/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"

/* ---- Answering the host --------------------------------------------------------------------- */

static mb_str view_of(const char* text) {
  mb_str view;
  view.ptr = text;
  view.len = (uint64_t)strlen(text);
  return view;
}

mb_status mb_fail(const mb_host_services* services, mb_call_host_ptr call, mb_status error_class,
                  uint64_t retry_after_ms, const char* message) {
  if (error_class == MB_STATUS_OK) error_class = MB_STATUS_FATAL;
  if (services != NULL && services->callback_error_set != NULL)
    services->callback_error_set(call, error_class, retry_after_ms,
                                 view_of(message != NULL ? message : "unknown error"));
  return error_class;
}

mb_status mb_send_error(const mb_host_services* services, mb_call_host_ptr call,
                        const mb_error* error) {
  if (error == NULL) return mb_fail(services, call, MB_STATUS_FATAL, 0, NULL);
  return mb_fail(services, call, error->error_class, error->retry_after_ms, error->message);
}

mb_status mb_send_result(const mb_host_services* services, mb_call_host_ptr call, char* json) {
  if (json == NULL)
    return mb_fail(services, call, MB_STATUS_FATAL, 0, "out of memory writing the result");
  if (services != NULL && services->callback_result_set != NULL)
    services->callback_result_set(call, view_of(json));
  free(json);
  return MB_STATUS_OK;
}

static const struct {
  mb_status status;
  const char* name;
} kErrorClasses[] = {
    {MB_STATUS_OK, MB_ERROR_CLASS_OK},
    {MB_STATUS_RETRY, MB_ERROR_CLASS_RETRY},
    {MB_STATUS_RATE_LIMITED, MB_ERROR_CLASS_RATE_LIMITED},
    {MB_STATUS_AUTH_FAILED, MB_ERROR_CLASS_AUTH_FAILED},
    {MB_STATUS_CONFIG_INVALID, MB_ERROR_CLASS_CONFIG_INVALID},
    {MB_STATUS_NOT_FOUND, MB_ERROR_CLASS_NOT_FOUND},
    {MB_STATUS_CONFLICT, MB_ERROR_CLASS_CONFLICT},
    {MB_STATUS_UNSUPPORTED, MB_ERROR_CLASS_UNSUPPORTED},
    {MB_STATUS_FATAL, MB_ERROR_CLASS_FATAL},
};
enum { kErrorClassCount = sizeof kErrorClasses / sizeof kErrorClasses[0] };

const char* mb_error_class_name(mb_status error_class) {
  size_t i;
  for (i = 0; i < kErrorClassCount; ++i)
    if (kErrorClasses[i].status == error_class) return kErrorClasses[i].name;
  return MB_ERROR_CLASS_FATAL;
}

mb_status mb_error_class_from_name(const char* name) {
  size_t i;
  if (name == NULL) return MB_STATUS_FATAL;
  for (i = 0; i < kErrorClassCount; ++i)
    if (strcmp(kErrorClasses[i].name, name) == 0) return kErrorClasses[i].status;
  return MB_STATUS_FATAL;
}

/* ---- Reading -------------------------------------------------------------------------------- */

static int refuse(mb_error* error, const char* document, const char* why) {
  char message[sizeof error->message];
  /* A message longer than the error's buffer is cut short, which is fine for a reason; reading
   * snprintf's result tells the compiler so (-Wformat-truncation in optimised builds). */
  if (snprintf(message, sizeof message, "%s: %s", document, why) >= (int)sizeof message)
    message[sizeof message - 1] = '\0';
  mb_error_set(error, MB_STATUS_CONFIG_INVALID, 0, message);
  return 0;
}

/* Parses a document that must be a JSON object; an empty input reads as {}, as hosts and
 * plugins before ABI 1.1 may send nothing for it. */
static const mb_json_value* read_object(mb_str input, const char* document, mb_json** owned,
                                        mb_error* error) {
  mb_error parse_error;
  static const char kEmptyObject[] = "{}";
  char why[sizeof parse_error.message + 64];
  if (input.ptr == NULL || input.len == 0) {
    input.ptr = kEmptyObject;
    input.len = 2;
  }
  *owned = mb_json_parse(input, &parse_error);
  if (*owned == NULL) {
    snprintf(why, sizeof why, "the document is not a JSON object (%s)", parse_error.message);
    refuse(error, document, why);
    return NULL;
  }
  if (mb_json_type_of(mb_json_root(*owned)) != MB_JSON_OBJECT) {
    mb_json_free(*owned);
    *owned = NULL;
    refuse(error, document, "the document is not a JSON object");
    return NULL;
  }
  return mb_json_root(*owned);
}

/* A required array of objects: missing, not an array, or holding a non-object refuses. */
static const mb_json_value* required_objects(const mb_json_value* object, const char* key,
                                             const char* document, mb_error* error) {
  const mb_json_value* array = mb_json_member(object, key);
  char why[96];
  size_t i;
  if (mb_json_type_of(array) != MB_JSON_ARRAY) {
    snprintf(why, sizeof why, "no \"%s\" array", key);
    refuse(error, document, why);
    return NULL;
  }
  for (i = 0; i < mb_json_count(array); ++i) {
    if (mb_json_type_of(mb_json_item(array, i)) != MB_JSON_OBJECT) {
      snprintf(why, sizeof why, "an item of \"%s\" is not an object", key);
      refuse(error, document, why);
      return NULL;
    }
  }
  return array;
}

/* count zeroed structs of `size` bytes in the document's arena; `fine` is cleared when memory
 * ran out. A count of 0 gives NULL and stays fine. */
static void* zeroed(mb_json* owned, size_t count, size_t size, int* fine) {
  void* memory;
  if (count == 0) return NULL;
  if (count > ((size_t)-1) / size) {
    *fine = 0;
    return NULL;
  }
  memory = mb_json_internal_alloc(owned, count * size);
  if (memory == NULL) {
    *fine = 0;
    return NULL;
  }
  memset(memory, 0, count * size);
  return memory;
}

static const char* text_or_empty(const mb_json_value* object, const char* key) {
  return mb_json_get_string(object, key, "");
}

static const char* text_or_null(const mb_json_value* object, const char* key) {
  return mb_json_get_string(object, key, NULL);
}

static int number_member(const mb_json_value* object, const char* key, int64_t* out) {
  return mb_json_int64(mb_json_member(object, key), out);
}

/* A member kept as JSON text in the arena; NULL when absent or null. */
static const char* json_text_member(mb_json* owned, const mb_json_value* object, const char* key,
                                    int* fine) {
  const mb_json_value* value = mb_json_member(object, key);
  char* text;
  char* copy;
  size_t length;
  if (mb_json_type_of(value) == MB_JSON_ABSENT || mb_json_type_of(value) == MB_JSON_NULL)
    return NULL;
  text = mb_json_to_text(value);
  if (text == NULL) {
    *fine = 0;
    return NULL;
  }
  length = strlen(text);
  copy = (char*)mb_json_internal_alloc(owned, length + 1);
  if (copy != NULL) memcpy(copy, text, length + 1);
  free(text);
  if (copy == NULL) *fine = 0;
  return copy;
}

/* The end of every reader: on success the document keeps its memory; otherwise `out` is
 * cleared and the memory freed. */
static int finish_reading(int fine, mb_json** owned, void* out, size_t out_size,
                          const char* document, mb_error* error) {
  if (fine) return 1;
  mb_json_free(*owned);
  memset(out, 0, out_size);
  if (error != NULL && error->message[0] == '\0') refuse(error, document, "out of memory");
  return 0;
}

static void clear_error(mb_error* error) {
  if (error != NULL) mb_error_set(error, MB_STATUS_OK, 0, "");
}

/* Reads one item of a document's array into its zeroed struct. */
typedef void (*read_item_fn)(mb_json* owned, const mb_json_value* item, void* out, int* fine);

/* The items of `array` (objects, or anything for a lenient array) read into a zeroed array of
 * `item_size` structs in the document's arena. */
static void* read_items(mb_json* owned, const mb_json_value* array, size_t item_size,
                        read_item_fn read_item, size_t* count, int* fine) {
  char* items;
  size_t i;
  *count = mb_json_count(array);
  items = (char*)zeroed(owned, *count, item_size, fine);
  for (i = 0; *fine && i < *count; ++i)
    read_item(owned, mb_json_item(array, i), items + i * item_size, fine);
  if (!*fine) *count = 0;
  return items;
}

/* Reads a document that must be an object with a required array of objects, `array_key`, each
 * item through read_item. Returns the root object, or NULL with *error set and nothing kept. */
static const mb_json_value* read_document_with_items(mb_str input, const char* document,
                                                     const char* array_key, size_t item_size,
                                                     read_item_fn read_item, mb_json** owned,
                                                     const void** items, size_t* count,
                                                     mb_error* error) {
  const mb_json_value *root, *array;
  int fine = 1;
  clear_error(error);
  *owned = NULL;
  *items = NULL;
  *count = 0;
  root = read_object(input, document, owned, error);
  if (root == NULL) return NULL;
  array = required_objects(root, array_key, document, error);
  if (array != NULL) *items = read_items(*owned, array, item_size, read_item, count, &fine);
  if (array == NULL || !fine) {
    if (error != NULL && error->message[0] == '\0') refuse(error, document, "out of memory");
    mb_json_free(*owned);
    *owned = NULL;
    *items = NULL;
    return NULL;
  }
  return root;
}

/* Every read document's release: its memory, then its fields cleared. */
static void release(mb_json* owned, void* document, size_t size) {
  mb_json_free(owned);
  memset(document, 0, size);
}

int mb_authenticate_request_from_json(mb_str input, mb_authenticate_request* out, mb_error* error) {
  const mb_json_value* root;
  const char* purpose;
  clear_error(error);
  memset(out, 0, sizeof *out);
  root = read_object(input, "authenticate input", &out->owned, error);
  if (root == NULL) return 0;
  purpose = mb_json_string(mb_json_member(root, "purpose"));
  if (purpose != NULL && strcmp(purpose, MB_PURPOSE_TEST) == 0)
    out->purpose = MB_PURPOSE_TEST;
  else if (purpose != NULL && strcmp(purpose, MB_PURPOSE_CONNECT) == 0)
    out->purpose = MB_PURPOSE_CONNECT;
  else
    out->purpose = "";
  return 1;
}

void mb_authenticate_request_release(mb_authenticate_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

int mb_list_request_from_json(mb_str input, mb_list_request* out, mb_error* error) {
  const mb_json_value* root;
  clear_error(error);
  memset(out, 0, sizeof *out);
  root = read_object(input, "list input", &out->owned, error);
  if (root == NULL) return 0;
  out->cursor = text_or_null(root, "cursor");
  out->search = text_or_null(root, "search");
  out->has_limit = number_member(root, "limit", &out->limit);
  return 1;
}

void mb_list_request_release(mb_list_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

static void read_read_line(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  mb_read_line* line = (mb_read_line*)out;
  (void)owned;
  (void)fine;
  line->key = text_or_empty(item, "key");
  line->account_id = text_or_empty(item, "account_id");
  line->service_id = text_or_empty(item, "service_id");
  line->metric = text_or_empty(item, "metric");
  line->has_last_pushed = number_member(item, "last_pushed", &line->last_pushed);
}

int mb_read_request_from_json(mb_str input, mb_read_request* out, mb_error* error) {
  const void* lines;
  const mb_json_value* root;
  memset(out, 0, sizeof *out);
  root = read_document_with_items(input, "read_quantities input", "lines", sizeof(mb_read_line),
                                  read_read_line, &out->owned, &lines, &out->line_count, error);
  if (root == NULL) return 0;
  out->lines = (const mb_read_line*)lines;
  out->effective_date = text_or_empty(root, "effective_date");
  return 1;
}

void mb_read_request_release(mb_read_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

static void read_apply_line(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  mb_apply_line* line = (mb_apply_line*)out;
  line->key = text_or_empty(item, "key");
  line->account_id = text_or_empty(item, "account_id");
  line->service_id = text_or_empty(item, "service_id");
  line->has_target = number_member(item, "target", &line->target);
  line->has_expected_current = number_member(item, "expected_current", &line->expected_current);
  line->metric = text_or_empty(item, "metric");
  line->line_ref = json_text_member(owned, item, "line_ref", fine);
}

int mb_apply_request_from_json(mb_str input, mb_apply_request* out, mb_error* error) {
  const void* lines;
  const mb_json_value* root;
  memset(out, 0, sizeof *out);
  root = read_document_with_items(input, "apply_quantities input", "lines", sizeof(mb_apply_line),
                                  read_apply_line, &out->owned, &lines, &out->line_count, error);
  if (root == NULL) return 0;
  out->lines = (const mb_apply_line*)lines;
  out->idempotency_key = text_or_null(root, "idempotency_key");
  out->effective_date = text_or_empty(root, "effective_date");
  out->final = mb_json_get_bool(root, "final", 1);
  return 1;
}

void mb_apply_request_release(mb_apply_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

static void read_account(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  mb_account_to_provision* account = (mb_account_to_provision*)out;
  (void)owned;
  (void)fine;
  account->id = text_or_empty(item, "id");
  account->name = text_or_empty(item, "name");
}

int mb_provision_accounts_request_from_json(mb_str input, mb_provision_accounts_request* out,
                                            mb_error* error) {
  const void* accounts;
  memset(out, 0, sizeof *out);
  if (read_document_with_items(input, "provision_accounts input", "accounts",
                               sizeof(mb_account_to_provision), read_account, &out->owned,
                               &accounts, &out->account_count, error) == NULL)
    return 0;
  out->accounts = (const mb_account_to_provision*)accounts;
  return 1;
}

void mb_provision_accounts_request_release(mb_provision_accounts_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

static void read_service(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  mb_service_to_provision* service = (mb_service_to_provision*)out;
  (void)owned;
  (void)fine;
  service->id = text_or_empty(item, "id");
  service->name = text_or_empty(item, "name");
  service->platform_id = text_or_null(item, "platform_id");
}

int mb_provision_services_request_from_json(mb_str input, mb_provision_services_request* out,
                                            mb_error* error) {
  const void* services;
  memset(out, 0, sizeof *out);
  if (read_document_with_items(input, "provision_services input", "services",
                               sizeof(mb_service_to_provision), read_service, &out->owned,
                               &services, &out->service_count, error) == NULL)
    return 0;
  out->services = (const mb_service_to_provision*)services;
  return 1;
}

void mb_provision_services_request_release(mb_provision_services_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

int mb_set_status_request_from_json(mb_str input, mb_set_status_request* out, mb_error* error) {
  const mb_json_value* root;
  clear_error(error);
  memset(out, 0, sizeof *out);
  root = read_object(input, "set_status input", &out->owned, error);
  if (root == NULL) return 0;
  out->status = text_or_empty(root, "status");
  return 1;
}

void mb_set_status_request_release(mb_set_status_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

/* A link item that is not an object reads as a link naming nothing; the plugin refuses it. */
static void read_link(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  mb_account_link* link = (mb_account_link*)out;
  (void)owned;
  (void)fine;
  link->account_id = text_or_empty(item, "account_id");
  link->platform_account_id = text_or_empty(item, "platform_account_id");
}

static void read_unlink(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  (void)owned;
  (void)fine;
  *(const char**)out = mb_json_string(item);
}

int mb_link_accounts_request_from_json(mb_str input, mb_link_accounts_request* out,
                                       mb_error* error) {
  const char* document = "link_accounts input";
  const mb_json_value *root, *link, *unlink;
  int fine = 1;
  size_t i;
  clear_error(error);
  memset(out, 0, sizeof *out);
  root = read_object(input, document, &out->owned, error);
  if (root == NULL) return 0;
  link = mb_json_member(root, "link");
  unlink = mb_json_member(root, "unlink");
  for (i = 0; i < mb_json_count(unlink); ++i)
    if (mb_json_type_of(mb_json_item(unlink, i)) != MB_JSON_STRING)
      return finish_reading(refuse(error, document, "unlink holds a non-string"), &out->owned, out,
                            sizeof *out, document, error);
  if (mb_json_type_of(link) == MB_JSON_ARRAY)
    out->link = (const mb_account_link*)read_items(out->owned, link, sizeof(mb_account_link),
                                                   read_link, &out->link_count, &fine);
  if (mb_json_type_of(unlink) == MB_JSON_ARRAY)
    out->unlink = (const char* const*)read_items(out->owned, unlink, sizeof(const char*),
                                                 read_unlink, &out->unlink_count, &fine);
  return finish_reading(fine, &out->owned, out, sizeof *out, document, error);
}

void mb_link_accounts_request_release(mb_link_accounts_request* request) {
  if (request != NULL) release(request->owned, request, sizeof *request);
}

/* ---- Writing -------------------------------------------------------------------------------- */

static void put_text(mb_json_writer* w, const char* key, const char* text) {
  mb_json_key(w, key);
  mb_json_write_string(w, text != NULL ? text : "");
}

static void put_text_or_null(mb_json_writer* w, const char* key, const char* text) {
  mb_json_key(w, key);
  mb_json_write_string(w, text);
}

static void put_text_if_set(mb_json_writer* w, const char* key, const char* text) {
  if (text != NULL) put_text(w, key, text);
}

static void put_number_or_null(mb_json_writer* w, const char* key, int has, int64_t number) {
  mb_json_key(w, key);
  if (has)
    mb_json_write_int64(w, number);
  else
    mb_json_write_null(w);
}

/* JSON text given by the plugin: re-written compactly; null when absent or not JSON. */
static void put_json(mb_json_writer* w, const char* key, const char* json) {
  mb_json_key(w, key);
  mb_json_write_json(w, json, json != NULL ? strlen(json) : 0);
}

/* Writes one item of a document's array as an object's members. */
typedef void (*write_item_fn)(mb_json_writer* w, const void* item);

/* An array of objects, one per item of `items` (`count` structs of `item_size` bytes). */
static void put_items(mb_json_writer* w, const void* items, size_t count, size_t item_size,
                      write_item_fn write_item) {
  size_t i;
  mb_json_begin_array(w);
  for (i = 0; i < count; ++i) {
    mb_json_begin_object(w);
    write_item(w, (const char*)items + i * item_size);
    mb_json_end_object(w);
  }
  mb_json_end_array(w);
}

/* {"<array_key>":[{...},...]}: the shape of every result but authenticate's and set_status'. */
static char* items_document(const char* array_key, const void* items, size_t count,
                            size_t item_size, write_item_fn write_item) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_begin_object(w);
  mb_json_key(w, array_key);
  put_items(w, items, count, item_size, write_item);
  mb_json_end_object(w);
  return mb_json_writer_finish(w, NULL);
}

char* mb_authenticate_result_to_json(const mb_authenticate_result* result) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_begin_object(w);
  put_text(w, "status", result->status != NULL ? result->status : MB_AUTH_UNREACHABLE);
  put_text(w, "message", result->message);
  put_text_if_set(w, "status_after_connect", result->status_after_connect);
  mb_json_end_object(w);
  return mb_json_writer_finish(w, NULL);
}

static void write_list_item(mb_json_writer* w, const void* data) {
  const mb_list_item* item = (const mb_list_item*)data;
  put_text(w, "id", item->id);
  put_text(w, "name", item->name);
  if (item->has_active) {
    mb_json_key(w, "active");
    mb_json_write_bool(w, item->active);
  }
  if (item->details != NULL) put_json(w, "details", item->details);
}

char* mb_list_page_to_json(const mb_list_page* page) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_begin_object(w);
  mb_json_key(w, "items");
  put_items(w, page->items, page->item_count, sizeof *page->items, write_list_item);
  put_text_or_null(w, "next_cursor", page->next_cursor);
  mb_json_end_object(w);
  return mb_json_writer_finish(w, NULL);
}

static void write_read_line(mb_json_writer* w, const void* data) {
  const mb_read_line_result* line = (const mb_read_line_result*)data;
  put_text(w, "key", line->key);
  put_number_or_null(w, "quantity", line->has_quantity, line->quantity);
  put_text_or_null(w, "reason", line->reason);
  put_text(w, "message", line->message);
  put_json(w, "line_ref", line->line_ref);
}

char* mb_read_result_to_json(const mb_read_result* result) {
  return items_document("lines", result->lines, result->line_count, sizeof *result->lines,
                        write_read_line);
}

static void write_apply_line(mb_json_writer* w, const void* data) {
  const mb_apply_line_result* line = (const mb_apply_line_result*)data;
  put_text(w, "key", line->key);
  put_text(w, "outcome", line->outcome != NULL ? line->outcome : MB_OUTCOME_FAILED);
  put_number_or_null(w, "quantity", line->has_quantity, line->quantity);
  put_text_or_null(
      w, "error_class",
      line->error_class == MB_STATUS_OK ? NULL : mb_error_class_name(line->error_class));
  put_text(w, "message", line->message);
  mb_json_key(w, "in_doubt");
  mb_json_write_bool(w, line->in_doubt);
}

char* mb_apply_result_to_json(const mb_apply_result* result) {
  return items_document("lines", result->lines, result->line_count, sizeof *result->lines,
                        write_apply_line);
}

static void write_provisioned_account(mb_json_writer* w, const void* data) {
  const mb_provisioned_account* item = (const mb_provisioned_account*)data;
  put_text(w, "id", item->id);
  put_text(w, "name", item->name);
  put_text_or_null(w, "outcome", item->outcome);
  put_text(w, "message", item->message);
  put_text_if_set(w, "account_id", item->account_id);
}

char* mb_provision_accounts_result_to_json(const mb_provision_accounts_result* result) {
  return items_document("items", result->items, result->item_count, sizeof *result->items,
                        write_provisioned_account);
}

static void write_provisioned_service(mb_json_writer* w, const void* data) {
  const mb_provisioned_service* item = (const mb_provisioned_service*)data;
  put_text(w, "id", item->id);
  put_text_or_null(w, "platform_id", item->platform_id);
  put_text_or_null(w, "outcome", item->outcome);
  put_text(w, "message", item->message);
  put_text_if_set(w, "metric", item->metric);
}

char* mb_provision_services_result_to_json(const mb_provision_services_result* result) {
  return items_document("items", result->items, result->item_count, sizeof *result->items,
                        write_provisioned_service);
}

char* mb_set_status_result_to_json(const mb_set_status_result* result) {
  mb_json_writer* w = mb_json_writer_new();
  mb_json_begin_object(w);
  put_text(w, "status", result->status);
  put_text(w, "message", result->message);
  mb_json_end_object(w);
  return mb_json_writer_finish(w, NULL);
}

static void write_linked_account(mb_json_writer* w, const void* data) {
  const mb_linked_account* item = (const mb_linked_account*)data;
  put_text(w, "account_id", item->account_id);
  put_text(w, "outcome", item->outcome != NULL ? item->outcome : MB_LINK_FAILED);
  put_text_if_set(w, "platform_account_id", item->platform_account_id);
  if (item->message != NULL && item->message[0] != '\0') put_text(w, "message", item->message);
}

char* mb_link_accounts_result_to_json(const mb_link_accounts_result* result) {
  return items_document("items", result->items, result->item_count, sizeof *result->items,
                        write_linked_account);
}

/* ---- The write journal ---------------------------------------------------------------------- */

static void write_intent(mb_json_writer* w, const void* data) {
  const mb_write_intent* intent = (const mb_write_intent*)data;
  put_text(w, "key", intent->key);
  put_number_or_null(w, "units_before", intent->has_units_before, intent->units_before);
  mb_json_key(w, "target");
  mb_json_write_int64(w, intent->target);
  put_json(w, "ref", intent->ref != NULL ? intent->ref : "{}");
}

/* [{...},...]: a batch handed to a callback. */
static char* items_array(const void* items, size_t count, size_t item_size,
                         write_item_fn write_item) {
  mb_json_writer* w = mb_json_writer_new();
  put_items(w, items, count, item_size, write_item);
  return mb_json_writer_finish(w, NULL);
}

char* mb_write_intents_to_json(const mb_write_intent* intents, size_t count) {
  return items_array(intents, count, sizeof *intents, write_intent);
}

mb_status mb_journal_intents(const mb_host_services* services, mb_call_host_ptr call,
                             const mb_write_intent* intents, size_t count, mb_error* error) {
  char* json;
  mb_status status;
  int offered = services != NULL &&
                services->size >= offsetof(mb_host_services, callback_journal_intents) +
                                      sizeof services->callback_journal_intents &&
                services->callback_journal_intents != NULL;
  clear_error(error);
  if (!offered)
    return mb_error_set(error, MB_STATUS_UNSUPPORTED, 0, "the host offers no write journal");
  json = mb_write_intents_to_json(intents, count);
  if (json == NULL)
    return mb_error_set(error, MB_STATUS_FATAL, 0, "out of memory writing the intents");
  status = services->callback_journal_intents(call, view_of(json));
  free(json);
  if (status != MB_STATUS_OK)
    return mb_error_set(error, status, 0, "the host could not journal the writes; none was sent");
  return MB_STATUS_OK;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

static void write_http_request(mb_json_writer* w, const void* data) {
  const mb_http_request* r = (const mb_http_request*)data;
  size_t h;
  put_text(w, "method", r->method != NULL ? r->method : "GET");
  put_text(w, "url", r->url);
  if (r->header_count > 0) {
    mb_json_key(w, "headers");
    mb_json_begin_object(w);
    for (h = 0; h < r->header_count; ++h)
      put_text(w, r->headers[h].name != NULL ? r->headers[h].name : "", r->headers[h].value);
    mb_json_end_object(w);
  }
  put_text_if_set(w, "body", r->body);
  if (r->idempotency != MB_HTTP_BY_METHOD) {
    mb_json_key(w, "idempotent");
    mb_json_write_bool(w, r->idempotency == MB_HTTP_IDEMPOTENT);
  }
  if (r->endpoint != NULL && r->endpoint[0] != '\0') put_text(w, "endpoint", r->endpoint);
  if (r->timeout_ms != 0) {
    mb_json_key(w, "timeout_ms");
    mb_json_write_int64(w, r->timeout_ms);
  }
}

char* mb_http_requests_to_json(const mb_http_request* requests, size_t count) {
  return items_array(requests, count, sizeof *requests, write_http_request);
}

static void read_response(mb_json* owned, const mb_json_value* item, void* out, int* fine) {
  mb_http_response* r = (mb_http_response*)out;
  const mb_json_value* headers = mb_json_member(item, "headers");
  const mb_json_value* body = mb_json_member(item, "body");
  const mb_json_value* failure = mb_json_member(item, "error");
  mb_http_header* read;
  size_t i, n = 0;
  int64_t number;
  r->status = number_member(item, "status", &number) ? (int)number : 0;
  r->attempts = number_member(item, "attempts", &number) ? (int)number : 0;
  r->retry_after_ms =
      number_member(item, "retry_after_ms", &number) && number > 0 ? (uint64_t)number : 0;
  if (mb_json_type_of(body) == MB_JSON_STRING) {
    r->body = mb_json_string(body);
    r->body_length = mb_json_string_length(body);
  } else {
    r->body = text_or_empty(item, "body");
    r->body_length = strlen(r->body);
  }
  /* Only string-valued headers, as the C++ codec reads them. */
  for (i = 0; i < mb_json_count(headers); ++i)
    if (mb_json_type_of(mb_json_member_value(headers, i)) == MB_JSON_STRING) ++n;
  read = (mb_http_header*)zeroed(owned, n, sizeof *read, fine);
  n = 0;
  for (i = 0;
       read != NULL && mb_json_type_of(headers) == MB_JSON_OBJECT && i < mb_json_count(headers);
       ++i) {
    const mb_json_value* value = mb_json_member_value(headers, i);
    if (mb_json_type_of(value) != MB_JSON_STRING) continue;
    read[n].name = mb_json_member_name(headers, i);
    read[n].value = mb_json_string(value);
    ++n;
  }
  r->headers = read;
  r->header_count = read != NULL ? n : 0;
  if (mb_json_type_of(failure) == MB_JSON_OBJECT) {
    /* Without a class or "sent", the safe readings: transient, and maybe sent. */
    const char* name = text_or_null(failure, "class");
    r->has_error = 1;
    r->error_class = name != NULL ? mb_error_class_from_name(name) : MB_STATUS_RETRY;
    r->error_message = text_or_empty(failure, "message");
    r->error_sent = mb_json_get_bool(failure, "sent", 1);
  } else {
    r->error_message = "";
  }
}

int mb_http_responses_from_json(mb_str input, mb_http_responses* out, mb_error* error) {
  const char* document = "the host's HTTP responses";
  mb_error parse_error;
  const mb_json_value* root;
  int fine = 1;
  size_t i;
  clear_error(error);
  memset(out, 0, sizeof *out);
  out->owned = mb_json_parse(input, &parse_error);
  root = mb_json_root(out->owned);
  if (mb_json_type_of(root) != MB_JSON_ARRAY)
    return finish_reading(refuse(error, document, "not a JSON array"), &out->owned, out,
                          sizeof *out, document, error);
  for (i = 0; i < mb_json_count(root); ++i)
    if (mb_json_type_of(mb_json_item(root, i)) != MB_JSON_OBJECT)
      return finish_reading(refuse(error, document, "an item is not an object"), &out->owned, out,
                            sizeof *out, document, error);
  out->items = (const mb_http_response*)read_items(out->owned, root, sizeof(mb_http_response),
                                                   read_response, &out->count, &fine);
  return finish_reading(fine, &out->owned, out, sizeof *out, document, error);
}

void mb_http_responses_release(mb_http_responses* responses) {
  if (responses != NULL) release(responses->owned, responses, sizeof *responses);
}

const char* mb_http_response_header(const mb_http_response* response, const char* name) {
  size_t i;
  if (response == NULL || name == NULL) return NULL;
  for (i = 0; i < response->header_count; ++i)
    if (strcmp(response->headers[i].name, name) == 0) return response->headers[i].value;
  return NULL;
}

uint64_t mb_http_retry_after_ms(const mb_http_response* response) {
  const char* header;
  uint64_t seconds = 0;
  size_t length;
  if (response == NULL) return 0;
  if (response->retry_after_ms > 0) return response->retry_after_ms;
  /* Delta-seconds only ("120"); the host's engine reads HTTP-dates into retry_after_ms. */
  header = mb_http_response_header(response, "retry-after");
  if (header == NULL) return 0;
  length = strlen(header);
  if (length == 0 || length > 9) return 0;
  for (; *header != '\0'; ++header) {
    if (*header < '0' || *header > '9') return 0;
    seconds = seconds * 10 + (uint64_t)(*header - '0');
  }
  return seconds * 1000;
}

/* What the host said when it refused a whole batch: {"error":{"class","message",
 * "retry_after_ms"}}; an unreadable refusal still fails with the status it came with. */
static mb_status refused_batch(mb_status status, mb_str answer, mb_error* error) {
  mb_json* refusal = mb_json_parse(answer, NULL);
  const mb_json_value* details = mb_json_member(mb_json_root(refusal), "error");
  const char* said = mb_json_get_string(details, "message", "");
  int64_t wait = mb_json_get_int64(details, "retry_after_ms", 0);
  char message[sizeof error->message];
  snprintf(message, sizeof message, "the host refused the HTTP batch%s%s",
           said[0] != '\0' ? ": " : "", said);
  mb_error_set(error, status, wait > 0 ? (uint64_t)wait : 0, message);
  mb_json_free(refusal);
  return status;
}

mb_status mb_http_run(const mb_host_services* services, mb_call_host_ptr call,
                      const mb_http_request* requests, size_t count, mb_http_responses* responses,
                      mb_error* error) {
  mb_str answer = {NULL, 0};
  mb_status status;
  char* json;
  memset(responses, 0, sizeof *responses);
  clear_error(error);
  if (services == NULL || services->callback_http_batch == NULL)
    return mb_error_set(error, MB_STATUS_UNSUPPORTED, 0, "host offers no HTTP engine");
  json = mb_http_requests_to_json(requests, count);
  if (json == NULL)
    return mb_error_set(error, MB_STATUS_FATAL, 0, "out of memory writing the HTTP batch");
  status = services->callback_http_batch(call, view_of(json), &answer);
  free(json);
  if (status != MB_STATUS_OK) return refused_batch(status, answer, error);
  if (!mb_http_responses_from_json(answer, responses, error)) {
    if (error != NULL) error->error_class = MB_STATUS_FATAL;
    return MB_STATUS_FATAL;
  }
  if (responses->count != count) {
    char message[sizeof error->message];
    snprintf(message, sizeof message,
             "the host answered an HTTP batch of %lu requests with %lu responses",
             (unsigned long)count, (unsigned long)responses->count);
    mb_http_responses_release(responses);
    return mb_error_set(error, MB_STATUS_FATAL, 0, message);
  }
  return MB_STATUS_OK;
}
