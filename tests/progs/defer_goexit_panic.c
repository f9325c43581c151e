/* Oracle twin of tests/go/defer/goexit_panic.go: a deferred call run by Goexit panics and
 * nobody recovers: the program dies with that panic, status 2. */
#include "defer_util.h"

static void panic_in_goexit(void *e) {
    (void)e;
    gort_panic("panic during Goexit");
}

static gort_waitgroup wg;

static void work(void *e) {
    (void)e;
    GORT_FUNC(fr);
    defer_println(&fr, "older defer runs");
    GORT_DEFER(fr, panic_in_goexit, NULL);
    gort_goexit();
}

int main(void) {
    gort_wg_add(&wg, 1);
    GORT_GO(work, NULL);
    gort_wg_wait(&wg);
    return 0;
}
