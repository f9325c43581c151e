/*
 * map_clear.c — `for k := range m { delete(m, k) }` (gort_maprange_delete) against Go 1.19:
 * tests/go/map/clear.out, printed by tests/go/map/clear.go, which builds the same maps.
 * For int64 keys Go compiles the loop into mapclear (noverflow reset, new seed); for float
 * keys and a struct holding a float it runs the loop, which cannot delete NaN keys: they
 * stay, and so do noverflow and, while the map is not emptied, the seed. Every line of
 * clear.out must match the line gort's map gives, field for field. CLEAR_OUT overrides the
 * data file's path.
 */
#include "map_check.h"
#include "map_gotypes.h"

#include <math.h>

enum { SIZE = 1664 }; /* hint and entries: B 8, surely with overflow buckets */

/* What clear.go reads of a map before and after the loop. */
typedef struct snap {
    int64_t n;
    gort_mapstats st;
} snap;

/* The map's length and shape now. */
static snap take(gort_map *m) {
    snap s = {gort_maplen(m), {0}};
    gort_map_stats(m, &s.st);
    return s;
}

/* Runs the loop on m (of type t) and formats clear.go's line for it into out. */
static void loop_and_report(const char *name, const gort_maptype *t, gort_map *m, char *out, size_t cap) {
    snap before = take(m);
    gort_maprange_delete(t, m);
    snap after = take(m);
    int nan = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it))
        if (!t->equal ? (t->keykind == GORT_KEY_FLOAT64 ? *(double *)it.key != *(double *)it.key
                                                        : *(float *)it.key != *(float *)it.key)
                      : !t->equal(it.key, it.key))
            nan++;
    snprintf(out, cap, "clear %s %lld %lld %d %u %u %d %d %d %d\n", name, (long long)before.n,
             (long long)after.n, nan, before.st.B, after.st.B, before.st.noverflow > 0,
             after.st.noverflow == 0, after.st.noverflow == before.st.noverflow,
             after.st.hash0 != before.st.hash0);
}

/* The map of clear.go's line `name`, filled as clear.go fills it; NULL for an unknown name. */
static gort_map *build(const char *name, const gort_maptype **tp) {
    static const gort_maptype f32 = {.name = "map[float32]int32", .keykind = GORT_KEY_FLOAT32,
                                     .keysize = 4, .elemsize = 4};
    if (strcmp(name, "int64") == 0) {
        *tp = &gort_type_int64_int64;
        gort_map *m = root(gort_makemap(*tp, SIZE));
        for (int64_t i = 0; i < SIZE; i++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)(i * 7919)) = i;
        return m;
    }
    if (strncmp(name, "float64", 7) == 0) {
        *tp = &gort_type_float64_int64;
        gort_map *m = root(gort_makemap(*tp, SIZE));
        double pz = 0.0, nz = -0.0, nan = NAN;
        *(int64_t *)gort_mapassign(m, &pz) = 1;
        *(int64_t *)gort_mapassign(m, &nz) = 2; /* the same key as +0 */
        int nans = strcmp(name, "float64_nan") == 0 ? 3 : 0;
        for (int i = 0; i < nans; i++) *(int64_t *)gort_mapassign(m, &nan) = i;
        for (int i = 1; gort_maplen(m) < SIZE; i++) {
            double k = (double)i * 1.5;
            *(int64_t *)gort_mapassign(m, &k) = i;
        }
        return m;
    }
    if (strcmp(name, "float32") == 0) {
        *tp = &f32;
        gort_map *m = root(gort_makemap(*tp, SIZE));
        float nan = NAN;
        *(int32_t *)gort_mapassign(m, &nan) = 1;
        *(int32_t *)gort_mapassign(m, &nan) = 2;
        for (int i = 1; gort_maplen(m) < SIZE; i++) {
            float k = (float)i * 0.25f;
            *(int32_t *)gort_mapassign(m, &k) = i;
        }
        return m;
    }
    if (strcmp(name, "kfloat") == 0) {
        *tp = gt_find("kfloat_int64");
        gort_map *m = root(gort_makemap(*tp, SIZE));
        for (int i = 0; i < 4; i++) {
            gt_kfloat k = {.a = i, .f = NAN};
            *(int64_t *)gort_mapassign(m, &k) = 1;
        }
        for (int i = 1; gort_maplen(m) < SIZE; i++) {
            gt_kfloat k = {.a = i, .f = i};
            *(int64_t *)gort_mapassign(m, &k) = i;
        }
        return m;
    }
    return NULL;
}

/* Each line of clear.out against gort's; exit 0 when all match. */
int main(void) {
    const char *path = getenv("CLEAR_OUT") ? getenv("CLEAR_OUT") : "tests/go/map/clear.out";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "map_clear: cannot open %s (run from the repository root)\n", path);
        return 1;
    }
    char line[256], name[64], got[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "clear %63s", name) != 1) continue;
        const gort_maptype *t;
        gort_map *m = build(name, &t);
        CHECK(m != NULL, "clear.out names an unknown map %s", name);
        if (!m) continue;
        loop_and_report(name, t, m, got, sizeof got);
        CHECK(strcmp(got, line) == 0, "gort: %sGo:   %s", got, line);
        n++;
    }
    fclose(f);
    CHECK(n == 5, "%d clear lines", n);
    return check_report("map_clear");
}
