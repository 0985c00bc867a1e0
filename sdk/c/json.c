/* The C JSON reader and writer of <meterbridge/json.h>. Strict C99, no global state.
 *
 * A parsed document keeps its values in an arena of blocks freed together; the parser is
 * recursive descent with a depth limit, and collects the children of the container it is in on
 * one scratch stack, so an array or object is allocated once at its final size. */
#include "meterbridge/json.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"

enum { kMaxParseDepth = 64, kMaxWriteDepth = 128, kArenaBlockSize = 8192 };

mb_status mb_error_set(mb_error* error, mb_status error_class, uint64_t retry_after_ms,
                       const char* message) {
  if (error != NULL) {
    size_t length = message == NULL ? 0 : strlen(message);
    if (length >= sizeof error->message) length = sizeof error->message - 1;
    error->error_class = error_class;
    error->retry_after_ms = retry_after_ms;
    if (length > 0) memcpy(error->message, message, length);
    error->message[length] = '\0';
  }
  return error_class;
}

/* ---- The arena ------------------------------------------------------------------------------ */

typedef struct arena_block {
  struct arena_block* next;
  size_t used;
  size_t size;
} arena_block;

/* Room for the header, rounded so the data after it is aligned for any member we store. */
#define ARENA_HEADER ((sizeof(arena_block) + 15u) & ~(size_t)15u)

typedef enum number_kind { NUMBER_INT64, NUMBER_UINT64, NUMBER_DOUBLE } number_kind;

typedef struct json_member {
  const char* name;
  size_t name_length;
  mb_json_value* value;
} json_member;

struct mb_json_value {
  mb_json_type type;
  union {
    int truth;
    struct {
      number_kind kind;
      int64_t i;
      uint64_t u;
      double d;
      const char* decimal; /* an integer's decimal text, for mb_json_get_string */
    } number;
    struct {
      const char* bytes;
      size_t length;
    } string;
    struct {
      mb_json_value** items;
      size_t count;
    } array;
    struct {
      json_member* members;
      size_t count;
    } object;
  } as;
};

struct mb_json {
  arena_block* blocks;
  mb_json_value* root;
};

void* mb_json_internal_alloc(mb_json* document, size_t size) {
  arena_block* block = document->blocks;
  size = (size + 15u) & ~(size_t)15u;
  if (size == 0) size = 16;
  if (block == NULL || block->size - block->used < size) {
    size_t capacity = size > kArenaBlockSize ? size : kArenaBlockSize;
    arena_block* fresh = (arena_block*)malloc(ARENA_HEADER + capacity);
    if (fresh == NULL) return NULL;
    fresh->used = 0;
    fresh->size = capacity;
    if (block != NULL && size > kArenaBlockSize) {
      /* A large allocation gets a block of its own behind the current one, which keeps its
       * free room for the small allocations that follow. */
      fresh->next = block->next;
      block->next = fresh;
    } else {
      fresh->next = block;
      document->blocks = fresh;
    }
    block = fresh;
  }
  {
    char* memory = (char*)block + ARENA_HEADER + block->used;
    block->used += size;
    return memory;
  }
}

void mb_json_free(mb_json* document) {
  arena_block* block;
  if (document == NULL) return;
  block = document->blocks;
  while (block != NULL) {
    arena_block* next = block->next;
    free(block);
    block = next;
  }
  free(document);
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one. */
static size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  size_t available = (size_t)(end - p);
  unsigned char lead = p[0];
  unsigned char low = 0x80, high = 0xBF;
  size_t length, i;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (available < length) return 0;
  if (p[1] < low || p[1] > high) return 0;
  for (i = 2; i < length; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return length;
}

static size_t utf8_encode(uint32_t code_point, char* out) {
  if (code_point < 0x80) {
    out[0] = (char)code_point;
    return 1;
  }
  if (code_point < 0x800) {
    out[0] = (char)(0xC0 | (code_point >> 6));
    out[1] = (char)(0x80 | (code_point & 0x3F));
    return 2;
  }
  if (code_point < 0x10000) {
    out[0] = (char)(0xE0 | (code_point >> 12));
    out[1] = (char)(0x80 | ((code_point >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code_point & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code_point >> 18));
  out[1] = (char)(0x80 | ((code_point >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code_point >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code_point & 0x3F));
  return 4;
}

/* ---- Parsing -------------------------------------------------------------------------------- */

typedef struct parser {
  const unsigned char* begin;
  const unsigned char* p;
  const unsigned char* end;
  mb_json* document;
  json_member* scratch; /* children of the containers being parsed, innermost last */
  size_t scratch_count;
  size_t scratch_capacity;
  int depth;
  const char* failure; /* why parsing stopped; NULL while it goes on */
  size_t failure_at;
} parser;

static int fail(parser* ps, const char* why) {
  if (ps->failure == NULL) {
    ps->failure = why;
    ps->failure_at = (size_t)(ps->p - ps->begin);
  }
  return 0;
}

static void skip_whitespace(parser* ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ++ps->p;
}

static mb_json_value* new_value(parser* ps, mb_json_type type) {
  mb_json_value* value = (mb_json_value*)mb_json_internal_alloc(ps->document, sizeof *value);
  if (value == NULL) {
    fail(ps, "out of memory");
    return NULL;
  }
  memset(value, 0, sizeof *value);
  value->type = type;
  return value;
}

static int push_child(parser* ps, const char* name, size_t name_length, mb_json_value* value) {
  if (ps->scratch_count == ps->scratch_capacity) {
    size_t capacity = ps->scratch_capacity == 0 ? 32 : ps->scratch_capacity * 2;
    json_member* grown = (json_member*)realloc(ps->scratch, capacity * sizeof *grown);
    if (grown == NULL) return fail(ps, "out of memory");
    ps->scratch = grown;
    ps->scratch_capacity = capacity;
  }
  ps->scratch[ps->scratch_count].name = name;
  ps->scratch[ps->scratch_count].name_length = name_length;
  ps->scratch[ps->scratch_count].value = value;
  ++ps->scratch_count;
  return 1;
}

static int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits after "\u" at ps->p; -1 when they are not. */
static long read_hex4(parser* ps) {
  long code = 0;
  int i;
  if (ps->end - ps->p < 4) return -1;
  for (i = 0; i < 4; ++i) {
    int digit = hex_digit(ps->p[i]);
    if (digit < 0) return -1;
    code = code * 16 + digit;
  }
  ps->p += 4;
  return code;
}

/* A string at ps->p (its opening quote), decoded into the arena. */
static int parse_string(parser* ps, const char** out, size_t* out_length) {
  const unsigned char* scan = ps->p + 1;
  size_t raw_length;
  char* text;
  size_t length = 0;
  /* Find the closing quote first: the decoded text is never longer than the raw one. */
  while (scan < ps->end && *scan != '"') scan += (*scan == '\\' && scan + 1 < ps->end) ? 2 : 1;
  if (scan >= ps->end) return fail(ps, "unterminated string");
  raw_length = (size_t)(scan - ps->p - 1);
  text = (char*)mb_json_internal_alloc(ps->document, raw_length + 1);
  if (text == NULL) return fail(ps, "out of memory");
  ++ps->p;
  while (*ps->p != '"') {
    unsigned char c = *ps->p;
    if (c < 0x20) return fail(ps, "control character in a string");
    if (c == '\\') {
      long code;
      ++ps->p;
      switch (*ps->p++) {
        case '"':
          text[length++] = '"';
          continue;
        case '\\':
          text[length++] = '\\';
          continue;
        case '/':
          text[length++] = '/';
          continue;
        case 'b':
          text[length++] = '\b';
          continue;
        case 'f':
          text[length++] = '\f';
          continue;
        case 'n':
          text[length++] = '\n';
          continue;
        case 'r':
          text[length++] = '\r';
          continue;
        case 't':
          text[length++] = '\t';
          continue;
        case 'u':
          break;
        default:
          --ps->p;
          return fail(ps, "invalid escape in a string");
      }
      code = read_hex4(ps);
      if (code < 0) return fail(ps, "invalid \\u escape in a string");
      if (code >= 0xDC00 && code <= 0xDFFF) return fail(ps, "lone UTF-16 surrogate in a string");
      if (code >= 0xD800 && code <= 0xDBFF) {
        long low;
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
          return fail(ps, "lone UTF-16 surrogate in a string");
        ps->p += 2;
        low = read_hex4(ps);
        if (low < 0xDC00 || low > 0xDFFF) return fail(ps, "lone UTF-16 surrogate in a string");
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      }
      length += utf8_encode((uint32_t)code, text + length);
    } else {
      size_t sequence = utf8_sequence_length(ps->p, ps->end);
      if (sequence == 0) return fail(ps, "invalid UTF-8 in a string");
      memcpy(text + length, ps->p, sequence);
      length += sequence;
      ps->p += sequence;
    }
  }
  ++ps->p; /* the closing quote */
  text[length] = '\0';
  *out = text;
  *out_length = length;
  return 1;
}

/* strtod reads the C locale's decimal point only in the "C" locale; a host may have set
 * another, so the literal is adapted to the current one. */
static double locale_independent_strtod(char* literal) {
  const char* point = localeconv()->decimal_point;
  if (point != NULL && point[0] != '\0' && point[0] != '.' && point[1] == '\0') {
    char* dot = strchr(literal, '.');
    if (dot != NULL) *dot = point[0];
  }
  return strtod(literal, NULL);
}

static mb_json_value* parse_number(parser* ps) {
  const unsigned char* start = ps->p;
  int negative = 0, integral = 1;
  uint64_t magnitude = 0;
  int overflow = 0, exponent_overflow = 0;
  int64_t exponent = 0;
  size_t length;
  char* literal;
  mb_json_value* value;
  if (*ps->p == '-') {
    negative = 1;
    ++ps->p;
  }
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
    fail(ps, "invalid number");
    return NULL;
  }
  if (*ps->p == '0') {
    ++ps->p;
  } else {
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
      unsigned digit = (unsigned)(*ps->p - '0');
      if (magnitude > (UINT64_MAX - digit) / 10) overflow = 1;
      magnitude = magnitude * 10 + digit;
      ++ps->p;
    }
  }
  if (ps->p < ps->end && *ps->p == '.') {
    integral = 0;
    ++ps->p;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
      fail(ps, "invalid number");
      return NULL;
    }
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ++ps->p;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    integral = 0;
    ++ps->p;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ++ps->p;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
      fail(ps, "invalid number");
      return NULL;
    }
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
      /* An exponent beyond 32 bits is refused, as the host's reader refuses it. */
      exponent = exponent * 10 + (*ps->p - '0');
      if (exponent > INT32_MAX) {
        exponent_overflow = 1;
        exponent = INT32_MAX;
      }
      ++ps->p;
    }
  }
  length = (size_t)(ps->p - start);
  literal = (char*)mb_json_internal_alloc(ps->document, length + 1);
  value = new_value(ps, MB_JSON_NUMBER);
  if (literal == NULL || value == NULL) {
    fail(ps, "out of memory");
    return NULL;
  }
  memcpy(literal, start, length);
  literal[length] = '\0';
  /* As the host reads numbers: an integer literal is an int64 when it fits, else a uint64 when
   * it fits, else a double. */
  if (integral && !overflow && !negative && magnitude <= (uint64_t)INT64_MAX) {
    value->as.number.kind = NUMBER_INT64;
    value->as.number.i = (int64_t)magnitude;
    value->as.number.decimal = literal;
  } else if (integral && !overflow && negative && magnitude <= (uint64_t)INT64_MAX + 1u) {
    value->as.number.kind = NUMBER_INT64;
    value->as.number.i = magnitude == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)magnitude;
    value->as.number.decimal = magnitude == 0 ? "0" : literal; /* "-0" reads as 0 */
  } else if (integral && !overflow && !negative) {
    value->as.number.kind = NUMBER_UINT64;
    value->as.number.u = magnitude;
    value->as.number.decimal = literal;
  } else {
    double d = exponent_overflow ? HUGE_VAL : locale_independent_strtod(literal);
    if (d == HUGE_VAL || d == -HUGE_VAL) {
      ps->p = start;
      fail(ps, "number out of range");
      return NULL;
    }
    value->as.number.kind = NUMBER_DOUBLE;
    value->as.number.d = d;
  }
  return value;
}

static mb_json_value* parse_value(parser* ps);

static mb_json_value* parse_container(parser* ps, int is_object) {
  const unsigned char close = is_object ? '}' : ']';
  size_t mark = ps->scratch_count, count, i;
  mb_json_value* container;
  if (++ps->depth > kMaxParseDepth) {
    fail(ps, "nesting deeper than 64 levels");
    return NULL;
  }
  ++ps->p; /* the opening bracket */
  skip_whitespace(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ++ps->p;
  } else {
    for (;;) {
      const char* name = NULL;
      size_t name_length = 0;
      mb_json_value* child;
      if (is_object) {
        if (ps->p >= ps->end || *ps->p != '"') {
          fail(ps, "expected a member name");
          return NULL;
        }
        if (!parse_string(ps, &name, &name_length)) return NULL;
        skip_whitespace(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
          fail(ps, "expected ':' after a member name");
          return NULL;
        }
        ++ps->p;
      }
      child = parse_value(ps);
      if (child == NULL || !push_child(ps, name, name_length, child)) return NULL;
      skip_whitespace(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ++ps->p;
        skip_whitespace(ps);
        continue;
      }
      if (ps->p < ps->end && *ps->p == close) {
        ++ps->p;
        break;
      }
      fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
      return NULL;
    }
  }
  --ps->depth;
  container = new_value(ps, is_object ? MB_JSON_OBJECT : MB_JSON_ARRAY);
  if (container == NULL) return NULL;
  count = ps->scratch_count - mark;
  if (is_object) {
    json_member* members = NULL;
    if (count > 0) {
      members = (json_member*)mb_json_internal_alloc(ps->document, count * sizeof *members);
      if (members == NULL) {
        fail(ps, "out of memory");
        return NULL;
      }
      memcpy(members, ps->scratch + mark, count * sizeof *members);
    }
    container->as.object.members = members;
    container->as.object.count = count;
  } else {
    mb_json_value** items = NULL;
    if (count > 0) {
      items = (mb_json_value**)mb_json_internal_alloc(ps->document, count * sizeof *items);
      if (items == NULL) {
        fail(ps, "out of memory");
        return NULL;
      }
      for (i = 0; i < count; ++i) items[i] = ps->scratch[mark + i].value;
    }
    container->as.array.items = items;
    container->as.array.count = count;
  }
  ps->scratch_count = mark;
  return container;
}

static int literal_follows(parser* ps, const char* word) {
  size_t length = strlen(word);
  if ((size_t)(ps->end - ps->p) < length || memcmp(ps->p, word, length) != 0) return 0;
  ps->p += length;
  return 1;
}

static mb_json_value* parse_value(parser* ps) {
  mb_json_value* value;
  skip_whitespace(ps);
  if (ps->p >= ps->end) {
    fail(ps, "unexpected end of text");
    return NULL;
  }
  switch (*ps->p) {
    case '{':
      return parse_container(ps, 1);
    case '[':
      return parse_container(ps, 0);
    case '"':
      value = new_value(ps, MB_JSON_STRING);
      if (value == NULL || !parse_string(ps, &value->as.string.bytes, &value->as.string.length))
        return NULL;
      return value;
    case 't':
    case 'f':
      if (literal_follows(ps, "true") || literal_follows(ps, "false")) {
        value = new_value(ps, MB_JSON_BOOL);
        if (value != NULL) value->as.truth = ps->p[-1] == 'e' && ps->p[-4] == 't';
        return value;
      }
      break;
    case 'n':
      if (literal_follows(ps, "null")) return new_value(ps, MB_JSON_NULL);
      break;
    default:
      if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps);
      break;
  }
  fail(ps, "unexpected character");
  return NULL;
}

mb_json* mb_json_parse(mb_str text, mb_error* error) {
  parser ps;
  mb_json* document = (mb_json*)calloc(1, sizeof *document);
  static const unsigned char kEmpty[1] = {0};
  if (document == NULL) {
    mb_error_set(error, MB_STATUS_FATAL, 0, "out of memory");
    return NULL;
  }
  memset(&ps, 0, sizeof ps);
  ps.begin = text.ptr != NULL ? (const unsigned char*)text.ptr : kEmpty;
  ps.p = ps.begin;
  ps.end = ps.begin + (text.ptr != NULL ? text.len : 0);
  ps.document = document;
  document->root = parse_value(&ps);
  if (document->root != NULL) {
    skip_whitespace(&ps);
    if (ps.p != ps.end) fail(&ps, "text after the JSON value");
  }
  free(ps.scratch);
  if (ps.failure != NULL) {
    if (error != NULL) {
      char message[sizeof error->message];
      snprintf(message, sizeof message, "invalid JSON at byte %lu: %s",
               (unsigned long)ps.failure_at, ps.failure);
      mb_error_set(error, MB_STATUS_CONFIG_INVALID, 0, message);
    }
    mb_json_free(document);
    return NULL;
  }
  return document;
}

/* ---- Accessors ------------------------------------------------------------------------------ */

const mb_json_value* mb_json_root(const mb_json* document) {
  return document == NULL ? NULL : document->root;
}

mb_json_type mb_json_type_of(const mb_json_value* value) {
  return value == NULL ? MB_JSON_ABSENT : value->type;
}

size_t mb_json_count(const mb_json_value* value) {
  if (value == NULL) return 0;
  if (value->type == MB_JSON_ARRAY) return value->as.array.count;
  if (value->type == MB_JSON_OBJECT) return value->as.object.count;
  return 0;
}

const mb_json_value* mb_json_item(const mb_json_value* array, size_t index) {
  if (array == NULL || array->type != MB_JSON_ARRAY || index >= array->as.array.count) return NULL;
  return array->as.array.items[index];
}

const mb_json_value* mb_json_member(const mb_json_value* object, const char* name) {
  size_t i, length;
  if (object == NULL || object->type != MB_JSON_OBJECT || name == NULL) return NULL;
  length = strlen(name);
  for (i = object->as.object.count; i > 0; --i) {
    const json_member* member = &object->as.object.members[i - 1];
    if (member->name_length == length && memcmp(member->name, name, length) == 0)
      return member->value;
  }
  return NULL;
}

const char* mb_json_member_name(const mb_json_value* object, size_t index) {
  if (object == NULL || object->type != MB_JSON_OBJECT || index >= object->as.object.count)
    return NULL;
  return object->as.object.members[index].name;
}

const mb_json_value* mb_json_member_value(const mb_json_value* object, size_t index) {
  if (object == NULL || object->type != MB_JSON_OBJECT || index >= object->as.object.count)
    return NULL;
  return object->as.object.members[index].value;
}

const char* mb_json_string(const mb_json_value* value) {
  return value != NULL && value->type == MB_JSON_STRING ? value->as.string.bytes : NULL;
}

size_t mb_json_string_length(const mb_json_value* value) {
  return value != NULL && value->type == MB_JSON_STRING ? value->as.string.length : 0;
}

int mb_json_int64(const mb_json_value* value, int64_t* out) {
  if (value == NULL || value->type != MB_JSON_NUMBER) return 0;
  switch (value->as.number.kind) {
    case NUMBER_INT64:
      *out = value->as.number.i;
      return 1;
    case NUMBER_UINT64:
      return 0; /* above INT64_MAX by construction */
    case NUMBER_DOUBLE: {
      /* A whole double the host would read as an integer (below 2^53 or so, exactly). */
      double d = value->as.number.d;
      if (fabs(d) < 9.0e15 && d == floor(d)) {
        *out = (int64_t)d;
        return 1;
      }
      return 0;
    }
  }
  return 0;
}

int mb_json_double(const mb_json_value* value, double* out) {
  if (value == NULL || value->type != MB_JSON_NUMBER) return 0;
  switch (value->as.number.kind) {
    case NUMBER_INT64:
      *out = (double)value->as.number.i;
      return 1;
    case NUMBER_UINT64:
      *out = (double)value->as.number.u;
      return 1;
    case NUMBER_DOUBLE:
      *out = value->as.number.d;
      return 1;
  }
  return 0;
}

int mb_json_bool(const mb_json_value* value, int* out) {
  if (value == NULL || value->type != MB_JSON_BOOL) return 0;
  *out = value->as.truth;
  return 1;
}

const char* mb_json_get_string(const mb_json_value* object, const char* name,
                               const char* fallback) {
  const mb_json_value* value = mb_json_member(object, name);
  if (value == NULL) return fallback;
  if (value->type == MB_JSON_STRING) return value->as.string.bytes;
  if (value->type == MB_JSON_NUMBER && value->as.number.kind != NUMBER_DOUBLE)
    return value->as.number.decimal;
  return fallback;
}

int64_t mb_json_get_int64(const mb_json_value* object, const char* name, int64_t fallback) {
  int64_t number;
  return mb_json_int64(mb_json_member(object, name), &number) ? number : fallback;
}

int mb_json_get_bool(const mb_json_value* object, const char* name, int fallback) {
  int truth;
  return mb_json_bool(mb_json_member(object, name), &truth) ? truth : fallback;
}

char* mb_json_to_text(const mb_json_value* value) {
  mb_json_writer* writer;
  if (value == NULL) return NULL;
  writer = mb_json_writer_new();
  mb_json_write_value(writer, value);
  return mb_json_writer_finish(writer, NULL);
}

/* ---- Writing -------------------------------------------------------------------------------- */

struct mb_json_writer {
  char* text;
  size_t length;
  size_t capacity;
  int failed;
  int depth;
  char kind[kMaxWriteDepth];      /* 'o' or 'a' for each open container */
  char has_items[kMaxWriteDepth]; /* whether a member/item was written at that level */
  int key_pending;                /* in an object, a key was written and awaits its value */
  int root_done;
};

mb_json_writer* mb_json_writer_new(void) {
  mb_json_writer* writer = (mb_json_writer*)calloc(1, sizeof *writer);
  return writer;
}

void mb_json_writer_free(mb_json_writer* writer) {
  if (writer == NULL) return;
  free(writer->text);
  free(writer);
}

static int reserve(mb_json_writer* w, size_t more) {
  if (w->failed) return 0;
  if (w->capacity - w->length < more + 1) {
    size_t capacity = w->capacity == 0 ? 256 : w->capacity;
    char* grown;
    while (capacity - w->length < more + 1) {
      if (capacity > ((size_t)-1) / 2) {
        w->failed = 1;
        return 0;
      }
      capacity *= 2;
    }
    grown = (char*)realloc(w->text, capacity);
    if (grown == NULL) {
      w->failed = 1;
      return 0;
    }
    w->text = grown;
    w->capacity = capacity;
  }
  return 1;
}

static void put(mb_json_writer* w, const char* bytes, size_t count) {
  if (!reserve(w, count)) return;
  memcpy(w->text + w->length, bytes, count);
  w->length += count;
}

static void put_char(mb_json_writer* w, char c) { put(w, &c, 1); }

/* Before any value: where it may go, and the comma before it. */
static int value_begins(mb_json_writer* w) {
  if (w == NULL || w->failed) return 0;
  if (w->depth == 0) {
    if (w->root_done) w->failed = 1;
    return !w->failed;
  }
  if (w->kind[w->depth - 1] == 'o') {
    if (!w->key_pending) w->failed = 1;
    w->key_pending = 0;
    return !w->failed;
  }
  if (w->has_items[w->depth - 1]) put_char(w, ',');
  w->has_items[w->depth - 1] = 1;
  return !w->failed;
}

static void value_ends(mb_json_writer* w) {
  if (w->depth == 0) w->root_done = 1;
}

static void put_escaped(mb_json_writer* w, const char* text, size_t length) {
  static const char kHex[] = "0123456789abcdef";
  const unsigned char* p = (const unsigned char*)text;
  const unsigned char* end = p + length;
  put_char(w, '"');
  while (p < end && !w->failed) {
    const unsigned char* run = p;
    size_t sequence;
    /* Copy the longest run that needs no escaping at once. */
    while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) ++p;
    put(w, (const char*)run, (size_t)(p - run));
    if (p >= end) break;
    switch (*p) {
      case '"':
        put(w, "\\\"", 2);
        ++p;
        continue;
      case '\\':
        put(w, "\\\\", 2);
        ++p;
        continue;
      case '\b':
        put(w, "\\b", 2);
        ++p;
        continue;
      case '\f':
        put(w, "\\f", 2);
        ++p;
        continue;
      case '\n':
        put(w, "\\n", 2);
        ++p;
        continue;
      case '\r':
        put(w, "\\r", 2);
        ++p;
        continue;
      case '\t':
        put(w, "\\t", 2);
        ++p;
        continue;
      default:
        break;
    }
    if (*p < 0x20) {
      char escape[6] = {'\\', 'u', '0', '0', 0, 0};
      escape[4] = kHex[*p >> 4];
      escape[5] = kHex[*p & 0xF];
      put(w, escape, 6);
      ++p;
      continue;
    }
    sequence = utf8_sequence_length(p, end);
    if (sequence == 0) {
      put(w, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
      ++p;
    } else {
      put(w, (const char*)p, sequence);
      p += sequence;
    }
  }
  put_char(w, '"');
}

static void begin_container(mb_json_writer* w, char kind) {
  if (!value_begins(w)) return;
  if (w->depth >= kMaxWriteDepth) {
    w->failed = 1;
    return;
  }
  w->kind[w->depth] = kind;
  w->has_items[w->depth] = 0;
  ++w->depth;
  put_char(w, kind == 'o' ? '{' : '[');
}

static void end_container(mb_json_writer* w, char kind) {
  if (w == NULL || w->failed) return;
  if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->key_pending) {
    w->failed = 1;
    return;
  }
  --w->depth;
  put_char(w, kind == 'o' ? '}' : ']');
  value_ends(w);
}

void mb_json_begin_object(mb_json_writer* writer) { begin_container(writer, 'o'); }
void mb_json_end_object(mb_json_writer* writer) { end_container(writer, 'o'); }
void mb_json_begin_array(mb_json_writer* writer) { begin_container(writer, 'a'); }
void mb_json_end_array(mb_json_writer* writer) { end_container(writer, 'a'); }

static void key_n(mb_json_writer* w, const char* name, size_t length) {
  if (w == NULL || w->failed) return;
  if (w->depth == 0 || w->kind[w->depth - 1] != 'o' || w->key_pending || name == NULL) {
    w->failed = 1;
    return;
  }
  if (w->has_items[w->depth - 1]) put_char(w, ',');
  w->has_items[w->depth - 1] = 1;
  put_escaped(w, name, length);
  put_char(w, ':');
  w->key_pending = 1;
}

void mb_json_key(mb_json_writer* writer, const char* name) {
  key_n(writer, name, name == NULL ? 0 : strlen(name));
}

void mb_json_write_string_n(mb_json_writer* writer, const char* text, size_t length) {
  if (text == NULL) {
    mb_json_write_null(writer);
    return;
  }
  if (!value_begins(writer)) return;
  put_escaped(writer, text, length);
  value_ends(writer);
}

void mb_json_write_string(mb_json_writer* writer, const char* text) {
  mb_json_write_string_n(writer, text, text == NULL ? 0 : strlen(text));
}

static void put_literal(mb_json_writer* w, const char* literal) {
  if (!value_begins(w)) return;
  put(w, literal, strlen(literal));
  value_ends(w);
}

void mb_json_write_int64(mb_json_writer* writer, int64_t number) {
  char digits[24];
  if (number < 0) {
    /* The magnitude as unsigned, so INT64_MIN needs no special case. */
    uint64_t magnitude = (uint64_t)0 - (uint64_t)number;
    sprintf(digits, "-%llu", (unsigned long long)magnitude);
  } else {
    sprintf(digits, "%llu", (unsigned long long)number);
  }
  put_literal(writer, digits);
}

void mb_json_write_uint64(mb_json_writer* writer, uint64_t number) {
  char digits[24];
  sprintf(digits, "%llu", (unsigned long long)number);
  put_literal(writer, digits);
}

void mb_json_write_double(mb_json_writer* writer, double number) {
  char digits[40];
  const char* point = localeconv()->decimal_point;
  char* c;
  if (number != number || number == HUGE_VAL || number == -HUGE_VAL) {
    mb_json_write_null(writer);
    return;
  }
  /* The shortest of 15 or 17 significant digits that reads back as the same double. */
  sprintf(digits, "%.15g", number);
  if (strtod(digits, NULL) != number) sprintf(digits, "%.17g", number);
  if (point != NULL && point[0] != '\0' && point[0] != '.')
    for (c = digits; *c != '\0'; ++c)
      if (*c == point[0]) *c = '.';
  /* "1e+20" is JSON; "inf" was excluded above; an integral double keeps a ".0" so that it reads
   * back as a double. */
  if (strpbrk(digits, ".eE") == NULL) strcat(digits, ".0");
  put_literal(writer, digits);
}

void mb_json_write_bool(mb_json_writer* writer, int truth) {
  put_literal(writer, truth ? "true" : "false");
}

void mb_json_write_null(mb_json_writer* writer) { put_literal(writer, "null"); }

void mb_json_write_value(mb_json_writer* writer, const mb_json_value* value) {
  size_t i;
  if (value == NULL) {
    mb_json_write_null(writer);
    return;
  }
  switch (value->type) {
    case MB_JSON_ABSENT:
    case MB_JSON_NULL:
      mb_json_write_null(writer);
      return;
    case MB_JSON_BOOL:
      mb_json_write_bool(writer, value->as.truth);
      return;
    case MB_JSON_STRING:
      mb_json_write_string_n(writer, value->as.string.bytes, value->as.string.length);
      return;
    case MB_JSON_NUMBER:
      switch (value->as.number.kind) {
        case NUMBER_INT64:
          mb_json_write_int64(writer, value->as.number.i);
          return;
        case NUMBER_UINT64:
          mb_json_write_uint64(writer, value->as.number.u);
          return;
        case NUMBER_DOUBLE:
          mb_json_write_double(writer, value->as.number.d);
          return;
      }
      return;
    case MB_JSON_ARRAY:
      mb_json_begin_array(writer);
      for (i = 0; i < value->as.array.count; ++i)
        mb_json_write_value(writer, value->as.array.items[i]);
      mb_json_end_array(writer);
      return;
    case MB_JSON_OBJECT:
      mb_json_begin_object(writer);
      for (i = 0; i < value->as.object.count; ++i) {
        key_n(writer, value->as.object.members[i].name, value->as.object.members[i].name_length);
        mb_json_write_value(writer, value->as.object.members[i].value);
      }
      mb_json_end_object(writer);
      return;
  }
}

int mb_json_write_json(mb_json_writer* writer, const char* json, size_t length) {
  mb_json* document;
  mb_str text;
  int valid;
  if (json == NULL) {
    mb_json_write_null(writer);
    return 1;
  }
  text.ptr = json;
  text.len = (uint64_t)length;
  document = mb_json_parse(text, NULL);
  valid = document != NULL;
  mb_json_write_value(writer, mb_json_root(document));
  mb_json_free(document);
  return valid;
}

char* mb_json_writer_finish(mb_json_writer* writer, size_t* length_out) {
  char* text = NULL;
  if (writer == NULL) return NULL;
  if (!writer->failed && writer->depth == 0 && writer->root_done && !writer->key_pending &&
      reserve(writer, 0)) {
    text = writer->text;
    text[writer->length] = '\0';
    if (length_out != NULL) *length_out = writer->length;
    writer->text = NULL;
  }
  mb_json_writer_free(writer);
  return text;
}
