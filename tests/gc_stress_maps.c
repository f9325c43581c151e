/*
 * gc_stress_maps.c — goroutines assign, delete and drop maps while collections run back to back.
 * Each worker goroutine owns a table, a map[int64]*hmap rooted in its frame, whose elements are
 * inner map[int64]int64 maps; it replaces inner maps, drops them (delete from the table), moves
 * them between slots, grows and shrinks them, deletes from them with a deferred delete while
 * making garbage, and checks them. A collector goroutine calls gort_gc() in a loop and allocation
 * triggers more cycles. Afterwards every surviving inner map must hold exactly the keys its
 * worker expects; a premature free would hit the maps' use-after-free check (freed headers are
 * quarantined: GORT_DEBUG=uaf) and end the program with exit 2.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3
#define SLOTS 16
#define ITERS 20000
#define GC_EVERY 1000

static const gort_maptype type_int64_map = {
    .name = "map[int64]*hmap",
    .keykind = GORT_KEY_INT64,
    .keysize = 8,
    .elemsize = 8,
    .elem_ptrmask = 1,
};

typedef struct expect {
    int64_t base, n;   /* the inner map holds keys base .. base+n-1, value key ^ 0x5555 */
    int present;
} expect;

static _Atomic int stop_collector;
static _Atomic int bad;
static gort_waitgroup workers_done, collector_done;

/* xorshift64: the next pseudo-random number of the sequence in *s. */
static uint64_t rnd(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Whether inner holds exactly what e says. */
static int inner_ok(gort_map *inner, const expect *e) {
    if (gort_maplen(inner) != e->n) return 0;
    for (int64_t k = e->base; k < e->base + e->n; k++) {
        bool ok;
        int64_t *v = gort_mapaccess2_fast64(inner, (uint64_t)k, &ok);
        if (!ok || *v != (k ^ 0x5555)) return 0;
    }
    return 1;
}

/* The inner map in table slot j, or NULL. */
static gort_map *inner_at(gort_map *table, int j) {
    return *(gort_map **)gort_mapaccess1_fast64(table, (uint64_t)j);
}

/* defer delete(inner, e->base), then garbage while the defer is pending. */
static void deferred_shrink(gort_map *inner, expect *e) {
    GORT_FUNC(fr);
    gort_map *junk = NULL;  /* a live local across runtime calls: a root, as Go's liveness */
    GORT_ROOT(fr, &junk);
    gort_defer_delete_fast64(&fr, inner, (uint64_t)e->base);
    for (int i = 0; i < 4; i++) {
        junk = gort_makemap(&gort_type_int64_int64, 0);
        for (int k = 0; k < 20; k++) *(int64_t *)gort_mapassign_fast64(junk, (uint64_t)k) = k;
    }
    e->base++;
    e->n--;
}

/* One worker goroutine: ITERS random operations on its table, then a final check. */
static void worker(void *arg) {
    GORT_FUNC(fr);
    uint64_t w = *(uint64_t *)arg;   /* the worker's number, in its environment */
    uint64_t seed = 0x9e3779b97f4a7c15u * w;
    gort_map *table = NULL, *tmp = NULL;
    GORT_ROOT(fr, &table);
    GORT_ROOT(fr, &tmp);
    table = gort_makemap(&type_int64_map, 0);
    expect e[SLOTS] = {{0, 0, 0}};
    for (int it = 0; it < ITERS; it++) {
        if (it % GC_EVERY == GC_EVERY - 1) gort_gc();
        int j = (int)(rnd(&seed) % SLOTS);
        unsigned op = (unsigned)(rnd(&seed) % 8);
        gort_map *inner = e[j].present ? inner_at(table, j) : NULL;
        if (op <= 1 || !e[j].present) {               /* replace with a fresh inner map */
            int64_t base = (int64_t)(rnd(&seed) % 1000000), n = 1 + (int64_t)(rnd(&seed) % 60);
            tmp = gort_makemap(&gort_type_int64_int64, 0);
            for (int64_t k = base; k < base + n; k++)
                *(int64_t *)gort_mapassign_fast64(tmp, (uint64_t)k) = k ^ 0x5555;
            gort_store(gort_mapassign_fast64(table, (uint64_t)j), tmp);
            tmp = NULL;
            e[j] = (expect){base, n, 1};
        } else if (op == 2) {                         /* drop it */
            gort_mapdelete_fast64(table, (uint64_t)j);
            e[j].present = 0;
        } else if (op == 3) {                         /* grow it */
            int64_t k = e[j].base + e[j].n;
            *(int64_t *)gort_mapassign_fast64(inner, (uint64_t)k) = k ^ 0x5555;
            e[j].n++;
        } else if (op == 4 && e[j].n > 1) {          /* shrink it */
            gort_mapdelete_fast64(inner, (uint64_t)(e[j].base + e[j].n - 1));
            e[j].n--;
        } else if (op == 5 && e[j].n > 1) {          /* shrink it with a deferred delete */
            deferred_shrink(inner, &e[j]);
        } else if (op == 6 && !e[(j + 1) % SLOTS].present) {  /* move it to the next slot */
            int to = (j + 1) % SLOTS;                 /* the marker may have scanned one */
            gort_store(gort_mapassign_fast64(table, (uint64_t)to), inner);  /* slot, not the */
            gort_mapdelete_fast64(table, (uint64_t)j);                      /* other: barrier */
            e[to] = e[j];
            e[j].present = 0;
        } else if (!inner_ok(inner, &e[j])) {        /* check it */
            fprintf(stderr, "worker %lu: slot %d damaged\n", (unsigned long)w, j);
            atomic_store(&bad, 1);
        }
    }
    for (int j = 0; j < SLOTS; j++) {
        if (!e[j].present) {
            bool ok;
            gort_mapaccess2_fast64(table, (uint64_t)j, &ok);
            if (ok) atomic_store(&bad, 1);
        } else if (!inner_ok(inner_at(table, j), &e[j])) {
            fprintf(stderr, "worker %lu: slot %d damaged at the end\n",
                    (unsigned long)w, j);
            atomic_store(&bad, 1);
        }
    }
    gort_wg_done(&workers_done);
}

/* Runs gort_gc back to back until the workers are done. */
static void collector(void *arg) {
    (void)arg;
    while (!atomic_load(&stop_collector)) gort_gc();
    gort_wg_done(&collector_done);
}

/* Starts the collector and the workers, waits, and reports; exit 0 when every map held its keys. */
int main(void) {
    setenv("GORT_DEBUG", "uaf", 1);
    unsetenv("GORT_UNSAFE");
    gort_gcstats s0, s1;
    gort__gc_stats(&s0);
    gort_wg_add(&collector_done, 1);
    gort_go("collector", collector, NULL);
    gort_wg_add(&workers_done, WORKERS);
    for (uint64_t w = 1; w <= WORKERS; w++) {
        uint64_t *env = gort_closure_new(sizeof *env, 0);
        *env = w;
        gort_go("worker", worker, env);
    }
    gort_wg_wait(&workers_done);
    atomic_store(&stop_collector, 1);
    gort_wg_wait(&collector_done);
    gort_gc();
    gort__gc_stats(&s1);
    printf("cycles %llu, maps freed %llu, objects freed %llu, max pause %llu us\n",
           (unsigned long long)(s1.cycles - s0.cycles),
           (unsigned long long)(s1.freed_maps - s0.freed_maps),
           (unsigned long long)(s1.freed_objects - s0.freed_objects),
           (unsigned long long)(s1.pause_max_ns / 1000));
    if (atomic_load(&bad)) {
        fprintf(stderr, "FAIL: a surviving map did not hold its expected keys\n");
        return 1;
    }
    if (s1.cycles - s0.cycles < (uint64_t)(ITERS / GC_EVERY)) {  /* each worker waited for these */
        fprintf(stderr, "FAIL: too few cycles overlapped the workers\n");
        return 1;
    }
    return 0;
}
