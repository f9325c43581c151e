/*
 * map_example.c — the map API in a few lines: the C spelling of
 *
 *     m := map[string]int64{}
 *     m["apples"] = 3; m["pears"] += 5
 *     v, ok := m["plums"]
 *     delete(m, "apples")
 *     for k, v := range m { fmt.Println(k, v) }
 *
 * plus what Go hides: the map's shape (B, growth) as it fills up.
 */
#include "gort.h"

#include <stdio.h>

/* Maps live in the collected heap: a map is kept alive by a root, here registered globals. */
static gort_map *m, *n;

int main(void) {
    gort_register_global(&m);
    gort_register_global(&n);
    m = gort_makemap(&gort_type_string_int64, 0);

    *(int64_t *)gort_mapassign_faststr(m, gort_str("apples")) = 3;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("pears")) += 5;

    bool ok;
    int64_t v = *(int64_t *)gort_mapaccess2_faststr(m, gort_str("plums"), &ok);
    printf("plums: %lld (present: %s)\n", (long long)v, ok ? "yes" : "no");

    gort_mapdelete_faststr(m, gort_str("apples"));

    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        gort_string *k = it.key;
        printf("%.*s %lld\n", (int)k->len, k->ptr, (long long)*(int64_t *)it.elem);
    }

    /* Watch B grow the way Go's does: at 9, 14, 27, 53, ... entries. */
    n = gort_makemap(&gort_type_int64_int64, 0);
    gort_mapstats st;
    uint8_t lastB = 0;
    for (int64_t i = 1; i <= 1000; i++) {
        *(int64_t *)gort_mapassign_fast64(n, (uint64_t)i) = i * i;
        gort_map_stats(n, &st);
        if (st.B != lastB) printf("len %4lld: B %u -> %u\n", (long long)i, lastB, st.B);
        lastB = st.B;
    }
    printf("n[12] = %lld, len(n) = %lld\n", (long long)*(int64_t *)gort_mapaccess1_fast64(n, 12),
           (long long)gort_maplen(n));
    return 0;
}
