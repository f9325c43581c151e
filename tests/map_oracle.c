/*
 * map_oracle.c — gort's map against what Go 1.19 itself printed: tests/go/map/shape.out,
 * produced by tests/go/map/shape.go (see its header for the line formats). Checks, exactly:
 *   - the count at which B changes, for 1..100000 inserts without a hint (int64 and string
 *     keys: the rule does not depend on the key type or the hash),
 *   - makemap's initial B and the number of preallocated overflow buckets for every hint
 *     in -1..3000 and around the load-factor edges up to B 15,
 *   - the tophash states of a one-bucket map through a sequence of deletes and an insert.
 * Go is not needed to run this test. SHAPE_OUT overrides the data file's path.
 */
#include "map_check.h"
#include "map_internal.h"

/* B changes for n inserts of 1..n into a fresh map of type t, as "grow COUNT B" lines
 * compared one by one with the expected file's. */
static void check_growth(FILE *f, const gort_maptype *t, bool str) {
    static char keys[100001][8];
    gort_map *m = root(gort_makemap(t, 0));
    uint8_t lastB = 0;
    long want_count;
    int want_B;
    char line[256];
    rewind(f);
    int lines = 0;
    for (int64_t i = 1; i <= 100000; i++) {
        if (str) {
            snprintf(keys[i], sizeof keys[i], "%lld", (long long)i);
            *(int64_t *)gort_mapassign_faststr(m, gort_str(keys[i])) = i;
        } else {
            *(int64_t *)gort_mapassign_fast64(m, (uint64_t)i) = i;
        }
        gort_mapstats st;
        gort_map_stats(m, &st);
        if (st.B == lastB) continue;
        lastB = st.B;
        bool got_line = false;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "grow %ld %d", &want_count, &want_B) == 2) {
                got_line = true;
                break;
            }
        lines++;
        CHECK(got_line && want_count == i && want_B == st.B,
              "%s: B became %u at count %lld; Go: %d at %ld", t->name, st.B, (long long)i,
              got_line ? want_B : -1, got_line ? want_count : -1L);
    }
    while (fgets(line, sizeof line, f))
        CHECK(sscanf(line, "grow %ld %d", &want_count, &want_B) != 2,
              "%s: Go grew at %ld, gort did not", t->name, want_count);
    CHECK(lines >= 14, "%s: only %d growths", t->name, lines);
}

/* Preallocated overflow buckets of a fresh map: allocated buckets beyond 2^B. */
static uint64_t prealloc_of(gort_map *m) { return m->B ? array_hdr_of(m->buckets)->nalloc - ((uint64_t)1 << m->B) : 0; }

/* makemap(hint) for every "hint" line: Go's initial B and preallocated overflow buckets. */
static void check_hints(FILE *f) {
    char line[256];
    long hint;
    int B;
    unsigned long pi, ps;
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "hint %ld %d %lu %lu", &hint, &B, &pi, &ps) != 4) continue;
        n++;
        gort_map *mi = root(gort_makemap(&gort_type_int64_int64, hint));
        gort_map *ms = root(gort_makemap(&gort_type_string_int64, hint));
        CHECK(mi->B == B && ms->B == B, "hint %ld: B %u/%u, Go %d", hint, mi->B, ms->B, B);
        CHECK(prealloc_of(mi) == pi, "hint %ld: int64 map preallocates %llu overflow buckets, Go %lu",
              hint, (unsigned long long)prealloc_of(mi), pi);
        CHECK(prealloc_of(ms) == ps, "hint %ld: string map preallocates %llu overflow buckets, Go %lu",
              hint, (unsigned long long)prealloc_of(ms), ps);
    }
    CHECK(n > 3000, "only %d hint lines", n);
}

/* The slot states of a one-bucket map: F filled, e emptyOne, R emptyRest. */
static void state(gort_map *m, char out[9]) {
    for (int i = 0; i < 8; i++)
        out[i] = m->buckets[i] == EMPTY_REST ? 'R' : m->buckets[i] == EMPTY_ONE ? 'e' : 'F';
    out[8] = 0;
}

/* Replays the "slots" lines' deletes and insert, comparing slot states after each. */
static void check_slots(FILE *f) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    for (uint64_t k = 0; k < 8; k++) gort_mapassign_fast64(m, k);
    char line[256], op[32], want[32], got[9];
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "slots %31s %31s", op, want) != 2) continue;
        unsigned long long k;
        if (sscanf(op, "del%llu", &k) == 1) gort_mapdelete_fast64(m, k);
        else if (sscanf(op, "ins%llu", &k) == 1) gort_mapassign_fast64(m, k);
        state(m, got);
        CHECK(strcmp(got, want) == 0, "slots after %s: %s, Go %s", op, got, want);
        n++;
    }
    CHECK(n == 8, "%d slots lines", n);
}

/* Compares gort with Go's recorded output; exit 0 when everything matches. */
int main(void) {
    const char *path = getenv("SHAPE_OUT") ? getenv("SHAPE_OUT") : "tests/go/map/shape.out";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "map_oracle: cannot open %s (run from the repository root)\n", path);
        return 1;
    }
    check_growth(f, &gort_type_int64_int64, false);
    check_growth(f, &gort_type_string_int64, true);
    check_hints(f);
    check_slots(f);
    fclose(f);
    return check_report("map_oracle");
}
