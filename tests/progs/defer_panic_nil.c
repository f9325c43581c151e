/* Oracle twin of tests/go/defer/panic_nil.go: panic(nil) is recovered but recover returns
 * nil (Go 1.19); unrecovered it prints "panic: nil". */
#include "defer_util.h"

static void print_recovered(void *e) {
    (void)e;
    printf("recover returned: %s\n", or_nil(gort_recover()));
}

static void f(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, print_recovered, NULL);
    gort_panic(NULL);
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    f();
    printf("f returned normally\n");
    defer_println(&fr, "main's defer runs");
    gort_panic(NULL);
    return 0;
}
