/*
 * gc_alloc.c — the heap trigger. Keeps LIVE_MB of environments alive (a chain from a
 * registered global), then allocates GARBAGE_MB of garbage environments; with MIN_HEAP_CYCLES,
 * goes on allocating garbage until the heap trigger has started that many cycles (it must: at
 * most 64 times GARBAGE_MB, else exit 1). Then forces a cycle (so none is still running) and
 * prints "gogc=N heap_cycles=N cycles=N marked=BYTES trigger=BYTES goal=BYTES". Driven by
 * t_gc_gogc.sh.
 *
 *   usage: gc_alloc LIVE_MB GARBAGE_MB [MIN_HEAP_CYCLES]
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#define OBJ 256                 /* bytes per environment; word 0 is the chain's pointer */
#define PER_MB ((1 << 20) / OBJ)

static void *live;              /* head of the live chain */

/* Cycles begun by the heap trigger so far. */
static uint64_t heap_cycles(void) {
    gort_gcstats s;
    gort__gc_stats(&s);
    return s.heap_cycles;
}

/* See the file comment. */
int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: gc_alloc LIVE_MB GARBAGE_MB [MIN_HEAP_CYCLES]\n");
        return 2;
    }
    long live_mb = atol(argv[1]), garbage_mb = atol(argv[2]);
    uint64_t min_cycles = argc == 4 ? strtoull(argv[3], NULL, 10) : 0;
    gort_register_global(&live);
    for (long i = 0; i < live_mb * PER_MB; i++) {
        void **e = gort_closure_new(OBJ, 1);
        gort_store(e, live);
        live = e;
    }
    long n = 0;
    for (; n < garbage_mb * PER_MB; n++) (void)gort_closure_new(OBJ, 0);
    for (; heap_cycles() < min_cycles; n++) {
        if (n > 64 * garbage_mb * PER_MB) {
            fprintf(stderr, "gc_alloc: %llu heap-triggered cycles after %ld MB of garbage\n",
                    (unsigned long long)heap_cycles(), n / PER_MB);
            return 1;
        }
        (void)gort_closure_new(OBJ, 0);
    }
    gort_gc();
    gort_gcstats s;
    gort__gc_stats(&s);
    printf("gogc=%d heap_cycles=%llu cycles=%llu marked=%llu trigger=%llu goal=%llu\n", s.gogc,
           (unsigned long long)s.heap_cycles, (unsigned long long)s.cycles,
           (unsigned long long)s.heap_marked, (unsigned long long)s.trigger,
           (unsigned long long)s.goal);
    return 0;
}
