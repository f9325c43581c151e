/* Oracle twin of tests/go/defer/goroutines.go: each goroutine has its own defer chain; a panic
 * recovered in one goroutine does not touch the others. */
#include "defer_util.h"

#include <string.h>

static char out[4][128];
static gort_waitgroup wg;

struct worker_env {
    long id;
};

static void append(long id, const char *s) { strncat(out[id], s, sizeof out[id] - strlen(out[id]) - 1); }

static void recover_into_out(void *e) {
    struct worker_env *env = e;
    const char *r = gort_recover();
    if (r) {
        append(env->id, " recovered:");
        append(env->id, r);
    }
}
static void defer2(void *e) { append(((struct worker_env *)e)->id, " defer2"); }
static void defer1(void *e) { append(((struct worker_env *)e)->id, " defer1"); }

static void worker(void *e) {
    GORT_FUNC(fr);
    struct worker_env *env = e;
    static const char *const odd[4] = { NULL, "odd 1", NULL, "odd 3" };
    defer_wg_done(&fr, &wg);
    GORT_DEFER(fr, recover_into_out, env);
    GORT_DEFER(fr, defer2, env);
    GORT_DEFER(fr, defer1, env);
    snprintf(out[env->id], sizeof out[env->id], "worker %ld", env->id);
    if (env->id % 2 == 1) gort_panic(odd[env->id]);
}

int main(void) {
    for (long i = 0; i < 4; i++) {
        struct worker_env *env = gort_closure_new(sizeof *env, 0);
        env->id = i;
        gort_wg_add(&wg, 1);
        GORT_GO(worker, env);
    }
    gort_wg_wait(&wg);
    for (int i = 0; i < 4; i++) printf("%s\n", out[i]);
    return 0;
}
