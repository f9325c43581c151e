/*
 * gc_roots.c — the root rules of gort.h section 5, one kind of root at a time: a map reachable
 * from it survives forced cycles with its contents intact; once the root lets go, the next
 * cycle frees it (header killed and flagged dead: GORT_DEBUG=uaf keeps it in quarantine).
 * Kinds: registered globals, frame slots (GORT_ROOT), stack maps (die at frame pop, never
 * killed twice), pending deferred deletes and deferred closures (until the call ran), a
 * goroutine's arg, maps inside maps (elem_ptrmask), and no root at all.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "gc_freed.h"

/* A map[int64]int64 with keys 0..n-1, value k*3. */
static gort_map *filled(int n) {
    gort_map *m = gort_makemap(&gort_type_int64_int64, 0);
    for (int k = 0; k < n; k++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)k) = k * 3;
    return m;
}

/* Whether m holds exactly keys 0..n-1 with value k*3 (m must be live). */
static int holds(gort_map *m, int n) {
    if (gort_maplen(m) != n) return 0;
    for (int k = 0; k < n; k++) {
        bool ok;
        int64_t *v = gort_mapaccess2_fast64(m, (uint64_t)k, &ok);
        if (!ok || *v != k * 3) return 0;
    }
    return 1;
}

/* Forces a cycle with a fresh record of what it frees. */
static void collect(void) {
    nfreed = 0;
    gort_gc();
}

/* A map that is dead after a cycle: its header freed by that cycle and flagged dead. */
static int died(gort_map *m) { return was_freed(m) && gort__gc_is_dead(m); }

static gort_map *g_map;

/* A registered global keeps its map; dropping it frees the map. */
static void test_global(void) {
    g_map = filled(100);
    gort_map *m = g_map;
    collect();
    collect();
    CHECK(!was_freed(m) && holds(m, 100), "map held by a registered global did not survive");
    g_map = NULL;
    collect();
    CHECK(died(m), "map dropped by its global not freed by the next cycle");
}

/* A map in no root dies in the next cycle. */
static void test_unreachable(void) {
    gort_map *m = filled(50);  /* a C local only: not a root */
    collect();
    CHECK(died(m), "unreachable map not freed by the next cycle");
}

/* Returns a map that was rooted in this frame's slot during two cycles. */
static gort_map *frame_slot_user(void) {
    GORT_FUNC_R(fr, NULL);
    gort_map *m = NULL;
    GORT_ROOT(fr, &m);
    m = filled(200);
    collect();
    collect();
    CHECK(!was_freed(m) && holds(m, 200), "map held by a frame slot did not survive");
    return m;
}

/* A GORT_ROOT slot keeps its map while the frame lives, not after. */
static void test_frame_slot(void) {
    gort_map *m = frame_slot_user();
    collect();                  /* the frame is gone: nothing holds m */
    CHECK(died(m), "map of a popped frame's slot not freed by the next cycle");
}

/* Returns a stack map of this frame, alive across two cycles while the frame was. */
static gort_map *stack_map_user(void) {
    GORT_FUNC_R(fr, NULL);
    gort_map *m = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    for (int k = 0; k < 30; k++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)k) = k * 3;
    collect();
    collect();
    CHECK(!was_freed(m) && holds(m, 30), "stack map did not survive while its frame lives");
    return m;
}

/* A stack map dies at its frame's pop; the collector reclaims it without a second kill. */
static void test_stack_map(void) {
    gort_gcstats s0, s1;
    gort_map *m = stack_map_user();  /* killed at pop, by the frame */
    gort__gc_stats(&s0);
    collect();
    gort__gc_stats(&s1);
    CHECK(died(m), "stack map's memory not reclaimed by the cycle after its frame popped");
    CHECK(s1.freed_maps == s0.freed_maps, "a stack map killed by its frame was killed again by gc");
}

/* A map referenced only by a pending `defer delete(m, 7)`. */
static gort_map *deferred;
/* Defers delete(m, 7) on a map nothing else holds, and collects twice meanwhile. */
static void defer_delete_user(void) {
    GORT_FUNC(fr);
    gort_map *m = filled(10);
    gort_defer_delete_fast64(&fr, m, 7);
    deferred = m;               /* not a root: only watched */
    m = NULL;
    collect();
    collect();
    CHECK(!was_freed(deferred) && holds(deferred, 10),
          "map held only by a pending deferred delete was freed before the defer ran");
}

/* The pending deferred delete kept its map; once it ran, the map dies. */
static void test_defer_delete(void) {
    defer_delete_user();        /* the deferred delete runs at return */
    bool ok;
    gort_mapaccess2_fast64(deferred, 7, &ok);
    CHECK(gort_maplen(deferred) == 9 && !ok, "deferred delete did not delete key 7");
    collect();
    CHECK(died(deferred), "map not freed by the cycle after its deferred delete ran");
}

/* A map referenced only by a pending deferred closure's environment. */
typedef struct mapenv {
    gort_map *m;
} mapenv;
static mapenv *deferred_env;
static void delete_3(void *e) { gort_mapdelete_fast64(((mapenv *)e)->m, 3); }

/* Defers a closure whose environment alone holds a map, and collects twice. */
static void defer_closure_user(void) {
    GORT_FUNC(fr);
    mapenv *env = gort_closure_new(sizeof *env, 1);
    gort_defer_call(&fr, "delete_3", delete_3, env);
    gort_store((void **)&env->m, filled(10));
    deferred_env = env;
    deferred = env->m;
    env = NULL;
    collect();
    collect();
    CHECK(!was_freed(deferred_env) && !was_freed(deferred) && holds(deferred, 10),
          "map held only by a pending deferred closure was freed before the defer ran");
}

/* The pending closure kept environment and map; once it ran, both die. */
static void test_defer_closure(void) {
    defer_closure_user();
    CHECK(gort_maplen(deferred) == 9, "deferred closure did not delete key 3");
    collect();
    CHECK(died(deferred) && was_freed(deferred_env),
          "closure environment and map not freed after the deferred call ran");
}

/* A goroutine whose arg holds a map: it waits for main's two cycles, then checks the map. */
static gort_waitgroup go_start, go_done;
static int go_saw;
/* The goroutine: waits for main's cycles, then checks the map its arg holds. */
static void go_body(void *arg) {
    gort_wg_wait(&go_start);
    go_saw = holds(((mapenv *)arg)->m, 40);
    gort_wg_done(&go_done);
}

/* A goroutine's arg stays alive while it runs and dies after it ended. */
static void test_goroutine_arg(void) {
    mapenv *env = gort_closure_new(sizeof *env, 1);
    g_map = filled(40);         /* rooted while being stored */
    gort_store((void **)&env->m, g_map);
    gort_map *m = g_map;
    g_map = NULL;
    gort_wg_add(&go_start, 1);
    gort_wg_add(&go_done, 1);
    gort_go("go_body", go_body, env);
    collect();
    collect();
    CHECK(!was_freed(env) && !was_freed(m), "goroutine arg freed while the goroutine runs");
    gort_wg_done(&go_start);
    gort_wg_wait(&go_done);
    CHECK(go_saw, "goroutine saw a damaged map");
    /* The goroutine ends just after wg_done: its arg is a root until it has left allg. */
    for (int i = 0; i < 1000 && !died(m); i++) collect();
    CHECK(died(m) && was_freed(env), "arg of an ended goroutine not freed");
}

/* Maps inside a map (map[string]*hmap): the element's pointer word keeps the inner map. */
static void test_map_in_map(void) {
    g_map = gort_makemap(&gort_type_string_map, 0);
    gort_map *inner = filled(20);
    gort_store(gort_mapassign_faststr(g_map, gort_str("in")), inner);
    collect();
    CHECK(!was_freed(inner) && holds(inner, 20), "map inside a reachable map was freed");
    gort_mapdelete_faststr(g_map, gort_str("in"));
    collect();
    CHECK(died(inner) && !was_freed(g_map), "map deleted from its outer map not freed");
    g_map = NULL;
}

/* Runs each root kind with the quarantine on; exit 0 when all pass. */
int main(void) {
    setenv("GORT_DEBUG", "uaf", 1);  /* read at the first allocation: quarantine on */
    unsetenv("GORT_UNSAFE");
    gort_register_global(&g_map);
    gort__gc_hooks.freed = on_freed;
    test_global();
    test_unreachable();
    test_frame_slot();
    test_stack_map();
    test_defer_delete();
    test_defer_closure();
    test_goroutine_arg();
    test_map_in_map();
    if (check_failures) return 1;
    printf("gc_roots: all passed\n");
    return 0;
}
