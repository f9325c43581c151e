/* Oracle twin of tests/go/defer/panic_goroutine.go: an unrecovered panic in a goroutine ends
 * the program with status 2 while main waits. */
#include "defer_util.h"

static gort_waitgroup wg; /* never Done: main stays blocked until the panic ends the program */

static void crash(void *e) {
    (void)e;
    GORT_FUNC(fr);
    defer_println(&fr, "goroutine defer");
    gort_panic("in goroutine");
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    gort_wg_add(&wg, 1);
    GORT_GO(crash, NULL);
    gort_wg_wait(&wg);
    printf("not reached\n");
    return 0;
}
