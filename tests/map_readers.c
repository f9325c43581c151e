/*
 * map_readers.c — concurrent readers, which Go allows: goroutines looking up and iterating
 * the same maps at the same time (one of them in the middle of a growth), while a collector
 * goroutine runs cycles back to back. Readers never set hashWriting, so none may die of a
 * "concurrent map ..." error, and each sees every key exactly once with its value. The maps
 * are written only before the readers start and after they end.
 */
#include "map_check.h"

#include <stdatomic.h>

enum { READERS = 4, N = 20000, ROUNDS = 30 };

static gort_map *quiet;         /* 20000 keys, no growth under way */
static gort_map *growing;       /* stopped in the middle of a growth */
static int64_t growing_len;
static gort_waitgroup readers_done, collector_done;
static atomic_int stop_collector, bad;

/* Checks one map from a reader: lookups of every key, then an iteration producing each key
 * once with value key*3. Returns false at the first difference. */
static bool read_all(gort_map *m, int64_t n, unsigned char *seen) {
    if (n < 0) return false;
    for (int64_t k = 0; k < n; k++) {
        bool ok;
        int64_t v = *(int64_t *)gort_mapaccess2_fast64(m, (uint64_t)k, &ok);
        if (!ok || v != k * 3) return false;
    }
    memset(seen, 0, (size_t)n);
    int64_t count = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        int64_t k = *(int64_t *)it.key;
        if (k < 0 || k >= n || seen[k]++ || *(int64_t *)it.elem != k * 3) return false;
        count++;
    }
    return count == n;
}

/* A reader goroutine: ROUNDS passes over both maps. */
static void reader(void *arg) {
    (void)arg;
    static _Thread_local unsigned char seen[N];
    for (int r = 0; r < ROUNDS && !atomic_load(&bad); r++)
        if (!read_all(quiet, N, seen) || !read_all(growing, growing_len, seen)) atomic_store(&bad, 1);
    gort_wg_done(&readers_done);
}

/* Runs collections until told to stop. */
static void collector(void *arg) {
    (void)arg;
    while (!atomic_load(&stop_collector)) gort_gc();
    gort_wg_done(&collector_done);
}

/* Fills two maps, runs the readers beside a collector, then checks and finishes the growth. */
int main(void) {
    gort_register_global(&quiet);
    gort_register_global(&growing);
    quiet = gort_makemap(&gort_type_int64_int64, 0);
    for (int64_t k = 0; k < N; k++) *(int64_t *)gort_mapassign_fast64(quiet, (uint64_t)k) = k * 3;
    /* 13313 inserts start the growth 11 -> 12 (2048 old buckets); 300 more leave it half done */
    growing = gort_makemap(&gort_type_int64_int64, 0);
    for (growing_len = 0; growing_len < 13313 + 300; growing_len++)
        *(int64_t *)gort_mapassign_fast64(growing, (uint64_t)growing_len) = growing_len * 3;
    gort_mapstats st;
    gort_map_stats(growing, &st);
    CHECK(st.growing, "the second map should be mid-growth");

    gort_wg_add(&collector_done, 1);
    gort_go("collector", collector, NULL);
    gort_wg_add(&readers_done, READERS);
    for (int i = 0; i < READERS; i++) gort_go("reader", reader, NULL);
    gort_wg_wait(&readers_done);
    atomic_store(&stop_collector, 1);
    gort_wg_wait(&collector_done);

    CHECK(!atomic_load(&bad), "a reader saw a wrong lookup or iteration");
    gort_map_stats(growing, &st);
    CHECK(st.growing && st.nevacuate < 2048, "readers never evacuate (nevacuate %llu)",
          (unsigned long long)st.nevacuate);
    /* writes work again afterwards: finish the growth */
    while (st.growing) {
        gort_mapassign_fast64(growing, 0);
        gort_map_stats(growing, &st);
    }
    CHECK(gort_maplen(growing) == growing_len, "len after the growth");
    return check_report("map_readers");
}
