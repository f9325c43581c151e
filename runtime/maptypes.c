/*
 * maptypes.c — map types: the ready-made ones of gort.h, and what a type's key kind and sizes
 * decide about every map of that type, as Go 1.19's compiler decides it.
 *
 * Layout (Go's reflectdata.MapBucketType and runtime.maptype). A key or element larger than
 * 128 bytes (Go's maxKeySize / maxElemSize) is not stored in the bucket: the bucket's slot
 * holds a pointer to a heap object of its own ("indirect"), allocated when the key is
 * inserted. So the slot sizes, and with them the bucket size (8 tophash bytes, 8 key slots, 8
 * element slots, the overflow pointer) and the number of preallocated overflow buckets, are
 * Go's for every type: map[int64][200]byte has 144-byte buckets, as in Go.
 *
 * Code paths (Go's walk.mapfast). An element over 128 bytes sends every operation to the
 * generic runtime functions whatever the key; otherwise 4-byte memory keys take the fast32
 * functions, 8-byte integer keys fast64, pointer keys fast64 with mapassign_fast64ptr (the key
 * is written with the write barrier), strings faststr, and every other key (floats, structs,
 * arrays) the generic ones. A lookup of an element over 1024 bytes (Go's zeroValSize) is
 * mapaccess1_fat / mapaccess2_fat. A map records its path once, at makemap; the entry points
 * follow it and the fast entry points refuse a map of another path.
 *
 * Keys and ==. The generic path hashes and compares with the map's own hash and equal
 * functions: the type's for GENERIC keys, built-in ones for the other kinds, which hash
 * exactly as the fast paths do (a map's keys must hash alike whichever path touches them).
 * Float keys follow Go's f64hash / f32hash: +0 and -0 hash alike (they are ==), and a NaN
 * hashes at random, so that a NaN, never equal to anything, lands anywhere. A key kind's ==
 * is reflexive unless it is a float or the GENERIC type says `irreflexive`; Go's compiler
 * turns `for k := range m { delete(m, k) }` into mapclear only for reflexive keys.
 */
#include "map_internal.h"

/* ---- the ready-made types --------------------------------------------------------------- */

const gort_maptype gort_type_int64_int64 = {
    .name = "map[int64]int64", .keykind = GORT_KEY_INT64, .keysize = 8, .elemsize = 8,
};
const gort_maptype gort_type_uint64_int64 = {
    .name = "map[uint64]int64", .keykind = GORT_KEY_UINT64, .keysize = 8, .elemsize = 8,
};
const gort_maptype gort_type_string_int64 = {
    .name = "map[string]int64", .keykind = GORT_KEY_STRING, .keysize = sizeof(gort_string),
    .elemsize = 8,
};
const gort_maptype gort_type_string_map = {
    .name = "map[string]map", .keykind = GORT_KEY_STRING, .keysize = sizeof(gort_string),
    .elemsize = sizeof(gort_map *), .elem_ptrmask = 1,
};
const gort_maptype gort_type_int32_int32 = {
    .name = "map[int32]int32", .keykind = GORT_KEY_INT32, .keysize = 4, .elemsize = 4,
};
const gort_maptype gort_type_ptr_int64 = {
    .name = "map[*T]int64", .keykind = GORT_KEY_PTR, .keysize = 8, .elemsize = 8,
};
const gort_maptype gort_type_float64_int64 = {
    .name = "map[float64]int64", .keykind = GORT_KEY_FLOAT64, .keysize = 8, .elemsize = 8,
};

/* ---- built-in hash and equal of the key kinds, for the generic path ---------------------- */

/* 8-byte keys (integers, pointers): the fast64 path's hash. */
static uint64_t hash_mem64(const void *k, uint64_t seed) { return gort__hash64(rd8(k), seed); }
static bool equal_mem64(const void *a, const void *b) { return rd8(a) == rd8(b); }
/* 4-byte keys: the fast32 path's hash. */
static uint64_t hash_mem32(const void *k, uint64_t seed) { return gort__hash64(rd4(k), seed); }
static bool equal_mem32(const void *a, const void *b) { return rd4(a) == rd4(b); }
/* Strings: the faststr path's hash of the bytes. */
static uint64_t hash_str(const void *k, uint64_t seed) {
    const gort_string *s = k;
    return gort__hashbytes(s->ptr, s->len, seed);
}
static bool equal_str(const void *a, const void *b) {
    const gort_string *x = a, *y = b;
    return x->len == y->len && (x->ptr == y->ptr || memcmp(x->ptr, y->ptr, x->len) == 0);
}
/* float64 (Go's f64hash): +0 and -0 hash alike; a NaN hashes at random. */
static uint64_t hash_f64(const void *k, uint64_t seed) {
    double d;
    memcpy(&d, k, 8);
    if (d == 0) return gort__hash64(0, seed);
    if (d != d) return gort__hash64(gort__fastrand64(), seed);
    return gort__hash64(rd8(k), seed);
}
static bool equal_f64(const void *a, const void *b) {
    double x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x == y;
}
/* float32 (Go's f32hash): the same rules. */
static uint64_t hash_f32(const void *k, uint64_t seed) {
    float f;
    memcpy(&f, k, 4);
    if (f == 0) return gort__hash64(0, seed);
    if (f != f) return gort__hash64(gort__fastrand64(), seed);
    return gort__hash64(rd4(k), seed);
}
static bool equal_f32(const void *a, const void *b) {
    float x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return x == y;
}

/* ---- checking a type and laying out its maps -------------------------------------------- */

/* The key size a kind requires, 0 for any (GENERIC). */
static uint32_t kind_keysize(gort_keykind k) {
    switch (k) {
    case GORT_KEY_INT64: case GORT_KEY_UINT64: case GORT_KEY_PTR: case GORT_KEY_FLOAT64: return 8;
    case GORT_KEY_INT32: case GORT_KEY_UINT32: case GORT_KEY_FLOAT32: return 4;
    case GORT_KEY_STRING: return sizeof(gort_string);
    default: return 0;
    }
}

/* Why t cannot describe a map, or NULL when it can. */
static const char *type_problem(const gort_maptype *t) {
    if (!t) return "makemap: nil map type";
    if (t->keykind < GORT_KEY_INT64 || t->keykind > GORT_KEY_FLOAT32) return "makemap: unknown key kind";
    uint32_t ks = kind_keysize(t->keykind);
    if (ks && t->keysize != ks) return "makemap: key size does not match the key kind";
    if (t->keykind == GORT_KEY_GENERIC && (!t->hash || !t->equal))
        return "makemap: generic key type without hash or equal";
    if (t->elem_ptrmask && (t->elemsize % 8 != 0 ||
                            (t->elemsize / 8 < 64 && t->elem_ptrmask >> (t->elemsize / 8))))
        return "makemap: elem_ptrmask outside the element or element not 8-byte sized";
    return NULL;
}

/* Go's mapfast for a type: which functions its operations run. */
static uint8_t select_path(const gort_maptype *t) {
    if (t->elemsize > MAP_MAX_INLINE) return PATH_GENERIC;
    switch (t->keykind) {
    case GORT_KEY_INT32: case GORT_KEY_UINT32: return PATH_FAST32;
    case GORT_KEY_INT64: case GORT_KEY_UINT64: return PATH_FAST64;
    case GORT_KEY_PTR: return PATH_FAST64PTR;
    case GORT_KEY_STRING: return PATH_FASTSTR;
    default: return PATH_GENERIC;
    }
}

/* The specialised code (KK_*) that serves a path. */
static uint8_t path_code(uint8_t path) {
    switch (path) {
    case PATH_FAST32: return KK_U32;
    case PATH_FAST64: case PATH_FAST64PTR: return KK_U64;
    case PATH_FASTSTR: return KK_STR;
    default: return KK_GEN;
    }
}

/* Sets the key's hash and equal functions of h from t's kind. */
static void set_key_functions(gort_map *h, const gort_maptype *t) {
    switch (t->keykind) {
    case GORT_KEY_INT64: case GORT_KEY_UINT64: case GORT_KEY_PTR:
        h->hash = hash_mem64, h->equal = equal_mem64; break;
    case GORT_KEY_INT32: case GORT_KEY_UINT32: h->hash = hash_mem32, h->equal = equal_mem32; break;
    case GORT_KEY_STRING: h->hash = hash_str, h->equal = equal_str; break;
    case GORT_KEY_FLOAT64: h->hash = hash_f64, h->equal = equal_f64; break;
    case GORT_KEY_FLOAT32: h->hash = hash_f32, h->equal = equal_f32; break;
    default: h->hash = t->hash, h->equal = t->equal; break;
    }
}

/* gort__map_layout: checks t (a fatal error names what is wrong) and sets everything h's
 * operations need to know of its type: path, slot and bucket sizes, indirection, key
 * functions and the properties of its ==. */
void gort__map_layout(gort_map *h, const gort_maptype *t) {
    const char *bad = type_problem(t);
    if (bad) gort_fatal(bad);
    h->t = t;
    h->path = select_path(t);
    h->kk = path_code(h->path);
    uint8_t f = 0;
    if (t->keysize > MAP_MAX_INLINE) f |= TF_INDIRECT_KEY;
    if (t->elemsize > MAP_MAX_INLINE) f |= TF_INDIRECT_ELEM;
    if (t->elemsize > MAP_ZERO_SMALL) f |= TF_FAT;
    if (t->keykind == GORT_KEY_PTR) f |= TF_KEY_PTR;
    /* Go's needkeyupdate: == may hold between keys of different bytes (strings, floats). */
    if (t->keykind == GORT_KEY_STRING || t->keykind == GORT_KEY_GENERIC ||
        t->keykind == GORT_KEY_FLOAT64 || t->keykind == GORT_KEY_FLOAT32)
        f |= TF_KEY_UPDATE;
    if (t->keykind == GORT_KEY_STRING) f |= TF_KEY_CLEAR; /* string keys hold pointers */
    if (f & (TF_INDIRECT_KEY | TF_INDIRECT_ELEM | TF_KEY_PTR) || t->elem_ptrmask) f |= TF_SCAN;
    h->tflags = f;
    /* Every key of these kinds equals itself; the others are checked key by key. */
    h->reflexive = t->keykind != GORT_KEY_GENERIC && t->keykind != GORT_KEY_FLOAT64 &&
                   t->keykind != GORT_KEY_FLOAT32;
    h->keysize = (f & TF_INDIRECT_KEY) ? sizeof(void *) : t->keysize;
    h->elemsize = (f & TF_INDIRECT_ELEM) ? sizeof(void *) : t->elemsize;
    h->elemoff = DATA_OFFSET + BUCKET_CNT * h->keysize;
    h->bucketsize = h->elemoff + BUCKET_CNT * h->elemsize + sizeof(void *);
    h->elem_ptrmask = t->elem_ptrmask;
    set_key_functions(h, t);
}

/* Whether Go's compiler turns `for k := range m { delete(m, k) }` into mapclear for maps of
 * type t: when every key equals itself (walk.isMapClear, types.IsReflexive). */
bool gort__maptype_reflexive(const gort_maptype *t) {
    if (t->keykind == GORT_KEY_FLOAT64 || t->keykind == GORT_KEY_FLOAT32) return false;
    return t->keykind != GORT_KEY_GENERIC || !t->irreflexive;
}
