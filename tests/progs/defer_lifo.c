/* Oracle twin of tests/go/defer/lifo.go: deferred calls run LIFO, after the body. */
#include "defer_util.h"

static void inner(void) {
    GORT_FUNC(fr);
    defer_println(&fr, "inner defer 1");
    defer_println(&fr, "inner defer 2");
    printf("inner body\n");
}

static void outer(void) {
    GORT_FUNC(fr);
    defer_println(&fr, "outer defer 1");
    inner();
    defer_println(&fr, "outer defer 2");
    defer_println(&fr, "outer defer 3");
    printf("outer body\n");
}

int main(void) {
    outer();
    printf("after outer\n");
    return 0;
}
