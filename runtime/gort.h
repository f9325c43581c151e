/*
 * gort.h — the public interface of libgort, a C model of Go 1.19's map, defer/panic/recover,
 * goroutine and garbage-collector runtime that emits a trace event for every interesting operation.
 *
 * One header for everything a program linked with libgort uses. Sections:
 *   1. Strings and map types
 *   2. Maps (runtime/map.c): make, access, assign, delete, len, clear, iterate, stats
 *   3. Frames, defer, panic/recover, Goexit (runtime/defer.c, runtime/panic.c)
 *   4. Goroutines and WaitGroups (runtime/proc.c)
 *   5. The garbage collector and its roots (runtime/gc.c)
 *
 * Names follow Go's runtime functions where one exists (gort_mapassign is runtime.mapassign),
 * so a trace reads like Go's own profile.
 */
#ifndef GORT_H
#define GORT_H

/* The version of libgort and of the gort command built with it (semantic versioning: the minor
 * number grows with additions to this header, the major one with changes that break a program
 * written against it). The Makefile reads GORT_VERSION from here, so it is written once. */
#define GORT_VERSION_MAJOR 0
#define GORT_VERSION_MINOR 1
#define GORT_VERSION_PATCH 0
#define GORT_VERSION "0.1.0"
/* One number to compare in #if: 10000 * major + 100 * minor + patch (0.1.0 is 100). */
#define GORT_VERSION_NUMBER (GORT_VERSION_MAJOR * 10000 + GORT_VERSION_MINOR * 100 + GORT_VERSION_PATCH)

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------
 * 1. Strings and map types
 * ------------------------------------------------------------------------------------------ */

/* A Go string: bytes and a length, not NUL-terminated. A map with string keys stores the
 * (ptr, len) pair, not a copy of the bytes, exactly as Go stores the string header: the caller
 * keeps the bytes alive and unchanged for as long as the key is in the map (literals, or
 * memory that outlives the map). */
typedef struct gort_string {
    const char *ptr;
    size_t len;
} gort_string;

/* gort_str("abc") makes a gort_string of a NUL-terminated C string. */
static inline gort_string gort_str(const char *s) {
    gort_string r = { s, strlen(s) };
    return r;
}

/* A map type's key kind. With the key and element sizes it decides the code paths a map's
 * operations take, as Go's compiler decides them (walk.mapfast): an element over 128 bytes
 * takes the generic functions whatever the key; otherwise the kind's path below. */
typedef enum gort_keykind {
    GORT_KEY_INT64 = 1,  /* int64 keys, 8 bytes: the fast64 path */
    GORT_KEY_UINT64,     /* uint64 keys, 8 bytes: the fast64 path */
    GORT_KEY_STRING,     /* gort_string keys: the faststr path */
    GORT_KEY_GENERIC,    /* any fixed-size key with the type's hash and equal: the generic path */
    GORT_KEY_INT32,      /* int32 keys, 4 bytes (any 4-byte memory key: uint32, rune): fast32 */
    GORT_KEY_UINT32,     /* uint32 keys, 4 bytes: the fast32 path */
    GORT_KEY_PTR,        /* pointer keys (void *): a libgort heap pointer (a gort_map * or an
                            environment) or NULL, which the map keeps alive; lookups and
                            deletes take fast64, assignments mapassign_fast64ptr */
    GORT_KEY_FLOAT64,    /* double keys with Go's ==: NaN is not equal to itself (each NaN
                            insert adds an entry no lookup finds), +0 == -0; generic path */
    GORT_KEY_FLOAT32     /* float keys, the same rules; generic path */
} gort_keykind;

/* The hash of a generic key: hash(key, seed) must depend on every byte equal() compares. */
typedef uint64_t (*gort_hashfn)(const void *key, uint64_t seed);
typedef bool (*gort_equalfn)(const void *a, const void *b);

/* A map type, like Go's maptype: fixed key and element sizes and how keys hash.
 * Keys and elements over 128 bytes are stored behind a pointer in the bucket, as Go stores
 * them, so a map's bucket size is Go's for the same types.
 * elem_ptrmask marks the 8-byte words of the element that hold libgort heap pointers (a
 * gort_map * or a closure environment): bit i set means word i is scanned by the collector
 * and written with the write barrier. Elements without such words are never scanned. */
typedef struct gort_maptype {
    const char *name;      /* e.g. "map[string]int64", shown in traces and errors */
    gort_keykind keykind;
    uint32_t keysize;      /* bytes; 8 for INT64/UINT64/PTR/FLOAT64, 4 for INT32/UINT32/FLOAT32,
                              sizeof(gort_string) for STRING, any size for GENERIC */
    uint32_t elemsize;     /* bytes, 0 allowed (a set), any size */
    gort_hashfn hash;      /* GENERIC only */
    gort_equalfn equal;    /* GENERIC only */
    uint64_t elem_ptrmask;
    bool irreflexive;      /* GENERIC only: some key is not equal to itself (the key holds a
                              float): Go's maptype without reflexivekey. It decides how
                              gort_maprange_delete runs; iteration checks equal(k, k) itself */
} gort_maptype;

/* Ready-made types for the common cases. */
extern const gort_maptype gort_type_int64_int64;   /* map[int64]int64 */
extern const gort_maptype gort_type_uint64_int64;  /* map[uint64]int64 */
extern const gort_maptype gort_type_string_int64;  /* map[string]int64 */
extern const gort_maptype gort_type_string_map;    /* map[string]*hmap: elem is a gort_map * */
extern const gort_maptype gort_type_int32_int32;   /* map[int32]int32 */
extern const gort_maptype gort_type_ptr_int64;     /* map[*T]int64: keys are heap pointers */
extern const gort_maptype gort_type_float64_int64; /* map[float64]int64 */

/* A hash over raw key bytes (Go's memhash role) for generic keys compared byte by byte: the
 * type's hash calls it with the key size, and its equal compares with memcmp, e.g.
 *     static uint64_t k12_hash(const void *k, uint64_t s) { return gort_memhash(k, 12, s); }
 *     static bool k12_equal(const void *a, const void *b) { return memcmp(a, b, 12) == 0; }
 * Keys with padding must have it zeroed. */
uint64_t gort_memhash(const void *key, size_t size, uint64_t seed);

/* ------------------------------------------------------------------------------------------
 * 2. Maps
 * ------------------------------------------------------------------------------------------ */

/* Hashing is randomised per process and per map, as Go's: iteration order and bucket placement
 * differ between runs. GORT_HASHSEED=n in the environment makes both reproducible (tests). */
typedef struct gort_map gort_map; /* Go's hmap; NULL is the nil map */

/* makemap: a new map sized for about `hint` entries, with Go's choice of initial B. */
gort_map *gort_makemap(const gort_maptype *t, int64_t hint);

/* What Go's compiler emits for v := m[k], v, ok := m[k], m[k] = v and delete(m, k): each runs
 * the function Go's compiler picks for the map's type (the fast paths below, the _fat lookups
 * or the generic runtime functions), and that function fires the probe, so a trace's stacks
 * name the path taken as Go's profile would. key points to a key of the type's kind (a
 * uint64_t, int32_t, gort_string, void *, double ...). On the nil map, whose type is not
 * known, the generic functions run.
 * mapaccess1: the element stored under key, or a pointer to a zero element when absent
 * (never NULL; the zero element must not be written). mapaccess2 also says whether it was found. */
void *gort_mapaccess1(gort_map *h, const void *key);
void *gort_mapaccess2(gort_map *h, const void *key, bool *ok);
/* mapassign: the slot of key's element, inserting the key (element zeroed) when absent.
 * On a nil map: panic "assignment to entry in nil map". */
void *gort_mapassign(gort_map *h, const void *key);
/* mapdelete: removes key if present; a no-op on a nil or empty map. */
void gort_mapdelete(gort_map *h, const void *key);

/* The fast paths, Go's mapaccess1_fast32 ... mapdelete_faststr, for the maps whose type Go's
 * compiler sends to them: elements of at most 128 bytes and 4-byte integer keys (fast32),
 * 8-byte integer keys (fast64), pointer keys (fast64 lookups and deletes, assignments
 * mapassign_fast64ptr, which stores the key with the write barrier), string keys (faststr).
 * A fast path called for a map of another path is a fatal error; the nil map is accepted. */
void *gort_mapaccess1_fast32(gort_map *h, uint32_t key);
void *gort_mapaccess2_fast32(gort_map *h, uint32_t key, bool *ok);
void *gort_mapassign_fast32(gort_map *h, uint32_t key);
void gort_mapdelete_fast32(gort_map *h, uint32_t key);
void *gort_mapaccess1_fast64(gort_map *h, uint64_t key);
void *gort_mapaccess2_fast64(gort_map *h, uint64_t key, bool *ok);
void *gort_mapassign_fast64(gort_map *h, uint64_t key);
void *gort_mapassign_fast64ptr(gort_map *h, void *key);
void gort_mapdelete_fast64(gort_map *h, uint64_t key);
void *gort_mapaccess1_faststr(gort_map *h, gort_string key);
void *gort_mapaccess2_faststr(gort_map *h, gort_string key, bool *ok);
void *gort_mapassign_faststr(gort_map *h, gort_string key);
void gort_mapdelete_faststr(gort_map *h, gort_string key);
/* mapaccess1_fat / mapaccess2_fat: the lookups of maps on the generic path whose element is
 * over 1024 bytes (Go's zeroValSize): a missing key reads a zero element as large as any. */
void *gort_mapaccess1_fat(gort_map *h, const void *key);
void *gort_mapaccess2_fat(gort_map *h, const void *key, bool *ok);

/* len(m): 0 for the nil map. */
int64_t gort_maplen(gort_map *h);
/* mapclear: empties the map in one step, keeping B (the array is zeroed, overflow buckets
 * dropped, noverflow reset, a new hash seed). Go 1.19 compiles `for k := range m
 * { delete(m, k) }` into it only when the key type's == is reflexive: never for float keys
 * (or keys holding a float), whose NaN keys no delete can find; nor with -N or -race. */
void gort_mapclear(gort_map *h);
/* `for k := range m { delete(m, k) }` (t is m's type, as for gort_defer_delete; m may be nil),
 * compiled as Go 1.19 compiles it: gort_mapclear when t's keys equal themselves, otherwise the
 * loop itself (mapiterinit, mapdelete per key, mapiternext), which leaves every NaN key in
 * place, the map's overflow buckets and noverflow too. */
void gort_maprange_delete(const gort_maptype *t, gort_map *h);

/* Iteration, Go's hiter: random start bucket and offset; every key present for the whole
 * iteration is produced exactly once, also while the map grows; a key deleted before it is
 * reached is not produced; a key inserted meanwhile is produced at most once. Fields are
 * private except key and elem, which point into the map (valid until its next write).
 *   gort_mapiter it;
 *   for (gort_mapiterinit(m, &it); it.key; gort_mapiternext(&it)) use(it.key, it.elem);
 * The map itself must stay reachable (rooted) while an iteration runs: unlike Go's hiter, a
 * gort_mapiter is invisible to the collector.
 * The map keeps the bucket arrays a running iterator may walk alive for the collector until
 * every iterator started on it has reached its end; one left early (a break) makes that last
 * for the map's lifetime (memory only, never a wrong result). */
typedef struct gort_mapiter {
    void *key;               /* current key, NULL when done */
    void *elem;              /* current element */
    /* private */
    gort_map *h;
    const gort_maptype *t;
    void *buckets;           /* bucket array at init time */
    void *bptr;              /* current bucket */
    uint64_t startBucket;
    uint8_t offset;
    bool wrapped;
    uint8_t B;
    uint8_t i;
    uint64_t bucket;
    uint64_t checkBucket;
} gort_mapiter;
void gort_mapiterinit(gort_map *h, gort_mapiter *it);
void gort_mapiternext(gort_mapiter *it);

/* What a user or a test can watch of a map's shape. */
typedef struct gort_mapstats {
    uint64_t id;          /* the map's id in traces (1, 2, ... in creation order) */
    int64_t count;
    uint8_t B;            /* log2 of the number of buckets */
    uint16_t noverflow;   /* Go's approximate overflow-bucket count */
    bool growing;         /* oldbuckets != NULL */
    bool same_size_grow;
    uint64_t nevacuate;   /* old buckets evacuated so far, in index order */
    uint32_t hash0;       /* the per-map seed */
    uint8_t flags;        /* Go's flags: iterator 1, oldIterator 2, hashWriting 4, sameSizeGrow 8 */
} gort_mapstats;
void gort_map_stats(gort_map *h, gort_mapstats *out);
/* The id traces use for this map (0 for nil). */
uint64_t gort_map_id(gort_map *h);

/* ------------------------------------------------------------------------------------------
 * 3. Frames, defer, panic/recover, Goexit        (runtime/defer.c, runtime/panic.c)
 *
 * A C function models a Go function by opening a frame with GORT_FUNC (or GORT_FUNC_R for a
 * function with a result). The frame is left by the cleanup attribute on every return path,
 * which runs the frame's deferred calls (deferreturn) and only then pops the frame, so
 * deferreturn cannot be forgotten:
 *
 *     void f(void) {
 *         GORT_FUNC(fr);
 *         gort_map *m = gort_makemap(&gort_type_string_int64, 0);
 *         GORT_ROOT(fr, &m);                           // m is a live local: a GC root
 *         gort_defer_delete_faststr(&fr, m, gort_str("a"));  // defer delete(m, "a")
 *         m = NULL;                                   // m = nil: the defer still has the map
 *     }
 *
 * Rules of the model (each is Go's, see docs in /work/shared/docs/go-1.19-semantics.md §2):
 *   - Deferred calls run last-in first-out: at the function's return (deferreturn, from the
 *     cleanup), during a panic or during Goexit (called from gort_panic / gort_goexit, deeper
 *     on the C stack, while every frame they unwind is still alive).
 *   - A frame is popped, and its stack maps die, only after all its deferred calls ran.
 *   - A panic is C's longjmp: the C functions it unwinds do not run their cleanups; the runtime
 *     pops their frames itself when a recover resumes an outer frame (or Goexit ends the
 *     goroutine). Keep nothing but gort objects in a GORT_FUNC function that a panic could
 *     leak (malloc'd memory, locks), as Go code would use a defer for those.
 *   - The defer statements (gort_defer_call, GORT_DEFER, gort_defer_delete*) are macros,
 *     written in the body of the function whose frame they name, as Go's defer statement is:
 *     the first one sets the point where a recovered panic resumes the function (a helper
 *     that defers for its caller does not compile). A function's first deferred call is
 *     open-coded when no recorder is attached, as Go's are: it stays in the frame, costs a few
 *     stores, has no defer id (gort_defer_call returns 0) and becomes a record only if a
 *     panic or Goexit comes (see gort_frame). A function that never defers pays nothing for
 *     recovery; its frame costs what a Go function's prologue does (docs/defer.md).
 *   - Named results: a plain `return x` evaluates x before the deferred calls run (they cannot
 *     change it). For Go's named results, keep them where the deferred closures can write
 *     them (an environment) and return with GORT_RETURN(fr, env->r), which runs the deferred
 *     calls first; after a recovered panic the function returns GORT_FUNC_R's `result`,
 *     also evaluated after the remaining deferred calls ran.
 *   - recover() counts as "called directly by the deferred call" (Go's rule) when the C
 *     function that calls it is the deferred function itself, not a helper it calls: libgort
 *     compares frame pointers, as Go compares argument pointers, so build programs with frame
 *     pointers (-fno-omit-frame-pointer, as the Makefile does), and mark a helper that calls
 *     recover __attribute__((noinline)) (Go never inlines a function that calls recover) and
 *     do not let the deferred function tail-call it (C's sibling-call optimisation makes the
 *     helper take the deferred function's place; Go has no tail calls). A deferred function
 *     whose last act is `gort_recover();` (a tail call to recover itself) does recover.
 *   - Everything runs on the goroutine that registered it: frames and defer records belong to
 *     one goroutine and are never shared between threads.
 *   - Safe points: entering a frame, leaving one with deferred calls (but a lone open-coded
 *     one) or stack maps, registering a defer (but an open-coded one), gort_go, WaitGroup
 *     calls, and the map operations and allocations (gort_makemap, gort_closure_new: before
 *     they allocate) may let a collection run, and are where a goroutine pays its mark assist
 *     debt or waits for a collection its allocations asked for (section 5). A heap pointer
 *     (map, environment) is safe
 *     there only if a root holds it (section 5): a GORT_ROOT slot, a pending defer record, a
 *     goroutine's arg, a global. What a call is handed (the env of gort_defer_call, the arg of
 *     gort_go) is a root before that call's safe point. GORT_ROOT itself is not a safe point.
 *     The simple rule: register a local with GORT_ROOT before it receives a heap pointer
 *         gort_map *m = NULL; void *env = NULL;
 *         GORT_ROOT(fr, &m); GORT_ROOT(fr, &env);
 *         m = gort_makemap(...); env = gort_closure_new(...);   // each rooted at once
 *
 * GORT_UNSAFE=frame_order (a comma-separated word list, read once; off by default) breaks
 * Go's order on purpose, the article's second crash path: a returning frame is popped and its
 * stack maps die before its deferred calls run, so a deferred delete on a stack map hits the
 * map's use-after-free check ("fatal error: use of freed map"). See docs/defer.md.
 * ------------------------------------------------------------------------------------------ */

#define GORT_FRAME_SLOTS 16     /* roots a frame can register */
#define GORT_FRAME_STACKMAPS 8  /* non-escaping maps a frame can own */

struct gort_g;
struct gort_defer;
struct gort_dcall;
typedef void (*gort_fn)(void *env);

/* A function frame. It lives on the C stack of the function it models; fields are private
 * (the collector reads slots and stackmaps). Entering writes three words and the link from
 * the goroutine, leaving reads one word and writes the link back: a frame costs about what a
 * Go function's prologue costs. The frame's first deferred call, when it is a call
 * (gort_defer_call) and nobody traces, is open-coded as Go's are: kept in the frame (odefer_*,
 * armed by a bit of the word) rather than in a record on the goroutine's defer chain, and
 * called by the inline leave. A panic or Goexit first turns every armed one into a record in
 * its place on the chain (defer.c), and from then on it is an ordinary record. */
typedef struct gort_frame {
    struct gort_frame *parent;       /* caller's frame on the same goroutine */
    const char *fn;                  /* function name for traces and tracebacks */
    union {                          /* one word: entering writes it whole, leaving tests it */
        struct {
            unsigned ndefers;        /* pending defer records registered by this frame */
            unsigned char nstackmaps;
            unsigned char nslots;
            unsigned char state;     /* GORT_FRAME_LIVE, _LEAVING (deferreturn), _POPPED,
                                        _LEFT (gort_frame_leave is done) */
            unsigned char odefer;    /* GORT__ODEFER_ARMED or _STARTED, GORT__FRAME_JB_BUILTIN,
                                        GORT__FRAME_TRACED */
        };
        uint64_t word;
    };
    gort_fn odefer_fn;               /* the open-coded deferred call, when armed */
    void *odefer_env;                /* its environment: a root while armed */
    void *recover_jb[8];             /* where a recovered panic resumes the function: its
                                        registers and label (GORT__RECOVERY_POINT) */
    void **slots[GORT_FRAME_SLOTS];  /* addresses of locals holding heap pointers: roots */
    gort_map *stackmaps[GORT_FRAME_STACKMAPS]; /* maps that did not escape: die at pop */
} gort_frame;

enum { GORT_FRAME_LIVE = 1, GORT_FRAME_LEAVING, GORT_FRAME_POPPED, GORT_FRAME_LEFT };

/* private: what the inline frame functions below read. The goroutine this thread runs (its
 * record starts with its innermost frame), and the runtime's request for attention at safe
 * points (nonzero: a stop-the-world is pending, the pacer is active, or a recorder is
 * attached, when frames are entered by the slow path, which marks them traced). */
extern __thread struct gort_g *gort__curg;
extern int gort__gc_attention;
extern int gort__trace_on; /* the recorder is attached: every probe fires */
void gort__safepoint_slow(void);
void gort__frame_enter_slow(gort_frame *fr, const char *fn);
void gort__frame_leave_slow(gort_frame *fr);

/* The frame word of a frame just entered: live, nothing registered (x86-64: little-endian). */
#define GORT__FRAME_WORD_LIVE ((uint64_t)GORT_FRAME_LIVE << 48)
/* The frame word's bits that leaving looks at: all but nslots (roots need no work), the
 * recovery point's kind and the traced mark (GORT__FRAME_JB_BUILTIN, _TRACED below). */
#define GORT__FRAME_WORD_LEAVE (~(((uint64_t)0xff << 40) | ((uint64_t)12 << 56)))
/* The open-coded defer's bits (the word's last byte): armed, then started (no longer armed:
 * a panic or Goexit during the call leaves it alone, as a started record is dropped) while
 * the leave runs it; the bit saying the recovery point is __builtin_setjmp's
 * (GORT__RECOVERY_POINT); and the mark of a frame entered while a recorder is attached (the
 * slow enter sets it: then every defer is a record, whose probes the trace needs). */
#define GORT__ODEFER_ARMED ((uint64_t)1 << 56)
#define GORT__ODEFER_STARTED ((uint64_t)2 << 56)
#define GORT__FRAME_JB_BUILTIN ((uint64_t)4 << 56)
#define GORT__FRAME_TRACED ((uint64_t)8 << 56)
/* The word's bits that say the frame has a defer: records or an open-coded one. */
#define GORT__FRAME_WORD_DEFERS (((uint64_t)0xffffffff) | GORT__ODEFER_ARMED)

/* Pushes fr as the innermost frame of the calling goroutine (a safe point). Inline. */
static inline void gort_frame_enter(gort_frame *fr, const char *fn) {
    struct gort_g *g = gort__curg;
    if (__builtin_expect(!g || __atomic_load_n(&gort__gc_attention, __ATOMIC_RELAXED), 0)) {
        gort__frame_enter_slow(fr, fn);
        return;
    }
    fr->parent = *(gort_frame **)g; /* g's innermost frame: its record's first field */
    fr->fn = fn;
    fr->word = GORT__FRAME_WORD_LIVE;
    *(gort_frame **)g = fr;
}

/* deferreturn, then pop: runs fr's deferred calls LIFO, then kills its stack maps and unlinks
 * it. Run by the cleanup attribute, by GORT_RETURN and after a recover resumed the function;
 * running it again on a popped frame does nothing. Inline for a live frame with nothing to run
 * or kill (no safe point then: one was on entry); the rest is gort__frame_leave_slow. */
static inline void gort_frame_leave(gort_frame *fr) {
    struct gort_g *g = gort__curg; /* non-NULL: fr was entered on this thread */
    uint64_t w = fr->word & GORT__FRAME_WORD_LEAVE;
    /* Only the open-coded defer, armed: this is the function's return (a recovery resuming
     * it finds no armed defer: the panic made it a record), so fr is the innermost frame. The
     * call is made from here, the frame still live and its environment a root; started, a
     * panic in the call leaves it alone (a recovery deeper comes back here; one further out
     * pops the frame and never does). */
    if (w == (GORT__FRAME_WORD_LIVE | GORT__ODEFER_ARMED)) {
        __atomic_store_n(&fr->word, fr->word ^ (GORT__ODEFER_ARMED | GORT__ODEFER_STARTED),
                         __ATOMIC_RELAXED);
        fr->odefer_fn(fr->odefer_env);
        *(gort_frame **)g = fr->parent;
        return;
    }
    /* Nothing to run or kill: popped without marking it left; a second leave (GORT_RETURN's,
     * then the cleanup's) finds it off the chain, and the slow path knows it so. */
    if (__builtin_expect(w == GORT__FRAME_WORD_LIVE && *(gort_frame **)g == fr, 1)) {
        *(gort_frame **)g = fr->parent;
        return;
    }
    if (fr->state != GORT_FRAME_LEFT) gort__frame_leave_slow(fr);
}

/* Opens the function's frame. A recovered panic resumes the function at its recovery point,
 * set by its first defer statement (GORT__RECOVERY_POINT below), at the label here: the
 * function returns, and the cleanup runs the rest of its deferred calls. A function that
 * never defers sets no recovery point and pays nothing for one (a recovery can only resume a
 * function that deferred the recovering call). The constant tells the defer statements that
 * the function returns no value. */
#define GORT_FUNC(fr)                                                     \
    gort_frame fr __attribute__((cleanup(gort_frame_leave)));            \
    gort_frame_enter(&fr, __func__);                                      \
    enum { gort__frame_returns_value = 0 };                               \
    if (0) {                                                              \
    gort_defer_outside_the_function_of_its_GORT_FUNC:                     \
        __attribute__((unused));                                          \
        return;                                                           \
    }                                                                     \
    do {} while (0)
/* After a recovered panic the function returns `result`, evaluated once the rest of its
 * deferred calls ran: a constant, or Go's named result kept where the deferred closures can
 * write it (an environment field), e.g. GORT_FUNC_R(fr, res->err). */
#define GORT_FUNC_R(fr, result)                                           \
    gort_frame fr __attribute__((cleanup(gort_frame_leave)));            \
    gort_frame_enter(&fr, __func__);                                      \
    enum { gort__frame_returns_value = 1 };                               \
    if (0) {                                                              \
    gort_defer_outside_the_function_of_its_GORT_FUNC:                     \
        __attribute__((unused));                                          \
        gort_frame_leave(&fr);                                            \
        return (result);                                                  \
    }                                                                     \
    do {} while (0)
/* `return` with Go's named results: runs the frame's deferred calls (which may change the
 * named results) and pops the frame, then returns `result`, evaluated only then. */
#define GORT_RETURN(fr, result)                                           \
    do {                                                                  \
        gort_frame_leave(&(fr));                                          \
        return (result);                                                  \
    } while (0)

/* Registers the address of a local that holds a heap pointer (a gort_map * or an
 * environment) as a root of this frame, live until the frame is popped. At most
 * GORT_FRAME_SLOTS per frame (more is a fatal error). */
void gort_frame_root(gort_frame *fr, void *slot);
#define GORT_ROOT(fr, slotp) gort_frame_root(&(fr), (void *)(slotp))

/* A map that does not escape its function: owned by the frame, it dies (probe mapfree,
 * cause frame) when the frame is popped, which is after the frame's deferred calls ran.
 * At most GORT_FRAME_STACKMAPS per frame. */
gort_map *gort_makemap_stack(gort_frame *fr, const gort_maptype *t, int64_t hint);

/* The defer statements below are macros, used like functions, in the body of the function
 * whose frame they name, as Go's defer statement is in its function: a frame's first defer
 * sets the function's recovery point, here, in the function itself, and a call from anywhere
 * else does not compile (label gort_defer_outside_the_function_of_its_GORT_FUNC undefined) or,
 * from another GORT_FUNC function, dies ("defer for a frame that is not the innermost"). fr
 * is evaluated more than once.
 *
 * The recovery point of a void function (GORT_FUNC) is GORT__CAPTURE: the callee-saved
 * registers, frame and stack pointers and the label's address go into the frame, and the
 * recovery (panic.c) restores them and jumps to the label, whose code only leaves the frame
 * (through &fr, which the registers give back) and returns: the function pays eight stores and
 * nothing else (asm goto tells the compiler the label may be reached from here; memory and
 * the caller-saved registers count as clobbered). A function with a result (GORT_FUNC_R)
 * evaluates its result expression at the label, so it uses __builtin_setjmp, after which the
 * compiler assumes nothing about registers, and marks the frame (GORT__FRAME_JB_BUILTIN). */
#define GORT__CAPTURE(jb)                                                 \
    __asm__ goto("lea %l[gort_defer_outside_the_function_of_its_GORT_FUNC](%%rip), %%rax\n\t" \
                 "mov %%rax, %7\n\t"                                     \
                 "mov %%rbx, %0\n\t"                                     \
                 "mov %%rbp, %1\n\t"                                     \
                 "mov %%r12, %2\n\t"                                     \
                 "mov %%r13, %3\n\t"                                     \
                 "mov %%r14, %4\n\t"                                     \
                 "mov %%r15, %5\n\t"                                     \
                 "mov %%rsp, %6"                                          \
                 : : "m"((jb)[0]), "m"((jb)[1]), "m"((jb)[2]), "m"((jb)[3]), \
                     "m"((jb)[4]), "m"((jb)[5]), "m"((jb)[6]), "m"((jb)[7]) \
                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory", \
                   "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
                   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15" \
                 : gort_defer_outside_the_function_of_its_GORT_FUNC)
/* Without optimisation the compiler needs registers to address the frame in the asm, and all
 * of them are clobbered: unoptimised builds use __builtin_setjmp for void functions too. */
#ifdef __OPTIMIZE__
#define GORT__USE_SETJMP gort__frame_returns_value
#else
#define GORT__USE_SETJMP 1
#endif
#define GORT__SET_RECOVERY_POINT(frp)                                     \
    do {                                                                  \
        if (GORT__USE_SETJMP && __builtin_setjmp((frp)->recover_jb))      \
            goto gort_defer_outside_the_function_of_its_GORT_FUNC;        \
        if (GORT__USE_SETJMP)                                             \
            __atomic_store_n(&(frp)->word, (frp)->word | GORT__FRAME_JB_BUILTIN, \
                             __ATOMIC_RELAXED);                           \
        else                                                              \
            GORT__CAPTURE((frp)->recover_jb);                              \
    } while (0)
/* The recovery point, set by the frame's first defer only. */
#define GORT__RECOVERY_POINT(frp)                                         \
    do {                                                                  \
        if (((frp)->word & GORT__FRAME_WORD_DEFERS) == 0) GORT__SET_RECOVERY_POINT(frp); \
    } while (0)

/* defer delete(m, key): m and key are evaluated now (Go's rule), so a later m = nil does not
 * change which map is deleted from. The key is copied (t->keysize bytes, at most 64; a string
 * key copies the gort_string, not its bytes); t is m's type, as Go's mapdelete takes it (m
 * may be nil). The deferred call is Go's mapdelete, mapdelete_fast64 or mapdelete_faststr.
 * Returns the defer id used in traces. */
#define gort_defer_delete(fr, t, m, key) \
    ({ GORT__RECOVERY_POINT(fr); gort__defer_delete((fr), (t), (m), (key)); })
#define gort_defer_delete_fast64(fr, m, key) \
    ({ GORT__RECOVERY_POINT(fr); gort__defer_delete_fast64((fr), (m), (key)); })
#define gort_defer_delete_faststr(fr, m, key) \
    ({ GORT__RECOVERY_POINT(fr); gort__defer_delete_faststr((fr), (m), (key)); })
uint64_t gort__defer_delete(gort_frame *fr, const gort_maptype *t, gort_map *m, const void *key);
uint64_t gort__defer_delete_fast64(gort_frame *fr, gort_map *m, uint64_t key);
uint64_t gort__defer_delete_faststr(gort_frame *fr, gort_map *m, gort_string key);

/* defer func(){ ... }(): fn(env) runs at function exit. env is a closure environment from
 * gort_closure_new (its fields are the captured variables, so the call sees later writes to
 * them) or NULL, nothing else (the collector treats it as a heap pointer and rejects any
 * other); it stays a root until the call has run. name shows in traces. Returns the
 * defer id used in traces, or 0 when the defer was open-coded (a frame's first defer while
 * no recorder is attached: nothing will ever show its id). `defer f(x)` with arguments
 * evaluated now: copy x into a fresh environment. */
/* The frame's first defer, when the frame is not traced, is open-coded (see gort_frame): the
 * call and its environment go into the frame, armed, with no id (nobody traces) and no safe
 * point (as Go's open-coded defer has none), then the recovery point is set (no call comes in
 * between: nothing can panic before it). Otherwise a record on the chain, gort__defer_call, a
 * safe point as deferproc is, which also checks that fr is the innermost frame (here it is:
 * the macros are only in the body of fr's function). */
#define gort_defer_call(fr, name, fn, env) ({                               \
    gort_frame *gort__fr = (fr);                                          \
    gort_fn gort__fn = (fn);                                              \
    void *gort__env = (env);                                              \
    uint64_t gort__id = 0;                                                \
    if (__builtin_expect((gort__fr->word &                                \
                          (GORT__FRAME_WORD_DEFERS | GORT__FRAME_TRACED)) == 0, 1)) { \
        gort__fr->odefer_fn = gort__fn;                                   \
        gort__fr->odefer_env = gort__env;                                 \
        __atomic_store_n(&gort__fr->word, gort__fr->word | GORT__ODEFER_ARMED, \
                         __ATOMIC_RELAXED);                               \
        GORT__SET_RECOVERY_POINT(gort__fr);                               \
    } else {                                                              \
        GORT__RECOVERY_POINT(gort__fr);                                   \
        gort__id = gort__defer_call(gort__fr, (name), gort__fn, gort__env); \
    }                                                                     \
    gort__id;                                                             \
})
#define GORT_DEFER(fr, fn, env) gort_defer_call(&(fr), #fn, (fn), (env))
uint64_t gort__defer_call(gort_frame *fr, const char *name, gort_fn fn, void *env);

/* panic(msg). Deferred calls of every frame unwound run; recover in one of them stops the
 * panic and that deferring function returns normally. Unrecovered: "panic: msg" (with Go's
 * " [recovered]" and nested-panic lines), a goroutine trace, exit status 2. msg must stay
 * valid until the panic is over (a literal or static memory). */
__attribute__((noreturn)) void gort_panic(const char *msg);
/* A runtime error such as "assignment to entry in nil map" (pass Go's exact text; nothing is
 * added). Recoverable like any panic. */
__attribute__((noreturn)) void gort_panic_runtime_error(const char *msg);
/* recover(): the current panic's message if called directly by a deferred call run for a
 * panic, which stops the panic; NULL otherwise (no panic, Goexit, nested or helper call).
 * gort_panic(NULL) is Go 1.19's panic(nil): recover stops it and returns NULL. */
const char *gort_recover(void);
/* True when the value returned by the last successful gort_recover of this goroutine was a
 * runtime error (Go: the value implements runtime.Error). */
bool gort_recovered_runtime_error(void);
/* runtime.Goexit: runs every deferred call of the goroutine, then ends it. In the main
 * goroutine: waits for every other goroutine to end, then Go's fatal error "no goroutines
 * (main called runtime.Goexit) - deadlock!". */
__attribute__((noreturn)) void gort_goexit(void);
/* throw/fatal: "fatal error: msg", goroutine traces, exit 2; no defers run, no recover. */
__attribute__((noreturn)) void gort_fatal(const char *msg);

/* ------------------------------------------------------------------------------------------
 * 4. Goroutines and WaitGroups                   (runtime/proc.c)
 *
 * A goroutine is an OS thread with its own gort_g: its frame chain, defer chain and panics.
 * Ids are numbered as Go 1.19 numbers them in a program whose goroutines are created on one
 * P: main is 1, ids 2 to 5 are the runtime's own goroutines (forcegc, bgsweep, bgscavenge,
 * finalizer), so the first goroutine a program starts is 6, then 7, 8, ... (Go hands out ids
 * in batches of 16 per P, so a real Go program may also see 18 or more.) A thread that enters
 * libgort without gort_go (not main) gets the next id too.
 * ------------------------------------------------------------------------------------------ */

/* go fn(arg): a new goroutine on its own OS thread. arg (an environment from
 * gort_closure_new, or NULL; nothing else) is a root while the goroutine runs. Returns the goroutine id.
 * An unrecovered panic in any goroutine ends the program (exit 2), as in Go. */
uint64_t gort_go(const char *name, gort_fn fn, void *arg);
#define GORT_GO(fn, arg) gort_go(#fn, (fn), (arg))
/* The calling goroutine's id (main is 1). */
uint64_t gort_goid(void);

/* sync.WaitGroup, zero-initialised ({0}). Waiting is a blocking point: the collector does not
 * wait for a goroutine blocked here to reach a safe point. A negative counter panics
 * "sync: negative WaitGroup counter", as Go. When every goroutine waits forever (on
 * WaitGroups, or main after Goexit) the program dies as Go's: "fatal error: all goroutines
 * are asleep - deadlock!" (a thread libgort did not start counts once it called libgort). */
typedef struct gort_waitgroup {
    int64_t count;
    void *impl; /* private */
} gort_waitgroup;
void gort_wg_add(gort_waitgroup *wg, int64_t delta);
void gort_wg_done(gort_waitgroup *wg);
void gort_wg_wait(gort_waitgroup *wg);

/* ------------------------------------------------------------------------------------------
 * 5. The garbage collector and its roots         (runtime/gc.c)
 *
 * A concurrent, non-moving mark-sweep collector with Go 1.19's phases: sweep termination
 * (world stopped), concurrent mark (a background marker; pointer writes into heap objects go
 * through the write barrier), mark termination (world stopped), concurrent sweep, off.
 *
 * Root rules (what keeps a heap object — map header, bucket array, overflow bucket,
 * closure environment — alive):
 *   - frames: every slot registered with GORT_ROOT in a frame not yet popped, and the
 *     maps the frame owns (gort_makemap_stack) until the frame is popped;
 *   - globals registered with gort_register_global;
 *   - pending defer records: the map of a deferred delete, the environment of a deferred
 *     call, until the call has returned (GORT_UNSAFE=defer_roots turns this rule off: the
 *     article's third crash path, for demonstration only);
 *   - goroutines: the arg of each goroutine that has not ended.
 * From a root, marking follows maps' buckets and the pointer words of environments and of
 * map elements (elem_ptrmask). Anything else is garbage at the end of a cycle's mark, and
 * the sweep that follows frees it (a map is killed first: probe mapfree, cause gc).
 *
 * What the program must do, since C locals are invisible to the collector (Go's compiler
 * knows its live locals; C's does not tell us):
 *   - Hold a heap pointer across a runtime call (any gort_* call may be a safe point where a
 *     collection stops the goroutine) only in a root: a GORT_ROOT slot, a registered global,
 *     an environment or map element reachable from one. A pointer kept only in an unregistered
 *     C local may be freed under it.
 *   - Write a heap pointer into a heap object — an environment's pointer word, a map element's
 *     pointer word (from gort_mapassign) — with gort_store, never with `=`: during a mark the
 *     store must shade the pointer (the write barrier). Roots (slots, globals) are plain
 *     variables: the collector re-scans them with the world stopped.
 *   - Run libgort code only on goroutines (main, gort_go) and keep calling the runtime: a
 *     goroutine in a long loop without runtime calls delays every stop-the-world.
 *
 * Pacing, as Go 1.19's pacer (docs/gc.md): a cycle starts when the heap reaches a trigger set
 * from the last cycle's marked heap and the measured allocation rate; a goroutine that
 * allocated past it waits at its next safe point until the cycle has started, and during the
 * mark each goroutine pays for its allocations with mark work (assists) at its safe points,
 * so the heap at the end of a mark stays near its goal.
 * Environment: GORT_GOGC=N (percent of heap growth between cycles, default 100; "off"
 * disables heap-triggered cycles and assists; gort_gc still collects). GORT_DEBUG=uaf keeps freed map
 * headers and environments in a quarantine (poisoned, never reused) so any later use is
 * reported ("fatal error: use of freed map"); this is automatic under `gort record` and with
 * any GORT_UNSAFE model; GORT_DEBUG=gctrace prints Go's GODEBUG=gctrace=1 line per cycle (both words may be given: GORT_DEBUG=uaf,gctrace). GORT_UNSAFE=defer_roots,no_write_barrier (comma-separated words)
 * switch on the collector's unsafe models (no_write_barrier: gort_store and the map runtime's
 * pointer writes skip the barrier during mark).
 * ------------------------------------------------------------------------------------------ */

/* A closure environment of `size` bytes, zeroed; bit i of ptrmask says word i holds a heap
 * pointer (words beyond 64 are never scanned). Freed by the collector when unreachable. */
void *gort_closure_new(size_t size, uint64_t ptrmask);
/* *slot = val for a pointer word of a heap object (an environment's field, a map element's
 * pointer word), with the write barrier. Not a safe point. */
void gort_store(void **slot, void *val);
/* A global variable holding a heap pointer becomes a root, for the rest of the process. */
void gort_register_global(void *slot);
/* runtime.GC(): waits for a full cycle that begins after the call, and returns after that
 * cycle's mark termination and its sweep. The caller counts as blocked while it waits. */
void gort_gc(void);

#ifdef __cplusplus
}
#endif
#endif /* GORT_H */
