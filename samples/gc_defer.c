/*
 * gc_defer — the article's third crash path: the garbage collector frees a map that only a
 * pending deferred closure still references.
 *
 *  func hold() {
 *      m := map[string]int{"a": 1, "b": 2}
 *      defer func() {                    // the closure is now the map's only reference:
 *          delete(m, "a")                // m itself is dead after this statement
 *          fmt.Println("deferred delete ran, len", len(m))
 *      }()
 *      for i := 0; i < 3; i++ {
 *          runtime.GC()                  // full collections while the defer is pending
 *      }
 *  }
 *
 * Go 1.19 prints "deferred delete ran, len 1": pending defer records and their closures are GC
 * roots. Under GORT_UNSAFE=defer_roots they are not, as the article imagines: the collector
 * frees the map during the loop and the deferred delete is caught touching a freed map.
 */
#include "gort.h"

#include <stdio.h>

struct env_m {
    gort_map *m;
};

static void delete_a(void *env) {
    struct env_m *e = env;
    gort_mapdelete_faststr(e->m, gort_str("a"));
    printf("deferred delete ran, len %lld\n", (long long)gort_maplen(e->m));
}

static void hold(void) {
    GORT_FUNC(fr);
    struct env_m *e = NULL;
    gort_map *m = NULL;
    GORT_ROOT(fr, &e); /* live locals while the map is built */
    GORT_ROOT(fr, &m);
    e = gort_closure_new(sizeof *e, 1);
    m = gort_makemap(&gort_type_string_int64, 0);
    gort_store((void **)&e->m, m);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("b")) = 2;
    GORT_DEFER(fr, delete_a, e);
    e = NULL; /* both locals are dead from here (Go's liveness): only the pending defer */
    m = NULL; /* holds the closure, and the closure the map */
    for (int i = 0; i < 3; i++) gort_gc();
}

int main(void) {
    hold();
    gort_gc();
    return 0;
}
