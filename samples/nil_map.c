/*
 * nil_map — the article's first crash path: the map variable is set to nil before the deferred
 * delete runs. Three forms, each the Go quoted above its function. Go 1.19 runs all three
 * without a panic and prints:
 *     direct: map[b:2]
 *     closure: map[a:1 b:2]
 *     guarded: map[a:1 b:2]
 */
#include "gort.h"

#include <stdio.h>

static gort_map *keep; /* var keep map[string]int: a global, so the map outlives each function */

/* Prints the map as Go's fmt does for map[string]int, keys in sorted order. */
static void print_map(const char *label, gort_map *m) {
    static const char *const keys[] = { "a", "b" };
    printf("%s: map[", label);
    const char *sep = "";
    for (int i = 0; i < 2; i++) {
        bool ok;
        int64_t *v = gort_mapaccess2_faststr(m, gort_str(keys[i]), &ok);
        if (ok) printf("%s%s:%lld", sep, keys[i], (long long)*v), sep = " ";
    }
    printf("]\n");
}

/* A map[string]int{"a": 1, "b": 2}, also stored in the global keep. */
static gort_map *make_ab(void) {
    keep = gort_makemap(&gort_type_string_int64, 0); /* rooted before the assigns allocate */
    *(int64_t *)gort_mapassign_faststr(keep, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(keep, gort_str("b")) = 2;
    return keep;
}

/*  func direct() {
 *      m := map[string]int{"a": 1, "b": 2}
 *      defer delete(m, "a")   // m and "a" are evaluated here, at the defer statement
 *      m = nil                // so the deferred delete still has the original map
 *  }                                                                                      */
static void direct(void) {
    GORT_FUNC(fr);
    gort_map *m = make_ab();
    GORT_ROOT(fr, &m);
    gort_defer_delete_faststr(&fr, m, gort_str("a"));
    m = NULL;
}

/* The closure's environment: the captured variable m itself. */
struct env_m {
    gort_map *m;
};

/* func() { delete(m, "a") }: m is read when the deferred call runs. */
static void delete_a(void *env) {
    struct env_m *e = env;
    gort_mapdelete_faststr(e->m, gort_str("a"));
}

/*  func closure() {
 *      m := map[string]int{"a": 1, "b": 2}
 *      defer func() { delete(m, "a") }()   // captures the variable m, not its value
 *      m = nil                             // the closure sees nil: delete(nil, "a") is a no-op
 *  }                                                                                      */
static void closure(void) {
    GORT_FUNC(fr);
    struct env_m *e = gort_closure_new(sizeof *e, 1);
    GORT_ROOT(fr, &e);
    gort_store((void **)&e->m, make_ab());
    GORT_DEFER(fr, delete_a, e);
    gort_store((void **)&e->m, NULL);
}

/* func() { if m != nil { delete(m, "a") } }: the form the article recommends. */
static void delete_a_guarded(void *env) {
    struct env_m *e = env;
    if (e->m != NULL) gort_mapdelete_faststr(e->m, gort_str("a"));
}

/*  func guarded() {
 *      m := map[string]int{"a": 1, "b": 2}
 *      defer func() { if m != nil { delete(m, "a") } }()
 *      m = nil
 *  }                                                                                      */
static void guarded(void) {
    GORT_FUNC(fr);
    struct env_m *e = gort_closure_new(sizeof *e, 1);
    GORT_ROOT(fr, &e);
    gort_store((void **)&e->m, make_ab());
    GORT_DEFER(fr, delete_a_guarded, e);
    gort_store((void **)&e->m, NULL);
}

int main(void) {
    gort_register_global(&keep);
    direct();
    print_map("direct", keep);
    closure();
    print_map("closure", keep);
    guarded();
    print_map("guarded", keep);
    return 0;
}
