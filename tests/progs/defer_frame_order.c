/* The article's second crash path, `defer delete(m, k)` on a map whose frame is gone. In Go
 * (and in gort by default) a frame is popped only after its deferred calls ran, so the
 * deferred delete works on a live stack map. Under GORT_UNSAFE=frame_order gort pops first:
 * the stack map dies, then the deferred delete touches it and the map's use-after-free check
 * ends the program ("fatal error: use of freed map", exit 2). */
#include "defer_util.h"

static void check_after_delete(void *e) {
    gort_map **mp = env_get(e);
    bool ok;
    gort_mapaccess2_faststr(*mp, gort_str("a"), &ok);
    printf("deferred delete ran on a live stack map: len %lld, \"a\" present %d\n",
           (long long)gort_maplen(*mp), ok);
}

static void f(void) {
    GORT_FUNC(fr);
    gort_map *m = gort_makemap_stack(&fr, &gort_type_string_int64, 0);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("b")) = 2;
    static gort_map *seen;
    seen = m;
    GORT_DEFER(fr, check_after_delete, env_ptr(&seen));
    gort_defer_delete_faststr(&fr, m, gort_str("a"));
}

int main(void) {
    f();
    printf("f returned\n");
    return 0;
}
