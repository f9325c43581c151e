/*
 * map_gc.c — maps under the collector: a map reachable only through the elements of another
 * map (map[string]*hmap, elem_ptrmask 1) must survive every cycle, while the outer map grows
 * (evacuation moves the pointers), churns (deletes clear them), is cleared and iterated, all
 * with collections triggered by allocation (GORT_GOGC=1, set by re-executing itself) so they
 * run concurrently with these writes. At the end every inner map still in the outer map must
 * be alive with its own contents (a wrongly freed one dies with "use of freed map").
 * With the allocator-only heap this passes trivially; with the collector it checks
 * gort__map_scan and the map's write-barrier use.
 */
#include "map_check.h"

static gort_map *outer;       /* the root of everything checked */
static gort_map *building;    /* an inner map being filled: a C local is no root */
static char names[20000][12]; /* outer keys: "n<i>" */

/* A new inner map holding i under keys 0..(i % 50). */
static gort_map *make_inner(int64_t i) {
    building = gort_makemap(&gort_type_int64_int64, 0);
    for (int64_t k = 0; k <= i % 50; k++) *(int64_t *)gort_mapassign_fast64(building, (uint64_t)k) = i;
    return building;
}

/* Whether inner map `in` is the one make_inner(i) built. */
static bool inner_ok(gort_map *in, int64_t i) {
    if (gort_maplen(in) != i % 50 + 1) return false;
    for (int64_t k = 0; k <= i % 50; k++)
        if (*(int64_t *)gort_mapaccess1_fast64(in, (uint64_t)k) != i) return false;
    return true;
}

/* Puts a fresh inner map for i under names[i], through the write barrier. */
static void put(int64_t i) {
    gort_map *in = make_inner(i);
    gort_store(gort_mapassign_faststr(outer, gort_str(names[i])), in);
    building = NULL;
}

/* Churns the outer map under frequent cycles, then checks every inner map. */
int main(int argc, char **argv) {
    (void)argc;
    if (!getenv("GORT_GOGC")) { /* collect as often as the collector allows */
        setenv("GORT_GOGC", "1", 1);
        execv("/proc/self/exe", argv);
    }
    gort_register_global(&outer);
    gort_register_global(&building);
    for (int i = 0; i < 20000; i++) snprintf(names[i], sizeof names[i], "n%d", i);
    static bool live[20000];
    outer = gort_makemap(&gort_type_string_map, 0);
    uint64_t r = 7;
    for (int round = 0; round < 6; round++) {
        for (int i = 0; i < 20000; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            int j = (int)((r >> 33) % 20000);
            if ((r >> 20) % 3 == 0) {
                gort_mapdelete_faststr(outer, gort_str(names[j]));
                live[j] = false;
            } else {
                put(j);
                live[j] = true;
            }
        }
        if (round == 3) { /* a partial iteration, then a clear under way of growth */
            gort_mapiter it;
            int n = 0;
            for (gort_mapiterinit(outer, &it); it.key && n < 100; gort_mapiternext(&it)) n++;
            gort_mapclear(outer);
            memset(live, 0, sizeof live);
        }
        gort_gc();
    }
    int64_t want = 0;
    for (int i = 0; i < 20000; i++) {
        bool ok;
        gort_map **slot = gort_mapaccess2_faststr(outer, gort_str(names[i]), &ok);
        CHECK(ok == live[i], "outer key %d present %d, want %d", i, ok, live[i]);
        if (ok) CHECK(inner_ok(*slot, i), "inner map %d has lost its contents", i);
        want += live[i];
    }
    CHECK(gort_maplen(outer) == want, "outer len");
    return check_report("map_gc");
}
