/* Oracle twin of tests/go/defer/deadlock.go: main waits on a WaitGroup nobody will finish;
 * every goroutine is asleep, the program dies as Go's checkdead, no deferred call runs. */
#include "defer_util.h"

static gort_waitgroup wg;

static void one(void *e) {
    (void)e;
    printf("one goroutine done\n");
    fflush(stdout);
    gort_wg_done(&wg);
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    defer_println(&fr, "not printed: fatal errors run no deferred calls");
    gort_wg_add(&wg, 2);
    GORT_GO(one, NULL);
    gort_wg_wait(&wg);
    return 0;
}
