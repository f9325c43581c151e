/*
 * gc_nowb.c — the write barrier's job on closure environments, shown on the one interleaving
 * that needs it. During a concurrent mark, the marker has scanned environment D (black) but
 * not yet environment S (grey); the mutator moves the only pointer to X from S into D. With
 * the barrier, the store shades X and X survives: prints "x survived: 77" (exit 0). Under
 * GORT_UNSAFE=no_write_barrier nothing shades X, the marker never sees it and the sweep frees
 * it while D still references it: "fatal error: use of freed environment" (exit 2), seen by the
 * quarantine (freed objects are flagged dead, never reused).
 *
 * The same scenario on maps of maps is samples/write_barrier. The interleaving is arranged
 * with gort__gc_hold_marker_between; D and S are globals registered in that order, which is the
 * order the marker scans them, and the hold checks that it really was.
 */
#include "internal.h"

#include <stdio.h>

typedef struct env2 {
    void *ptr;
    uint64_t val;
} env2;

static env2 *g_dst, *g_src; /* D and S: roots */

int main(void) {
    gort_register_global(&g_dst);
    gort_register_global(&g_src);
    g_dst = gort_closure_new(sizeof(env2), 1);
    g_src = gort_closure_new(sizeof(env2), 1);
    env2 *x = gort_closure_new(sizeof(env2), 0);
    x->val = 77;
    gort_store(&g_src->ptr, x); /* S -> X: X's only reference */
    x = NULL;

    if (gort__gc_hold_marker_between(g_dst, g_src) != 0) {
        fprintf(stderr, "gc_nowb: the marker scanned S before D; scenario not arranged\n");
        return 1;
    }
    gort_store(&g_dst->ptr, g_src->ptr); /* the move: D (black) -> X ... */
    gort_store(&g_src->ptr, NULL);       /* ... and S (grey) no longer does */
    gort__gc_release_marker();
    gort_gc(); /* the rest of that cycle, and one more */

    x = g_dst->ptr;
    if (gort__gc_is_dead(x)) gort_fatal("use of freed environment");
    printf("x survived: %llu\n", (unsigned long long)x->val);
    return x->val == 77 ? 0 : 1;
}
