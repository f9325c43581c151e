/* Oracle twin of tests/go/defer/panic_goexit.go: a deferred call run by a panic calls Goexit:
 * the older deferred calls still run, the panic is forgotten, the goroutine ends. */
#include "defer_util.h"

static gort_waitgroup wg;

static void goexit_now(void *e) {
    (void)e;
    gort_goexit();
}

static void work(void *e) {
    (void)e;
    GORT_FUNC(fr);
    defer_wg_done(&fr, &wg);
    defer_println(&fr, "older defer runs");
    GORT_DEFER(fr, goexit_now, NULL);
    gort_panic("never reported");
}

int main(void) {
    gort_wg_add(&wg, 1);
    GORT_GO(work, NULL);
    gort_wg_wait(&wg);
    printf("main done\n");
    return 0;
}
