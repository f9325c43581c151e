/* Oracle twin of tests/go/defer/named.go: deferred closures change named results, after
 * `return` set them (GORT_RETURN) and after a recovered panic (GORT_FUNC_R's result); recover
 * into an error. The named results live in an environment the closures share. */
#include "defer_util.h"

#include <string.h>

/* func double() (r int) */
struct double_res {
    long r;
};

static void double_r(void *e) { ((struct double_res *)e)->r *= 2; }

static long double_(void) {
    struct double_res *res = NULL;
    GORT_FUNC_R(fr, res->r);
    GORT_ROOT(fr, &res);
    res = gort_closure_new(sizeof *res, 0);
    GORT_DEFER(fr, double_r, res);
    res->r = 21;
    GORT_RETURN(fr, res->r);
}

/* func divide(a, b int) (q int, err error) */
struct div_res {
    long q;
    char err[96]; /* "" is a nil error */
};

static void recover_into_err(void *e) {
    struct div_res *res = e;
    const char *r = gort_recover();
    if (r) {
        snprintf(res->err, sizeof res->err, "recovered: %s", r);
        res->q = -1;
    }
}

static struct div_res divide(long a, long b) {
    struct div_res *res = NULL;
    GORT_FUNC_R(fr, *res);
    GORT_ROOT(fr, &res);
    res = gort_closure_new(sizeof *res, 0);
    GORT_DEFER(fr, recover_into_err, res);
    if (b == 0) gort_panic_runtime_error("runtime error: integer divide by zero");
    res->q = a / b;
    GORT_RETURN(fr, *res);
}

int main(void) {
    printf("double: %ld\n", double_());
    struct div_res d = divide(7, 2);
    printf("divide(7, 2): %ld %s\n", d.q, d.err[0] ? d.err : "<nil>");
    d = divide(7, 0);
    printf("divide(7, 0): %ld %s\n", d.q, d.err[0] ? d.err : "<nil>");
    return 0;
}
