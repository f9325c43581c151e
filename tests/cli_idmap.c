/*
 * cli_idmap.c — unit test of the tools' id hash table (cli/idmap.c) against a plain array as
 * the oracle: random inserts, updates and removals of keys drawn from a small range (so probe
 * runs collide, wrap around the table's end and get holes punched in them), then keys that
 * share their low bits (addresses) and negative ones. After every step each key in the range
 * is looked up; the table must find exactly the oracle's keys with the oracle's values, count
 * them, and not grow while the number of live keys stays bounded.
 *
 * The source is compiled in, as the tools are no library.
 */
#include "../cli/idmap.c"

#include <stdlib.h>

#include "check.h"

#define RANGE 4096

/* Checks M against the oracle (present[k]: key KEYS[k] is in, with value vals[k]). */
static void check_all(idmap *m, const int64_t *keys, const bool *present, const int64_t *vals, size_t n,
                      const char *when) {
    size_t live = 0;
    for (size_t k = 0; k < n; k++) {
        int64_t *v = idmap_get(m, keys[k], false);
        if (present[k]) {
            live++;
            CHECK(v && *v == vals[k], "%s: key %lld lost or wrong", when, (long long)keys[k]);
        } else {
            CHECK(!v, "%s: removed key %lld still found", when, (long long)keys[k]);
        }
    }
    CHECK(m->used == live, "%s: used %zu, live %zu", when, m->used, live);
}

/* Random churn over N keys: insert, update or remove; a full check every CHECK_EVERY steps. */
static void churn(const int64_t *keys, size_t n, unsigned seed, const char *name) {
    idmap m = { 0 };
    bool *present = calloc(n, sizeof *present);
    int64_t *vals = calloc(n, sizeof *vals);
    srand(seed);
    size_t cap_at_half = 0;
    for (int step = 0; step < 200000; step++) {
        size_t k = (size_t)rand() % n;
        /* Biased to removal in the second half, so the table empties out and refills. */
        bool remove = rand() % 3 == 0 || (step >= 100000 && rand() % 2 == 0);
        if (remove) {
            idmap_remove(&m, keys[k]);
            present[k] = false;
        } else {
            int64_t *v = idmap_get(&m, keys[k], true);
            CHECK(v != NULL, "%s: insert failed", name);
            if (!v) break;
            CHECK(present[k] || *v == 0, "%s: a new key's value is not 0", name);
            *v = vals[k] = step + 1;
            present[k] = true;
        }
        if (step % 997 == 0) check_all(&m, keys, present, vals, n, name);
        if (step == 100000) cap_at_half = m.cap;
    }
    check_all(&m, keys, present, vals, n, name);
    /* Live keys never exceed n: removals keep the table from growing past 4n slots. */
    CHECK(m.cap <= 4 * n && m.cap == cap_at_half, "%s: cap %zu (was %zu) for %zu keys", name, m.cap,
          cap_at_half, n);
    for (size_t k = 0; k < n; k++) idmap_remove(&m, keys[k]);
    CHECK(m.used == 0, "%s: %zu keys left after removing all", name, m.used);
    for (size_t i = 0; i < m.cap; i++) CHECK(!m.full[i], "%s: slot %zu full in an empty table", name, i);
    idmap_remove(&m, keys[0]); /* absent: nothing */
    idmap_free(&m);
    idmap empty = { 0 };
    idmap_remove(&empty, 7); /* a zeroed table: nothing */
    CHECK(idmap_get(&empty, 7, false) == NULL);
    free(present);
    free(vals);
}

int main(void) {
    static int64_t keys[RANGE];
    for (size_t k = 0; k < RANGE; k++) keys[k] = (int64_t)k + 1; /* consecutive ids */
    churn(keys, 64, 1, "ids 1..64");
    churn(keys, RANGE, 2, "ids 1..4096");
    for (size_t k = 0; k < RANGE; k++) keys[k] = (int64_t)(0x7f0000000000ull + k * 4096); /* addresses */
    churn(keys, 512, 3, "addresses");
    for (size_t k = 0; k < RANGE; k++) keys[k] = -(int64_t)k * 1000003; /* zero and negatives */
    churn(keys, 300, 4, "negatives");
    return check_failures ? 1 : 0;
}
