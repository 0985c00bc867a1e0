/* What documents.c needs of json.c beyond the public header: allocation in a document's arena,
 * so a typed document's arrays live and die with the JSON they were read from. Not installed. */
#ifndef METERBRIDGE_SDK_C_JSON_INTERNAL_H_
#define METERBRIDGE_SDK_C_JSON_INTERNAL_H_

#include <stddef.h>

#include "meterbridge/json.h"

/* size bytes in the document's arena, aligned for any member; NULL when memory ran out. */
void* mb_json_internal_alloc(mb_json* document, size_t size);

#endif /* METERBRIDGE_SDK_C_JSON_INTERNAL_H_ */
