/* Oracle twin of tests/go/defer/repanic_other.go: recover one panic, raise another. */
#include "defer_util.h"

static void recover_then_panic(void *e) {
    (void)e;
    printf("recovered: %s\n", or_nil(gort_recover()));
    gort_panic("second");
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    GORT_DEFER(fr, recover_then_panic, NULL);
    gort_panic("first");
    return 0;
}
