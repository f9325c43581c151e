/*
 * panic.c — panics and fatal errors. For now without defer: a panic prints Go's message and
 * exits with status 2. The defer/panic/recover machinery replaces this file.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

void gort_panic(const char *msg) {
    fprintf(stderr, "panic: %s\n\ngoroutine 1 [running]:\n", msg);
    exit(2);
}
void gort_panic_runtime_error(const char *msg) { gort_panic(msg); }
void gort_fatal(const char *msg) {
    fprintf(stderr, "fatal error: %s\n", msg);
    exit(2);
}
