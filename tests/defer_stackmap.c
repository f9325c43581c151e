/*
 * defer_stackmap.c — stack maps (gort_makemap_stack) die when their frame is popped, which is
 * after the frame's deferred calls ran, never before: on return (deferreturn), through a
 * recovered panic (the frames below the recovering one are popped after the panic ran their
 * deferred calls) and through Goexit (every frame popped after every deferred call ran).
 * Also: a deferred delete works on the stack map (Go's order), and the frame is a root of
 * the collector for its stack maps and slots while it lives (a forced collection in between
 * does not kill them).
 */
#include "internal.h"
#include "defer_util.h"

#include <string.h>
#include <unistd.h>

#include "check.h"

/* map.c: whether the map was killed (collected or its frame popped). */
int gort__map_dead(gort_map *h);

/* What a deferred call saw of a stack map when it ran. */
struct seen {
    gort_map *m;
    int ran;
    int alive;      /* the map was not dead yet */
    int64_t len;    /* len(m) then */
};

static void look(void *e) {
    struct seen *s = env_get(e);
    s->ran++;
    s->alive = !gort__map_dead(s->m);
    if (s->alive) s->len = gort_maplen(s->m);
}

static struct seen on_return;

/* defer look(); defer delete(m, "a"); return: the delete runs first, then look, then m dies. */
static gort_map *returns(void) {
    GORT_FUNC_R(fr, NULL);
    gort_map *m = gort_makemap_stack(&fr, &gort_type_string_int64, 0);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("b")) = 2;
    on_return.m = m;
    GORT_DEFER(fr, look, env_ptr(&on_return));
    gort_defer_delete_faststr(&fr, m, gort_str("a"));
    gort_gc(); /* the frame roots its stack map: a collection does not kill it */
    CHECK(!gort__map_dead(m) && gort_maplen(m) == 2);
    return m;
}

static void test_return(void) {
    gort_map *m = returns();
    CHECK(on_return.ran == 1);
    CHECK(on_return.alive);
    CHECK(on_return.len == 1); /* the deferred delete ran on the live map before look */
    CHECK(gort__map_dead(m));  /* and the map died when the frame was popped, after both */
}

/* Through a panic: the deepest frame's map is seen alive by its deferred call, which runs
 * during the panic; the recovering frame's caller then finds it dead. */
static struct seen in_panic;
static gort_map *panic_map;

static void panics_with_stack_map(void) {
    GORT_FUNC(fr);
    panic_map = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    *(int64_t *)gort_mapassign_fast64(panic_map, 7) = 7;
    in_panic.m = panic_map;
    GORT_DEFER(fr, look, env_ptr(&in_panic));
    gort_panic("unwind");
}

static void recover_call(void *e) {
    (void)e;
    gort_recover();
}

static void recovers(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_call, NULL);
    panics_with_stack_map();
}

static void test_panic(void) {
    recovers();
    CHECK(in_panic.ran == 1 && in_panic.alive && in_panic.len == 1);
    CHECK(gort__map_dead(panic_map));
}

/* Through Goexit in a goroutine. */
static struct seen in_goexit;
static gort_map *goexit_map;
static gort_waitgroup goexit_done;

static void goexit_inner(void) {
    GORT_FUNC(fr);
    goexit_map = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    in_goexit.m = goexit_map;
    GORT_DEFER(fr, look, env_ptr(&in_goexit));
    gort_goexit();
}


static void goexit_body(void *e) {
    (void)e;
    GORT_FUNC(fr);
    defer_wg_done(&fr, &goexit_done);
    goexit_inner();
}

static void test_goexit(void) {
    gort_wg_add(&goexit_done, 1);
    GORT_GO(goexit_body, NULL);
    gort_wg_wait(&goexit_done);
    CHECK(in_goexit.ran == 1 && in_goexit.alive && in_goexit.len == 0);
    /* The goroutine pops its frames right after its last deferred call (wg.Done) returned. */
    for (int i = 0; i < 5000 && !gort__map_dead(goexit_map); i++) usleep(1000);
    CHECK(gort__map_dead(goexit_map));
}

int main(void) {
    test_return();
    test_panic();
    test_goexit();
    if (check_failures) return 1;
    printf("defer_stackmap: all checks passed\n");
    return 0;
}
