/* Oracle twin of tests/go/defer/repanic.go: recover, then panic again with the same value. */
#include "defer_util.h"

static void recover_and_repanic(void *e) {
    (void)e;
    const char *r = gort_recover();
    printf("recovered %s and panicking again\n", or_nil(r));
    gort_panic(r);
}

static void f(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_and_repanic, NULL);
    gort_panic("boom");
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    defer_println(&fr, "main's defer runs during the second panic");
    f();
    return 0;
}
