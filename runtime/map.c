/*
 * map.c — Go 1.19's hash map (runtime/map.go, map_fast64.go, map_faststr.go), in C.
 *
 * A map is a hash table. The data is arranged into an array of buckets; each bucket holds up
 * to 8 key/element pairs. The low-order B bits of a key's hash select a bucket; the high-order
 * byte of the hash (the "tophash") is kept in the bucket to tell the 8 entries apart without
 * comparing keys. When more than 8 keys hash to a bucket, further buckets are chained to it
 * ("overflow buckets").
 *
 * Bucket layout (for a map type with key size K and element size E):
 *
 *     tophash[8] | key[0..7] (8*K bytes) | elem[0..7] (8*E bytes) | overflow pointer
 *
 * Keys are packed together and elements are packed together, as in Go, so that e.g.
 * map[int64]int8 needs no padding between entries; for map[int64]int64 a bucket is
 * 8 + 64 + 64 + 8 = 144 bytes, Go's size. A key or element over 128 bytes is stored, as in
 * Go, behind a pointer: its slot holds the address of a heap object allocated when the key
 * is inserted and dropped (the slot set to NULL) when it is deleted; lookups, assignments and
 * iteration hand out the object itself. maptypes.c decides this, and the code path, per type.
 * A lookup of a missing key returns a zero element that must not be written: a static block
 * up to 1024 bytes (Go's zeroVal), else a read-only zero mapping as large as any element.
 *
 * tophash values. A tophash byte below MIN_TOP_HASH (5) is a mark, not a hash:
 *   EMPTY_REST (0)       the slot is empty and so is every later slot of the bucket and every
 *                        later bucket of the chain: searches stop there;
 *   EMPTY_ONE (1)        the slot is empty;
 *   EVACUATED_X/Y (2/3)  (old array only) the entry moved to the new array's first/second half;
 *   EVACUATED_EMPTY (4)  (old array only) the slot was empty when its bucket was evacuated.
 * A real tophash below 5 is bumped by 5, so a filled slot always reads >= 5. Slot 0 of an old
 * bucket tells whether the whole bucket has been evacuated (2, 3 or 4).
 *
 * Growth. An insert of a new key (never an update, never a delete) checks, when no growth is
 * in progress, (a) the load factor: count+1 > 8 and count+1 > 6.5 * 2^B, which doubles the
 * array (B+1), or (b) too many overflow buckets: noverflow >= 2^min(B,15), which allocates a
 * same-size array to repack entries that deletes have left sparse. Nothing moves at that
 * moment (hashGrow): the old array becomes `oldbuckets` and entries are copied ("evacuated")
 * a bucket at a time. Every assign or delete on a growing map first evacuates the old bucket
 * its key hashes to and then one more, the lowest not yet evacuated (`nevacuate`), so a
 * growth finishes after at most 2^(old B) writes; when nevacuate reaches the old bucket count
 * the old array is dropped ("growdone"). Old bucket i splits into new buckets i (X) and
 * i + 2^(old B) (Y) according to hash bit (old B); a same-size growth keeps everything in X.
 * Lookups and iterations never move entries: a lookup reads the old bucket while it has not
 * been evacuated. With no hint, B therefore changes at exactly Go's counts (9, 14, 27, 53,
 * 105, ... = 13*2^(B-1)+1), and makemap(hint) picks the smallest B with hint within the load
 * factor. A bucket array for B >= 4 comes with 2^(B-4) preallocated overflow buckets,
 * rounded up to Go's malloc size class exactly as makeBucketArray does; they are handed out
 * before any separately allocated overflow bucket. noverflow counts every overflow bucket
 * taken (exactly while B < 16, then with probability 2^-(B-15), as Go).
 *
 * Deletes. A deleted slot becomes EMPTY_ONE; when everything after it is empty, it and the
 * EMPTY_ONE slots before it (walking back across the chain) become EMPTY_REST. The element
 * is zeroed (through the write barrier for pointer words), so an insert always finds a zero
 * element in a free slot and never writes one. When count drops to 0 the map is re-seeded.
 *
 * Invariants, between operations:
 *   - count is the number of slots with tophash >= 5 in `buckets` chains plus those in
 *     unevacuated `oldbuckets` chains;
 *   - a key is in at most one place: its old bucket if that is not evacuated, else its new one;
 *   - EMPTY_REST at slot i means no filled slot after i in the chain;
 *   - oldbuckets != NULL exactly while growing; old buckets below nevacuate are evacuated;
 *   - flags has FLAG_HASH_WRITING only inside a write; each write checks it at entry
 *     ("concurrent map writes") and finds it still set at exit; reads check it too.
 *
 * Iteration follows mapiterinit/mapiternext: a random start bucket and slot offset; the
 * iterator snapshots B and the bucket array. If a growth was in progress at the start, for a
 * bucket whose old bucket is not yet evacuated it walks the old bucket and keeps only the
 * keys that belong to the current new bucket. If the map grew after the start, entries of the
 * snapshot marked evacuated are looked up again in the live map (deleted: skipped; updated:
 * the new value). So every key present for the whole iteration is produced exactly once.
 *
 * The collector. Bucket arrays and overflow buckets are collector objects (GORT_OBJ_BUCKETS)
 * that gort__map_scan marks: the current and old arrays and, as Go's extra.overflow does, a
 * list per array of its separately allocated overflow buckets (preallocated ones are inside
 * the array), so a pointer-free map is scanned in O(1 + overflow buckets) without walking
 * its chains; only slots holding pointers (pointer keys, indirect keys and elements, elements
 * with elem_ptrmask words) make the scan walk every chain.
 * The marker may scan a map while a goroutine writes it, so every array carries its size and
 * its overflow list in a 32-byte prefix (array_hdr) rather than the scan pairing an array
 * with facts read from the header at another moment; chain links and list entries are
 * published with release stores after what they point to is ready. Element pointer words
 * the runtime moves or clears go through the write barrier.
 *
 * Iterators and the collector. Go's iterator lives on the goroutine's stack and keeps the
 * arrays and buckets it walks reachable. gort's iterators are plain C structs the collector
 * cannot see, so the map keeps them reachable instead: an old array dropped at the end of a
 * growth while FLAG_OLD_ITERATOR is set, and the oldbuckets and overflow buckets dropped by
 * mapclear while an iterator flag is set, go on the map's `keep` list, which gort__map_scan
 * marks. The list is released when every iterator started on the map has run to its end
 * (an abandoned iterator keeps it, conservatively, for the map's lifetime).
 *
 * Paths. Go's compiler calls mapaccess1_fast32 / _fast64 / _faststr, mapassign_fast64ptr,
 * the _fat lookups or the generic functions according to the map's type (maptypes.c); so do
 * the entry points gort_mapaccess1 ... gort_mapdelete, each running the path function of the
 * map's type, which fires the probe: a trace's stacks name the path as Go's profile would.
 * Each path is written once as an always-inline function taking the code kind as a constant
 * (KK_U32, KK_U64, KK_STR, KK_GEN), instantiated with constant key offsets, sizes and hash
 * (map_hash.c: a wyhash-style multiply-mix seeded per map); the generic code reads the key's
 * hash and == from the map (the type's, or built-in ones that hash as the fast paths do), and
 * is the only one that meets indirect keys and elements. A bucket's 8 tophash bytes are compared as one word (exact SWAR byte matches),
 * which finds the candidate slots, the first empty slot and the chain's end (an emptyRest
 * byte) at once, visiting exactly the slots Go's loops would stop at. The exception is the
 * fast64 delete of a big map (B >= 16), which compares keys slot by slot as Go does
 * (search_chain_by_key says why it is faster there). The fast32 and fast64 lookups of a
 * one-bucket map skip hashing, as Go's do.
 *
 * Every operation: calls gort__safepoint() on entry (the collector's stop-the-world), checks
 * the header's magic (a map killed by the collector or its frame: probe map_use_after_free,
 * fatal "use of freed map"), and fires its probe (named after Go's function; map_id 0 for
 * the nil map). Pointers the runtime writes into buckets (pointer keys, indirect key and
 * element addresses, elem_ptrmask words) go through gort__store, the write barrier, and
 * only those types make the collector walk the chains.
 */
#include "map_internal.h"

#include <pthread.h>
#include <sys/mman.h>

#define AI static inline __attribute__((always_inline))

/* A map probe names the path function that fired it (its stack's innermost frame): internal.h's
 * GORT_PROBE keeps the call to the recorder out of tail position, so that frame stays. */

/* Go's zeroVal: what mapaccess1 returns for a missing key of an element up to 1024 bytes. */
static const uint8_t zero_elem[MAP_ZERO_SMALL] __attribute__((aligned(16)));

/* The zero element of the _fat lookups and of the nil map on the generic path (whose element
 * size is unknown): 4 GiB of read-only zero pages, more than any uint32_t element size, mapped
 * on first use. Reading it costs no memory: every page is the kernel's zero page. */
static const uint8_t *zero_big;
static pthread_once_t zero_big_once = PTHREAD_ONCE_INIT;
#define ZERO_BIG_SIZE ((size_t)1 << 32)

/* Maps zero_big (once). */
static void zero_big_init(void) {
    void *p = mmap(NULL, ZERO_BIG_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) gort_fatal("runtime: cannot map the zero element");
    zero_big = p;
}
/* A zero element of any size. */
__attribute__((cold, noinline)) static void *zero_any(void) {
    pthread_once(&zero_big_once, zero_big_init);
    return (void *)zero_big;
}
/* The zero element a lookup of h (NULL: the nil map, type unknown) returns for a missing key. */
AI void *zero_for(const gort_map *h, int kk) {
    if (kk != KK_GEN || (h && !(h->tflags & TF_FAT))) return (void *)zero_elem;
    return zero_any();
}

/* Map ids: 1, 2, ... in creation order, process-wide. */
static _Atomic uint64_t next_map_id = 1;

/* ---- small facts of the layout ----------------------------------------------------------- */

/* 2^B buckets, and the mask that takes a bucket index from a hash. */
static inline uint64_t bucket_shift(uint8_t B) { return (uint64_t)1 << B; }
static inline uint64_t bucket_mask(uint8_t B) { return bucket_shift(B) - 1; }

/* The tophash of a hash: its top byte, moved above the marks. */
static inline uint8_t tophash(uint64_t hash) {
    uint8_t top = (uint8_t)(hash >> 56);
    return top < MIN_TOP_HASH ? top + MIN_TOP_HASH : top;
}
/* Go's isEmpty: the slot holds no entry (emptyRest or emptyOne). */
static inline bool is_empty(uint8_t top) { return top <= EMPTY_ONE; }

/* The 8 tophash bytes of a bucket as one word (byte i = slot i), and exact byte tests on it
 * (no false positives): bit 7 of byte i is set in the result when byte i matches. */
static inline uint64_t tophash_word(const uint8_t *b) {
    uint64_t w;
    memcpy(&w, b, 8);
    return w;
}
#define BYTES_LO 0x0101010101010101ull
#define BYTES_7F 0x7f7f7f7f7f7f7f7full
static inline uint64_t bytes_zero(uint64_t x) {
    uint64_t y = (x & BYTES_7F) + BYTES_7F;
    return ~(y | x | BYTES_7F);
}
static inline uint64_t bytes_equal(uint64_t w, uint8_t v) { return bytes_zero(w ^ (BYTES_LO * v)); }
/* The slot of the lowest match in a mask from bytes_zero / bytes_equal. */
static inline unsigned first_byte(uint64_t m) { return (unsigned)__builtin_ctzll(m) >> 3; }
/* Whether an old bucket has been evacuated (its slot 0 says so). */
static inline bool evacuated(const uint8_t *b) {
    return b[0] > EMPTY_ONE && b[0] < MIN_TOP_HASH;
}
/* Go's overLoadFactor: more than 8 entries and above 6.5 per bucket. */
static inline bool over_load_factor(int64_t count, uint8_t B) {
    return count > BUCKET_CNT && (uint64_t)count > LOAD_NUM * (bucket_shift(B) / LOAD_DEN);
}
/* Go's tooManyOverflowBuckets: about as many overflow buckets as buckets. */
static inline bool too_many_overflow(uint16_t noverflow, uint8_t B) {
    if (B > 15) B = 15;
    return noverflow >= (uint16_t)((uint32_t)1 << B);
}
/* Whether the growth under way keeps B. */
static inline bool same_size_grow(const gort_map *h) { return h->flags & FLAG_SAME_SIZE_GROW; }
/* Number of buckets in oldbuckets. */
static inline uint64_t nold_buckets(const gort_map *h) {
    return same_size_grow(h) ? bucket_shift(h->B) : bucket_shift(h->B - 1);
}
/* Bucket i of an array. */
static inline uint8_t *bucket_at(const gort_map *h, uint8_t *arr, uint64_t i) {
    return arr + i * h->bucketsize;
}

/* ---- keys and elements ------------------------------------------------------------------- */

/* The hash of a key of kind kk under the map's current seed (key: the key itself, never a
 * slot holding its address). */
AI uint64_t key_hash(const gort_map *h, const void *key, int kk) {
    if (kk == KK_U64) return gort__hash64(rd8(key), h->seed);
    if (kk == KK_U32) return gort__hash64(rd4(key), h->seed);
    if (kk == KK_STR) {
        const gort_string *s = key;
        return gort__hashbytes(s->ptr, s->len, h->seed);
    }
    return h->hash(key, h->seed);
}

/* Whether key equals the key k stored in a slot (k: the key itself). */
AI bool key_equal(const gort_map *h, const void *key, const void *k, int kk) {
    if (kk == KK_U64) return rd8(key) == rd8(k);
    if (kk == KK_U32) return rd4(key) == rd4(k);
    if (kk == KK_STR) {
        const gort_string *a = key, *b = k;
        return a->len == b->len && (a->ptr == b->ptr || memcmp(a->ptr, b->ptr, a->len) == 0);
    }
    return h->equal(key, k);
}

/* Slot i's key and element slots in bucket b, with constant offsets for the fast kinds. */
AI void *key_at(const gort_map *h, uint8_t *b, unsigned i, int kk) {
    uint32_t ks = kk == KK_U64 ? 8 : kk == KK_U32 ? 4
                : kk == KK_STR ? (uint32_t)sizeof(gort_string) : h->keysize;
    return b + DATA_OFFSET + (size_t)i * ks;
}
AI void *elem_at(const gort_map *h, uint8_t *b, unsigned i, int kk) {
    uint32_t off = kk == KK_U64    ? DATA_OFFSET + BUCKET_CNT * 8
                   : kk == KK_U32 ? DATA_OFFSET + BUCKET_CNT * 4
                   : kk == KK_STR ? DATA_OFFSET + BUCKET_CNT * (uint32_t)sizeof(gort_string)
                                  : h->elemoff;
    return b + off + (size_t)i * h->elemsize;
}
/* The key or element a slot stands for: the slot itself, or the object it points to when
 * the type stores it indirectly (only on the generic path). */
AI void *key_of(const gort_map *h, void *slot, int kk) {
    return kk == KK_GEN && (h->tflags & TF_INDIRECT_KEY) ? *(void **)slot : slot;
}
AI void *elem_of(const gort_map *h, void *slot, int kk) {
    return kk == KK_GEN && (h->tflags & TF_INDIRECT_ELEM) ? *(void **)slot : slot;
}

/* Copies a key into a slot: a constant-size move for the fast kinds. */
AI void key_copy(const gort_map *h, void *dst, const void *src, int kk) {
    if (kk == KK_U64) memcpy(dst, src, 8);
    else if (kk == KK_U32) memcpy(dst, src, 4);
    else if (kk == KK_STR) memcpy(dst, src, sizeof(gort_string));
    else memcpy(dst, src, h->keysize);
}

/* Puts a new key into an empty slot: a pointer key through the write barrier, an indirect key
 * into a fresh object of its own (Go's newobject(t.key)). */
AI void key_store_new(gort_map *h, void *slot, const void *key, int kk) {
    if ((kk == KK_U64 || kk == KK_GEN) && (h->tflags & TF_KEY_PTR)) {
        gort__store(slot, *(void *const *)key);
    } else if (kk == KK_GEN && (h->tflags & TF_INDIRECT_KEY)) {
        void *obj = gort__alloc(h->t->keysize, GORT_OBJ_DATA, 0);
        memcpy(obj, key, h->t->keysize);
        gort__store(slot, obj);
    } else {
        key_copy(h, slot, key, kk);
    }
}

/* Go's needkeyupdate: an assign to a present key rewrites it with the key given (== may hold
 * between different bytes: -0 and +0, two copies of a string). */
AI void key_update(gort_map *h, void *slot, const void *key, int kk) {
    if (kk == KK_U64 || kk == KK_U32) return;
    if (kk == KK_STR) memcpy(slot, key, sizeof(gort_string));
    else if (h->tflags & TF_KEY_UPDATE) memcpy(key_of(h, slot, kk), key, h->t->keysize);
}

/* Copies n bytes, without a call for the common 8-byte element. */
static inline void copy_bytes(void *dst, const void *src, uint32_t len) {
    if (len == 8) memcpy(dst, src, 8);
    else memcpy(dst, src, len);
}

/* Hash and equality for code that is not specialised (iteration re-lookups). */
static uint64_t key_hash_any(const gort_map *h, const void *key) {
    switch (h->kk) {
    case KK_U64: return key_hash(h, key, KK_U64);
    case KK_U32: return key_hash(h, key, KK_U32);
    case KK_STR: return key_hash(h, key, KK_STR);
    default: return key_hash(h, key, KK_GEN);
    }
}

/* Whether a stored key equals itself (false only for NaN-like keys). */
static bool key_reflexive_at(const gort_map *h, const void *k) {
    return h->reflexive || h->equal(k, k);
}

/* Zeroes the pointer words of an inline element through the write barrier. */
static void elem_clear_ptrs(const gort_map *h, void *e) {
    for (uint64_t m = h->elem_ptrmask; m; m &= m - 1) {
        void **slot = (void **)e + __builtin_ctzll(m);
        if (*slot) gort__store(slot, NULL);
    }
}

/* Zeroes an inline element (Go's memclrHasPointers / memclrNoHeapPointers). */
static inline void elem_clear(const gort_map *h, void *e) {
    if (h->elem_ptrmask) elem_clear_ptrs(h, e);
    if (h->elemsize == 8) memset(e, 0, 8);
    else memset(e, 0, h->elemsize);
}

/* Copies an inline element into a zeroed destination (Go's typedmemmove). */
static inline void elem_move(const gort_map *h, void *dst, const void *src) {
    for (uint64_t m = h->elem_ptrmask; m; m &= m - 1) {
        unsigned w = (unsigned)__builtin_ctzll(m);
        gort__store((void **)dst + w, ((void *const *)src)[w]);
    }
    copy_bytes(dst, src, h->elemsize);
}

/* Gives a new key's element slot its zero element: a fresh object when stored indirectly
 * (scanned by elem_ptrmask when it has pointers); an inline slot is zero already. */
AI void elem_new(gort_map *h, void *slot, int kk) {
    if (kk != KK_GEN || !(h->tflags & TF_INDIRECT_ELEM)) return;
    void *obj = h->elem_ptrmask ? gort__alloc(h->t->elemsize, GORT_OBJ_ELEM, h->elem_ptrmask)
                                : gort__alloc(h->t->elemsize, GORT_OBJ_DATA, 0);
    gort__store(slot, obj);
}

/* Empties the key and element slots of a deleted entry (Go's mapdelete): an indirect or
 * pointer slot becomes NULL through the barrier, a string key and the element are zeroed. */
AI void slot_clear(gort_map *h, void *kslot, void *eslot, int kk) {
    if (kk == KK_STR) memset(kslot, 0, sizeof(gort_string));
    else if ((kk == KK_U64 || kk == KK_GEN) && (h->tflags & (TF_KEY_PTR | TF_INDIRECT_KEY)))
        gort__store(kslot, NULL);
    else if (kk == KK_GEN && (h->tflags & TF_KEY_CLEAR))
        memset(kslot, 0, h->keysize);
    if (kk == KK_GEN && (h->tflags & TF_INDIRECT_ELEM)) gort__store(eslot, NULL);
    else elem_clear(h, eslot);
}

/* Moves an entry's key and element slots into empty slots of the new array (evacuate): what
 * holds pointers moves through the barrier. */
AI void slot_move(gort_map *h, void *kdst, void *ksrc, void *edst, void *esrc, int kk) {
    if ((kk == KK_U64 || kk == KK_GEN) && (h->tflags & (TF_KEY_PTR | TF_INDIRECT_KEY)))
        gort__store(kdst, *(void **)ksrc);
    else
        key_copy(h, kdst, ksrc, kk);
    if (kk == KK_GEN && (h->tflags & TF_INDIRECT_ELEM)) gort__store(edst, *(void **)esrc);
    else elem_move(h, edst, esrc);
}

/* Sets every pointer the slots of bucket b hold to NULL through the barrier (before the
 * bucket's memory is zeroed: an old bucket after evacuation, an array by mapclear). */
static void bucket_clear_ptrs(gort_map *h, uint8_t *b) {
    bool kptr = h->tflags & (TF_KEY_PTR | TF_INDIRECT_KEY);
    for (unsigned i = 0; i < BUCKET_CNT; i++) {
        void **k = (void **)(b + DATA_OFFSET + (size_t)i * h->keysize);
        if (kptr && *k) gort__store(k, NULL);
        void *e = b + h->elemoff + (size_t)i * h->elemsize;
        if (h->tflags & TF_INDIRECT_ELEM) {
            if (*(void **)e) gort__store(e, NULL);
        } else {
            elem_clear_ptrs(h, e);
        }
    }
}

/* ---- allocation -------------------------------------------------------------------------- */

/* Go 1.19's malloc size classes (runtime/sizeclasses.go class_to_size). */
static const uint16_t size_classes[] = {
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288,
    320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536,
    1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192,
    9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
    27264, 28672, 32768};

/* Go's roundupsize: the size malloc really hands out for a request of `size` bytes. */
static uint64_t roundupsize(uint64_t size) {
    if (size < 32768) {
        for (size_t i = 0; i < sizeof size_classes / sizeof size_classes[0]; i++)
            if (size_classes[i] >= size) return size_classes[i];
    }
    const uint64_t page = 8192;
    if (size + page < size) return size;
    return (size + page - 1) & ~(page - 1);
}

/* Asks for transparent huge pages on the whole 2 MiB pages inside a large array, as Go 1.19's
 * heap does for all its memory (mem_linux.go sysHugePageOS): without it a big map pays TLB
 * misses Go's does not. Advice only; failure changes nothing. */
static void advise_huge(void *p, uint64_t size) {
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (size < huge) return;
    uintptr_t beg = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(huge - 1);
    if (beg < end) madvise((void *)beg, end - beg, MADV_HUGEPAGE);
}

/* Go's makeBucketArray: an array for 2^b buckets plus, for b >= 4, about 2^(b-4)
 * preallocated overflow buckets (as many as fit the rounded-up allocation, Go's malloc size
 * class of the buckets alone). Reuses and zeroes `dirty` (an array of the same b) when given.
 * Returns bucket 0 and sets *next_ovf to the first preallocated bucket (NULL if none). */
static uint8_t *make_bucket_array(gort_map *h, uint8_t b, uint8_t *dirty, uint8_t **next_ovf) {
    uint64_t base = bucket_shift(b), n = base;
    if (b >= 4) {
        n += bucket_shift(b - 4);
        uint64_t sz = h->bucketsize * n, up = roundupsize(sz);
        if (up != sz) n = up / h->bucketsize;
    }
    uint8_t *arr = dirty;
    if (arr) {
        memset(arr, 0, h->bucketsize * n);
        ovf_list *l = array_hdr_of(arr)->ovf; /* its overflow buckets are dropped */
        if (l) __atomic_store_n(&l->n, 0, __ATOMIC_RELEASE);
    } else {
        array_hdr *ah = gort__alloc(sizeof(array_hdr) + h->bucketsize * n, GORT_OBJ_BUCKETS, 0);
        ah->nalloc = n;
        ah->nmain = base;
        arr = (uint8_t *)(ah + 1);
        advise_huge(ah, sizeof(array_hdr) + h->bucketsize * n);
    }
    *next_ovf = NULL;
    if (base != n) {
        *next_ovf = bucket_at(h, arr, base);
        /* A non-NULL overflow pointer in the last one marks the end of the free list. */
        __atomic_store_n(bucket_overflow_slot(h, bucket_at(h, arr, n - 1)), arr, __ATOMIC_RELEASE);
    }
    return arr;
}

/* Go's incrnoverflow: counts an overflow bucket, exactly while B < 16. */
static void incr_noverflow(gort_map *h) {
    if (h->B < 16) {
        h->noverflow++;
        return;
    }
    uint32_t mask = ((uint32_t)1 << (h->B - 15)) - 1;
    if ((gort__fastrand() & mask) == 0) h->noverflow++;
}

/* Records a separately allocated overflow bucket of array ah's chains (Go's
 * extra.overflow), so that the collector keeps it without walking chains. */
static void ovf_append(array_hdr *ah, uint8_t *ovf) {
    ovf_list *l = ah->ovf;
    if (!l || l->n == l->cap) {
        uint64_t cap = l ? 2 * l->cap : 8;
        ovf_list *nl = gort__alloc(sizeof *nl + cap * sizeof nl->b[0], GORT_OBJ_DATA, 0);
        nl->cap = cap;
        if (l) {
            memcpy(nl->b, l->b, l->n * sizeof l->b[0]);
            nl->n = l->n;
        }
        __atomic_store_n(&ah->ovf, nl, __ATOMIC_RELEASE);
        l = nl;
    }
    l->b[l->n] = ovf;
    __atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELEASE);
}

/* Go's newoverflow: chains a fresh overflow bucket after b (a preallocated one if any is
 * left) and returns it. */
static uint8_t *new_overflow(gort_map *h, uint8_t *b) {
    uint8_t *ovf = h->next_overflow;
    if (ovf) {
        if (bucket_overflow(h, ovf) == NULL) {
            h->next_overflow = ovf + h->bucketsize;
        } else { /* the last preallocated bucket */
            *bucket_overflow_slot(h, ovf) = NULL;
            h->next_overflow = NULL;
        }
    } else {
        ovf = gort__alloc(h->bucketsize, GORT_OBJ_BUCKETS, 0);
        ovf_append(array_hdr_of(h->buckets), ovf);
    }
    incr_noverflow(h);
    /* Release: a concurrent scan that reaches ovf sees its cleared overflow pointer. */
    __atomic_store_n(bucket_overflow_slot(h, b), ovf, __ATOMIC_RELEASE);
    return ovf;
}

/* Whether p is a bucket inside the array arr (not separately allocated). */
static inline bool in_array(const gort_map *h, const uint8_t *p, uint8_t *arr) {
    return arr && p >= arr && p < arr + array_hdr_of(arr)->nalloc * h->bucketsize;
}

/* Puts memory on the keep list (see "Iterators and the collector") if an iterator that has
 * not reached its end may still walk it. */
static void keep_push(gort_map *h, uint8_t *mem, bool is_array) {
    if (__atomic_load_n(&h->live_iters, __ATOMIC_RELAXED) == 0) return;
    map_keep *k = gort__alloc(sizeof *k, GORT_OBJ_DATA, 0);
    k->mem = mem;
    k->is_array = is_array;
    k->next = h->keep;
    __atomic_store_n(&h->keep, k, __ATOMIC_RELEASE);
}

/* ---- misuse ------------------------------------------------------------------------------ */

/* A map killed by the collector or its frame is being used: report and die. */
__attribute__((noinline, cold, noreturn)) static void map_dead(gort_map *h, unsigned op) {
    GORT_PROBE(map_use_after_free, h->id, op, 0);
    gort_fatal("use of freed map");
}
#define CHECK_LIVE(h, op)                                                                  \
    do {                                                                                   \
        if (__builtin_expect((h)->magic != MAP_MAGIC_LIVE, 0)) map_dead((h), GORT_EV_##op); \
    } while (0)

/* The fatal errors of misuse, with Go's texts, kept out of the hot paths. */
__attribute__((noinline, cold, noreturn)) static void fatal_writes(void) {
    gort_fatal("concurrent map writes");
}
__attribute__((noinline, cold, noreturn)) static void fatal_read_write(void) {
    gort_fatal("concurrent map read and map write");
}
__attribute__((noinline, cold, noreturn)) static void fatal_wrong_path(void) {
    gort_fatal("map fast path called for a map of another key type");
}

/* Sets hashWriting for a write (after checking nobody else writes). */
static inline void write_begin(gort_map *h) {
    if (__builtin_expect(h->flags & FLAG_HASH_WRITING, 0)) fatal_writes();
    h->flags ^= FLAG_HASH_WRITING;
}
/* Clears hashWriting at the end of a write (after checking it is still set). */
static inline void write_end(gort_map *h) {
    if (__builtin_expect(!(h->flags & FLAG_HASH_WRITING), 0)) fatal_writes();
    h->flags &= (uint8_t)~FLAG_HASH_WRITING;
}

/* Draws a new per-map seed (makemap, map emptied, mapclear). */
static void reseed(gort_map *h) {
    h->hash0 = gort__fastrand();
    h->seed = gort__seed_of(h->hash0);
}

/* ---- make -------------------------------------------------------------------------------- */

/* makemap: a new map for about `hint` entries with Go's initial B (the smallest B for which
 * hint is not over the load factor; a negative or absurd hint counts as 0). Buckets are
 * allocated now when B > 0, lazily by the first insert otherwise. */
gort_map *gort_makemap(const gort_maptype *t, int64_t hint) {
    gort__safepoint();
    gort_map *h = gort__alloc(sizeof *h, GORT_OBJ_MAP, 0);
    gort__map_layout(h, t);
    h->id = atomic_fetch_add(&next_map_id, 1);
    reseed(h);

    int64_t n = hint;
    uint64_t mem;
    if (n < 0 || __builtin_mul_overflow((uint64_t)n, (uint64_t)h->bucketsize, &mem) ||
        mem > ((uint64_t)1 << 48))
        n = 0;
    uint8_t B = 0;
    while (over_load_factor(n, B)) B++;
    h->B = B;
    if (B != 0) h->buckets = make_bucket_array(h, B, NULL, &h->next_overflow);
    h->magic = MAP_MAGIC_LIVE;
    GORT_PROBE(makemap, h->id, hint, B);
    if (__builtin_expect(gort__trace_on, 0)) /* the key kind and type name, for the maps table */
        gort__emit(GORT_EV_maptype, h->id, t->keykind, gort__trace_name(t->name), 0);
    return h;
}

/* ---- lookup ------------------------------------------------------------------------------ */

/* Searches the chain from b for key (whose tophash is top): returns the bucket and sets
 * *slot, or returns NULL. Per bucket, the 8 tophash bytes are matched at once; a bucket
 * holding an emptyRest ends the chain (no entry follows one). With pf, a candidate's element
 * is prefetched (lookups read it next; deletes, which only overwrite it, run faster without). */
AI uint8_t *search_chain(gort_map *h, uint8_t *b, const void *key, uint8_t top, int kk,
                         unsigned *slot, bool pf) {
    for (; b; b = bucket_overflow(h, b)) {
        uint64_t w = tophash_word(b);
        for (uint64_t m = bytes_equal(w, top); m; m &= m - 1) {
            unsigned i = first_byte(m);
            /* A tophash match is almost always the key: start loading its element (the
             * caller reads it next) in parallel with the key compare. */
            if (pf) __builtin_prefetch(elem_at(h, b, i, kk));
            if (key_equal(h, key, key_of(h, key_at(h, b, i, kk), kk), kk)) {
                *slot = i;
                return b;
            }
        }
        if (bytes_zero(w)) return NULL;
    }
    return NULL;
}

/* search_chain for an 8-byte key that compares the keys themselves, slot by slot, as Go's
 * mapdelete_fast64 does: returns the bucket holding key and sets *slot, or returns NULL.
 * A slot's tophash only rules out a stale key left in an emptied slot, and an emptyRest
 * byte still ends the chain. The delete of a big map uses it (see DELETE_BY_KEY_MIN_B): there
 * every bucket is a cache miss, and it is faster there, most likely because the key and
 * element addresses come from predicted branches rather than from the missed tophash word, so
 * the CPU goes on (to the stores and the next operation's loads) while the miss is
 * outstanding (prefetching the key line alone did not help). In cache, the per-slot branch
 * mispredicts more than search_chain's word match costs, so small maps keep search_chain. */
AI uint8_t *search_chain_by_key(gort_map *h, uint8_t *b, uint64_t key, unsigned *slot) {
    for (; b; b = bucket_overflow(h, b)) {
        for (unsigned i = 0; i < BUCKET_CNT; i++) {
            uint64_t s;
            memcpy(&s, key_at(h, b, i, KK_U64), 8);
            if (s == key && !is_empty(b[i])) {
                *slot = i;
                return b;
            }
        }
        if (bytes_zero(tophash_word(b))) return NULL;
    }
    return NULL;
}

/* Finds key: returns its bucket and sets *slot, or returns NULL. Reads the old bucket while
 * it is not evacuated. */
AI uint8_t *find(gort_map *h, const void *key, int kk, unsigned *slot) {
    uint8_t *b;
    if ((kk == KK_U64 || kk == KK_U32) && h->B == 0) {
        b = h->buckets; /* one bucket: no need to hash */
        for (unsigned i = 0; i < BUCKET_CNT; i++) {
            if (key_equal(h, key, key_at(h, b, i, kk), kk) && !is_empty(b[i])) {
                *slot = i;
                return b;
            }
        }
        return NULL;
    }
    uint64_t hash = key_hash(h, key, kk);
    uint64_t m = bucket_mask(h->B);
    b = bucket_at(h, h->buckets, hash & m);
    if (__builtin_expect(h->oldbuckets != NULL, 0)) {
        if (!same_size_grow(h)) m >>= 1;
        uint8_t *oldb = bucket_at(h, h->oldbuckets, hash & m);
        if (!evacuated(oldb)) b = oldb;
    }
    uint8_t top = tophash(hash);
    return search_chain(h, b, key, top, kk, slot, true);
}

/* The paths (PATH_* bits) a fast path serves; the generic code serves the generic path. */
#define ON(p) (1u << (p))
/* Dies unless h's path is one of `paths` (a fast path called for a map of another type). */
#define CHECK_PATH(h, paths)                                                               \
    do {                                                                                   \
        if (__builtin_expect(!(ON((h)->path) & (paths)), 0)) fatal_wrong_path();            \
    } while (0)

/* mapaccess1/2 on maps of path set `paths`: the element of key or a zero element; *ok says
 * which (ok may be NULL). Never writes the map. */
AI void *access_impl(gort_map *h, const void *key, int kk, bool *ok, unsigned paths) {
    gort__safepoint();
    if (!h) {
        GORT_PROBE(mapaccess, 0, 0, 0);
        if (ok) *ok = false;
        return zero_for(NULL, kk);
    }
    CHECK_LIVE(h, mapaccess);
    CHECK_PATH(h, paths);
    void *e = NULL;
    bool found = false;
    if (h->count != 0) {
        if (__builtin_expect(h->flags & FLAG_HASH_WRITING, 0)) fatal_read_write();
        unsigned i;
        uint8_t *b = find(h, key, kk, &i);
        if (b) {
            e = elem_of(h, elem_at(h, b, i, kk), kk);
            found = true;
        }
    }
    if (!found) e = zero_for(h, kk);
    GORT_PROBE(mapaccess, h->id, found, 0);
    if (ok) *ok = found;
    return e;
}

/* Go's mapaccessK for iteration: the live key and element for key, or NULL. */
static uint8_t *find_any(gort_map *h, const void *key, unsigned *slot) {
    switch (h->kk) {
    case KK_U64: return find(h, key, KK_U64, slot);
    case KK_U32: return find(h, key, KK_U32, slot);
    case KK_STR: return find(h, key, KK_STR, slot);
    default: return find(h, key, KK_GEN, slot);
    }
}

/* ---- growth ------------------------------------------------------------------------------ */

/* Go's hashGrow: starts doubling (load factor) or a same-size growth (overflow buckets).
 * Moves nothing: the current array becomes oldbuckets. */
static void hash_grow(gort_map *h) {
    uint8_t bigger = 1;
    if (!over_load_factor(h->count + 1, h->B)) {
        bigger = 0;
        h->flags |= FLAG_SAME_SIZE_GROW;
    }
    uint8_t *next_ovf;
    uint8_t *newb = make_bucket_array(h, h->B + bigger, NULL, &next_ovf);
    uint8_t flags = h->flags & (uint8_t)~(FLAG_ITERATOR | FLAG_OLD_ITERATOR);
    if (h->flags & FLAG_ITERATOR) flags |= FLAG_OLD_ITERATOR;
    h->B += bigger;
    h->flags = flags;
    h->oldbuckets = h->buckets;
    h->buckets = newb;
    h->nevacuate = 0;
    h->noverflow = 0;
    h->next_overflow = next_ovf;
    GORT_PROBE(hashgrow, h->id, h->B, !bigger);
}

/* Zeroes an old bucket's keys, elements and overflow pointer after evacuation (Go does
 * this for bucket types with pointers, when no iterator may still read the old array). */
static void clear_old_bucket(gort_map *h, uint8_t *b) {
    if (h->tflags & TF_SCAN) bucket_clear_ptrs(h, b);
    memset(b + DATA_OFFSET, 0, h->bucketsize - DATA_OFFSET);
}

/* Go's advanceEvacuationMark: moves nevacuate past evacuated old buckets (at most 1024
 * further); drops the old array when all are done. */
static void advance_evacuation_mark(gort_map *h, uint64_t newbit) {
    h->nevacuate++;
    uint64_t stop = h->nevacuate + 1024;
    if (stop > newbit) stop = newbit;
    while (h->nevacuate != stop && evacuated(bucket_at(h, h->oldbuckets, h->nevacuate)))
        h->nevacuate++;
    if (h->nevacuate == newbit) {
        if (h->flags & FLAG_OLD_ITERATOR) keep_push(h, h->oldbuckets, true);
        h->oldbuckets = NULL;
        h->flags &= (uint8_t)~FLAG_SAME_SIZE_GROW;
        GORT_PROBE(growdone, h->id, h->B, 0);
    }
}

/* Where evacuate appends entries: a bucket of the new array and its next free slot. */
typedef struct evac_dst {
    uint8_t *b;
    unsigned i;
} evac_dst;

/* Go's evacuate: moves every entry of old bucket `oldbucket`'s chain to new bucket X
 * (same index) or Y (index + old count), marking each old slot evacuatedX/Y/Empty.
 * Specialised per key kind, like the rest of the hot paths. */
AI void evacuate_impl(gort_map *h, uint64_t oldbucket, int kk) {
    uint8_t *b = bucket_at(h, h->oldbuckets, oldbucket);
    uint64_t newbit = nold_buckets(h);
    if (!evacuated(b)) {
        evac_dst xy[2] = {{bucket_at(h, h->buckets, oldbucket), 0}, {NULL, 0}};
        bool grow = !same_size_grow(h);
        if (grow) xy[1].b = bucket_at(h, h->buckets, oldbucket + newbit);
        uint64_t moved = 0;
        for (; b; b = bucket_overflow(h, b)) {
            for (unsigned i = 0; i < BUCKET_CNT; i++) {
                uint8_t top = b[i];
                if (is_empty(top)) {
                    b[i] = EVACUATED_EMPTY;
                    continue;
                }
                if (top < MIN_TOP_HASH) gort_fatal("bad map state");
                void *ks = key_at(h, b, i, kk), *k = key_of(h, ks, kk);
                unsigned useY = 0;
                if (grow) {
                    uint64_t hash = key_hash(h, k, kk);
                    if (kk == KK_GEN && (h->flags & FLAG_ITERATOR) && !key_reflexive_at(h, k)) {
                        /* NaN-like key: its hash is random; keep iteration consistent. */
                        useY = top & 1;
                        top = tophash(hash);
                    } else {
                        useY = (hash & newbit) != 0;
                    }
                }
                b[i] = (uint8_t)(EVACUATED_X + useY);
                evac_dst *dst = &xy[useY];
                if (dst->i == BUCKET_CNT) {
                    dst->b = new_overflow(h, dst->b);
                    dst->i = 0;
                }
                dst->b[dst->i] = top;
                slot_move(h, key_at(h, dst->b, dst->i, kk), ks, elem_at(h, dst->b, dst->i, kk),
                          elem_at(h, b, i, kk), kk);
                dst->i++;
                moved++;
            }
        }
        if (!(h->flags & FLAG_OLD_ITERATOR) && (h->tflags & (TF_SCAN | TF_KEY_CLEAR)))
            clear_old_bucket(h, bucket_at(h, h->oldbuckets, oldbucket));
        GORT_PROBE(evacuate, h->id, oldbucket, moved);
    }
    if (oldbucket == h->nevacuate) advance_evacuation_mark(h, newbit);
}

/* evacuate for the map's key kind (one out-of-line copy per kind). */
static __attribute__((noinline)) void evacuate(gort_map *h, uint64_t oldbucket) {
    switch (h->kk) {
    case KK_U64: evacuate_impl(h, oldbucket, KK_U64); break;
    case KK_U32: evacuate_impl(h, oldbucket, KK_U32); break;
    case KK_STR: evacuate_impl(h, oldbucket, KK_STR); break;
    default: evacuate_impl(h, oldbucket, KK_GEN); break;
    }
}

/* Go's growWork: evacuates the old bucket `bucket` (a new-array index) comes from, then one
 * more in index order. */
static void grow_work(gort_map *h, uint64_t bucket) {
    evacuate(h, bucket & (nold_buckets(h) - 1));
    if (h->oldbuckets) evacuate(h, h->nevacuate);
}

/* ---- assign ------------------------------------------------------------------------------ */

/* Assignment to the nil map: probe with map id 0, then Go's panic. */
__attribute__((noinline, cold, noreturn)) static void assign_nil(void) {
    GORT_PROBE(mapassign, 0, 0, 0);
    gort_panic_runtime_error("assignment to entry in nil map");
}

/* First bucket array of a map made without buckets (B = 0, no hint): one bucket. */
__attribute__((noinline)) static void first_bucket(gort_map *h) {
    uint8_t *none;
    h->buckets = make_bucket_array(h, 0, NULL, &none);
}

/* mapassign on maps of path set `paths`: the element of key, inserting key with a zero
 * element when absent (which may start a growth). Keys of types with Go's needkeyupdate are
 * rewritten on update. */
AI void *assign_impl(gort_map *h, const void *key, int kk, unsigned paths) {
    gort__safepoint();
    if (!h) assign_nil();
    CHECK_LIVE(h, mapassign);
    CHECK_PATH(h, paths);
    if (__builtin_expect(h->flags & FLAG_HASH_WRITING, 0)) fatal_writes();
    uint64_t hash = key_hash(h, key, kk);
    h->flags ^= FLAG_HASH_WRITING;
    if (__builtin_expect(h->buckets == NULL, 0)) first_bucket(h);
    uint8_t top = tophash(hash);
    uint8_t *b, *insb;
    unsigned insi;
    bool inserted;
again:
    if (__builtin_expect(h->oldbuckets != NULL, 0)) grow_work(h, hash & bucket_mask(h->B));
    b = bucket_at(h, h->buckets, hash & bucket_mask(h->B));
    insb = NULL;
    insi = 0;
    for (;;) {
        /* The key's slot if present, else the first empty slot of the chain; no entry
         * follows an emptyRest. */
        uint64_t w = tophash_word(b);
        for (uint64_t m = bytes_equal(w, top); m; m &= m - 1) {
            unsigned i = first_byte(m);
            void *k = key_at(h, b, i, kk);
            if (!key_equal(h, key, key_of(h, k, kk), kk)) continue;
            key_update(h, k, key, kk);
            insb = b;
            insi = i;
            inserted = false;
            goto done;
        }
        uint64_t rest = bytes_zero(w);
        if (!insb) {
            uint64_t empty = rest | bytes_equal(w, EMPTY_ONE);
            if (empty) {
                insb = b;
                insi = first_byte(empty);
            }
        }
        if (rest) goto not_found;
        uint8_t *ovf = bucket_overflow(h, b);
        if (!ovf) break;
        b = ovf;
    }
not_found:
    if (!h->oldbuckets &&
        (over_load_factor(h->count + 1, h->B) || too_many_overflow(h->noverflow, h->B))) {
        hash_grow(h);
        goto again;
    }
    if (!insb) {
        insb = new_overflow(h, b);
        insi = 0;
    }
    key_store_new(h, key_at(h, insb, insi, kk), key, kk);
    elem_new(h, elem_at(h, insb, insi, kk), kk);
    insb[insi] = top;
    h->count++;
    inserted = true;
done:
    write_end(h);
    GORT_PROBE(mapassign, h->id, inserted, h->count);
    return elem_of(h, elem_at(h, insb, insi, kk), kk);
}

/* From this B up (65536 buckets, 9 MiB for map[int64]int64: beyond the L2 caches), fast64
 * deletes search with search_chain_by_key. Measured with bench/b_1_map.sh on a 2-core Xeon
 * (4 MiB L2): at 1e6 keys (B 18) 78 ns by key vs 99 ns by tophash; at 1e5 (B 14) and 1e3
 * the tophash match stays faster (31 vs 36 ns, 18 vs 23 ns). */
#define DELETE_BY_KEY_MIN_B 16

/* ---- delete ------------------------------------------------------------------------------ */

/* The slow half of mark_deleted: nothing follows slot i, so it and the emptyOne slots before
 * it (walking back across the chain) become emptyRest. */
static void propagate_empty_rest(gort_map *h, uint8_t *head, uint8_t *b, unsigned i) {
    for (;;) {
        b[i] = EMPTY_REST;
        if (i == 0) {
            if (b == head) break;
            uint8_t *c = b;
            for (b = head; bucket_overflow(h, b) != c; b = bucket_overflow(h, b)) {}
            i = BUCKET_CNT - 1;
        } else {
            i--;
        }
        if (b[i] != EMPTY_ONE) break;
    }
}

/* Marks slot i of b (in the chain starting at head) empty, turning it and the empty slots
 * before it into EMPTY_REST when nothing follows. */
static inline void mark_deleted(gort_map *h, uint8_t *head, uint8_t *b, unsigned i) {
    b[i] = EMPTY_ONE;
    if (i == BUCKET_CNT - 1) {
        uint8_t *ovf = bucket_overflow(h, b);
        if (ovf && ovf[0] != EMPTY_REST) return;
    } else if (b[i + 1] != EMPTY_REST) {
        return;
    }
    propagate_empty_rest(h, head, b, i);
}

/* mapdelete on maps of path set `paths`: removes key if present. A no-op on the nil or an
 * empty map (no growth work). */
AI void delete_impl(gort_map *h, const void *key, int kk, unsigned paths) {
    gort__safepoint();
    if (!h) {
        GORT_PROBE(mapdelete, 0, 0, 0);
        return;
    }
    CHECK_LIVE(h, mapdelete);
    CHECK_PATH(h, paths);
    if (h->count == 0) {
        GORT_PROBE(mapdelete, h->id, 0, 0);
        return;
    }
    if (__builtin_expect(h->flags & FLAG_HASH_WRITING, 0)) fatal_writes();
    uint64_t hash = key_hash(h, key, kk);
    h->flags ^= FLAG_HASH_WRITING;
    uint64_t bucket = hash & bucket_mask(h->B);
    if (__builtin_expect(h->oldbuckets != NULL, 0)) grow_work(h, bucket);
    uint8_t *head = bucket_at(h, h->buckets, bucket);
    uint8_t top = tophash(hash);
    unsigned i;
    uint8_t *b;
    if (kk == KK_U64 && h->B >= DELETE_BY_KEY_MIN_B) {
        uint64_t k;
        memcpy(&k, key, 8);
        b = search_chain_by_key(h, head, k, &i);
    } else {
        b = search_chain(h, head, key, top, kk, &i, false);
    }
    if (b) {
        slot_clear(h, key_at(h, b, i, kk), elem_at(h, b, i, kk), kk);
        mark_deleted(h, head, b, i);
        h->count--;
        if (h->count == 0) reseed(h); /* Go issue 25237: a fresh seed for an empty map */
    }
    bool found = b != NULL;
    write_end(h);
    GORT_PROBE(mapdelete, h->id, found, h->count);
}

/* ---- public entry points: the paths ---------------------------------------------------- */

/* Each path is a function of its own (never inlined into the entry points that pick it), so
 * the probe it fires names it in a trace's stacks. */
#define PATH_FN __attribute__((noinline))

/* The fast paths for 4-byte keys (Go's map_fast32.go). */
PATH_FN void *gort_mapaccess1_fast32(gort_map *h, uint32_t key) {
    return access_impl(h, &key, KK_U32, NULL, ON(PATH_FAST32));
}
PATH_FN void *gort_mapaccess2_fast32(gort_map *h, uint32_t key, bool *ok) {
    return access_impl(h, &key, KK_U32, ok, ON(PATH_FAST32));
}
PATH_FN void *gort_mapassign_fast32(gort_map *h, uint32_t key) {
    return assign_impl(h, &key, KK_U32, ON(PATH_FAST32));
}
PATH_FN void gort_mapdelete_fast32(gort_map *h, uint32_t key) {
    delete_impl(h, &key, KK_U32, ON(PATH_FAST32));
}

/* The fast paths for 8-byte keys (map_fast64.go): integer keys, and pointer keys, whose
 * assignment is mapassign_fast64ptr. */
PATH_FN void *gort_mapaccess1_fast64(gort_map *h, uint64_t key) {
    return access_impl(h, &key, KK_U64, NULL, ON(PATH_FAST64) | ON(PATH_FAST64PTR));
}
PATH_FN void *gort_mapaccess2_fast64(gort_map *h, uint64_t key, bool *ok) {
    return access_impl(h, &key, KK_U64, ok, ON(PATH_FAST64) | ON(PATH_FAST64PTR));
}
PATH_FN void *gort_mapassign_fast64(gort_map *h, uint64_t key) {
    return assign_impl(h, &key, KK_U64, ON(PATH_FAST64));
}
PATH_FN void *gort_mapassign_fast64ptr(gort_map *h, void *key) {
    return assign_impl(h, &key, KK_U64, ON(PATH_FAST64PTR));
}
PATH_FN void gort_mapdelete_fast64(gort_map *h, uint64_t key) {
    delete_impl(h, &key, KK_U64, ON(PATH_FAST64) | ON(PATH_FAST64PTR));
}

/* The fast paths for string keys (map_faststr.go). */
PATH_FN void *gort_mapaccess1_faststr(gort_map *h, gort_string key) {
    return access_impl(h, &key, KK_STR, NULL, ON(PATH_FASTSTR));
}
PATH_FN void *gort_mapaccess2_faststr(gort_map *h, gort_string key, bool *ok) {
    return access_impl(h, &key, KK_STR, ok, ON(PATH_FASTSTR));
}
PATH_FN void *gort_mapassign_faststr(gort_map *h, gort_string key) {
    return assign_impl(h, &key, KK_STR, ON(PATH_FASTSTR));
}
PATH_FN void gort_mapdelete_faststr(gort_map *h, gort_string key) {
    delete_impl(h, &key, KK_STR, ON(PATH_FASTSTR));
}

/* Go's mapaccess1_fat / mapaccess2_fat: generic lookups whose missing key reads a zero
 * element over 1024 bytes. */
PATH_FN void *gort_mapaccess1_fat(gort_map *h, const void *key) {
    return access_impl(h, key, KK_GEN, NULL, ON(PATH_GENERIC));
}
PATH_FN void *gort_mapaccess2_fat(gort_map *h, const void *key, bool *ok) {
    return access_impl(h, key, KK_GEN, ok, ON(PATH_GENERIC));
}

/* The key at p as the fast paths take it. */
static inline uint32_t key32(const void *p) { return (uint32_t)rd4(p); }
static inline uint64_t key64(const void *p) { return rd8(p); }
static inline gort_string keystr(const void *p) {
    gort_string s;
    memcpy(&s, p, sizeof s);
    return s;
}
/* Whether h is a live map whose type takes a path other than the generic one. */
static inline bool on_fast_path(const gort_map *h) {
    return h && h->magic == MAP_MAGIC_LIVE && h->path != PATH_GENERIC;
}
/* Whether h is a live map on the generic path with an element over 1024 bytes. */
static inline bool is_fat(const gort_map *h) {
    return h && h->magic == MAP_MAGIC_LIVE && (h->tflags & TF_FAT);
}

/* The compiled map operations: each runs the path of the map's type (see gort.h), or, for
 * the generic path (and the nil map), is Go's generic runtime function itself. */
void *gort_mapaccess1(gort_map *h, const void *key) {
    if (on_fast_path(h)) {
        switch (h->path) {
        case PATH_FAST32: return gort_mapaccess1_fast32(h, key32(key));
        case PATH_FASTSTR: return gort_mapaccess1_faststr(h, keystr(key));
        default: return gort_mapaccess1_fast64(h, key64(key));
        }
    }
    if (is_fat(h)) return gort_mapaccess1_fat(h, key);
    return access_impl(h, key, KK_GEN, NULL, ON(PATH_GENERIC));
}
void *gort_mapaccess2(gort_map *h, const void *key, bool *ok) {
    if (on_fast_path(h)) {
        switch (h->path) {
        case PATH_FAST32: return gort_mapaccess2_fast32(h, key32(key), ok);
        case PATH_FASTSTR: return gort_mapaccess2_faststr(h, keystr(key), ok);
        default: return gort_mapaccess2_fast64(h, key64(key), ok);
        }
    }
    if (is_fat(h)) return gort_mapaccess2_fat(h, key, ok);
    return access_impl(h, key, KK_GEN, ok, ON(PATH_GENERIC));
}
void *gort_mapassign(gort_map *h, const void *key) {
    if (on_fast_path(h)) {
        switch (h->path) {
        case PATH_FAST32: return gort_mapassign_fast32(h, key32(key));
        case PATH_FASTSTR: return gort_mapassign_faststr(h, keystr(key));
        case PATH_FAST64PTR: return gort_mapassign_fast64ptr(h, *(void *const *)key);
        default: return gort_mapassign_fast64(h, key64(key));
        }
    }
    return assign_impl(h, key, KK_GEN, ON(PATH_GENERIC));
}
void gort_mapdelete(gort_map *h, const void *key) {
    if (on_fast_path(h)) {
        switch (h->path) {
        case PATH_FAST32: gort_mapdelete_fast32(h, key32(key)); return;
        case PATH_FASTSTR: gort_mapdelete_faststr(h, keystr(key)); return;
        default: gort_mapdelete_fast64(h, key64(key)); return;
        }
    }
    delete_impl(h, key, KK_GEN, ON(PATH_GENERIC));
}

/* ---- len, clear -------------------------------------------------------------------------- */

/* len(m). */
int64_t gort_maplen(gort_map *h) {
    gort__safepoint();
    if (!h) return 0;
    CHECK_LIVE(h, mapaccess);
    return h->count;
}

/* Keeps, for live iterators, the overflow buckets mapclear is about to drop. */
static void keep_overflow_buckets(gort_map *h) {
    for (uint64_t j = 0; j < bucket_shift(h->B); j++) {
        for (uint8_t *b = bucket_overflow(h, bucket_at(h, h->buckets, j)); b;
             b = bucket_overflow(h, b))
            if (!in_array(h, b, h->buckets)) keep_push(h, b, false);
    }
}

/* Go's mapclear: empties the map in place, keeping B and the bucket array (zeroed), ending
 * any growth, with a fresh seed. */
void gort_mapclear(gort_map *h) {
    gort__safepoint();
    if (!h) {
        GORT_PROBE(mapclear, 0, 0, 0);
        return;
    }
    CHECK_LIVE(h, mapclear);
    int64_t before = h->count;
    if (before != 0) {
        write_begin(h);
        if (h->flags & (FLAG_ITERATOR | FLAG_OLD_ITERATOR)) {
            if (h->oldbuckets) keep_push(h, h->oldbuckets, true);
            keep_overflow_buckets(h);
        }
        h->flags &= (uint8_t)~FLAG_SAME_SIZE_GROW;
        h->oldbuckets = NULL;
        h->nevacuate = 0;
        h->noverflow = 0;
        h->count = 0;
        reseed(h);
        h->next_overflow = NULL;
        if (h->tflags & TF_SCAN)
            for (uint64_t j = 0; j < array_hdr_of(h->buckets)->nalloc; j++)
                bucket_clear_ptrs(h, bucket_at(h, h->buckets, j));
        make_bucket_array(h, h->B, h->buckets, &h->next_overflow);
        write_end(h);
    }
    GORT_PROBE(mapclear, h->id, before, 0);
}

/* `for k := range m { delete(m, k) }` as Go 1.19 compiles it (walk.isMapClear): mapclear for
 * a type whose keys equal themselves, else the loop. The loop deletes each key the iteration
 * produces through the type's path; a NaN key is produced but no delete finds it, so it stays
 * (and with it the overflow buckets and noverflow, which deletes never reset). */
void gort_maprange_delete(const gort_maptype *t, gort_map *h) {
    if (h && h->magic == MAP_MAGIC_LIVE && h->t != t) gort_fatal("maprange_delete: map of another type");
    if (gort__maptype_reflexive(t)) {
        gort_mapclear(h);
        return;
    }
    gort_mapiter it;
    for (gort_mapiterinit(h, &it); it.key; gort_mapiternext(&it)) gort_mapdelete(h, it.key);
}

/* ---- iteration --------------------------------------------------------------------------- */

/* An iterator reached its end: the last one out releases what the map kept for iterators. */
static void iter_finished(gort_mapiter *it) {
    gort_map *h = it->h;
    it->h = NULL;
    if (__atomic_sub_fetch(&h->live_iters, 1, __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&h->keep, NULL, __ATOMIC_RELEASE);
}

/* mapiterinit: starts an iteration at a random bucket and slot offset and produces the
 * first entry (it->key NULL when the map is nil or empty). */
void gort_mapiterinit(gort_map *h, gort_mapiter *it) {
    gort__safepoint();
    memset(it, 0, sizeof *it);
    if (!h) {
        GORT_PROBE(mapiterinit, 0, 0, 0);
        return;
    }
    CHECK_LIVE(h, mapiterinit);
    it->t = h->t;
    if (h->count == 0) {
        GORT_PROBE(mapiterinit, h->id, 0, 0);
        return;
    }
    it->h = h;
    it->B = h->B;
    it->buckets = h->buckets;
    uint64_t r = h->B > 31 - BUCKET_CNT_BITS ? gort__fastrand64() : gort__fastrand();
    it->startBucket = r & bucket_mask(h->B);
    it->offset = (uint8_t)((r >> h->B) & (BUCKET_CNT - 1));
    it->bucket = it->startBucket;
    if ((h->flags & (FLAG_ITERATOR | FLAG_OLD_ITERATOR)) != (FLAG_ITERATOR | FLAG_OLD_ITERATOR))
        __atomic_fetch_or(&h->flags, FLAG_ITERATOR | FLAG_OLD_ITERATOR, __ATOMIC_RELAXED);
    __atomic_add_fetch(&h->live_iters, 1, __ATOMIC_RELAXED);
    GORT_PROBE(mapiterinit, h->id, it->startBucket, it->offset);
    gort_mapiternext(it);
}

/* mapiternext: advances to the next entry, or sets it->key = NULL at the end. */
void gort_mapiternext(gort_mapiter *it) {
    gort__safepoint();
    gort_map *h = it->h;
    if (!h) {
        it->key = it->elem = NULL;
        return;
    }
    CHECK_LIVE(h, mapiterinit);
    if (h->flags & FLAG_HASH_WRITING) gort_fatal("concurrent map iteration and map write");
    const uint64_t no_check = UINT64_MAX;
    uint64_t bucket = it->bucket;
    uint8_t *b = it->bptr;
    unsigned i = it->i;
    uint64_t check = it->checkBucket;
    for (;;) {
        if (!b) {
            if (bucket == it->startBucket && it->wrapped) {
                it->key = it->elem = NULL;
                iter_finished(it);
                return;
            }
            if (h->oldbuckets && it->B == h->B) {
                /* Started mid-growth and still growing: if the old bucket has not been
                 * evacuated, walk it and keep only the keys bound for this bucket. */
                b = bucket_at(h, h->oldbuckets, bucket & (nold_buckets(h) - 1));
                if (!evacuated(b)) {
                    check = bucket;
                } else {
                    b = bucket_at(h, it->buckets, bucket);
                    check = no_check;
                }
            } else {
                b = bucket_at(h, it->buckets, bucket);
                check = no_check;
            }
            bucket++;
            if (bucket == bucket_shift(it->B)) {
                bucket = 0;
                it->wrapped = true;
            }
            i = 0;
        }
        for (; i < BUCKET_CNT; i++) {
            unsigned off = (i + it->offset) & (BUCKET_CNT - 1);
            uint8_t top = b[off];
            if (is_empty(top) || top == EVACUATED_EMPTY) continue;
            void *k = bucket_key(h, b, off);
            void *e = bucket_elem(h, b, off);
            bool reflexive = key_reflexive_at(h, k);
            if (check != no_check && !same_size_grow(h)) {
                if (reflexive) {
                    if ((key_hash_any(h, k) & bucket_mask(it->B)) != check) continue;
                } else if ((check >> (it->B - 1)) != (uint64_t)(top & 1)) {
                    continue;
                }
            }
            if ((top != EVACUATED_X && top != EVACUATED_Y) || !reflexive) {
                it->key = k;
                it->elem = e;
            } else {
                /* The map grew since the start: the live entry is elsewhere, or gone. */
                unsigned s;
                uint8_t *lb = find_any(h, k, &s);
                if (!lb) continue;
                it->key = bucket_key(h, lb, s);
                it->elem = bucket_elem(h, lb, s);
            }
            it->bucket = bucket;
            it->bptr = b;
            it->i = (uint8_t)(i + 1);
            it->checkBucket = check;
            return;
        }
        b = bucket_overflow(h, b);
        i = 0;
    }
}

/* ---- introspection, collector interface -------------------------------------------------- */

/* The map's shape, for tests and users; all zero for the nil map. */
void gort_map_stats(gort_map *h, gort_mapstats *out) {
    memset(out, 0, sizeof *out);
    if (!h) return;
    CHECK_LIVE(h, mapaccess);
    out->id = h->id;
    out->count = h->count;
    out->B = h->B;
    out->noverflow = h->noverflow;
    out->growing = h->oldbuckets != NULL;
    out->same_size_grow = same_size_grow(h);
    out->nevacuate = h->nevacuate;
    out->hash0 = h->hash0;
    out->flags = h->flags;
}

/* The map's id in traces; 0 for the nil map. */
uint64_t gort_map_id(gort_map *h) { return h ? h->id : 0; }

/* Loads a pointer slot the mutator may be writing. */
static inline void *load_ptr(void *slot) {
    return __atomic_load_n((void **)slot, __ATOMIC_RELAXED);
}

/* Marks what the 8 slots of bucket b point to: pointer keys, key and element objects of an
 * indirect type, pointer words of inline elements (elem_ptrmask). */
static void scan_bucket(gort_map *h, uint8_t *b) {
    bool kptr = h->tflags & (TF_KEY_PTR | TF_INDIRECT_KEY);
    for (unsigned i = 0; i < BUCKET_CNT; i++) {
        if (kptr) {
            void *k = load_ptr(b + DATA_OFFSET + (size_t)i * h->keysize);
            if (k) gort__mark(k);
        }
        void **e = (void **)(b + h->elemoff + (size_t)i * h->elemsize);
        if (h->tflags & TF_INDIRECT_ELEM) {
            void *p = load_ptr(e);
            if (p) gort__mark(p); /* an element with pointers is scanned by its mask */
            continue;
        }
        for (uint64_t m = h->elem_ptrmask; m; m &= m - 1) {
            void *p = load_ptr(&e[__builtin_ctzll(m)]);
            if (p) gort__mark(p);
        }
    }
}

/* Marks a bucket array (its allocation starts at its prefix), its separately allocated
 * overflow buckets, and, for slots with pointers, what they point to. A pointer-free map
 * costs O(1 + overflow buckets), as in Go: only slots with pointers need the chains walked. Safe while
 * a goroutine grows or clears the map: the array's prefix is its own, nothing the marker
 * reads is freed before the sweep, links and list entries are published after what they
 * point to is ready, and what a concurrent write moves goes through the barrier or is newly
 * allocated (black). */
static void scan_array(gort_map *h, uint8_t *arr) {
    array_hdr *ah = array_hdr_of(arr);
    gort__mark(ah);
    ovf_list *l = __atomic_load_n(&ah->ovf, __ATOMIC_ACQUIRE);
    if (l) {
        gort__mark(l);
        uint64_t n = __atomic_load_n(&l->n, __ATOMIC_ACQUIRE);
        for (uint64_t i = 0; i < n; i++) gort__mark(l->b[i]);
    }
    if (!(h->tflags & TF_SCAN)) return;
    for (uint64_t j = 0; j < ah->nmain; j++) {
        uint8_t *b = bucket_at(h, arr, j);
        uint64_t hops = 0;
        while (b) {
            scan_bucket(h, b);
            b = __atomic_load_n(bucket_overflow_slot(h, b), __ATOMIC_ACQUIRE);
            /* A link read while mapclear rewrites the array may lead back to bucket 0;
             * bound the walk so that a scan racing with it always ends. */
            if (++hops > ah->nalloc + ((uint64_t)1 << 20)) break;
        }
    }
}

/* gort__map_scan: marks every heap object the map references (see internal.h). Called by
 * the collector's marker, possibly while goroutines use the map. */
void gort__map_scan(gort_map *h) {
    if (!h || h->magic != MAP_MAGIC_LIVE) return;
    uint8_t *arr = __atomic_load_n(&h->buckets, __ATOMIC_ACQUIRE);
    if (arr) scan_array(h, arr);
    arr = __atomic_load_n(&h->oldbuckets, __ATOMIC_ACQUIRE);
    if (arr) scan_array(h, arr);
    for (map_keep *k = __atomic_load_n(&h->keep, __ATOMIC_ACQUIRE); k; k = k->next) {
        gort__mark(k);
        if (k->is_array) {
            scan_array(h, k->mem);
        } else {
            gort__mark(k->mem);
            if (h->tflags & TF_SCAN) scan_bucket(h, k->mem);
        }
    }
}

/* Whether gort__map_kill already ran on h. */
int gort__map_dead(gort_map *h) { return h && h->magic == MAP_MAGIC_DEAD; }

/* gort__map_kill: the map dies (collected, or its frame popped): probe mapfree, then poison
 * the header so any later operation is caught. Killing a dead map does nothing. */
void gort__map_kill(gort_map *h, int cause) {
    if (!h || h->magic != MAP_MAGIC_LIVE) return;
    GORT_PROBE(mapfree, h->id, cause, h->count);
    h->magic = MAP_MAGIC_DEAD;
}
