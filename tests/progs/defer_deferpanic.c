/* Oracle twin of tests/go/defer/deferpanic.go: a panic inside a deferred call replaces the
 * earlier one; recover gets the latest. */
#include "defer_util.h"

static void print_recovered(void *e) { printf("%s %s\n", (const char *)env_get(e), or_nil(gort_recover())); }
static void still_runs(void *e) {
    (void)e;
    printf("second defer still runs\n");
}
static void panic_second(void *e) {
    (void)e;
    gort_panic("second");
}

static void f(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, print_recovered, env_ptr("recovered:"));
    GORT_DEFER(fr, still_runs, NULL);
    GORT_DEFER(fr, panic_second, NULL);
    gort_panic("first");
}

static void inner_panics(void *e) {
    (void)e;
    GORT_FUNC(fr);
    GORT_DEFER(fr, print_recovered, env_ptr("inner recovered:"));
    gort_panic("inside deferred call");
}

static void g(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, print_recovered, env_ptr("g recovered:"));
    GORT_DEFER(fr, inner_panics, NULL);
    gort_panic("outer");
}

int main(void) {
    f();
    printf("after f\n");
    g();
    printf("after g\n");
    return 0;
}
