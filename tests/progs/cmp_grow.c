/*
 * cmp_grow — a deterministic libgort program for gort compare's tests: one goroutine, so two
 * recordings of it hold the same events in the same order, and a change of N changes exactly
 * what N decides.
 *
 *   cmp_grow N
 *     m := make(map[int64]int64); for i := 1..N { m[i] = i }   (at N = 9 the map grows: B 0 -> 1)
 *     drop(m): defer delete(m, 1); return                       (one deferred delete, by return)
 *     runtime.GC(); runtime.GC()                                 (two forced cycles)
 */
#include "gort.h"

#include <stdlib.h>

static gort_map *m; /* a global root: the map outlives the trace */

/* defer delete(m, 1), run when drop returns. */
__attribute__((noinline)) static void drop(void) {
    GORT_FUNC(fr);
    gort_defer_delete_fast64(&fr, m, 1);
}

/* See the file comment. */
int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 8;
    gort_register_global(&m);
    m = gort_makemap(&gort_type_int64_int64, 0);
    for (int64_t i = 1; i <= n; i++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)i) = i;
    drop();
    gort_gc();
    gort_gc();
    return 0;
}
