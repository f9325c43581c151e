/*
 * trace_maps — a real libgort program for the recorder's end-to-end test: maps, deferred
 * deletes, a map that lives in a frame, goroutines. Everything it does is fixed by N:
 *
 *   trace_maps N [gc] [panic] [fatal]
 *     in main (goroutine 1):
 *       m := make(map[int64]int64); m[i] = i*i for i in 1..N          (N inserts)
 *       for i in 1..N/2: _ = m[i]                                       (N/2 lookups, found)
 *       for i in 1..N/4: delete(m, i)                                   (N/4 deletes, found)
 *       s := make(map[string]int64); s["a"], s["b"], s["c"] = 1, 2, 3
 *       with_defers(): a stack map sm with keys 1..10 and a heap map hm with keys 1..5;
 *         defer delete(sm, 5); defer delete(hm, 1); hm = nil; return
 *         -> both deferred deletes run at return, then sm dies with its frame
 *     4 goroutines, each: g := make(map[int64]int64); g[k] = k for k in 1..100
 *     gc: then the article's third claim, twice over: defer_then_gc() fills a map k with keys
 *         1..10, defers delete(k, 3), sets k = nil and calls runtime.GC() (gort_gc) while the
 *         pending defer is the map's only reference; after it returned, gort_gc() again, and
 *         once more after 5 garbage maps of 1..20 keys were made
 *     panic: then panic("boom") unrecovered (exit status 2)
 *     fatal: then, in a function with a deferred delete pending, a fatal error (exit status 2;
 *         the deferred call never runs)
 */
#include "gort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gort_waitgroup workers; /* the program's sync.WaitGroup */

/* One goroutine's work: 100 inserts into its own map. */
static void fill(void) {
    GORT_FUNC(fr);
    gort_map *g = gort_makemap(&gort_type_int64_int64, 0);
    GORT_ROOT(fr, &g);
    for (uint64_t k = 1; k <= 100; k++) *(int64_t *)gort_mapassign_fast64(g, k) = (int64_t)k;
}
/* A goroutine: fills its map, then tells main it is done. */
static void worker(void *arg) {
    (void)arg;
    fill();
    gort_wg_done(&workers);
}

/* The deferred deletes of the article's claim, on a frame-owned map and on a heap map that
 * the function sets to nil before returning. */
__attribute__((noinline)) static void with_defers(void) {
    GORT_FUNC(fr);
    gort_map *sm = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    for (uint64_t k = 1; k <= 10; k++) *(int64_t *)gort_mapassign_fast64(sm, k) = 1;
    gort_map *hm = gort_makemap(&gort_type_int64_int64, 0);
    GORT_ROOT(fr, &hm);
    for (uint64_t k = 1; k <= 5; k++) *(int64_t *)gort_mapassign_fast64(hm, k) = 1;
    gort_defer_delete_fast64(&fr, sm, 5);
    gort_defer_delete_fast64(&fr, hm, 1);
    hm = NULL; /* m = nil: the deferred delete still has the map */
}

/* defer delete(k, 3); k = nil; runtime.GC(): the pending defer keeps the map alive. */
__attribute__((noinline)) static void defer_then_gc(void) {
    GORT_FUNC(fr);
    gort_map *k = gort_makemap(&gort_type_int64_int64, 0);
    GORT_ROOT(fr, &k);
    for (uint64_t i = 1; i <= 10; i++) *(int64_t *)gort_mapassign_fast64(k, i) = 1;
    gort_defer_delete_fast64(&fr, k, 3);
    k = NULL;
    gort_gc();
}

/* Maps that are garbage as soon as this returns. */
__attribute__((noinline)) static void make_garbage(void) {
    GORT_FUNC(fr);
    for (int j = 0; j < 5; j++) {
        gort_map *g = gort_makemap(&gort_type_int64_int64, 0);
        for (uint64_t i = 1; i <= 20; i++) *(int64_t *)gort_mapassign_fast64(g, i) = 1;
    }
}

/* throw: the deferred delete stays pending forever. */
__attribute__((noinline)) static void dies(void) {
    GORT_FUNC(fr);
    gort_map *d = gort_makemap(&gort_type_int64_int64, 0);
    GORT_ROOT(fr, &d);
    gort_defer_delete_fast64(&fr, d, 1);
    gort_fatal("boom");
}

/* Everything main does, in a Go-like function frame. */
static void run(uint64_t n, bool collect, bool panics, bool fatal) {
    GORT_FUNC(fr);
    gort_map *m = gort_makemap(&gort_type_int64_int64, 0);
    GORT_ROOT(fr, &m);
    for (uint64_t i = 1; i <= n; i++) *(int64_t *)gort_mapassign_fast64(m, i) = (int64_t)(i * i);
    int64_t sum = 0;
    for (uint64_t i = 1; i <= n / 2; i++) sum += *(int64_t *)gort_mapaccess1_fast64(m, i);
    for (uint64_t i = 1; i <= n / 4; i++) gort_mapdelete_fast64(m, i);
    gort_map *s = gort_makemap(&gort_type_string_int64, 0);
    GORT_ROOT(fr, &s);
    *(int64_t *)gort_mapassign_faststr(s, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(s, gort_str("b")) = 2;
    *(int64_t *)gort_mapassign_faststr(s, gort_str("c")) = 3;
    with_defers();
    for (int i = 0; i < 4; i++) {
        gort_wg_add(&workers, 1);
        GORT_GO(worker, NULL);
    }
    gort_wg_wait(&workers);
    if (collect) {
        defer_then_gc();
        gort_gc();
        make_garbage();
        gort_gc();
    }
    if (panics) gort_panic("boom");
    if (fatal) dies();
    printf("%lld\n", (long long)sum);
}

/* Parses N and the options, runs them (see the top of the file). */
int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: trace_maps N [gc] [panic] [fatal]\n");
        return 2;
    }
    bool collect = false, panics = false, fatal = false;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "gc")) collect = true;
        if (!strcmp(argv[i], "panic")) panics = true;
        if (!strcmp(argv[i], "fatal")) fatal = true;
    }
    run(strtoull(argv[1], NULL, 10), collect, panics, fatal);
    return 0;
}
