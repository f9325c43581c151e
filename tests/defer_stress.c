/*
 * defer_stress.c — defers, panics and stack maps under collections. Four goroutines run many
 * calls of a function that owns a stack map and roots a heap map, defers deletes on both and
 * a closure that checks them, and every third time panics two frames down and recovers;
 * meanwhile another goroutine forces collections back to back. Afterwards (and after every
 * call) the heap maps hold exactly the keys the deferred deletes left, the stack maps are
 * dead, and nothing was reported freed while in use (a use-after-free would end the program
 * with "fatal error: use of freed map").
 */
#include "internal.h"
#include "defer_util.h"

#include <stdatomic.h>

#include "check.h"

int gort__map_dead(gort_map *h); /* map.c */

#define WORKERS 4
#define CALLS 3000

/* The deferred closure's environment: the two maps (pointer words 0 and 1) and what it saw. */
struct check_env {
    gort_map *heap_map;
    gort_map *stack_map;
    int64_t heap_len, stack_len;
    int stack_alive;
};

/* Runs after both deferred deletes (registered later, run earlier). */
static void check_maps(void *e) {
    struct check_env *env = e;
    env->heap_len = gort_maplen(env->heap_map);
    env->stack_alive = !gort__map_dead(env->stack_map);
    env->stack_len = env->stack_alive ? gort_maplen(env->stack_map) : -1;
}

static void recover_call(void *e) {
    (void)e;
    gort_recover();
}

static void deep_panic(int depth) {
    GORT_FUNC(fr);
    gort_map *scratch = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    *(int64_t *)gort_mapassign_fast64(scratch, (uint64_t)depth) = depth;
    if (depth == 0) gort_panic("deep");
    if (depth > 0) deep_panic(depth - 1);
}

/* One call: returns the heap map and leaves its stack map dead; *env_out (a rooted slot of
 * the caller) gets the closure's environment, which references both maps. */
static gort_map *one_call(int i, struct check_env **env_out) {
    GORT_FUNC_R(fr, NULL);
    gort_map *hm = NULL;
    struct check_env *env = NULL;
    GORT_ROOT(fr, &hm); /* rooted before they hold anything: allocations are safe points */
    GORT_ROOT(fr, &env);
    hm = gort_makemap(&gort_type_int64_int64, 0);
    env = gort_closure_new(sizeof *env, 3);
    gort_map *sm = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    for (int64_t k = 0; k < 20; k++) {
        *(int64_t *)gort_mapassign_fast64(hm, (uint64_t)k) = k;
        *(int64_t *)gort_mapassign_fast64(sm, (uint64_t)k) = k;
    }
    gort_store((void **)&env->heap_map, hm);
    gort_store((void **)&env->stack_map, sm);
    *env_out = env;
    if (i % 3 == 0) GORT_DEFER(fr, recover_call, NULL);
    GORT_DEFER(fr, check_maps, env);
    gort_defer_delete_fast64(&fr, hm, 7);
    gort_defer_delete_fast64(&fr, sm, 7);
    if (i % 3 == 0) deep_panic(2);
    return hm;
}

struct worker_env {
    gort_map *kept; /* word 0: the last heap map, a root through the goroutine's arg */
};

static gort_waitgroup workers_done;
static _Atomic int stop_gc;

static void worker(void *e) {
    struct worker_env *w = e;
    GORT_FUNC(fr);
    struct check_env *env = NULL;
    GORT_ROOT(fr, &env);
    for (int i = 0; i < CALLS; i++) {
        gort_map *hm = one_call(i, &env);
        if (i % 3 == 0) {
            CHECK(hm == NULL);          /* recovered: the function returned its zero */
            hm = env->heap_map;
        }
        gort_store((void **)&w->kept, hm);
        CHECK(env->stack_alive);        /* the closure ran before the frame was popped */
        CHECK(env->heap_len == 19 && env->stack_len == 19);
        CHECK(gort__map_dead(env->stack_map)); /* and the pop killed the stack map (the
                                                   environment keeps its header reachable) */
        CHECK(!gort__map_dead(w->kept) && gort_maplen(w->kept) == 19);
    }
    gort_wg_done(&workers_done);
}

static gort_waitgroup collector_done;

static void collector(void *e) {
    (void)e;
    int cycles = 0;
    while (!atomic_load(&stop_gc)) {
        gort_gc();
        cycles++;
    }
    printf("collector: %d forced cycles\n", cycles);
    gort_wg_done(&collector_done);
}

int main(void) {
    gort_wg_add(&workers_done, WORKERS);
    gort_wg_add(&collector_done, 1);
    GORT_GO(collector, NULL);
    for (int i = 0; i < WORKERS; i++) {
        struct worker_env *w = gort_closure_new(sizeof *w, 1);
        GORT_GO(worker, w);
    }
    gort_wg_wait(&workers_done);
    atomic_store(&stop_gc, 1);
    gort_wg_wait(&collector_done);
    if (check_failures) return 1;
    printf("defer_stress: %d goroutines x %d calls, all checks passed\n", WORKERS, CALLS);
    return 0;
}
