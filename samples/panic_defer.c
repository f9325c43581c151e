/*
 * panic_defer — a panic unwinds through frames whose deferred calls delete from a map, and is
 * recovered at the top: every deferred delete runs, innermost first, before the panic stops.
 *
 *  func level3(m map[string]int) { defer delete(m, "c"); panic("boom") }
 *  func level2(m map[string]int) { defer delete(m, "b"); level3(m) }
 *  func level1(m map[string]int) {
 *      defer func() { fmt.Println("recovered:", recover()) }()
 *      defer delete(m, "a")
 *      level2(m)
 *  }
 *  func main() {
 *      m := map[string]int{"a": 1, "b": 2, "c": 3, "d": 4}
 *      level1(m)
 *      fmt.Println("len after recovery:", len(m))
 *  }
 *
 * Go 1.19 prints "recovered: boom" then "len after recovery: 1".
 */
#include "gort.h"

#include <stdio.h>

static void level3(gort_map *m) {
    GORT_FUNC(fr);
    GORT_ROOT(fr, &m);
    gort_defer_delete_faststr(&fr, m, gort_str("c"));
    gort_panic("boom");
}

static void level2(gort_map *m) {
    GORT_FUNC(fr);
    GORT_ROOT(fr, &m);
    gort_defer_delete_faststr(&fr, m, gort_str("b"));
    level3(m);
}

static void print_recovered(void *env) {
    (void)env;
    const char *r = gort_recover();
    printf("recovered: %s\n", r ? r : "<nil>");
}

static void level1(gort_map *m) {
    GORT_FUNC(fr);
    GORT_ROOT(fr, &m);
    GORT_DEFER(fr, print_recovered, NULL);
    gort_defer_delete_faststr(&fr, m, gort_str("a"));
    level2(m);
}

int main(void) {
    static gort_map *m;
    gort_register_global(&m);
    m = gort_makemap(&gort_type_string_int64, 0);
    const char *keys[] = { "a", "b", "c", "d" };
    for (int i = 0; i < 4; i++) *(int64_t *)gort_mapassign_faststr(m, gort_str(keys[i])) = i + 1;
    level1(m);
    printf("len after recovery: %lld\n", (long long)gort_maplen(m));
    return 0;
}
