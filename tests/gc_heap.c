/*
 * gc_heap.c — the collector on closure environments and globals, single goroutine: what a
 * cycle frees and what it keeps, pointer masks, chains, quarantine, statistics, the heap trigger.
 * Each check names what failed; exit 0 when all pass.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "gc_freed.h"

/* An environment of two words: word 0 a pointer (per mask), word 1 a payload value. */
typedef struct env2 {
    void *ptr;
    uint64_t val;
} env2;

/* A fresh env2 with pointer mask `mask` and payload val. */
static env2 *new_env(uint64_t mask, uint64_t val) {
    env2 *e = gort_closure_new(sizeof(env2), mask);
    e->val = val;
    return e;
}

static void *g_root;      /* a registered global */
static void *g_list;      /* head of a chain of 1000 environments */

/* Reachable from a global survives; unreachable dies; pointer words are followed only per mask. */
static void test_reachability(void) {
    nfreed = 0;
    env2 *a = new_env(1, 1), *b = new_env(1, 2), *c = new_env(1, 3);
    env2 *hidden = new_env(0, 4);  /* its word 0 is not a pointer word */
    env2 *x = new_env(0, 5);
    gort_store(&a->ptr, b);        /* g_root -> a -> b */
    hidden->ptr = x;               /* not a pointer word: does not keep x */
    gort_store(&b->ptr, hidden);   /* b -> hidden */
    g_root = a;
    (void)c;                       /* c: unreachable */
    gort_gc();
    CHECK(!was_freed(a) && !was_freed(b) && !was_freed(hidden), "reachable environment freed");
    CHECK(a->val == 1 && b->val == 2 && hidden->val == 4, "survivor changed");
    CHECK(was_freed(c), "unreachable environment c not freed by the next cycle");
    CHECK(was_freed(x), "environment referenced only from a non-pointer word not freed");
    CHECK(nfreed == 2, "expected 2 objects freed, got %zu", nfreed);

    nfreed = 0;
    g_root = NULL;                 /* now a, b, hidden are garbage */
    gort_gc();
    CHECK(was_freed(a) && was_freed(b) && was_freed(hidden) && nfreed == 3,
          "dropping the global root must free its 3 objects, freed %zu", nfreed);
}

/* A long chain lives as long as its head is a root, and dies in one cycle after. */
static void test_chain(void) {
    gort_gcstats s0, s1, s2;
    gort__gc_stats(&s0);
    env2 *head = NULL;
    for (int i = 0; i < 1000; i++) {
        env2 *e = new_env(1, (uint64_t)i);
        gort_store(&e->ptr, head);
        head = e;
        g_list = head;             /* rooted before the next runtime call */
    }
    gort_gc();
    gort__gc_stats(&s1);
    int n = 0, ok = 1;
    for (env2 *e = g_list; e; e = e->ptr, n++) ok &= e->val == (uint64_t)(999 - n);
    CHECK(n == 1000 && ok, "chain damaged: %d nodes", n);
    CHECK(s1.heap_objects == s0.heap_objects + 1000, "heap objects %llu, expected %llu",
          (unsigned long long)s1.heap_objects, (unsigned long long)(s0.heap_objects + 1000));
    CHECK(s1.cycles >= s0.cycles + 1, "gort_gc did not complete a cycle");
    g_list = NULL;
    gort_gc();
    gort__gc_stats(&s2);
    CHECK(s2.heap_objects == s0.heap_objects, "chain not freed: %llu objects left, expected %llu",
          (unsigned long long)s2.heap_objects, (unsigned long long)s0.heap_objects);
    CHECK(s2.freed_objects - s1.freed_objects == 1000, "freed %llu, expected 1000",
          (unsigned long long)(s2.freed_objects - s1.freed_objects));
    CHECK(s2.heap_live == s0.heap_live, "heap_live %llu, expected %llu",
          (unsigned long long)s2.heap_live, (unsigned long long)s0.heap_live);
}

/* Quarantine (GORT_DEBUG=uaf is set by main): freed environments are kept and flagged dead. */
static void test_quarantine(void) {
    gort_gcstats s0, s1;
    gort__gc_stats(&s0);
    (void)new_env(0, 42);          /* garbage at once */
    gort_gc();
    gort__gc_stats(&s1);
    CHECK(s1.quarantined == s0.quarantined + 1, "freed environment not quarantined");
    CHECK(nfreed >= 1 && gort__gc_is_dead(freed[nfreed - 1]),
          "quarantined object not flagged dead");
    CHECK(((env2 *)freed[nfreed - 1])->val == 42, "quarantined memory was reused");
}

/* Allocation alone starts cycles once the heap reaches the trigger (GOGC 100: about 2.8 MiB
 * first): 60 MB of garbage, then more until three heap-triggered cycles ran (bounded). */
static void test_heap_trigger(void) {
    gort_gcstats s0, s1;
    gort__gc_stats(&s0);
    CHECK(s0.gogc == 100, "GORT_GOGC default should be 100, got %d", s0.gogc);
    CHECK(s0.trigger != UINT64_MAX && s0.trigger >= (3u << 20) / 2, "trigger %llu",
          (unsigned long long)s0.trigger);
    long i = 0;
    for (; i < 200000; i++) (void)gort_closure_new(256, 0);
    for (gort__gc_stats(&s1); s1.heap_cycles < s0.heap_cycles + 3 && i < 4000000; i++) {
        (void)gort_closure_new(256, 0);
        if (i % 1024 == 0) gort__gc_stats(&s1);
    }
    gort__gc_stats(&s1);
    CHECK(s1.heap_cycles >= s0.heap_cycles + 3,
          "only %llu heap-triggered cycles for %ld MB of garbage",
          (unsigned long long)(s1.heap_cycles - s0.heap_cycles), i * 288 >> 20);
    printf("heap trigger: %llu cycles for %ld MB of garbage\n",
           (unsigned long long)(s1.heap_cycles - s0.heap_cycles), i * 288 >> 20);
}

/* Runs each check with the quarantine on; exit 0 when all pass. */
int main(void) {
    setenv("GORT_DEBUG", "uaf", 1);          /* read on the first allocation */
    unsetenv("GORT_GOGC");
    gort__gc_hooks.freed = on_freed;
    gort_register_global(&g_root);
    gort_register_global(&g_list);
    test_reachability();
    test_chain();
    nfreed = 0;
    test_quarantine();
    gort__gc_hooks.freed = NULL;
    test_heap_trigger();
    if (check_failures) return 1;
    printf("gc_heap: all passed\n");
    return 0;
}
