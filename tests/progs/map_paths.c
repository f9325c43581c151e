/*
 * map_paths.c — the map operations of tests/go/map/paths.go on every type of
 * tests/map_gotypes.h, through the compiled entry points, for tests/t_map_paths.sh to read
 * which path function fired each probe in the trace `gort record` makes. Per type, in
 * types.go's order, on a fresh map: v := m[k] (a miss), v, ok := m[k], m[k] = v, delete(m, k),
 * m[k] = v again (so the loop has a key to delete), for k := range m { delete(m, k) }.
 * Pointer keys are a fresh environment (the map keeps it alive once inserted).
 */
#include "map_gotypes.h"

#include <stdio.h>

static gort_map *m;     /* the map in use: a root */
static void *keyenv;    /* the pointer key in use: a root until inserted */
static char strs[1][24];

/* The operations on a fresh map of type t. */
static void ops(const gort_maptype *t) {
    uint8_t key[256];
    bool ok;
    m = gort_makemap(t, 0);
    if (t->keykind == GORT_KEY_PTR) {
        keyenv = gort_closure_new(16, 0);
        memcpy(key, &keyenv, 8);
    } else {
        gt_key(t, 0, key, strs);
    }
    gort_mapaccess1(m, key);
    gort_mapaccess2(m, key, &ok);
    gort_mapassign(m, key);
    gort_mapdelete(m, key);
    gort_mapassign(m, key);
    gort_maprange_delete(t, m);
}

int main(void) {
    gort_register_global(&m);
    gort_register_global(&keyenv);
    for (size_t i = 0; i < GT_NTYPES; i++) ops(&gt_types[i]);
    return 0;
}
