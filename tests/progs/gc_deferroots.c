/*
 * gc_deferroots.c — the article's third crash path, "the GC frees a map that only a pending
 * defer references", run for real. f makes a map, defers a delete on it, drops its own
 * reference and forces two full collections before returning; the deferred delete then runs.
 *
 *   gc_deferroots delete    defer delete(m, "a"): the map lives in the defer record only
 *   gc_deferroots closure   defer func() { delete(env.m, "a") }(): in the closure's environment
 *
 * Go's rule (and libgort's): pending defer records are roots, so the map survives and the
 * program prints "deferred delete ran: len 1" and exits 0. Under GORT_UNSAFE=defer_roots the
 * records are not roots: the collection frees the map, and the deferred delete hits the map's
 * use-after-free check: "fatal error: use of freed map", exit 2.
 */
#include "gort.h"

#include <stdio.h>
#include <string.h>

static gort_map *watched;  /* for the final report only: not a root */

typedef struct mapenv {
    gort_map *m;
} mapenv;

static void delete_a(void *e) { gort_mapdelete_faststr(((mapenv *)e)->m, gort_str("a")); }

/* A map with keys "a" and "b". */
static gort_map *two_keys(void) {
    gort_map *m = gort_makemap(&gort_type_string_int64, 0);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("b")) = 2;
    return m;
}

/* defer delete(m, "a") with m held by the defer record only; two collections. */
static void f_delete(void) {
    GORT_FUNC(fr);
    gort_map *m = two_keys();
    gort_defer_delete_faststr(&fr, m, gort_str("a"));   /* defer delete(m, "a") */
    watched = m;
    m = NULL;                                            /* only the defer holds the map */
    gort_gc();
    gort_gc();
}

/* A deferred closure whose environment alone holds m; two collections. */
static void f_closure(void) {
    GORT_FUNC(fr);
    mapenv *env = gort_closure_new(sizeof *env, 1);
    gort_defer_call(&fr, "f_closure.func1", delete_a, env);
    gort_store((void **)&env->m, two_keys());
    watched = env->m;
    env = NULL;                                          /* only the defer holds env and map */
    gort_gc();
    gort_gc();
}

/* Runs the chosen scenario and prints the map's length after the defer ran. */
int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "delete") == 0) f_delete();
    else if (argc == 2 && strcmp(argv[1], "closure") == 0) f_closure();
    else {
        fprintf(stderr, "usage: gc_deferroots delete|closure\n");
        return 2;
    }
    printf("deferred delete ran: len %lld\n", (long long)gort_maplen(watched));
    return 0;
}
