/*
 * gc_nowb.c — the write barrier's job, shown on the one interleaving that needs it. During a
 * concurrent mark, the marker has scanned object D (black) but not yet object S (grey); the
 * mutator moves the only pointer to X from S into D. With the barrier, the store shades X and X
 * survives; under GORT_UNSAFE=no_write_barrier, nothing shades X, the marker never sees it and
 * the sweep frees it while D still references it.
 *
 *   gc_nowb map   D, S are maps of maps (map[string]*hmap), X a map[string]int64 stored under
 *                 "x" in S; the move is D["x"] = S["x"]; delete(S, "x"), both map writes.
 *                 Prints "x survived: len 3" (exit 0), or the map's own use-after-free check
 *                 fires on the next use of X: "fatal error: use of freed map" (exit 2).
 *   gc_nowb env   the same with closure environments: prints "x survived: 77" (exit 0), or
 *                 "fatal error: use of freed environment" (exit 2) when X was freed (seen by
 *                 the quarantine: freed objects are flagged dead, never reused).
 *
 * The interleaving is arranged with the collector's test hook: the marker blocks right after
 * scanning D until the mutator has made the move. D and S are globals registered in that order,
 * which is the order the marker scans them; the program checks that it really was.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct env2 {
    void *ptr;
    uint64_t val;
} env2;

static void *g_dst, *g_src;       /* D and S: roots */
static int scanned_dst, scanned_src, arranged, moved;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

/* Marker-thread hook: after D is scanned (and S is not), wait for the mutator's move. */
static void on_scanned(void *obj, int kind) {
    (void)kind;
    pthread_mutex_lock(&mu);
    if (obj == g_src) scanned_src = 1;
    if (obj == g_dst && !scanned_dst) {
        scanned_dst = 1;
        arranged = scanned_src ? -1 : 1;
        pthread_cond_broadcast(&cv);
        while (arranged == 1 && !moved) pthread_cond_wait(&cv, &mu);
    }
    pthread_mutex_unlock(&mu);
}

/* Starts a cycle and returns when the marker sits between D and S (blocked in the hook). */
static void wait_for_marker_between(void) {
    gort__gc_hooks.scanned = on_scanned;
    gort__gc_request();
    gort__blocking_enter();      /* the cycle must be able to stop the world around us */
    pthread_mutex_lock(&mu);
    while (!arranged) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    gort__blocking_exit();
    if (arranged != 1) {
        fprintf(stderr, "gc_nowb: the marker scanned S before D; scenario not arranged\n");
        exit(1);
    }
}

/* Lets the marker go on with S. */
static void release_marker(void) {
    pthread_mutex_lock(&mu);
    moved = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* The scenario on environments; 0 when X survived. */
static int run_env(void) {
    env2 *d = gort_closure_new(sizeof(env2), 1);
    g_dst = d;
    env2 *s = gort_closure_new(sizeof(env2), 1);
    g_src = s;
    env2 *x = gort_closure_new(sizeof(env2), 0);
    x->val = 77;
    gort_store(&s->ptr, x);                 /* S -> X: X's only reference */
    x = NULL;

    wait_for_marker_between();
    gort_store(&d->ptr, s->ptr);            /* the move: D (black) -> X ... */
    gort_store(&s->ptr, NULL);              /* ... and S (grey) no longer does */
    release_marker();
    gort_gc();                              /* the rest of that cycle, and one more */

    x = d->ptr;
    if (gort__gc_is_dead(x)) gort_fatal("use of freed environment");
    printf("x survived: %llu\n", (unsigned long long)x->val);
    return x->val == 77 ? 0 : 1;
}

/* The scenario on maps of maps; 0 when X survived with its 3 keys. */
static int run_map(void) {
    gort_map *d = gort_makemap(&gort_type_string_map, 0);
    g_dst = d;
    gort_map *s = gort_makemap(&gort_type_string_map, 0);
    g_src = s;
    gort_map *x = gort_makemap(&gort_type_string_int64, 0);
    gort_store(gort_mapassign_faststr(s, gort_str("x")), x);   /* S["x"] = X: X's only reference */
    const char *keys[] = {"p", "q", "r"};
    for (int i = 0; i < 3; i++) *(int64_t *)gort_mapassign_faststr(x, gort_str(keys[i])) = i;
    x = NULL;

    wait_for_marker_between();
    gort_map *moving = *(gort_map **)gort_mapaccess1_faststr(s, gort_str("x"));
    gort_store(gort_mapassign_faststr(d, gort_str("x")), moving);  /* D["x"] = X (D is black) */
    gort_mapdelete_faststr(s, gort_str("x"));                      /* delete(S, "x") */
    moving = NULL;
    release_marker();
    gort_gc();

    x = *(gort_map **)gort_mapaccess1_faststr(d, gort_str("x"));
    printf("x survived: len %lld\n", (long long)gort_maplen(x));   /* the use */
    return gort_maplen(x) == 3 ? 0 : 1;
}

/* Registers D and S as roots (in that order: the scan order) and runs a scenario. */
int main(int argc, char **argv) {
    gort_register_global(&g_dst);
    gort_register_global(&g_src);
    if (argc == 2 && strcmp(argv[1], "env") == 0) return run_env();
    if (argc == 2 && strcmp(argv[1], "map") == 0) return run_map();
    fprintf(stderr, "usage: gc_nowb env|map\n");
    return 2;
}
