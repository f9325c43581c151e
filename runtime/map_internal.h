/*
 * map_internal.h — the map header and bucket layout shared by the map's source files
 * (map.c, map_hash.c, maptypes.c) and the white-box map tests (tests/map_*.c). No other part
 * of libgort includes it: they see a gort_map only through gort.h and internal.h.
 *
 * The layout follows Go 1.19's hmap and bmap (runtime/map.go:116,149); map.c's opening essay
 * explains what every field means and the invariants that hold between them.
 */
#ifndef GORT_MAP_INTERNAL_H
#define GORT_MAP_INTERNAL_H

#include "internal.h"

/* Go's constants (map.go:63-105). */
enum {
    BUCKET_CNT_BITS = 3,
    BUCKET_CNT = 1 << BUCKET_CNT_BITS, /* slots per bucket */
    LOAD_NUM = 13,                     /* load factor 6.5 = 13/2 */
    LOAD_DEN = 2,
    DATA_OFFSET = BUCKET_CNT,          /* keys start right after the 8 tophash bytes */

    EMPTY_REST = 0,      /* slot empty, and so is every later slot and overflow bucket */
    EMPTY_ONE = 1,       /* slot empty */
    EVACUATED_X = 2,     /* entry moved to the first half of the new array */
    EVACUATED_Y = 3,     /* entry moved to the second half */
    EVACUATED_EMPTY = 4, /* slot was empty when its bucket was evacuated */
    MIN_TOP_HASH = 5,    /* smallest tophash of a filled slot */

    FLAG_ITERATOR = 1,      /* an iterator may be using buckets */
    FLAG_OLD_ITERATOR = 2,  /* an iterator may be using oldbuckets */
    FLAG_HASH_WRITING = 4,  /* a write is in progress */
    FLAG_SAME_SIZE_GROW = 8 /* the current growth keeps B */
};

/* Which specialised code a map runs (map.c instantiates each operation once per value):
 * 8-byte keys, strings, generic (the type's hash and equal, any layout), 4-byte keys. */
enum { KK_U64 = 1, KK_STR = 2, KK_GEN = 3, KK_U32 = 4 };

/* The functions Go's compiler calls for a map type's operations (maptypes.c: walk.mapfast). */
enum {
    PATH_GENERIC = 0, /* mapaccess1, mapassign, mapdelete (and _fat lookups above 1024 bytes) */
    PATH_FAST32,      /* mapaccess1_fast32, mapassign_fast32, mapdelete_fast32 */
    PATH_FAST64,      /* mapaccess1_fast64, mapassign_fast64, mapdelete_fast64 */
    PATH_FAST64PTR,   /* mapaccess1_fast64, mapassign_fast64ptr, mapdelete_fast64 */
    PATH_FASTSTR      /* mapaccess1_faststr, mapassign_faststr, mapdelete_faststr */
};

/* What a map's type implies for its slots (gort_map.tflags). */
enum {
    TF_INDIRECT_KEY = 1,   /* key slots hold pointers to key objects (keys over 128 bytes) */
    TF_INDIRECT_ELEM = 2,  /* element slots hold pointers to element objects (over 128 bytes) */
    TF_FAT = 4,            /* element over 1024 bytes: lookups are mapaccess1_fat / 2_fat */
    TF_KEY_PTR = 8,        /* keys are heap pointers: written with the barrier, scanned */
    TF_KEY_UPDATE = 16,    /* Go's needkeyupdate: an assign rewrites an equal key */
    TF_KEY_CLEAR = 32,     /* a deleted key is zeroed (it holds a pointer: strings) */
    TF_SCAN = 64           /* slots hold pointers the collector follows (walk every chain) */
};

#define MAP_MAGIC_LIVE 0x6d617021u /* "map!" */
#define MAP_MAGIC_DEAD 0xdeadbeefu

/* Keys and elements larger than this are stored indirectly (Go's maxKeySize, maxElemSize). */
#define MAP_MAX_INLINE 128
/* Go's zeroValSize: a missing key's element up to this size is read from a static zero block;
 * larger ones (the _fat lookups) from a read-only zero mapping as large as any element. */
#define MAP_ZERO_SMALL 1024

/* The separately allocated overflow buckets of one bucket array (Go's extra.overflow): a
 * collector object that grows by doubling. Entries [0, n) are published: n is stored with
 * release after the entry. */
typedef struct ovf_list {
    uint64_t n, cap;
    uint8_t *b[];
} ovf_list;

/* Every bucket array starts with this prefix, so that the array alone says how big it is and
 * which overflow buckets hang off it: the collector scans a map while goroutines change it,
 * and must never pair an array with facts read from the header at another moment. The
 * buckets follow (bucket 0 stays 16-aligned). */
typedef struct array_hdr {
    uint64_t nalloc; /* buckets in the allocation: 2^B plus the preallocated overflow ones */
    uint64_t nmain;  /* 2^B: the chain heads */
    ovf_list *ovf;   /* separately allocated overflow buckets of this array's chains */
    uint64_t pad;
} array_hdr;
static inline array_hdr *array_hdr_of(uint8_t *arr) { return (array_hdr *)arr - 1; }

/* Memory kept alive for iterators that may still walk it (see "Iterators and the collector"
 * in map.c): an old bucket array or one overflow bucket. */
typedef struct map_keep {
    struct map_keep *next;
    uint8_t *mem;     /* bucket 0 of an array, or a separately allocated overflow bucket */
    bool is_array;
} map_keep;

/* Go's hmap, plus the layout of the map's buckets (Go keeps it in the maptype) and the
 * bookkeeping gort adds: id, magic, the keep list. The fields every operation reads come
 * first, in the header's first 64 bytes. */
struct gort_map {
    int64_t count;          /* live entries: len(m) */
    uint8_t flags;          /* FLAG_* */
    uint8_t B;              /* log2 of the number of buckets */
    uint16_t noverflow;     /* approximate number of overflow buckets (exact while B < 16) */
    uint32_t hash0;         /* the per-map random seed, as Go */
    uint32_t magic;         /* MAP_MAGIC_LIVE; MAP_MAGIC_DEAD once killed */
    uint8_t kk;             /* KK_*: which specialised code the map's path runs */
    uint8_t reflexive;      /* equal(k, k) for every key (all kinds but GENERIC and floats) */
    uint8_t path;           /* PATH_*: the functions Go's compiler calls for this type */
    uint8_t tflags;         /* TF_*: indirection, pointers and == of the type's slots */
    uint32_t bucketsize;    /* 8 tophash + 8 key slots + 8 elem slots + overflow pointer */
    uint32_t elemoff;       /* offset of slot 0's element in a bucket */
    uint8_t *buckets;       /* 2^B buckets (+ preallocated overflow), NULL until first insert */
    uint8_t *oldbuckets;    /* the previous array while growing, else NULL */
    uint64_t seed;          /* 64-bit hash seed derived from hash0 */
    uint32_t keysize;       /* slot sizes: 8 (a pointer) for an indirect key or element */
    uint32_t elemsize;
    /* ---- 64 bytes ---- */
    uint64_t nevacuate;     /* old buckets below this index are all evacuated */
    uint8_t *next_overflow; /* Go's extra.nextOverflow: next free preallocated bucket */
    uint64_t elem_ptrmask;  /* copied from the type: pointer words of an element */
    const gort_maptype *t;
    uint64_t id;            /* trace id, 1, 2, ... */
    map_keep *keep;         /* arrays and buckets kept for iterators */
    uint32_t live_iters;    /* iterators started and not yet run to their end */
    gort_hashfn hash;       /* the key's hash and ==, for the generic path (maptypes.c) */
    gort_equalfn equal;
};

/* Sets up h for maps of type t (checked first: a fatal error names what is wrong). */
void gort__map_layout(gort_map *h, const gort_maptype *t);
/* Whether every key of type t equals itself (Go's reflexivekey; maptypes.c). */
bool gort__maptype_reflexive(const gort_maptype *t);

/* Hashing (map_hash.c; the 8-byte hash is inline for the fast64 paths). */
#define P0 0xa0761d6478bd642full
#define P1 0xe7037ed1a0b428dbull
#define P2 0x8ebc6af09c88c6e3ull
#define P3 0x589965cc75374cc3ull
/* Folds the 128-bit product of a and b into 64 bits. */
static inline uint64_t mum(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}
/* Hash of an 8-byte key: every key bit reaches every hash bit after two multiply-folds. */
static inline uint64_t gort__hash64(uint64_t key, uint64_t seed) {
    __uint128_t r = (__uint128_t)(key ^ P1) * (key ^ seed ^ P0);
    return mum((uint64_t)r ^ P0 ^ 8, (uint64_t)(r >> 64) ^ P1);
}
static inline uint64_t rd8(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t rd4(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Hash of len bytes (strings, generic keys): wyhash's final structure with our seed. Inline
 * so that the faststr paths hash short strings without a call. */
static inline __attribute__((always_inline)) uint64_t gort__hashbytes(const void *key, size_t len, uint64_t seed) {
    const uint8_t *p = key;
    uint64_t a, b;
    seed ^= P0;
    if (__builtin_expect(len <= 16, 1)) {
        if (len >= 4) {
            size_t q = (len >> 3) << 2;
            a = (rd4(p) << 32) | rd4(p + q);
            b = (rd4(p + len - 4) << 32) | rd4(p + len - 4 - q);
        } else if (len > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = len;
        if (i > 48) {
            uint64_t s1 = seed, s2 = seed;
            do {
                seed = mum(rd8(p) ^ P1, rd8(p + 8) ^ seed);
                s1 = mum(rd8(p + 16) ^ P2, rd8(p + 24) ^ s1);
                s2 = mum(rd8(p + 32) ^ P3, rd8(p + 40) ^ s2);
                p += 48;
                i -= 48;
            } while (i > 48);
            seed ^= s1 ^ s2;
        }
        while (i > 16) {
            seed = mum(rd8(p) ^ P1, rd8(p + 8) ^ seed);
            i -= 16;
            p += 16;
        }
        a = rd8(p + i - 16);
        b = rd8(p + i - 8);
    }
    __uint128_t r = (__uint128_t)(a ^ P1) * (b ^ seed);
    return mum((uint64_t)r ^ P0 ^ len, (uint64_t)(r >> 64) ^ P1);
}
uint32_t gort__fastrand(void);
uint64_t gort__fastrand64(void);
uint64_t gort__seed_of(uint32_t hash0);

/* The overflow pointer, stored in the last 8 bytes of a bucket. */
static inline uint8_t **bucket_overflow_slot(const gort_map *h, uint8_t *b) {
    return (uint8_t **)(b + h->bucketsize - sizeof(void *));
}
static inline uint8_t *bucket_overflow(const gort_map *h, uint8_t *b) {
    return *bucket_overflow_slot(h, b);
}
/* Slot i's key and element in bucket b: the key or element itself, read through the slot's
 * pointer when the type stores it indirectly. */
static inline void *bucket_key(const gort_map *h, uint8_t *b, unsigned i) {
    uint8_t *k = b + DATA_OFFSET + (size_t)i * h->keysize;
    return (h->tflags & TF_INDIRECT_KEY) ? *(void **)k : k;
}
static inline void *bucket_elem(const gort_map *h, uint8_t *b, unsigned i) {
    uint8_t *e = b + h->elemoff + (size_t)i * h->elemsize;
    return (h->tflags & TF_INDIRECT_ELEM) ? *(void **)e : e;
}

#endif /* GORT_MAP_INTERNAL_H */
