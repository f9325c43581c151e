/* Oracle twin of tests/go/defer/recover.go: recover stops a panic only when called directly by
 * a deferred call run by that panic; the deferring function then returns normally. */
#include "defer_util.h"

/* A helper the deferred function calls: recover here is not "called directly". Not inlined,
 * as Go never inlines a function that calls recover. */
__attribute__((noinline)) static void helper(void) {
    printf("helper recover: %s\n", or_nil(gort_recover()));
}

static void nested_inner(void *e) {
    (void)e;
    printf("nested recover: %s\n", or_nil(gort_recover()));
}

static void nested_outer(void *e) {
    (void)e;
    GORT_FUNC(fr);
    GORT_DEFER(fr, nested_inner, NULL); /* run by deferreturn, not by the panic */
}

/* The deferred function calls the helper. C would make that a tail call (the helper would
 * then replace the deferred function, which Go never does), hence the attribute. */
__attribute__((optimize("no-optimize-sibling-calls"))) static void call_helper(void *e) {
    (void)e;
    helper();
}

static void nested(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, nested_outer, NULL);
    GORT_DEFER(fr, call_helper, NULL);
    gort_panic("x");
}

static void g_recover(void *e) {
    (void)e;
    printf("g recovered: %s\n", or_nil(gort_recover()));
}

static void g(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, g_recover, NULL);
    defer_println(&fr, "g defer runs first");
    nested();
    printf("not reached\n");
}

static void no_panic_recover(void *e) {
    (void)e;
    printf("no panic, recover: %s\n", or_nil(gort_recover()));
}

static void no_panic(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, no_panic_recover, NULL);
}

int main(void) {
    printf("recover outside panic: %s\n", or_nil(gort_recover()));
    g();
    printf("g returned normally\n");
    no_panic();
    return 0;
}
