/*
 * map_types.c — gort's map layout per type against Go 1.19's: tests/go/map/types.out, printed
 * by tests/go/map/types.go for the types of tests/map_gotypes.h. For every type: the key and
 * element sizes, the bucket size, whether keys and elements are stored indirectly (over 128
 * bytes), whether the key's == is reflexive and, for key kinds with a fixed == (all but
 * GENERIC, which gort always treats as needing it), Go's needkeyupdate; for every hint, the
 * initial B and the number of preallocated overflow buckets. Then each type's maps are used
 * for real — inserts, a forced collection (indirect keys and elements must survive it),
 * lookups, misses (a zero element of the full size, fat ones included), deletes, iteration
 * and the range-delete loop — and an element over 128 bytes with a pointer word keeps the
 * map it points to alive. TYPES_OUT overrides the data file's path.
 */
#include "map_check.h"
#include "map_gotypes.h"
#include "map_internal.h"

/* Preallocated overflow buckets of a fresh map: allocated buckets beyond 2^B. */
static uint64_t prealloc_of(gort_map *m) {
    return m->buckets ? array_hdr_of(m->buckets)->nalloc - ((uint64_t)1 << m->B) : 0;
}

/* One "type" line: sizes, bucket size and flags of a map of that type. */
static void check_type_line(const char *line) {
    char name[64];
    unsigned ks, es, bs, ik, ie, refl, upd;
    if (sscanf(line, "type %63s %u %u %u %u %u %u %u", name, &ks, &es, &bs, &ik, &ie, &refl, &upd) != 8)
        return;
    const gort_maptype *t = gt_find(name);
    CHECK(t != NULL, "type %s of types.out is not in map_gotypes.h", name);
    if (!t) return;
    gort_map *m = root(gort_makemap(t, 0));
    CHECK(t->keysize == ks && t->elemsize == es, "%s: sizes %u/%u, Go %u/%u", name, t->keysize,
          t->elemsize, ks, es);
    CHECK(m->bucketsize == bs, "%s: bucket %u bytes, Go %u", name, m->bucketsize, bs);
    CHECK(!!(m->tflags & TF_INDIRECT_KEY) == ik && !!(m->tflags & TF_INDIRECT_ELEM) == ie,
          "%s: indirect key/elem %d/%d, Go %u/%u", name, !!(m->tflags & TF_INDIRECT_KEY),
          !!(m->tflags & TF_INDIRECT_ELEM), ik, ie);
    CHECK(gort__maptype_reflexive(t) == (refl == 1), "%s: reflexive %d, Go %u", name,
          gort__maptype_reflexive(t), refl);
    if (t->keykind != GORT_KEY_GENERIC)
        CHECK(!!(m->tflags & TF_KEY_UPDATE) == upd, "%s: needkeyupdate %d, Go %u", name,
              !!(m->tflags & TF_KEY_UPDATE), upd);
}

/* One "prealloc" line: makemap(hint)'s B and preallocated overflow buckets. */
static int check_prealloc_line(const char *line) {
    char name[64];
    long hint;
    unsigned B;
    unsigned long n;
    if (sscanf(line, "prealloc %63s %ld %u %lu", name, &hint, &B, &n) != 4) return 0;
    const gort_maptype *t = gt_find(name);
    if (!t) return 0;
    gort_map *m = root(gort_makemap(t, hint));
    CHECK(m->B == B, "%s hint %ld: B %u, Go %u", name, hint, m->B, B);
    CHECK(prealloc_of(m) == n, "%s hint %ld: %llu preallocated overflow buckets, Go %lu", name,
          hint, (unsigned long long)prealloc_of(m), n);
    return 1;
}

enum { N = 3000 };
static char strs[N + 8][24]; /* string keys 0 .. N+7 */

/* Writes the element pattern of key i: i in the first bytes, i's low byte in the last. */
static void fill_elem(uint8_t *e, uint32_t size, uint64_t i) {
    memcpy(e, &i, size < 8 ? size : 8);
    if (size > 8) e[size - 1] = (uint8_t)i;
}
/* Whether e holds key i's pattern. */
static bool elem_is(const uint8_t *e, uint32_t size, uint64_t i) {
    uint8_t want[8];
    memcpy(want, &i, 8);
    if (memcmp(e, want, size < 8 ? size : 8) != 0) return false;
    return size <= 8 || e[size - 1] == (uint8_t)i;
}
/* Whether size bytes at e are all zero. */
static bool all_zero(const uint8_t *e, uint32_t size) {
    for (uint32_t j = 0; j < size; j++)
        if (e[j]) return false;
    return true;
}

/* The key buffer of key i (pointer keys: the i-th environment of the envs map). */
static void key_of_i(const gort_maptype *t, uint64_t i, uint8_t *buf, void **envs) {
    if (t->keykind == GORT_KEY_PTR) memcpy(buf, &envs[i], 8);
    else gt_key(t, i, buf, strs);
}

/* A map of type t used for real through the compiled entry points (gort_mapassign ...). */
static void exercise(const gort_maptype *t) {
    static void *envs[N];   /* pointer keys: environments kept alive only by the map */
    static void *fresh;     /* a root for an environment until it is a key */
    static bool registered;
    if (!registered) {
        gort_register_global(&fresh);
        registered = true;
    }
    uint8_t key[256];
    gort_map *m = root(gort_makemap(t, 0));
    for (uint64_t i = 0; i < N; i++) {
        if (t->keykind == GORT_KEY_PTR) fresh = envs[i] = gort_closure_new(16, 0);
        key_of_i(t, i, key, envs);
        uint8_t *e = gort_mapassign(m, key);
        CHECK(all_zero(e, t->elemsize), "%s: new element %llu not zero", t->name, (unsigned long long)i);
        fill_elem(e, t->elemsize, i);
    }
    fresh = NULL;
    gort_gc(); /* indirect keys and elements, and pointer keys, are reachable only from m */
    CHECK(gort_maplen(m) == N, "%s: len %lld", t->name, (long long)gort_maplen(m));
    for (uint64_t i = 0; i < N; i++) {
        if (t->keykind == GORT_KEY_PTR) CHECK(!gort__gc_is_dead(envs[i]), "%s: key %llu freed", t->name, (unsigned long long)i);
        key_of_i(t, i, key, envs);
        bool ok;
        uint8_t *e = gort_mapaccess2(m, key, &ok);
        CHECK(ok && elem_is(e, t->elemsize, i), "%s: value of key %llu", t->name, (unsigned long long)i);
        CHECK(gort_mapaccess1(m, key) == e, "%s: mapaccess1 and 2 disagree", t->name);
        if (i % 3 == 0) gort_mapdelete(m, key);
    }
    uint8_t miss[256];
    if (t->keykind == GORT_KEY_PTR) memset(miss, 0, 8); /* the NULL key, never inserted */
    else gt_key(t, N + 7, miss, strs);
    bool ok = true;
    uint8_t *z = gort_mapaccess2(m, miss, &ok);
    CHECK(!ok && all_zero(z, t->elemsize), "%s: a miss reads a zero element", t->name);
    CHECK(gort_maplen(m) == N - N / 3, "%s: len after deletes %lld", t->name, (long long)gort_maplen(m));
    uint64_t seen = 0;
    gort_mapiter it;
    for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) {
        uint64_t i;
        memcpy(&i, it.elem, t->elemsize < 8 ? t->elemsize : 8);
        if (t->elemsize < 8) i &= ((uint64_t)1 << (8 * t->elemsize)) - 1;
        if (t->elemsize > 0) {
            key_of_i(t, i, key, envs);
            CHECK(i < N && i % 3 != 0 && memcmp(it.key, key, t->keysize) == 0, "%s: iteration entry %llu",
                  t->name, (unsigned long long)i);
        }
        seen++;
    }
    CHECK(seen == N - N / 3, "%s: iteration saw %llu", t->name, (unsigned long long)seen);
    uint8_t B = m->B;
    gort_maprange_delete(t, m);
    CHECK(gort_maplen(m) == 0 && m->B == B, "%s: the range-delete loop emptied the map, keeping B", t->name);
}

/* An element over 128 bytes holding a map pointer: stored indirectly, scanned by its mask. */
static void check_indirect_pointer_elem(void) {
    const gort_maptype t = {.name = "map[int64]struct{m *hmap; pad [192]byte}", .keykind = GORT_KEY_INT64,
                            .keysize = 8, .elemsize = 200, .elem_ptrmask = 1};
    static gort_map *inner; /* a root for each new map until the map holds it */
    gort_register_global(&inner);
    gort_map *m = root(gort_makemap(&t, 0));
    CHECK(m->tflags & TF_INDIRECT_ELEM, "element of 200 bytes is indirect");
    for (uint64_t i = 0; i < 100; i++) {
        inner = gort_makemap(&gort_type_int64_int64, 0);
        void **e = gort_mapassign(m, &i);
        gort_store(e, inner);
    }
    inner = NULL;
    gort_gc();
    for (uint64_t i = 0; i < 100; i++) {
        gort_map **e = gort_mapaccess1(m, &i);
        CHECK(*e && !gort__gc_is_dead(*e), "inner map %llu kept alive by its indirect element", (unsigned long long)i);
        gort_mapassign_fast64(*e, i);
    }
    for (uint64_t i = 0; i < 50; i++) gort_mapdelete(m, &i);
    gort_gc();
    CHECK(gort_maplen(m) == 50, "len %lld", (long long)gort_maplen(m));
}

/* Compares gort with Go's recorded output, then uses every type; exit 0 when all holds. */
int main(void) {
    const char *path = getenv("TYPES_OUT") ? getenv("TYPES_OUT") : "tests/go/map/types.out";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "map_types: cannot open %s (run from the repository root)\n", path);
        return 1;
    }
    char line[256];
    int types = 0, hints = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "type ", 5) == 0) {
            check_type_line(line);
            types++;
        }
        hints += check_prealloc_line(line);
    }
    fclose(f);
    CHECK(types == (int)GT_NTYPES && hints > 20 * types, "%d types, %d hint lines", types, hints);
    for (size_t i = 0; i < GT_NTYPES; i++) exercise(&gt_types[i]);
    check_indirect_pointer_elem();
    return check_report("map_types");
}
