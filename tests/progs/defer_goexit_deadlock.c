/* Oracle twin of tests/go/defer/goexit_deadlock.go: main calls Goexit while another goroutine
 * waits forever on a WaitGroup: every goroutine left is asleep. */
#include "defer_util.h"

static gort_waitgroup started, never;

static void waiter(void *e) {
    (void)e;
    gort_wg_done(&started);
    gort_wg_wait(&never);
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    gort_wg_add(&started, 1);
    gort_wg_add(&never, 1);
    GORT_GO(waiter, NULL);
    gort_wg_wait(&started);
    defer_println(&fr, "main's defer runs");
    gort_goexit();
    return 0;
}
