/* Oracle twin of tests/go/defer/panic_unrecovered.go: defers of every frame run, then
 * "panic: boom", a goroutine trace, exit status 2. */
#include "defer_util.h"

static void f(void) {
    GORT_FUNC(fr);
    defer_println(&fr, "f's defer");
    gort_panic("boom");
}

int main(void) {
    GORT_FUNC_R(fr, 0);
    defer_println(&fr, "main's defer");
    f();
    return 0;
}
