/*
 * map_gotypes.h — the map types of tests/go/map/types.go and paths.go, as gort describes them,
 * under the same names, for the tests that hold gort's layout and path choice against what
 * Go 1.19 printed (tests/map_types.c, tests/progs/map_paths.c). The generic key types hash
 * and compare as Go's do: byte arrays by their bytes, kfloat (struct { a int32; f float64 })
 * field by field with float ==, so it is irreflexive.
 */
#ifndef MAP_GOTYPES_H
#define MAP_GOTYPES_H

#include "gort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte-array keys: Go's memhash and memequal over the whole key. */
static uint64_t gt_k12_hash(const void *k, uint64_t s) { return gort_memhash(k, 12, s); }
static bool gt_k12_equal(const void *a, const void *b) { return memcmp(a, b, 12) == 0; }
static uint64_t gt_k128_hash(const void *k, uint64_t s) { return gort_memhash(k, 128, s); }
static bool gt_k128_equal(const void *a, const void *b) { return memcmp(a, b, 128) == 0; }
static uint64_t gt_k129_hash(const void *k, uint64_t s) { return gort_memhash(k, 129, s); }
static bool gt_k129_equal(const void *a, const void *b) { return memcmp(a, b, 129) == 0; }
static uint64_t gt_k200_hash(const void *k, uint64_t s) { return gort_memhash(k, 200, s); }
static bool gt_k200_equal(const void *a, const void *b) { return memcmp(a, b, 200) == 0; }

/* kfloat: Go's struct { a int32; f float64 } (16 bytes with padding). */
typedef struct gt_kfloat {
    int32_t a;
    int32_t pad; /* always zero */
    double f;
} gt_kfloat;
/* kfloat's hash: a, and f as Go's f64hash (+0 and -0 alike, a NaN at random). */
static uint64_t gt_kfloat_hash(const void *k, uint64_t s) {
    gt_kfloat v;
    memcpy(&v, k, sizeof v);
    uint64_t h = gort_memhash(&v.a, 4, s);
    if (v.f == 0) return gort_memhash(&h, 8, s);
    if (v.f != v.f) return gort_memhash(&h, 8, s ^ (uint64_t)(uintptr_t)k ^ (h << 7) ^ (uint64_t)rand());
    return gort_memhash(&v.f, 8, h);
}
/* kfloat's ==: field by field, NaN unequal to itself. */
static bool gt_kfloat_equal(const void *a, const void *b) {
    const gt_kfloat *x = a, *y = b;
    return x->a == y->a && x->f == y->f;
}

#define GT_GEN(n, ks, es, h, e) \
    { .name = n, .keykind = GORT_KEY_GENERIC, .keysize = ks, .elemsize = es, .hash = h, .equal = e }
#define GT(n, kind, ks, es) { .name = n, .keykind = kind, .keysize = ks, .elemsize = es }

/* The types, in types.go's order. */
static const gort_maptype gt_types[] = {
    GT("int64_int64", GORT_KEY_INT64, 8, 8),
    GT("uint64_int64", GORT_KEY_UINT64, 8, 8),
    GT("int32_int32", GORT_KEY_INT32, 4, 4),
    GT("uint32_int64", GORT_KEY_UINT32, 4, 8),
    GT("string_int64", GORT_KEY_STRING, sizeof(gort_string), 8),
    GT("ptr_int64", GORT_KEY_PTR, 8, 8),
    GT("float64_int64", GORT_KEY_FLOAT64, 8, 8),
    GT("float32_int32", GORT_KEY_FLOAT32, 4, 4),
    GT_GEN("k12_int64", 12, 8, gt_k12_hash, gt_k12_equal),
    { .name = "kfloat_int64", .keykind = GORT_KEY_GENERIC, .keysize = 16, .elemsize = 8,
      .hash = gt_kfloat_hash, .equal = gt_kfloat_equal, .irreflexive = true },
    GT("int64_empty", GORT_KEY_INT64, 8, 0),
    GT("int64_e128", GORT_KEY_INT64, 8, 128),
    GT("int64_e129", GORT_KEY_INT64, 8, 129),
    GT("int64_e200", GORT_KEY_INT64, 8, 200),
    GT("int64_e1500", GORT_KEY_INT64, 8, 1500),
    GT("int64_e5000", GORT_KEY_INT64, 8, 5000),
    GT_GEN("k128_int64", 128, 8, gt_k128_hash, gt_k128_equal),
    GT_GEN("k129_int64", 129, 8, gt_k129_hash, gt_k129_equal),
    GT_GEN("k200_e200", 200, 200, gt_k200_hash, gt_k200_equal),
    GT("string_e200", GORT_KEY_STRING, sizeof(gort_string), 200),
    GT("int32_e129", GORT_KEY_INT32, 4, 129),
    GT("ptr_e200", GORT_KEY_PTR, 8, 200),
};
#define GT_NTYPES (sizeof gt_types / sizeof gt_types[0])

/* The type called `name`, or NULL. */
static inline const gort_maptype *gt_find(const char *name) {
    for (size_t i = 0; i < GT_NTYPES; i++)
        if (strcmp(gt_types[i].name, name) == 0) return &gt_types[i];
    return NULL;
}

/* Fills buf (the type's keysize bytes) with the key numbered i for a type whose keys are not
 * pointers: distinct i give distinct keys, every key equal to itself. strs holds the
 * strings of string keys (at least 24 bytes per entry, i < its count). */
static inline void gt_key(const gort_maptype *t, uint64_t i, void *buf, char (*strs)[24]) {
    memset(buf, 0, t->keysize);
    switch (t->keykind) {
    case GORT_KEY_INT64: case GORT_KEY_UINT64: {
        uint64_t v = i * 0x9e3779b97f4a7c15ull;
        memcpy(buf, &v, 8);
        break;
    }
    case GORT_KEY_INT32: case GORT_KEY_UINT32: {
        uint32_t v = (uint32_t)i * 2654435761u;
        memcpy(buf, &v, 4);
        break;
    }
    case GORT_KEY_FLOAT64: {
        double v = (double)i * 1.5 - 1000;
        memcpy(buf, &v, 8);
        break;
    }
    case GORT_KEY_FLOAT32: {
        float v = (float)i * 0.25f;
        memcpy(buf, &v, 4);
        break;
    }
    case GORT_KEY_STRING: {
        snprintf(strs[i], 24, "key-%llu", (unsigned long long)i);
        gort_string s = gort_str(strs[i]);
        memcpy(buf, &s, sizeof s);
        break;
    }
    default:
        if (t->hash == gt_kfloat_hash) {
            gt_kfloat v = {.a = (int32_t)i, .f = (double)i * 0.5};
            memcpy(buf, &v, sizeof v);
        } else {
            memcpy(buf, &i, 8);
            ((uint8_t *)buf)[t->keysize - 1] = (uint8_t)(i * 7 + 1);
        }
    }
}

#endif /* MAP_GOTYPES_H */
