/*
 * A small JSON reader and writer in C99, for C plugins: the plugin's config, its platform's
 * request and response bodies, and the opaque references ("line_ref", "details") it hands the
 * host. <meterbridge/documents.h> builds the ABI's typed documents on it, so a C plugin needs no
 * JSON library of its own. Part of the SDK's C library: link meterbridge::sdk_c.
 *
 *   mb_error error;
 *   mb_json* config = mb_json_parse(input, &error);       // NULL on bad input, never a crash
 *   if (config == NULL) return mb_send_error(services, call, &error);
 *   const char* tenant = mb_json_get_string(mb_json_root(config), "tenant", "");
 *   ...
 *   mb_json_free(config);                                  // frees every value read from it
 *
 *   mb_json_writer* w = mb_json_writer_new();
 *   mb_json_begin_object(w);
 *   mb_json_key(w, "unitChange");
 *   mb_json_write_int64(w, 3);
 *   mb_json_end_object(w);
 *   char* body = mb_json_writer_finish(w, NULL);            // malloc'd; free() it
 *
 * Reading is strict RFC 8259, as the host's reader is: UTF-8 is validated, nesting is at most
 * 64 deep, comments and trailing commas are refused, and mb_json_parse names the byte offset
 * and the reason. Accessors accept NULL and values of the wrong type and then answer "absent",
 * so a chain of lookups needs no checks in between. An object with a duplicated member name
 * answers lookups with the last one, as the host does.
 *
 * Writing checks the structure (a key only inside an object, every value in an object after a
 * key, balanced ends, one root value); a misuse, or running out of memory, makes
 * mb_json_writer_finish return NULL. Text that is not valid UTF-8 is written with U+FFFD in
 * place of the bad bytes, so the host always receives valid JSON.
 *
 * Threading: a parsed mb_json and a writer may be used by one thread at a time; distinct ones
 * are independent. Nothing here keeps global state.
 */
#ifndef METERBRIDGE_JSON_H_
#define METERBRIDGE_JSON_H_

#include <stddef.h>
#include <stdint.h>

#include "meterbridge/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why something failed, in the ABI's terms: an error class (an mb_status), how long to wait
 * before retrying (0 when unknown) and a message shown to users (never a secret). Readers fill
 * it with MB_STATUS_CONFIG_INVALID and a message naming the document and member;
 * mb_send_error (documents.h) reports it to the host. */
typedef struct mb_error {
  mb_status error_class;
  uint64_t retry_after_ms;
  char message[256];
} mb_error;

/* Fills *error (when not NULL); the message is truncated to fit. Returns error_class. */
mb_status mb_error_set(mb_error* error, mb_status error_class, uint64_t retry_after_ms,
                       const char* message);

/* ---- Reading ------------------------------------------------------------------------------- */

/* A parsed document. It owns every value in it: values and their strings stay valid until
 * mb_json_free. */
typedef struct mb_json mb_json;
/* One value inside an mb_json; never freed on its own. */
typedef struct mb_json_value mb_json_value;

typedef enum mb_json_type {
  MB_JSON_ABSENT = 0, /* no value: a NULL pointer, a missing member, an index past the end */
  MB_JSON_NULL,
  MB_JSON_BOOL,
  MB_JSON_NUMBER,
  MB_JSON_STRING,
  MB_JSON_ARRAY,
  MB_JSON_OBJECT
} mb_json_type;

/* Parses `text`. Returns NULL when it is not one complete JSON value (or memory ran out), with
 * *error (may be NULL) saying why and at which byte. */
mb_json* mb_json_parse(mb_str text, mb_error* error);
/* Frees the document and every value in it. NULL is fine. */
void mb_json_free(mb_json* document);
const mb_json_value* mb_json_root(const mb_json* document);

mb_json_type mb_json_type_of(const mb_json_value* value);
/* The items of an array or the members of an object; 0 for anything else. */
size_t mb_json_count(const mb_json_value* value);
/* An array's item; NULL when `array` is not an array or index is past its end. */
const mb_json_value* mb_json_item(const mb_json_value* array, size_t index);
/* An object's member by name (the last one when the name repeats); NULL when absent. */
const mb_json_value* mb_json_member(const mb_json_value* object, const char* name);
/* An object's index-th member, in document order: its name, and its value. NULL past the end. */
const char* mb_json_member_name(const mb_json_value* object, size_t index);
const mb_json_value* mb_json_member_value(const mb_json_value* object, size_t index);

/* A string's UTF-8 bytes, NUL-terminated; NULL when the value is not a string. A string may
 * hold "\u0000": mb_json_string_length gives its full length in bytes. */
const char* mb_json_string(const mb_json_value* value);
size_t mb_json_string_length(const mb_json_value* value);
/* 1 and *out set when the value is a whole number that fits int64_t (3 and 3.0 alike, as the
 * host reads numbers); 0 otherwise, *out untouched. */
int mb_json_int64(const mb_json_value* value, int64_t* out);
/* 1 and *out set when the value is a number. */
int mb_json_double(const mb_json_value* value, double* out);
/* 1 and *out set (0 or 1) when the value is true or false. */
int mb_json_bool(const mb_json_value* value, int* out);

/* An object's member, read leniently as the host reads documents: `fallback` when the member is
 * absent or of another type. mb_json_get_string also reads an integer member as its decimal
 * text (an id the other side sent as a number); that text lives as long as the document. */
const char* mb_json_get_string(const mb_json_value* object, const char* name, const char* fallback);
int64_t mb_json_get_int64(const mb_json_value* object, const char* name, int64_t fallback);
int mb_json_get_bool(const mb_json_value* object, const char* name, int fallback);

/* A value as compact JSON text, malloc'd and NUL-terminated (free() it); NULL when the value is
 * absent or memory ran out. */
char* mb_json_to_text(const mb_json_value* value);

/* ---- Writing ------------------------------------------------------------------------------- */

/* Builds one JSON value as text. Calls after a misuse or an allocation failure do nothing. */
typedef struct mb_json_writer mb_json_writer;

/* NULL when memory ran out; every function below accepts a NULL writer and does nothing. */
mb_json_writer* mb_json_writer_new(void);
void mb_json_begin_object(mb_json_writer* writer);
void mb_json_end_object(mb_json_writer* writer);
void mb_json_begin_array(mb_json_writer* writer);
void mb_json_end_array(mb_json_writer* writer);
/* The next member's name; only directly inside an object, before each value. */
void mb_json_key(mb_json_writer* writer, const char* name);
/* A string value; a NULL `text` writes null. */
void mb_json_write_string(mb_json_writer* writer, const char* text);
void mb_json_write_string_n(mb_json_writer* writer, const char* text, size_t length);
void mb_json_write_int64(mb_json_writer* writer, int64_t number);
void mb_json_write_uint64(mb_json_writer* writer, uint64_t number);
/* A NaN or an infinity writes null: JSON has no spelling for them. */
void mb_json_write_double(mb_json_writer* writer, double number);
void mb_json_write_bool(mb_json_writer* writer, int truth);
void mb_json_write_null(mb_json_writer* writer);
/* A value given as JSON text (a reference read earlier, a details object), re-written
 * compactly. Text that is not one valid JSON value writes null and returns 0; else 1. A NULL
 * `json` writes null and returns 1. */
int mb_json_write_json(mb_json_writer* writer, const char* json, size_t length);
/* A parsed value, copied; an absent one writes null. */
void mb_json_write_value(mb_json_writer* writer, const mb_json_value* value);

/* Ends the writer (and frees it) and returns the text, malloc'd and NUL-terminated (free() it),
 * with its length in *length_out when that is not NULL. NULL when the value is incomplete,
 * the writer was misused, or memory ran out. */
char* mb_json_writer_finish(mb_json_writer* writer, size_t* length_out);
/* Frees a writer without producing text. NULL is fine. */
void mb_json_writer_free(mb_json_writer* writer);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* METERBRIDGE_JSON_H_ */
