/* Oracle twin of tests/go/defer/closure.go: a deferred closure sees later writes to the
 * variables it captured (they live in its environment); an argument is copied at once. */
#include "defer_util.h"

struct f_env {
    long x; /* the captured variable x lives in the closure's environment */
};

static void show_x(void *e) {
    struct f_env *env = e;
    printf("closure sees x = %ld\n", env->x);
}

static void f(void) {
    GORT_FUNC(fr);
    struct f_env *env = gort_closure_new(sizeof *env, 0);
    GORT_ROOT(fr, &env);
    env->x = 1;
    GORT_DEFER(fr, show_x, env);
    defer_println_num(&fr, "argument v =", env->x);
    env->x = 42;
    printf("body set x = %ld\n", env->x);
}

int main(void) {
    f();
    return 0;
}
