/*
 * tracer_pack.c — unit test of the raw file's packed records (tracer/pack.c): streams of
 * records packed one after another unpack to exactly the words packed, and a run of records
 * on one map packs small whatever the map word is (an address as the Go hook writes it, or a
 * small id as libgort's): the packing's reason to exist.
 *
 * The streams: a run of mapassign records with a growing count, whose map word is a Go heap
 * address; records whose words are random (each word zero, small, near the previous one, or
 * any 64-bit value, so differences wrap around); records with stacks, the same stack repeated
 * and a new one; and every record packed and unpacked across the chunk boundaries of the
 * drain (each chunk starting against zeros).
 *
 * The source is compiled in, as the tools are no library.
 */
#include "../tracer/pack.c"

#include <stdlib.h>

#include "check.h"

#define EXTRA_MAX 8
#define NREC 4096

typedef struct rec {
    uint64_t w[GORT_W_COUNT + EXTRA_MAX];
} rec;

/* A random 64-bit value (rand() gives 31 bits at a time). */
static uint64_t rand64(void) {
    return (uint64_t)rand() << 62 ^ (uint64_t)rand() << 31 ^ (uint64_t)rand();
}

/* A word that is zero, small, close to prev, or anything. */
static uint64_t some_word(uint64_t prev) {
    switch (rand() % 4) {
    case 0: return 0;
    case 1: return (uint64_t)(rand() % 300);
    case 2: return prev + (uint64_t)(rand() % 200) - 100;
    default: return rand64();
    }
}

/* Packs recs[0..n) into chunks of at most `chunk` records, unpacks each chunk and checks every
 * word came back; returns the packed bytes. */
static size_t round_trip(const rec *recs, size_t n, size_t chunk) {
    static uint8_t buf[NREC * (GORT_W_COUNT + EXTRA_MAX) * 11];
    size_t total = 0;
    for (size_t first = 0; first < n; first += chunk) {
        size_t last = first + chunk < n ? first + chunk : n;
        pack_state ps;
        memset(&ps, 0, sizeof ps);
        uint8_t *p = buf;
        for (size_t i = first; i < last; i++) {
            unsigned extra = GORT_INFO_EXTRA(recs[i].w[GORT_W_INFO]);
            p = pack_record(&ps, recs[i].w, recs[i].w + GORT_W_COUNT, extra, p);
        }
        CHECK((size_t)(p - buf) <= pack_bound((last - first) * (GORT_W_COUNT + EXTRA_MAX)));
        total += (size_t)(p - buf);
        unpack_state us;
        memset(&us, 0, sizeof us);
        uint64_t out[GORT_W_COUNT + EXTRA_MAX] = { 0 };
        const uint8_t *q = buf;
        for (size_t i = first; i < last; i++) {
            CHECK(unpack_record(&us, &q, p, out, EXTRA_MAX));
            unsigned extra = GORT_INFO_EXTRA(recs[i].w[GORT_W_INFO]);
            CHECK(!memcmp(out, recs[i].w, (GORT_W_COUNT + extra) * 8));
        }
        CHECK(q == p);
        CHECK(!unpack_record(&us, &q, p, out, EXTRA_MAX)); /* nothing past the end */
    }
    return total;
}

/* A run of mapassigns on one map, count growing: a few bytes a record, address or id. */
static void one_map_packs_small(void) {
    static rec r[NREC];
    size_t by_id = 0;
    for (int as_address = 0; as_address < 2; as_address++) {
        for (size_t i = 0; i < NREC; i++) {
            memset(&r[i], 0, sizeof r[i]);
            r[i].w[GORT_W_TS] = 1000 + i * 180 + (uint64_t)(rand() % 40);
            r[i].w[GORT_W_INFO] = GORT_INFO(GORT_EV_mapassign, 0, 0);
            r[i].w[GORT_W_GOID] = 1;
            r[i].w[GORT_W_MAP] = as_address ? 0xc000104a80ull : 3;
            r[i].w[GORT_W_ARG0] = i; /* the key */
            r[i].w[GORT_W_ARG1] = i + 1; /* the count */
        }
        size_t bytes = round_trip(r, NREC, NREC);
        printf("one map, %s: %.2f bytes a record\n", as_address ? "address" : "id", (double)bytes / NREC);
        /* mask, TS (a 2-byte difference), key and count (1 byte each): the first record more */
        CHECK(bytes <= NREC * 5 + 16, "%zu bytes", bytes);
        if (!as_address) by_id = bytes;
        else CHECK(bytes <= by_id + 8, "an address costs more than an id: %zu vs %zu bytes", bytes, by_id);
    }
}

/* Random words, random stacks (some repeated), over several chunk sizes. */
static void random_records_round_trip(void) {
    static rec r[NREC];
    for (size_t i = 0; i < NREC; i++) {
        const rec *prev = i ? &r[i - 1] : NULL;
        unsigned extra = (unsigned)(rand() % 3 == 0 ? rand() % (EXTRA_MAX + 1) : 0);
        if (prev && rand() % 4 == 0) extra = GORT_INFO_EXTRA(prev->w[GORT_W_INFO]);
        r[i].w[GORT_W_TS] = prev ? prev->w[GORT_W_TS] + (uint64_t)(rand() % 1000) - 100 : 5;
        unsigned kind = prev && rand() % 2 ? GORT_INFO_KIND(prev->w[GORT_W_INFO]) : 1 + (unsigned)(rand() % 60);
        r[i].w[GORT_W_INFO] = GORT_INFO(kind, extra, 0);
        for (unsigned k = GORT_W_GOID; k < GORT_W_COUNT; k++)
            r[i].w[k] = prev && rand() % 3 == 0 ? prev->w[k] : some_word(prev ? prev->w[k] : 0);
        for (unsigned e = 0; e < extra; e++) /* the same stack as the record before, or another */
            r[i].w[GORT_W_COUNT + e] = prev && GORT_INFO_EXTRA(prev->w[GORT_W_INFO]) == extra && rand() % 2
                                           ? prev->w[GORT_W_COUNT + e]
                                           : 0x400000 + rand64() % 0x100000;
    }
    size_t chunks[] = { 1, 2, 7, 100, NREC };
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) round_trip(r, NREC, chunks[c]);
}

int main(void) {
    srand(20261203);
    one_map_packs_small();
    random_records_round_trip();
    if (check_failures) return 1;
    printf("ok\n");
    return 0;
}
