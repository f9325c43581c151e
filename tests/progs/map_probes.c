/*
 * map_probes.c — drives every map probe with a known sequence, for tests/t_map_probes.sh to
 * check in the trace `gort record` makes of it. Modes (argv[1]):
 *   ops    map 1 (int64, hint 100: B 4): 2000 inserts (growths 4->5->...->9), 1000 lookups
 *          (even keys present), 500 deletes, one iteration, mapclear; map 2 (string, no
 *          hint): 3 inserts, update, delete present and absent; nil-map access, delete,
 *          iteration, clear; a frame-owned map that dies when its function returns.
 *   nilassign   assignment to the nil map (panics).
 *   uaf         a delete on a map killed by its frame (fatal "use of freed map").
 */
#include "gort.h"

#include <stdio.h>
#include <string.h>

static gort_map *m1, *m2;

/* A function owning a non-escaping map of 3 entries: it dies (mapfree, cause frame) when
 * the function returns. Returns the map, dead, for the uaf mode. */
static gort_map *frame_map(void) {
    GORT_FUNC_R(fr, NULL);
    gort_map *s = gort_makemap_stack(&fr, &gort_type_int64_int64, 0);
    for (uint64_t k = 0; k < 3; k++) gort_mapassign_fast64(s, k);
    return s;
}

/* The "ops" mode: the sequence the header describes, on maps 1 (int64), 2 (string), 3 (frame). */
static void ops(void) {
    gort_register_global(&m1);
    gort_register_global(&m2);
    m1 = gort_makemap(&gort_type_int64_int64, 100);
    for (uint64_t k = 0; k < 2000; k++) *(int64_t *)gort_mapassign_fast64(m1, k) = (int64_t)k;
    for (uint64_t k = 0; k < 2000; k += 2) gort_mapaccess1_fast64(m1, k * 2);
    for (uint64_t k = 0; k < 1000; k += 2) gort_mapdelete_fast64(m1, k);
    gort_mapiter it;
    for (gort_mapiterinit(m1, &it); it.key; gort_mapiternext(&it)) {}
    gort_mapclear(m1);

    m2 = gort_makemap(&gort_type_string_int64, 0);
    gort_mapassign_faststr(m2, gort_str("a"));
    gort_mapassign_faststr(m2, gort_str("b"));
    gort_mapassign_faststr(m2, gort_str("c"));
    gort_mapassign_faststr(m2, gort_str("b"));
    gort_mapdelete_faststr(m2, gort_str("a"));
    gort_mapdelete_faststr(m2, gort_str("zz"));

    gort_mapaccess1_fast64(NULL, 1);
    gort_mapdelete_fast64(NULL, 1);
    gort_mapiterinit(NULL, &it);
    gort_mapclear(NULL);

    frame_map();
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "ops";
    if (strcmp(mode, "ops") == 0) ops();
    else if (strcmp(mode, "nilassign") == 0) gort_mapassign_fast64(NULL, 1);
    else if (strcmp(mode, "uaf") == 0) gort_mapdelete_fast64(frame_map(), 1);
    else {
        fprintf(stderr, "map_probes: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
