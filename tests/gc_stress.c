/*
 * gc_stress.c — several threads build, replace, drop and check chains of closure environments
 * while another thread runs collection cycles back to back (and allocation triggers more). Every
 * surviving chain must hold exactly what its owner last stored, and no reachable object may have
 * been freed (the quarantine flags freed objects dead, so a premature free is seen, not reused).
 * Exit 0 when all is well. Short enough for SAN=1.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3
#define SLOTS 16
#define ITERS 30000
#define GC_EVERY 1000     /* each worker also forces a cycle this often: cycles overlap all work */
#define MINCYCLES 20

typedef struct node {
    struct node *next;   /* pointer word 0 */
    uint64_t val;
    uint64_t check;      /* ~val: a torn or reused node shows */
} node;

typedef struct table {
    node *slot[SLOTS];   /* all pointer words */
} table;

static table *roots[WORKERS];     /* registered globals: each worker's table */
static node *scratch[WORKERS];    /* registered globals: a chain being built */
static _Atomic int stop_gc;
static _Atomic int bad;

/* xorshift64: the next pseudo-random number of the sequence in *s. */
static uint64_t rnd(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Builds a chain of len nodes with values base, base+1, ... (head holds base+len-1). */
static node *build(int w, uint64_t base, int len) {
    scratch[w] = NULL;
    for (int i = 0; i < len; i++) {
        node *n = gort_closure_new(sizeof(node), 1);
        n->val = base + (uint64_t)i;
        n->check = ~n->val;
        gort_store((void **)&n->next, scratch[w]);
        scratch[w] = n;
    }
    return scratch[w];
}

/* Whether the chain holds exactly len nodes base+len-1 ... base, none freed. */
static int chain_ok(node *n, uint64_t base, int len) {
    for (int i = len - 1; i >= 0; i--, n = n->next) {
        if (!n || gort__gc_is_dead(n) || n->val != base + (uint64_t)i || n->check != ~n->val)
            return 0;
    }
    return n == NULL;
}

/* One worker thread: ITERS random replace/drop/check operations on its table. */
static void *worker(void *arg) {
    int w = (int)(intptr_t)arg;
    uint64_t seed = 0x9e3779b97f4a7c15u * (uint64_t)(w + 1);
    uint64_t base[SLOTS] = {0};
    int len[SLOTS] = {0};
    roots[w] = gort_closure_new(sizeof(table), (1u << SLOTS) - 1);
    for (int it = 0; it < ITERS; it++) {
        if (it % GC_EVERY == GC_EVERY - 1) gort_gc();
        int j = (int)(rnd(&seed) % SLOTS);
        switch (rnd(&seed) % 4) {
        case 0:
        case 1: {                                  /* replace */
            int n = 1 + (int)(rnd(&seed) % 20);
            uint64_t b = rnd(&seed) >> 8;
            node *c = build(w, b, n);
            gort_store((void **)&roots[w]->slot[j], c);
            scratch[w] = NULL;
            base[j] = b;
            len[j] = n;
            break;
        }
        case 2:                                    /* drop */
            gort_store((void **)&roots[w]->slot[j], NULL);
            len[j] = 0;
            break;
        default:                                   /* check */
            gort__safepoint();
            if (!chain_ok(roots[w]->slot[j], base[j], len[j])) atomic_store(&bad, 1);
        }
    }
    for (int j = 0; j < SLOTS; j++)
        if (!chain_ok(roots[w]->slot[j], base[j], len[j])) {
            fprintf(stderr, "worker %d slot %d: chain damaged\n", w, j);
            atomic_store(&bad, 1);
        }
    gort__blocking_enter();                        /* a finished thread never runs again */
    return NULL;
}

/* Runs gort_gc back to back until the workers are done. */
static void *collector(void *arg) {
    (void)arg;
    while (!atomic_load(&stop_gc)) gort_gc();
    gort__blocking_enter();
    return NULL;
}

/* Starts the collector and the workers, waits, and reports; exit 0 when nothing was damaged. */
int main(void) {
    setenv("GORT_DEBUG", "uaf", 1);
    for (int w = 0; w < WORKERS; w++) {
        gort_register_global(&roots[w]);
        gort_register_global(&scratch[w]);
    }
    gort_gcstats s0, s1;
    gort__gc_stats(&s0);
    pthread_t t[WORKERS], c;
    pthread_create(&c, NULL, collector, NULL);
    for (int w = 0; w < WORKERS; w++) pthread_create(&t[w], NULL, worker, (void *)(intptr_t)w);
    gort__blocking_enter();                        /* joining is a blocking call */
    for (int w = 0; w < WORKERS; w++) pthread_join(t[w], NULL);
    atomic_store(&stop_gc, 1);
    pthread_join(c, NULL);
    gort__blocking_exit();
    gort_gc();
    gort__gc_stats(&s1);
    printf("cycles %llu, objects freed %llu, max pause %llu us\n",
           (unsigned long long)(s1.cycles - s0.cycles),
           (unsigned long long)(s1.freed_objects - s0.freed_objects),
           (unsigned long long)(s1.pause_max_ns / 1000));
    if (atomic_load(&bad)) {
        fprintf(stderr, "FAIL: a reachable chain was damaged or freed\n");
        return 1;
    }
    if (s1.cycles - s0.cycles < MINCYCLES) {
        fprintf(stderr, "FAIL: only %llu cycles ran during the stress\n",
                (unsigned long long)(s1.cycles - s0.cycles));
        return 1;
    }
    return 0;
}
