/* Oracle twin of tests/go/defer/nilmap.go: defer delete(m, k) evaluates m at the defer
 * statement (the article's first crash path does not exist); a deferred closure that sees
 * m = nil deletes from a nil map, a no-op; assignment to a nil map panics and is recovered. */
#include "defer_util.h"

/* The arguments of `defer func(m map[string]int){...}(m)`: the map, evaluated now. */
struct show_env {
    gort_map *m;
};

static void show_after_delete(void *e) {
    struct show_env *env = e;
    gort_map *m = env->m;
    printf("after defer delete: %lld %lld %lld\n", (long long)gort_maplen(m),
           (long long)*(int64_t *)gort_mapaccess1_faststr(m, gort_str("a")),
           (long long)*(int64_t *)gort_mapaccess1_faststr(m, gort_str("b")));
}

static void args_now(void) {
    GORT_FUNC(fr);
    gort_map *m = gort_makemap(&gort_type_string_int64, 0);
    GORT_ROOT(fr, &m);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("b")) = 2;
    struct show_env *env = gort_closure_new(sizeof *env, 1);
    gort_store((void **)&env->m, m);
    GORT_DEFER(fr, show_after_delete, env);
    gort_defer_delete_faststr(&fr, m, gort_str("a"));
    m = NULL;
    printf("m set to nil, len %lld\n", (long long)gort_maplen(m));
}

/* The closure's environment: it captures the variable m itself. */
struct closure_env {
    gort_map *m;
};

static void delete_from_captured(void *e) {
    struct closure_env *env = e;
    gort_mapdelete_faststr(env->m, gort_str("a"));
    printf("closure deleted from nil map, len %lld\n", (long long)gort_maplen(env->m));
}

static void closure_nil(void) {
    GORT_FUNC(fr);
    struct closure_env *env = gort_closure_new(sizeof *env, 1);
    GORT_ROOT(fr, &env);
    gort_store((void **)&env->m, gort_makemap(&gort_type_string_int64, 0));
    *(int64_t *)gort_mapassign_faststr(env->m, gort_str("a")) = 1;
    GORT_DEFER(fr, delete_from_captured, env);
    gort_store((void **)&env->m, NULL); /* m = nil: the closure sees it */
}

static void print_recovered(void *e) {
    (void)e;
    printf("recovered: %s\n", or_nil(gort_recover()));
}

static void assign_nil(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, print_recovered, NULL);
    gort_map *m = NULL;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    printf("not reached\n");
}

int main(void) {
    args_now();
    closure_nil();
    assign_nil();
    printf("main done\n");
    return 0;
}
