/* Oracle twin of tests/go/defer/goexit.go: Goexit runs every deferred call of the goroutine,
 * recover returns nil in them, and a panic recovered during Goexit returns to Goexit. */
#include "defer_util.h"

static gort_waitgroup wg;

static void recover_during_goexit(void *e) {
    (void)e;
    printf("recover during Goexit: %s\n", or_nil(gort_recover()));
}
static void recover_in_goexit_defer(void *e) {
    (void)e;
    printf("recovered in Goexit's defer: %s\n", or_nil(gort_recover()));
}
static void panic_during_goexit(void *e) {
    (void)e;
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_in_goexit_defer, NULL);
    gort_panic("panic during Goexit");
}

static void inner(void) {
    GORT_FUNC(fr);
    defer_println(&fr, "inner defer");
    GORT_DEFER(fr, panic_during_goexit, NULL);
    gort_goexit();
}

static void work(void *e) {
    (void)e;
    GORT_FUNC(fr);
    defer_wg_done(&fr, &wg);
    defer_println(&fr, "work defer 1");
    GORT_DEFER(fr, recover_during_goexit, NULL);
    inner();
    printf("not reached\n");
}

int main(void) {
    gort_wg_add(&wg, 1);
    GORT_GO(work, NULL);
    gort_wg_wait(&wg);
    printf("main done\n");
    return 0;
}
