/* A shared library that is NOT a meterbridge plugin: it lacks the entry symbol. Its
 * constructor leaves a marker file if any of its code ever runs, which the loader must prevent
 * by inspecting the file instead of loading it. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void leave_marker(void) {
  const char* path = getenv("MB_TEST_NO_ENTRY_MARKER");
  if (path != NULL) {
    FILE* f = fopen(path, "w");
    if (f != NULL) {
      fputs("constructor ran\n", f);
      fclose(f);
    }
  }
}

__attribute__((visibility("default"))) int some_other_function(void) { return 7; }
