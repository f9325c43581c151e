/*
 * map_bigdelete.c — deletes on big map[int64]int64 maps (B >= 16), where gort_mapdelete_fast64
 * finds the key by comparing the keys themselves (search_chain_by_key in map.c) instead of
 * matching tophash bytes first. Checked against a plain array reference: the length after
 * every operation, deletes of absent keys, repeated deletes of the same key (int64 keys stay
 * behind in deleted slots, so a stale key must not be found again), deletes in the middle of
 * a doubling growth, re-inserts of deleted keys (a zero element), every key's lookup at the
 * end of each phase, one full iteration, and deleting everything (the map is empty after).
 */
#include "map_check.h"

enum { N = 900000 };           /* > 13 * 2^16 = 851968: the map grows to B 18 */

static uint64_t rng_state = 12345;
/* splitmix64: the test's own reproducible random numbers. */
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int64_t ref[2 * N];     /* value of key i, or 0 when absent (values are never 0) */
static bool present[2 * N];
static int64_t ref_len;
static gort_map *m;

/* Key i: distinct for every i in [0, 2N). Keys N.. are never inserted. */
static uint64_t key_of(long i) { return (uint64_t)i * 0x9E3779B97F4A7C15ull; }

/* Inserts or updates key i with value v in the map and the reference. */
static void put(long i, int64_t v) {
    int64_t *e = gort_mapassign_fast64(m, key_of(i));
    if (!present[i]) {
        CHECK(*e == 0, "new key %ld found element %lld, not zero", i, (long long)*e);
        present[i] = true;
        ref_len++;
    }
    *e = v;
    ref[i] = v;
}

/* Deletes key i from the map and the reference, checking the length after. */
static void del(long i) {
    gort_mapdelete_fast64(m, key_of(i));
    if (present[i]) {
        present[i] = false;
        ref[i] = 0;
        ref_len--;
    }
    CHECK(gort_maplen(m) == ref_len, "len %lld after deleting key %ld, want %lld",
          (long long)gort_maplen(m), i, (long long)ref_len);
}

/* Checks every key's lookup, present or not, against the reference. */
static void check_all(const char *phase) {
    long bad = 0;
    for (long i = 0; i < 2 * N; i++) {
        bool ok;
        int64_t v = *(int64_t *)gort_mapaccess2_fast64(m, key_of(i), &ok);
        if (ok != present[i] || v != ref[i]) bad++;
    }
    CHECK(bad == 0, "%s: %ld lookups disagree with the reference", phase, bad);
    CHECK(gort_maplen(m) == ref_len, "%s: len %lld, want %lld", phase,
          (long long)gort_maplen(m), (long long)ref_len);
}

/* Checks that one iteration produces every present key exactly once, with its value. */
static void check_iteration(void) {
    static bool seen[2 * N];
    memset(seen, 0, sizeof seen);
    long produced = 0, bad = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        uint64_t k = *(uint64_t *)it.key;
        long i = (long)(k * 0xf1de83e19937733dull); /* inverse of the odd key multiplier */
        produced++;
        if (i < 0 || i >= 2 * N || !present[i] || seen[i] || *(int64_t *)it.elem != ref[i]) {
            bad++;
            continue;
        }
        seen[i] = true;
    }
    CHECK(bad == 0 && produced == ref_len, "iteration: %ld produced, %ld bad, want %lld",
          produced, bad, (long long)ref_len);
}

int main(void) {
    CHECK(key_of(12345) * 0xf1de83e19937733dull == 12345, "the key inverse is wrong");
    m = root(gort_makemap(&gort_type_int64_int64, 0));
    /* Fill to B 17, then keep inserting while deleting random earlier keys, so that many
     * deletes run while the growth to B 18 moves entries. */
    for (long i = 0; i < N; i++) {
        put(i, i + 1);
        if (i > 440000 && rnd() % 3 == 0) del((long)(rnd() % (uint64_t)i));
    }
    gort_mapstats st;
    gort_map_stats(m, &st);
    CHECK(st.B >= 16, "B is %u: the test does not reach the big-map delete path", st.B);
    check_all("fill");
    /* Deletes of present, absent and already deleted keys, in random order. */
    for (long n = 0; n < N; n++) {
        long i = (long)(rnd() % (uint64_t)(2 * N));
        del(i);
        if (n % 4 == 0) del(i); /* again: the key may still sit in its emptied slot */
    }
    check_all("deletes");
    check_iteration();
    /* Re-insert half the deleted keys (zero elements) and update some present ones. */
    for (long i = 0; i < N; i++)
        if (!present[i] ? rnd() % 2 == 0 : rnd() % 8 == 0) put(i, -(i + 1));
    check_all("reinserts");
    /* Delete everything, in random order. */
    static long order[N];
    for (long i = 0; i < N; i++) order[i] = i;
    for (long i = N - 1; i > 0; i--) {
        long j = (long)(rnd() % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (long i = 0; i < N; i++) del(order[i]);
    CHECK(ref_len == 0, "the reference is not empty");
    check_all("emptied");
    return check_report("map_bigdelete");
}
