/* Oracle twin of tests/go/defer/goexit_recover.go: a panic raised during Goexit and recovered
 * by an older deferred call returns to Goexit's loop. */
#include "defer_util.h"

static gort_waitgroup wg;

static void print_recovered(void *e) {
    (void)e;
    printf("recovered: %s\n", or_nil(gort_recover()));
}
static void panic_in_goexit(void *e) {
    (void)e;
    gort_panic("during goexit");
}

static void work(void *e) {
    (void)e;
    GORT_FUNC(fr);
    defer_wg_done(&fr, &wg);
    defer_println(&fr, "last defer");
    GORT_DEFER(fr, print_recovered, NULL);
    GORT_DEFER(fr, panic_in_goexit, NULL);
    gort_goexit();
}

int main(void) {
    gort_wg_add(&wg, 1);
    GORT_GO(work, NULL);
    gort_wg_wait(&wg);
    printf("main done\n");
    return 0;
}
