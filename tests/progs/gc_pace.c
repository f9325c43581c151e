/*
 * gc_pace.c — the twin of tests/go/gc/pace.go for tests/t_gc_pace.sh: a linked list of LIVE_MB
 * of 256-byte objects (224-byte environments whose word 0 points to the next, plus libgort's
 * 32-byte header: Go's 256-byte size class), then "pace: garbage" on stderr, then GARBAGE_MB
 * of 256-byte garbage environments allocated as fast as possible, then one forced cycle.
 * Run with GORT_DEBUG=gctrace and GORT_GOGC to compare its cycles with Go's.
 *
 *   usage: gc_pace [LIVE_MB [GARBAGE_MB]]     (defaults 32 and 1024)
 */
#include "gort.h"

#include <stdio.h>
#include <stdlib.h>

#define OBJ 224                 /* payload bytes: 256 with the header */
#define PER_MB ((1 << 20) / 256)

static void *live;              /* head of the live list: a root */

/* The argument i as a positive number, or def. */
static long arg(int argc, char **argv, int i, long def) {
    long v = argc > i ? atol(argv[i]) : def;
    return v > 0 ? v : def;
}

int main(int argc, char **argv) {
    long live_mb = arg(argc, argv, 1, 32), garbage_mb = arg(argc, argv, 2, 1024);
    gort_register_global(&live);
    for (long i = 0; i < live_mb * PER_MB; i++) {
        void **e = gort_closure_new(OBJ, 1);
        gort_store(e, live);
        live = e;
    }
    fprintf(stderr, "pace: garbage\n");
    for (long i = 0; i < garbage_mb * PER_MB; i++) (void)gort_closure_new(OBJ, 1);
    gort_gc();
    return 0;
}
