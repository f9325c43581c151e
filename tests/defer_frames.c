/*
 * defer_frames.c — what the runtime's records look like from inside (internal.h), as the
 * collector and the probes read them: the frame chain and its roots, pending defer records and
 * their environments, g->running_defer during a deferred call, the state after a recovered
 * panic (frames below the recovering one popped, chains restored), goroutine ids and allg,
 * Goexit ending a goroutine, recover's rules, WaitGroup misuse.
 */
#include "internal.h"
#include "defer_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* ---- frames and roots -------------------------------------------------------------------- */

static gort_frame *seen_outer;

static void frames_inner(void) {
    GORT_FUNC(fr);
    gort_g *g = gort__curg;
    CHECK(g->frame == &fr);
    CHECK(fr.parent == seen_outer);
    CHECK(strcmp(fr.fn, "frames_inner") == 0);
}

static void test_frame_chain(void) {
    GORT_FUNC(fr);
    gort_g *g = gort__curg;
    void *env = gort_closure_new(16, 1);
    GORT_ROOT(fr, &env);
    seen_outer = &fr;
    CHECK(g->frame == &fr && fr.parent == NULL);
    CHECK(fr.nslots == 1 && fr.slots[0] == &env);
    frames_inner();
    CHECK(g->frame == &fr); /* the inner frame was popped at its return */
}

/* ---- defer records as roots, running_defer; the open-coded first defer -------------------- */

struct probe_env {
    uint64_t id_seen;       /* g->running_defer during the call */
    int head_started;       /* the record is still the chain's head, marked started */
    void *head_env;         /* and still holds the environment (a root during the call) */
    int ran;                /* the call ran */
};

static void record_state(void *e) {
    struct probe_env *env = e;
    gort_g *g = gort__curg;
    env->id_seen = g->running_defer;
    env->head_started = g->defers && g->defers->started;
    env->head_env = g->defers ? g->defers->env : NULL;
    env->ran = 1;
}

static struct probe_env *pe, *pe2, *pe3;
static uint64_t pe_id, pe2_id, pe3_id;

/* Two defers: the first open-coded (kept in the frame, no record), the second a record on
 * the chain. At the return the record runs first, then the open-coded one, made a record in
 * its place (the frame has records: the leave's slow path). */
static void defers_registered(void) {
    GORT_FUNC(fr);
    gort_g *g = gort__curg;
    pe = gort_closure_new(sizeof *pe, 0);
    pe_id = GORT_DEFER(fr, record_state, pe);
    CHECK(pe_id == 0); /* open-coded, untraced: no id */
    CHECK(g->defers == NULL && fr.ndefers == 0 && (fr.word & GORT__ODEFER_ARMED));
    CHECK(fr.odefer_fn == record_state && fr.odefer_env == pe);
    pe2 = gort_closure_new(sizeof *pe2, 0);
    pe2_id = GORT_DEFER(fr, record_state, pe2);
    CHECK(pe2_id != 0);
    CHECK(g->defers && g->defers->id == pe2_id && g->defers->frame == &fr);
    CHECK(g->defers->kind == GORT_DEFER_CALL && g->defers->env == pe2);
    CHECK(strcmp(g->defers->name, "record_state") == 0);
    CHECK(fr.ndefers == 1);
    CHECK(g->running_defer == 0);
}

/* One open-coded defer, called by the inline leave: no record ever, running_defer untouched
 * (only probes read it, and with a recorder attached every defer is a record). */
static void open_coded_only(void) {
    GORT_FUNC(fr);
    pe3 = gort_closure_new(sizeof *pe3, 0);
    pe3_id = GORT_DEFER(fr, record_state, pe3);
}

static void test_defer_records(void) {
    gort_g *g = gort__getg();
    gort_register_global(&pe); /* the test reads them after the deferred calls ran */
    gort_register_global(&pe2);
    gort_register_global(&pe3);
    defers_registered();
    CHECK(pe2->ran && pe2->id_seen == pe2_id && pe2->head_started == 1 && pe2->head_env == pe2);
    /* the open-coded one, made a record (and given an id) by the leave, after pe2's */
    CHECK(pe->ran && pe->id_seen > pe2_id && pe->head_started == 1 && pe->head_env == pe);
    CHECK(g->defers == NULL && g->running_defer == 0 && g->dcall == NULL);
    open_coded_only();
    CHECK(pe3->ran && pe3->id_seen == 0 && pe3->head_env == NULL && pe3_id == 0);
    CHECK(g->defers == NULL && g->running_defer == 0 && g->dcall == NULL && g->frame == NULL);
}

/* ---- state after a recovered panic ------------------------------------------------------- */

static void recover_it(void *e) {
    const char **out = env_get(e);
    *out = gort_recover();
}

static void panics_deep(int n) {
    GORT_FUNC(fr);
    if (n == 0) gort_panic_runtime_error("assignment to entry in nil map");
    if (n > 0) panics_deep(n - 1);
}

static const char *recovered_value;
static gort_frame *recovering_frame;

static void recovers(void) {
    GORT_FUNC(fr);
    recovering_frame = &fr;
    GORT_DEFER(fr, recover_it, env_ptr(&recovered_value));
    panics_deep(3);
    recovered_value = "not reached";
}

static void test_recovery_state(void) {
    GORT_FUNC(fr);
    gort_g *g = gort__curg;
    recovers();
    CHECK(recovered_value && strcmp(recovered_value, "assignment to entry in nil map") == 0);
    CHECK(gort_recovered_runtime_error());
    CHECK(g->frame == &fr); /* panics_deep's 4 frames and recovers' own were popped */
    CHECK(g->defers == NULL && g->panic == NULL && g->dcall == NULL && g->running_defer == 0);
}

/* recover stops a panic once: a second recover in the same call returns NULL. */
static void recover_twice(void *e) {
    const char **out = env_get(e);
    out[0] = gort_recover();
    out[1] = gort_recover();
}

static const char *twice[2];

static void panics_once(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_twice, env_ptr(twice));
    gort_panic("once");
}

static void test_recover_once(void) {
    panics_once();
    CHECK(twice[0] && strcmp(twice[0], "once") == 0);
    CHECK(twice[1] == NULL);
    CHECK(!gort_recovered_runtime_error());
}

/* `defer func() { recover() }()`: the deferred function's last act is recover, which C
 * compiles as a tail call; it still stops the panic. */
static void recover_tail(void *e) {
    (void)e;
    gort_recover();
}

static int after_tail_recover;

static void panics_tail(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_tail, NULL);
    gort_panic("tail");
}

static void test_recover_tail_call(void) {
    panics_tail();
    after_tail_recover = 1; /* reached only if the panic was recovered */
    CHECK(after_tail_recover == 1 && gort__curg->panic == NULL);
}

/* WaitGroup below zero: Go's panic, recoverable. */
static const char *wg_value;

static void wg_negative(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_it, env_ptr(&wg_value));
    gort_waitgroup wg = { 0 };
    gort_wg_done(&wg);
}

static void test_wg_negative(void) {
    wg_negative();
    CHECK(wg_value && strcmp(wg_value, "sync: negative WaitGroup counter") == 0);
}

/* ---- goroutines ---------------------------------------------------------------------------- */

static gort_waitgroup started, release, finished;
static uint64_t ids_seen[3];
static int frames_seen_empty[3];

struct go_env {
    int slot;
};

static void body(void *e) {
    struct go_env *env = e;
    gort_g *g = gort__curg;
    ids_seen[env->slot] = gort_goid();
    frames_seen_empty[env->slot] = g->frame == NULL && g->defers == NULL && g->arg == env;
    gort_wg_done(&started);
    gort_wg_wait(&release);
    gort_wg_done(&finished);
}

static int allg_count(void) {
    int n = 0;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) n++;
    pthread_mutex_unlock(&gort__sched_lock);
    return n;
}

static bool allg_has(uint64_t goid) {
    bool found = false;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) found |= g->goid == goid;
    pthread_mutex_unlock(&gort__sched_lock);
    return found;
}

/* Waits (bounded) until allg holds n goroutines: ended threads leave it just after Done. */
static bool wait_allg(int n) {
    for (int i = 0; i < 5000; i++) {
        if (allg_count() == n) return true;
        usleep(1000);
    }
    return false;
}

static void test_goroutines(void) {
    CHECK(gort_goid() == 1);
    CHECK(allg_count() == 1);
    uint64_t ids[3];
    gort_wg_add(&started, 3);
    gort_wg_add(&release, 1);
    gort_wg_add(&finished, 3);
    for (int i = 0; i < 3; i++) {
        struct go_env *env = gort_closure_new(sizeof *env, 0);
        env->slot = i;
        ids[i] = GORT_GO(body, env);
    }
    /* Go 1.19 numbers the first user goroutine 6 on one P (see gort.h section 4). */
    CHECK(ids[0] == 6 && ids[1] == 7 && ids[2] == 8);
    gort_wg_wait(&started);
    CHECK(allg_count() == 4);
    for (int i = 0; i < 3; i++) {
        CHECK(ids_seen[i] == ids[i]);
        CHECK(frames_seen_empty[i]);
        CHECK(allg_has(ids[i]));
    }
    gort_wg_done(&release);
    gort_wg_wait(&finished);
    CHECK(wait_allg(1));
}

/* Goexit from a nested call: the goroutine's defers run, its frames are popped, it ends. */
static gort_waitgroup gx_done;
static int gx_defer_ran, gx_after_goexit;

static void gx_mark(void *e) {
    (void)e;
    gx_defer_ran++;
}

static void gx_nested(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, gx_mark, NULL);
    gort_goexit();
}

static void gx_done_call(void *e) {
    (void)e;
    gort_wg_done(&gx_done);
}

static void gx_body(void *e) {
    (void)e;
    GORT_FUNC(fr);
    GORT_DEFER(fr, gx_done_call, NULL);
    GORT_DEFER(fr, gx_mark, NULL);
    gx_nested();
    gx_after_goexit = 1;
}

static void test_goexit(void) {
    gort_wg_add(&gx_done, 1);
    GORT_GO(gx_body, NULL);
    gort_wg_wait(&gx_done);
    CHECK(gx_defer_ran == 2);
    CHECK(gx_after_goexit == 0);
    CHECK(wait_allg(1));
}

/* A thread that libgort did not start gets a goroutine (the next id) when it first enters
 * the runtime, and leaves allg when the thread ends. */
static uint64_t foreign_id;

static void *foreign_thread(void *arg) {
    (void)arg;
    GORT_FUNC_R(fr, NULL);
    foreign_id = gort_goid();
    return NULL;
}

static void test_foreign_thread(void) {
    int before = allg_count();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, foreign_thread, NULL) == 0);
    pthread_join(t, NULL);
    CHECK(foreign_id == 10); /* 6, 7, 8 and 9 went to gort_go's goroutines above */
    CHECK(wait_allg(before));
}

int main(void) {
    test_frame_chain();
    test_defer_records();
    test_recovery_state();
    test_recover_once();
    test_recover_tail_call();
    test_wg_negative();
    test_goroutines();
    test_goexit();
    test_foreign_thread();
    if (check_failures) return 1;
    printf("defer_frames: all checks passed\n");
    return 0;
}
