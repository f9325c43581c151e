/* Oracle twin of tests/go/defer/loop.go: every iteration's defer statement pushes a record. */
#include "defer_util.h"

struct loop_env {
    long i; /* the per-iteration copy `i := i` captured by the closure */
};

static void show_i(void *e) {
    struct loop_env *env = e;
    printf("loop closure %ld\n", env->i);
}

static void f(void) {
    GORT_FUNC(fr);
    for (long i = 0; i < 4; i++) defer_println_num(&fr, "loop defer", i);
    for (long i = 0; i < 3; i++) {
        struct loop_env *env = gort_closure_new(sizeof *env, 0);
        env->i = i;
        GORT_DEFER(fr, show_i, env);
    }
    printf("loops done\n");
}

int main(void) {
    f();
    printf("main done\n");
    return 0;
}
