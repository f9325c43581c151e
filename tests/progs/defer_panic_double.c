/* Oracle twin of tests/go/defer/panic_double.go: a deferred call panics during a panic. */
#include "defer_util.h"

static void panic_second(void *e) {
    (void)e;
    gort_panic("second");
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    defer_println(&fr, "oldest defer still runs");
    GORT_DEFER(fr, panic_second, NULL);
    gort_panic("first");
    return 0;
}
