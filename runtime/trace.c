/*
 * trace.c — the probe's path to the recorder. Until the recorder exists, tracing is never on.
 */
#include "internal.h"

#include <time.h>

int gort__trace_on;

void gort__emit(unsigned kind, uint64_t map_id, uint64_t arg0, uint64_t arg1, uint64_t dur_ns) {
    (void)kind; (void)map_id; (void)arg0; (void)arg1; (void)dur_ns;
}

uint64_t gort__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
