/* Oracle twin of tests/go/defer/loopvar.go: Go 1.19's for loop has one variable for all
 * iterations, so the closures deferred in it share one environment and see its last value;
 * `i := i` makes a fresh environment per iteration. */
#include "defer_util.h"

struct i_env {
    long i;
};

static void print_shared(void *e) { printf("shared i = %ld\n", ((struct i_env *)e)->i); }
static void print_copied(void *e) { printf("copied i = %ld\n", ((struct i_env *)e)->i); }

static void shared(void) {
    GORT_FUNC(fr);
    struct i_env *loop = NULL; /* the loop variable i, captured by every closure */
    GORT_ROOT(fr, &loop);
    loop = gort_closure_new(sizeof *loop, 0);
    for (loop->i = 0; loop->i < 3; loop->i++) GORT_DEFER(fr, print_shared, loop);
}

static void copied(void) {
    GORT_FUNC(fr);
    for (long i = 0; i < 3; i++) {
        struct i_env *copy = gort_closure_new(sizeof *copy, 0); /* i := i */
        copy->i = i;
        GORT_DEFER(fr, print_copied, copy);
    }
}

int main(void) {
    shared();
    copied();
    return 0;
}
