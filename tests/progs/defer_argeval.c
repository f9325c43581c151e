/* Oracle twin of tests/go/defer/argeval.go: deferred call arguments are evaluated at the defer
 * statement. Prints the same lines as the Go program. */
#include "defer_util.h"

static void f(void) {
    GORT_FUNC(fr);
    long x = 1;
    defer_println_num(&fr, "deferred x =", x); /* x copied now: prints 1 */
    x = 2;
    defer_println_num(&fr, "deferred x =", x); /* prints 2 */
    x = 3;
    printf("body x = %ld\n", x);
}

int main(void) {
    f();
    printf("main done\n");
    return 0;
}
