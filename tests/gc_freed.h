/*
 * gc_freed.h — what the collector freed, for the collector's tests: install on_freed as
 * gort__gc_hooks.freed, set nfreed = 0 before a cycle, then ask was_freed(p). The hook runs on
 * the collector thread; gort_gc() returning orders its writes before the test's reads.
 */
#ifndef GORT_TESTS_GC_FREED_H
#define GORT_TESTS_GC_FREED_H

#include <stddef.h>

#define MAXFREED 200000
static void *freed[MAXFREED];
static size_t nfreed;

/* Freed hook: remembers each object the sweeper frees. */
static void on_freed(void *obj, int kind) {
    (void)kind;
    if (nfreed < MAXFREED) freed[nfreed++] = obj;
}

/* Whether p was freed since nfreed was last reset. */
static int was_freed(void *p) {
    for (size_t i = 0; i < nfreed; i++)
        if (freed[i] == p) return 1;
    return 0;
}

#endif /* GORT_TESTS_GC_FREED_H */
