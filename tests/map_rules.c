/*
 * map_rules.c — one check per rule of Go 1.19's map that gort models (see runtime/map.c and
 * docs go-1.19-semantics.md §1): key types, update vs insert, growth triggers, incremental
 * evacuation bounds, delete's emptyRest back-propagation, re-seeding, mapclear, nil maps,
 * misuse detection, use after free, and stats. White-box where Go's observed facts are about
 * slot states (map_internal.h gives the bucket layout).
 */
#include "map_check.h"
#include "map_internal.h"

#include <math.h>

/* ---- key types --------------------------------------------------------------------------- */

/* int64 keys: insert, update, lookup hit and miss, delete, len, through the fast paths and
 * through the generic entry points, which must agree. */
static void test_int64(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    for (int64_t k = -500; k < 500; k++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)k) = k * 3;
    CHECK(gort_maplen(m) == 1000, "len %lld", (long long)gort_maplen(m));
    for (int64_t k = -500; k < 500; k++) {
        bool ok;
        int64_t *v = gort_mapaccess2_fast64(m, (uint64_t)k, &ok);
        CHECK(ok && *v == k * 3, "key %lld", (long long)k);
        CHECK(*(int64_t *)gort_mapaccess1(m, &k) == k * 3, "generic access %lld", (long long)k);
    }
    bool ok = true;
    CHECK(*(int64_t *)gort_mapaccess2_fast64(m, 500, &ok) == 0 && !ok, "miss gives zero");
    int64_t k7 = 7;
    *(int64_t *)gort_mapassign(m, &k7) = 70; /* update through the generic path */
    CHECK(gort_maplen(m) == 1000 && *(int64_t *)gort_mapaccess1_fast64(m, 7) == 70, "update");
    for (int64_t k = -500; k < 500; k += 2) gort_mapdelete_fast64(m, (uint64_t)k);
    gort_mapdelete(m, &k7);
    CHECK(gort_maplen(m) == 499, "len after deletes %lld", (long long)gort_maplen(m));
    for (int64_t k = -500; k < 500; k++) {
        gort_mapaccess2_fast64(m, (uint64_t)k, &ok);
        CHECK(ok == ((k & 1) != 0 && k != 7), "presence of %lld", (long long)k);
    }
}

/* uint64 keys use the same fast paths; keys above 2^63 are ordinary keys. */
static void test_uint64(void) {
    gort_map *m = root(gort_makemap(&gort_type_uint64_int64, 0));
    for (uint64_t k = 0; k < 500; k++) *(int64_t *)gort_mapassign_fast64(m, ~k) = (int64_t)k;
    bool ok;
    for (uint64_t k = 0; k < 500; k++)
        CHECK(*(int64_t *)gort_mapaccess2_fast64(m, ~k, &ok) == (int64_t)k && ok, "key ~%llu", (unsigned long long)k);
    gort_mapaccess2_fast64(m, 5, &ok);
    CHECK(!ok && gort_maplen(m) == 500, "small key absent, len 500");
}

/* String keys compare by content; an update stores the new key header (needkeyupdate). */
static void test_string(void) {
    gort_map *m = root(gort_makemap(&gort_type_string_int64, 0));
    char bufs[300][16];
    for (int i = 0; i < 300; i++) {
        snprintf(bufs[i], sizeof bufs[i], "key-%d", i);
        *(int64_t *)gort_mapassign_faststr(m, gort_str(bufs[i])) = i;
    }
    CHECK(gort_maplen(m) == 300, "len");
    char copy[16] = "key-42";
    bool ok;
    CHECK(*(int64_t *)gort_mapaccess2_faststr(m, gort_str(copy), &ok) == 42 && ok, "content compare");
    *(int64_t *)gort_mapassign_faststr(m, gort_str(copy)) = 4242;
    CHECK(gort_maplen(m) == 300, "update keeps len");
    int seen = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        gort_string *k = it.key;
        if (k->len == 6 && memcmp(k->ptr, "key-42", 6) == 0) {
            seen++;
            CHECK(k->ptr == copy, "updated key header is the new one (Go's needkeyupdate)");
            CHECK(*(int64_t *)it.elem == 4242, "updated value");
        }
    }
    CHECK(seen == 1, "key-42 seen %d times", seen);
    gort_string empty = {"", 0};
    *(int64_t *)gort_mapassign_faststr(m, empty) = -1;
    CHECK(*(int64_t *)gort_mapaccess1_faststr(m, empty) == -1, "empty string key");
    gort_mapdelete_faststr(m, gort_str("key-7"));
    CHECK(!(gort_mapaccess2_faststr(m, gort_str("key-7"), &ok), ok), "deleted");
    CHECK(gort_maplen(m) == 300, "len %lld", (long long)gort_maplen(m));
}

/* A 24-byte struct key hashed with gort_memhash; a 200-byte element (above Go's 128-byte
 * limit: stored behind a pointer, as Go stores it). */
typedef struct { uint64_t a; uint32_t b; uint8_t pad[12]; } key24;
/* key24's hash and equality: its bytes (padding included, always zeroed here). */
static uint64_t key24_hash(const void *k, uint64_t seed) { return gort_memhash(k, sizeof(key24), seed); }
static bool key24_equal(const void *x, const void *y) { return memcmp(x, y, sizeof(key24)) == 0; }

/* Generic keys and large elements through the generic entry points; a set. */
static void test_generic(void) {
    gort_maptype t = {.name = "map[key24][200]byte", .keykind = GORT_KEY_GENERIC,
                      .keysize = sizeof(key24), .elemsize = 200, .hash = key24_hash,
                      .equal = key24_equal};
    gort_map *m = root(gort_makemap(&t, 0));
    for (uint32_t i = 0; i < 2000; i++) {
        key24 k = {.a = i * 0x9e3779b97f4a7c15ull, .b = i};
        uint8_t *e = gort_mapassign(m, &k);
        for (int j = 0; j < 200; j++) CHECK(e[j] == 0, "fresh element is zero");
        memset(e, (int)(i & 0xff), 200);
    }
    CHECK(gort_maplen(m) == 2000, "len");
    for (uint32_t i = 0; i < 2000; i++) {
        key24 k = {.a = i * 0x9e3779b97f4a7c15ull, .b = i};
        bool ok;
        uint8_t *e = gort_mapaccess2(m, &k, &ok);
        CHECK(ok && e[0] == (i & 0xff) && e[199] == (i & 0xff), "value of %u", i);
        if (i % 3 == 0) gort_mapdelete(m, &k);
    }
    CHECK(gort_maplen(m) == 2000 - 667, "len after deletes");
    /* a zero-size element: a set */
    gort_maptype set = {.name = "map[key24]struct{}", .keykind = GORT_KEY_GENERIC,
                        .keysize = sizeof(key24), .elemsize = 0, .hash = key24_hash,
                        .equal = key24_equal};
    gort_map *s = root(gort_makemap(&set, 0));
    key24 k = {.a = 1};
    gort_mapassign(s, &k);
    gort_mapassign(s, &k);
    bool ok;
    gort_mapaccess2(s, &k, &ok);
    CHECK(ok && gort_maplen(s) == 1, "set");
}

/* float64 keys with Go's rules: NaN hashes randomly and is never equal to itself, +0 == -0. */
static uint64_t f64_hash(const void *k, uint64_t seed) {
    double d;
    memcpy(&d, k, 8);
    if (d == 0) d = 0; /* +0 and -0 hash alike */
    if (d != d) return gort_memhash(&d, 8, seed ^ (uint64_t)rand() << 20 ^ (uint64_t)rand());
    return gort_memhash(&d, 8, seed);
}
/* float64 equality: NaN != NaN, +0 == -0. */
static bool f64_equal(const void *a, const void *b) { return *(const double *)a == *(const double *)b; }

/* A float64 key type written as a GENERIC one, beside the built-in GORT_KEY_FLOAT64. */
static const gort_maptype generic_f64 = {.name = "map[float64]int64", .keykind = GORT_KEY_GENERIC,
                                         .keysize = 8, .elemsize = 8, .hash = f64_hash,
                                         .equal = f64_equal, .irreflexive = true};

/* Non-reflexive keys of type t (float64 keys): every NaN insert is a new entry, never found,
 * always iterated; +0 and -0 are one key. */
static void test_nan_keys(const gort_maptype *t) {
    gort_map *m = root(gort_makemap(t, 0));
    double nan = NAN;
    *(int64_t *)gort_mapassign(m, &nan) = 1;
    *(int64_t *)gort_mapassign(m, &nan) = 2;
    CHECK(gort_maplen(m) == 2, "two NaN entries, len %lld", (long long)gort_maplen(m));
    bool ok;
    gort_mapaccess2(m, &nan, &ok);
    CHECK(!ok, "NaN never found");
    gort_mapdelete(m, &nan);
    CHECK(gort_maplen(m) == 2, "NaN never deleted");
    double pz = 0.0, nz = -0.0;
    *(int64_t *)gort_mapassign(m, &pz) = 5;
    *(int64_t *)gort_mapassign(m, &nz) = 6;
    CHECK(gort_maplen(m) == 3, "+0 and -0 are one key");
    for (int i = 0; i < 200; i++) *(int64_t *)gort_mapassign(m, &nan) = 7; /* grows with NaNs */
    int nans = 0, zeros = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        double d = *(double *)it.key;
        if (d != d) nans++;
        else if (d == 0) {
            zeros++;
            CHECK(signbit(d) && *(int64_t *)it.elem == 6, "stored key updated to -0 (Go)");
        }
    }
    CHECK(nans == 202 && zeros == 1, "range yields every NaN: %d, zero %d", nans, zeros);
}

/* ---- growth ------------------------------------------------------------------------------ */

/* Growth starts only on an insert of a new key: never on update, delete or lookup. */
static void test_growth_triggers(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    gort_mapstats st;
    for (uint64_t k = 0; k < 8; k++) gort_mapassign_fast64(m, k);
    gort_map_stats(m, &st);
    CHECK(st.B == 0, "8 keys fit B=0");
    for (uint64_t k = 0; k < 8; k++) gort_mapassign_fast64(m, k); /* updates */
    gort_map_stats(m, &st);
    CHECK(st.B == 0 && !st.growing, "updates never grow");
    gort_mapassign_fast64(m, 8);
    gort_map_stats(m, &st);
    CHECK(st.B == 1 && !st.growing, "9th key: B 0->1, done within the insert (B=%u)", st.B);
    /* a large growth: B 7 -> 8 at count 833 */
    for (uint64_t k = 9; k < 832; k++) gort_mapassign_fast64(m, k);
    gort_map_stats(m, &st);
    CHECK(st.B == 7 && !st.growing, "832 keys: B 7");
    for (uint64_t k = 0; k < 100; k++) gort_mapdelete_fast64(m, 100000 + k); /* absent */
    gort_map_stats(m, &st);
    CHECK(st.B == 7 && !st.growing, "deletes never grow");
    gort_mapassign_fast64(m, 832);
    gort_map_stats(m, &st);
    CHECK(st.B == 8 && st.growing, "833rd key starts growth to B 8");
    CHECK(st.nevacuate == 1 || st.nevacuate == 2, "triggering insert leaves nevacuate %llu",
          (unsigned long long)st.nevacuate);
    /* lookups and starting an iteration do not evacuate */
    uint64_t before = st.nevacuate;
    for (uint64_t k = 0; k < 2000; k++) gort_mapaccess1_fast64(m, k);
    gort_mapiter it;
    gort_mapiterinit(m, &it);
    gort_map_stats(m, &st);
    CHECK(st.nevacuate == before, "reads do not evacuate");
    /* every write advances nevacuate by 1..2 buckets; growth ends within nold writes */
    uint64_t nold = 128, writes = 1;
    while (st.growing) {
        uint64_t prev = st.nevacuate;
        switch (writes % 4) {
        case 0: gort_mapassign_fast64(m, writes % 832); break;      /* update */
        case 1: gort_mapdelete_fast64(m, 900000 + writes); break;  /* absent key */
        case 2: gort_mapdelete_fast64(m, writes % 832); break;     /* present key */
        default: gort_mapassign_fast64(m, 5000 + writes); break;   /* insert */
        }
        writes++;
        gort_map_stats(m, &st);
        uint64_t ne = st.growing ? st.nevacuate : nold;
        CHECK(ne >= prev + 1 && ne <= prev + 2 + 1024, "write %llu moved nevacuate %llu -> %llu",
              (unsigned long long)writes, (unsigned long long)prev, (unsigned long long)ne);
        CHECK(writes <= ne && ne <= 2 * writes, "j <= nevacuate <= 2j");
    }
    CHECK(writes >= nold / 2 && writes <= nold, "growth took %llu writes", (unsigned long long)writes);
    CHECK(st.nevacuate == nold, "nevacuate stays at nold after growth");
}

/* Same-size growth: churn at a fixed count until overflow buckets pile up; B is kept. */
static void test_same_size_grow(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    gort_mapstats st;
    uint64_t next = 0, oldest = 0;
    for (; next < 40; next++) *(int64_t *)gort_mapassign_fast64(m, next) = (int64_t)next;
    bool seen = false;
    for (int step = 0; step < 2000000 && !seen; step++) {
        gort_mapdelete_fast64(m, oldest++);
        *(int64_t *)gort_mapassign_fast64(m, next) = (int64_t)next;
        next++;
        gort_map_stats(m, &st);
        if (st.same_size_grow) {
            seen = true;
            CHECK(st.B == 3 && st.growing, "same-size growth keeps B 3 (B=%u)", st.B);
        }
    }
    CHECK(seen, "no same-size growth after churn");
    for (uint64_t k = oldest; k < next; k++)
        CHECK(*(int64_t *)gort_mapaccess1_fast64(m, k) == (int64_t)k, "key %llu", (unsigned long long)k);
    while (st.growing) {
        gort_mapassign_fast64(m, oldest);
        gort_map_stats(m, &st);
    }
    CHECK(!st.same_size_grow && (st.flags & FLAG_SAME_SIZE_GROW) == 0, "flag cleared at growdone");
}

/* Buckets for B >= 4 come with preallocated overflow buckets, handed out first. */
static void test_prealloc_overflow(void) {
    gort_map *small = root(gort_makemap(&gort_type_int64_int64, 100)); /* B 4 */
    gort_map *tiny = root(gort_makemap(&gort_type_int64_int64, 26));   /* B 2 */
    gort_mapstats st;
    gort_map_stats(small, &st);
    CHECK(st.B == 4 && small->next_overflow != NULL, "B 4 has preallocated overflow");
    CHECK(small->next_overflow == small->buckets + 16 * small->bucketsize, "right after 2^B");
    CHECK(array_hdr_of(small->buckets)->nalloc > 16, "nalloc %llu", (unsigned long long)array_hdr_of(small->buckets)->nalloc);
    gort_map_stats(tiny, &st);
    CHECK(st.B == 2 && tiny->next_overflow == NULL, "B 2 has none");
    /* Nine keys of bucket 0 under this map's seed: the ninth takes an overflow bucket, and it
     * comes from the array. (Filling with 0, 1, 2... until some bucket overflows would, for
     * about one seed in fifty, reach the load factor first and grow the map.) */
    for (uint64_t k = 0, n = 0; n < 9; k++)
        if ((gort__hash64(k, small->seed) & 15) == 0) {
            gort_mapassign_fast64(small, k);
            n++;
        }
    CHECK(small->noverflow == 1 && small->B == 4, "one overflow bucket, no growth");
    bool inside = false;
    for (uint64_t j = 0; j < 16; j++) {
        uint8_t *o = bucket_overflow(small, small->buckets + j * small->bucketsize);
        if (o) inside = o >= small->buckets && o < small->buckets + array_hdr_of(small->buckets)->nalloc * small->bucketsize;
    }
    CHECK(inside, "first overflow bucket is a preallocated one");
}

/* ---- delete ------------------------------------------------------------------------------ */

/* (The exact slot states of a one-bucket map through deletes are checked against Go's own
 * output in map_oracle.c.) */

/* Back-propagation across an overflow chain: deleting every key of a chain from the end
 * leaves the head bucket all emptyRest. */
static void test_empty_rest_chain(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    for (uint64_t k = 0; k < 1600; k++) gort_mapassign_fast64(m, k);
    while (m->oldbuckets) gort_mapassign_fast64(m, 0);
    uint8_t *head = NULL;
    for (uint64_t j = 0; j < ((uint64_t)1 << m->B) && !head; j++)
        if (bucket_overflow(m, m->buckets + j * m->bucketsize)) head = m->buckets + j * m->bucketsize;
    CHECK(head != NULL, "some chain has an overflow bucket");
    if (!head) return;
    for (uint64_t k = 0; k < 1600; k++) {
        uint64_t h = gort__hash64(k, m->seed) & (((uint64_t)1 << m->B) - 1);
        if (m->buckets + h * m->bucketsize == head) gort_mapdelete_fast64(m, k);
    }
    for (uint8_t *b = head; b; b = bucket_overflow(m, b))
        for (int i = 0; i < 8; i++) CHECK(b[i] == EMPTY_REST, "slot %d not emptyRest: %u", i, b[i]);
}

/* The seed is renewed when the map becomes empty (Go issue 25237), and by mapclear. */
static void test_reseed(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    gort_mapstats a, b;
    gort_mapassign_fast64(m, 1);
    gort_mapassign_fast64(m, 2);
    gort_map_stats(m, &a);
    gort_mapdelete_fast64(m, 1);
    gort_map_stats(m, &b);
    CHECK(a.hash0 == b.hash0, "not empty yet: same seed");
    gort_mapdelete_fast64(m, 2);
    gort_map_stats(m, &b);
    CHECK(a.hash0 != b.hash0, "emptied: new seed");
    gort_mapdelete_fast64(m, 2); /* empty map: no-op */
    gort_map_stats(m, &a);
    CHECK(a.hash0 == b.hash0, "delete on empty map changes nothing");
}

/* mapclear: count 0, B kept, growth abandoned, counters reset, new seed; map reusable. */
static void test_clear(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    gort_mapstats st, st2;
    for (uint64_t k = 0; k < 1665; k++) gort_mapassign_fast64(m, k); /* starts 8 -> 9 */
    gort_map_stats(m, &st);
    CHECK(st.B == 9 && st.growing, "mid-growth before clear");
    gort_mapclear(m);
    gort_map_stats(m, &st2);
    CHECK(st2.count == 0 && st2.B == 9 && !st2.growing && st2.nevacuate == 0 &&
          st2.noverflow == 0 && st2.hash0 != st.hash0 && !st2.same_size_grow,
          "after clear: count %lld B %u growing %d nevacuate %llu noverflow %u",
          (long long)st2.count, st2.B, st2.growing, (unsigned long long)st2.nevacuate, st2.noverflow);
    bool ok;
    gort_mapaccess2_fast64(m, 5, &ok);
    CHECK(!ok, "cleared key gone");
    gort_mapiter it;
    gort_mapiterinit(m, &it);
    CHECK(it.key == NULL, "nothing to iterate");
    for (uint64_t k = 0; k < 3000; k++) *(int64_t *)gort_mapassign_fast64(m, k) = (int64_t)k + 1;
    for (uint64_t k = 0; k < 3000; k++)
        CHECK(*(int64_t *)gort_mapaccess1_fast64(m, k) == (int64_t)k + 1, "reuse %llu", (unsigned long long)k);
    gort_mapclear(NULL); /* nil: no-op */
}

/* ---- nil maps, misuse, death ------------------------------------------------------------- */

/* Death cases, run in a child by expect_death. */
static void nil_assign(void) { gort_mapassign_fast64(NULL, 1); }
static void nil_assign_str(void) { gort_mapassign_faststr(NULL, gort_str("a")); }

/* The nil map: reads give zero, delete/len/range do nothing, assignment panics. */
static void test_nil(void) {
    bool ok = true;
    CHECK(*(int64_t *)gort_mapaccess1_fast64(NULL, 1) == 0, "zero");
    CHECK(*(int64_t *)gort_mapaccess2_faststr(NULL, gort_str("x"), &ok) == 0 && !ok, "zero, !ok");
    int64_t k = 3;
    CHECK(*(int64_t *)gort_mapaccess2(NULL, &k, &ok) == 0 && !ok, "generic zero");
    gort_mapdelete(NULL, &k);
    gort_mapdelete_fast64(NULL, 3);
    gort_mapdelete_faststr(NULL, gort_str("x"));
    CHECK(gort_maplen(NULL) == 0, "len 0");
    gort_mapiter it;
    gort_mapiterinit(NULL, &it);
    CHECK(it.key == NULL, "no iterations");
    gort_mapstats st;
    gort_map_stats(NULL, &st);
    CHECK(st.id == 0 && gort_map_id(NULL) == 0, "nil id 0");
    expect_death("nil_assign", 2, "panic: assignment to entry in nil map");
    expect_death("nil_assign_str", 2, "assignment to entry in nil map");
}

/* A write in progress (hashWriting set, as another thread would leave it) is detected. */
static gort_map *writing_map(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    for (uint64_t k = 0; k < 20; k++) gort_mapassign_fast64(m, k);
    m->flags |= FLAG_HASH_WRITING;
    return m;
}
/* Each write or read on a map another write is in (hashWriting set). */
static void race_assign(void) { gort_mapassign_fast64(writing_map(), 1); }
static void race_delete(void) { gort_mapdelete_fast64(writing_map(), 1); }
static void race_clear(void) { gort_mapclear(writing_map()); }
static void race_read(void) { gort_mapaccess1_fast64(writing_map(), 1); }
static void race_iter(void) {
    gort_map *m = root(gort_makemap(&gort_type_int64_int64, 0));
    for (uint64_t k = 0; k < 20; k++) gort_mapassign_fast64(m, k);
    gort_mapiter it;
    gort_mapiterinit(m, &it);
    m->flags |= FLAG_HASH_WRITING;
    gort_mapiternext(&it);
}

/* Go's fatal errors for misuse, with their exact texts and exit status 2. */
static void test_misuse(void) {
    expect_death("race_assign", 2, "fatal error: concurrent map writes");
    expect_death("race_delete", 2, "fatal error: concurrent map writes");
    expect_death("race_clear", 2, "fatal error: concurrent map writes");
    expect_death("race_read", 2, "fatal error: concurrent map read and map write");
    expect_death("race_iter", 2, "fatal error: concurrent map iteration and map write");
}

/* A map killed as the collector or its frame would kill it. */
static gort_map *dead_map(void) {
    gort_map *m = root(gort_makemap(&gort_type_string_int64, 0));
    gort_mapassign_faststr(m, gort_str("a"));
    gort__map_kill(m, GORT_FREE_FRAME);
    return m;
}
/* Each operation on a dead map. */
static void uaf_delete(void) { gort_mapdelete_faststr(dead_map(), gort_str("a")); }
static void uaf_access(void) { gort_mapaccess1_faststr(dead_map(), gort_str("a")); }
static void uaf_generic(void) { gort_string k = gort_str("a"); gort_mapassign(dead_map(), &k); }
static void uaf_len(void) { gort_maplen(dead_map()); }
static void uaf_iter(void) { gort_mapiter it; gort_mapiterinit(dead_map(), &it); }

/* Every operation on a killed map dies with "use of freed map". */
static void test_use_after_free(void) {
    expect_death("uaf_delete", 2, "fatal error: use of freed map");
    expect_death("uaf_access", 2, "fatal error: use of freed map");
    expect_death("uaf_generic", 2, "fatal error: use of freed map");
    expect_death("uaf_len", 2, "fatal error: use of freed map");
    expect_death("uaf_iter", 2, "fatal error: use of freed map");
}

/* ---- ids, stats, scan -------------------------------------------------------------------- */

/* Ids in creation order, stats, iterator flags across a grow, scanning a map of maps. */
static void test_ids_and_stats(void) {
    gort_map *a = root(gort_makemap(&gort_type_int64_int64, 0));
    gort_map *b = root(gort_makemap(&gort_type_int64_int64, 0));
    CHECK(gort_map_id(b) == gort_map_id(a) + 1, "ids in creation order");
    gort_mapstats st;
    gort_map_stats(a, &st);
    CHECK(st.id == gort_map_id(a) && st.count == 0 && st.B == 0 && st.flags == 0, "fresh stats");
    gort_mapiter it;
    gort_mapassign_fast64(a, 1);
    gort_mapiterinit(a, &it);
    gort_map_stats(a, &st);
    CHECK(st.flags == (FLAG_ITERATOR | FLAG_OLD_ITERATOR), "iterator flags %u", st.flags);
    for (uint64_t k = 2; k < 10; k++) gort_mapassign_fast64(a, k);
    gort_map_stats(a, &st);
    CHECK(st.flags == FLAG_OLD_ITERATOR, "flags 3 -> 2 across a grow (Go), got %u", st.flags);
    /* a map of maps: scanning walks everything without touching freed memory (ASan) */
    gort_map *mm = root(gort_makemap(&gort_type_string_map, 0));
    static char names[500][8];
    for (int i = 0; i < 500; i++) {
        snprintf(names[i], 8, "m%d", i);
        gort_store(gort_mapassign_faststr(mm, gort_str(names[i])), a); /* with the barrier */
    }
    gort__map_scan(mm);
    gort__map_scan(NULL);
    gort_mapclear(mm);
    gort__map_scan(mm);
}

static const death_case deaths[] = {
    {"nil_assign", nil_assign}, {"nil_assign_str", nil_assign_str},
    {"race_assign", race_assign}, {"race_delete", race_delete}, {"race_clear", race_clear},
    {"race_read", race_read}, {"race_iter", race_iter},
    {"uaf_delete", uaf_delete}, {"uaf_access", uaf_access}, {"uaf_generic", uaf_generic},
    {"uaf_len", uaf_len}, {"uaf_iter", uaf_iter},
};

/* Runs a death case when asked (--die), else every rule; exit 0 when all held. */
int main(int argc, char **argv) {
    die_if_asked(argc, argv, deaths, sizeof deaths / sizeof deaths[0]);
    test_int64();
    test_uint64();
    test_string();
    test_generic();
    test_nan_keys(&generic_f64);
    test_nan_keys(&gort_type_float64_int64);
    test_growth_triggers();
    test_same_size_grow();
    test_prealloc_overflow();
    test_empty_rest_chain();
    test_reseed();
    test_clear();
    test_nil();
    test_misuse();
    test_use_after_free();
    test_ids_and_stats();
    return check_report("map_rules");
}
