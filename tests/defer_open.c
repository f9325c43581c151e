/*
 * defer_open.c — open-coded defers and recovery points (gort.h, defer.c, panic.c) where they
 * meet panics, Goexit, the collector and the caller's registers:
 *   - a panic inside an open-coded call, recovered by a deeper function, comes back to the
 *     leave, which finishes normally; one recovered further out does not run the call again;
 *   - Goexit inside an open-coded call runs the goroutine's other deferred calls, not it again;
 *   - the environment of an open-coded defer is a root while armed and while its call runs;
 *   - GORT_RETURN then the cleanup run an open-coded defer once;
 *   - a recovered panic returns from a void function (its recovery point is its registers and
 *     label) to a caller whose live values in callee-saved registers are intact, and from a
 *     function with a result (setjmp) with that result;
 *   - the first defer a record, a call after it: both run, last first.
 */
#include "check.h"
#include "defer_util.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

static char trail[256]; /* what ran, in order */
static void mark(const char *s) { strncat(trail, s, sizeof trail - strlen(trail) - 1); }

/* ---- a panic inside an open-coded call ---------------------------------------------------- */

static void recover_mark(void *e) {
    (void)e;
    if (gort_recover()) mark("R");
}
/* A function that panics and recovers its own panic: returns normally. */
static void panics_and_recovers(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_mark, NULL);
    gort_panic("inner");
}
/* The open-coded call: marks, then runs a function that panics and recovers inside it. */
static void open_call_with_inner_panic(void *e) {
    (void)e;
    mark("o");
    panics_and_recovers();
    mark("O");
}
static void f_inner_recovery(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, open_call_with_inner_panic, NULL);
    mark("f");
}

/* The open-coded call panics; an outer function's deferred call recovers. */
static int outer_calls;
static void open_call_panics(void *e) {
    (void)e;
    outer_calls++;
    mark("p");
    gort_panic("from the open-coded call");
}
static void f_panicking_defer(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, open_call_panics, NULL);
}
static void g_recovers_outer(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_mark, NULL);
    f_panicking_defer();
    mark("X"); /* not reached: the panic passes here */
}

static void test_panics_in_open_calls(void) {
    trail[0] = 0;
    f_inner_recovery();
    CHECK(strcmp(trail, "foRO") == 0, "inner recovery: %s", trail);
    CHECK(gort__curg->frame == NULL && gort__curg->defers == NULL);
    trail[0] = 0;
    g_recovers_outer();
    CHECK(strcmp(trail, "pR") == 0 && outer_calls == 1, "outer recovery: %s, %d calls", trail, outer_calls);
    CHECK(gort__curg->frame == NULL && gort__curg->defers == NULL && gort__curg->panic == NULL);
}

/* ---- Goexit inside an open-coded call ----------------------------------------------------- */

static int gx_open_runs, gx_record_runs, gx_after;
static gort_waitgroup gx_wg;
static void gx_record(void *e) {
    (void)e;
    gx_record_runs++;
}
static void gx_open(void *e) {
    (void)e;
    gx_open_runs++;
    gort_goexit();
}
static void gx_inner(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, gx_open, NULL);
}
static void gx_body(void *arg) {
    (void)arg;
    GORT_FUNC(fr);
    defer_wg_done(&fr, &gx_wg);          /* a record (the first defer is wg.Done: open) */
    GORT_DEFER(fr, gx_record, NULL);     /* a record */
    gx_inner();
    gx_after++;
}

static void test_goexit_in_open_call(void) {
    gort_wg_add(&gx_wg, 1);
    gort_go("gx_body", gx_body, NULL);
    gort_wg_wait(&gx_wg);
    CHECK(gx_open_runs == 1 && gx_record_runs == 1 && gx_after == 0, "goexit: open %d, record %d, after %d",
          gx_open_runs, gx_record_runs, gx_after);
}

/* ---- the environment of an open-coded defer is a root --------------------------------------- */

static void *seen_env;
static int env_alive_in_call;
static void env_check(void *e) {
    gort_gc();                           /* a collection while the call runs */
    env_alive_in_call = e == seen_env && !gort__gc_is_dead(e) && *(long *)e == 42;
}
static void env_holder(void) {
    GORT_FUNC(fr);
    void *env = gort_closure_new(sizeof(long), 0);
    *(long *)env = 42;
    seen_env = env;
    GORT_DEFER(fr, env_check, env);      /* only the open-coded defer holds env */
    env = NULL;
    gort_gc();                           /* a collection while it is armed */
    CHECK(!gort__gc_is_dead(seen_env) && *(long *)seen_env == 42);
}

static void test_open_env_root(void) {
    env_holder();
    CHECK(env_alive_in_call, "env alive while the open-coded call runs");
}

/* ---- GORT_RETURN with an open-coded defer -------------------------------------------------- */

static int returned_runs;
static void count_run(void *e) {
    (void)e;
    returned_runs++;
}
static int returns_via_macro(void) {
    GORT_FUNC_R(fr, -1);
    GORT_DEFER(fr, count_run, NULL);
    GORT_RETURN(fr, returned_runs);      /* the defer ran first: 1 */
}

/* ---- recovery into a void function keeps the caller's registers ---------------------------- */

static volatile long noise = 1;
/* Recovers, from a void function whose first defer is the recovering call. */
static void void_recovers(long depth) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_mark, NULL);
    if (depth > 0) void_recovers(depth - 1); /* frames the recovery pops */
    else gort_panic("deep");
}
/* Keeps many values live across the call (callee-saved registers at -O2) and sums them. */
__attribute__((noinline)) static long caller_with_live_values(long a) {
    long b = a * 3 + noise, c = b ^ 0x55, d = c + a * 7, e = d * 5 - b, g = e + c * 11;
    long h = g ^ (a << 3), i = h + d * 13;
    void_recovers(3);
    return a + b + c + d + e + g + h + i + noise;
}
/* The same sum, with no panic in between. */
__attribute__((noinline)) static long expected_sum(long a) {
    long b = a * 3 + noise, c = b ^ 0x55, d = c + a * 7, e = d * 5 - b, g = e + c * 11;
    long h = g ^ (a << 3), i = h + d * 13;
    return a + b + c + d + e + g + h + i + noise;
}

/* A function with a result recovers: returns GORT_FUNC_R's result. */
static long r_recovers(void) {
    GORT_FUNC_R(fr, 77);
    GORT_DEFER(fr, recover_mark, NULL);
    gort_panic("r");
    return 1;
}

static void test_recovery_returns(void) {
    trail[0] = 0;
    for (long a = 1; a < 50; a++)
        CHECK(caller_with_live_values(a) == expected_sum(a), "caller's values after recovery, a=%ld", a);
    CHECK(strlen(trail) == 49, "49 recoveries: %zu", strlen(trail));
    CHECK(r_recovers() == 77);
    CHECK(gort__curg->frame == NULL && gort__curg->defers == NULL && gort__curg->panic == NULL);
}

/* ---- a record first, then a call --------------------------------------------------------- */

static gort_map *m;
static void after_delete(void *e) {
    (void)e;
    mark(gort_maplen(m) == 1 ? "c1" : "c?"); /* runs first: the delete has not run yet */
}
static void record_then_call(void) {
    GORT_FUNC(fr);
    gort_defer_delete_fast64(&fr, m, 1); /* the frame's first defer: a record */
    GORT_DEFER(fr, after_delete, NULL);   /* a record too (not the first) */
}

static void test_record_then_call(void) {
    gort_register_global(&m);
    m = gort_makemap(&gort_type_int64_int64, 0);
    gort_mapassign_fast64(m, 1);
    trail[0] = 0;
    record_then_call();
    CHECK(strcmp(trail, "c1") == 0 && gort_maplen(m) == 0, "%s, len %lld", trail, (long long)gort_maplen(m));
}

int main(void) {
    test_panics_in_open_calls();
    test_goexit_in_open_call();
    test_open_env_root();
    CHECK(returns_via_macro() == 1 && returned_runs == 1, "GORT_RETURN: %d runs", returned_runs);
    test_recovery_returns();
    test_record_then_call();
    if (check_failures) return 1;
    printf("defer_open: ok\n");
    return 0;
}
