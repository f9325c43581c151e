/* Oracle twin of tests/go/defer/goexit_main.go: Goexit in main runs main's defers, waits for
 * the other goroutines, then dies with Go's deadlock error. */
#include "defer_util.h"

static gort_waitgroup wg;

static void other(void *e) {
    (void)e;
    printf("other goroutine runs\n");
    fflush(stdout);
    gort_wg_done(&wg);
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    gort_wg_add(&wg, 1);
    GORT_GO(other, NULL);
    gort_wg_wait(&wg);
    defer_println(&fr, "main defer");
    gort_goexit();
    return 0;
}
