/*
 * map_iter.c — Go's iteration guarantees, checked against a reference under writes that
 * happen while iterating (semantics doc §1.11):
 *   - every key present for the whole iteration is produced exactly once,
 *   - a key deleted before it is reached is not produced,
 *   - a key inserted during the iteration is produced at most once,
 *   - the element produced is the current one (updates during the iteration are seen),
 * for iterations started on a quiet map, in the middle of a growth, and across growths that
 * start and finish while iterating. Also: random start (different first keys), nil/empty
 * maps, and mapclear during an iteration (no stale memory, ASan). Fixed seeds.
 */
#include "map_check.h"
#include "map_internal.h"

static uint64_t rng_state;
/* splitmix64: the test's own reproducible random numbers. */
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

enum { NEW_BASE = 1 << 20, MAXN = 6000, MAXNEW = 20000 };
static int64_t refval[MAXN];    /* current value of original key k */
static bool present[MAXN];      /* original key k is in the map */
static bool deleted[MAXN];      /* k was deleted during the iteration */
static int seen[MAXN];
static int seen_new[MAXNEW];

/* One scenario: n keys, iteration started after `pre` extra inserts that may leave the map
 * mid-growth, writes between steps with the given per-step probabilities (per mille). */
static void scenario(int n, int ins_pm, int del_pm, int upd_pm) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, (rnd() % 4 == 0) ? (int64_t)(rnd() % 2000) : 0));
    for (int k = 0; k < n; k++) {
        refval[k] = (int64_t)rnd();
        *(int64_t *)gort_mapassign_fast64(m, (uint64_t)k) = refval[k];
        present[k] = true;
        deleted[k] = false;
        seen[k] = 0;
    }
    memset(seen_new, 0, sizeof seen_new);
    int nnew = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        uint64_t k = *(uint64_t *)it.key;
        int64_t v = *(int64_t *)it.elem;
        if (k >= NEW_BASE) {
            CHECK(k - NEW_BASE < (uint64_t)nnew, "unknown key %llu", (unsigned long long)k);
            if (k - NEW_BASE < (uint64_t)nnew) {
                CHECK(++seen_new[k - NEW_BASE] == 1, "new key %llu produced twice", (unsigned long long)k);
                CHECK(v == -(int64_t)k, "new key value");
            }
        } else {
            CHECK(k < (uint64_t)n, "unknown key %llu", (unsigned long long)k);
            if (k >= (uint64_t)n) continue;
            CHECK(present[k], "key %llu produced after its delete", (unsigned long long)k);
            CHECK(++seen[k] == 1, "key %llu produced twice", (unsigned long long)k);
            CHECK(v == refval[k], "key %llu: value %lld, want current %lld", (unsigned long long)k,
                  (long long)v, (long long)refval[k]);
        }
        if ((int)(rnd() % 1000) < ins_pm && nnew < MAXNEW) {
            uint64_t nk = NEW_BASE + (uint64_t)nnew++;
            *(int64_t *)gort_mapassign_fast64(m, nk) = -(int64_t)nk;
        }
        if ((int)(rnd() % 1000) < del_pm) {
            uint64_t d = rnd() % (uint64_t)n;
            gort_mapdelete_fast64(m, d);
            if (present[d]) deleted[d] = true;
            present[d] = false;
        }
        if ((int)(rnd() % 1000) < upd_pm) {
            uint64_t u = rnd() % (uint64_t)n;
            if (present[u]) {
                refval[u] = (int64_t)rnd();
                *(int64_t *)gort_mapassign_fast64(m, u) = refval[u];
            }
        }
    }
    for (int k = 0; k < n; k++)
        if (!deleted[k]) CHECK(seen[k] == 1, "n=%d: key %d present throughout, produced %d times", n, k, seen[k]);
    int64_t live = nnew;
    for (int k = 0; k < n; k++) live += present[k];
    CHECK(gort_maplen(m) == live, "len %lld, reference %lld", (long long)gort_maplen(m), (long long)live);
}

/* Sizes just past a growth trigger start the iteration mid-growth. */
static const int growth_sizes[] = {9, 14, 27, 53, 105, 209, 417, 833, 1665, 3329};

/* Many scenarios: growth sizes (iterations start mid-growth) and random ones. */
static void test_guarantees(void) {
    rng_state = 12345;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof growth_sizes / sizeof growth_sizes[0]; i++) {
            int n = growth_sizes[i] + (int)(rnd() % 3);
            scenario(n, 0, 0, 0);          /* quiet */
            scenario(n, 900, 0, 0);        /* growth during iteration */
            scenario(n, 300, 300, 300);    /* everything */
            scenario(n, 0, 500, 500);      /* deletes and updates */
        }
        for (int j = 0; j < 20; j++) {
            int n = 1 + (int)(rnd() % 5000);
            scenario(n, (int)(rnd() % 1000), (int)(rnd() % 600), (int)(rnd() % 600));
        }
    }
}

/* Where the iteration starts is random per range statement. */
static void test_random_start(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    for (uint64_t k = 0; k < 100; k++) gort_mapassign_fast64(m, k);
    uint64_t first[64];
    int distinct = 0;
    for (int r = 0; r < 64; r++) {
        gort_mapiter it;
        gort_mapiterinit(m, &it);
        first[r] = *(uint64_t *)it.key;
        bool again = false;
        for (int q = 0; q < r; q++) again |= first[q] == first[r];
        distinct += !again;
    }
    CHECK(distinct >= 8, "only %d distinct first keys in 64 iterations", distinct);
}

/* Empty and cleared maps; mapclear while an iteration is under way. */
static void test_clear_during_iteration(void) {
    gort_map *m = root(gort_makemap(&gort_type_string_int64, 0));
    gort_mapiter it;
    gort_mapiterinit(m, &it);
    CHECK(it.key == NULL, "empty map: no iterations");
    static char names[2000][8];
    for (int i = 0; i < 2000; i++) {
        snprintf(names[i], sizeof names[i], "%d", i);
        gort_mapassign_faststr(m, gort_str(names[i]));
    }
    int produced = 0;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        gort_string *s = it.key;
        CHECK(s->len >= 1 && s->len <= 4, "a key of the map, len %zu", s->len);
        if (++produced == 10) {
            gort_mapclear(m);
            for (int i = 0; i < 2000; i += 7) gort_mapassign_faststr(m, gort_str(names[i]));
        }
    }
    CHECK(gort_maplen(m) == 286, "len %lld", (long long)gort_maplen(m));
}

/* Runs the iteration checks; exit 0 when every check held. */
int main(void) {
    test_guarantees();
    test_random_start();
    test_clear_during_iteration();
    return check_report("map_iter");
}
