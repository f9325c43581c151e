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

/* Which code path a map type uses, as Go's compiler picks mapassign_fast64 / _faststr / generic. */
typedef enum gort_keykind {
    GORT_KEY_INT64 = 1,  /* int64 keys, 8 bytes: the fast64 path */
    GORT_KEY_UINT64,     /* uint64 keys, 8 bytes: the fast64 path */
    GORT_KEY_STRING,     /* gort_string keys: the faststr path */
    GORT_KEY_GENERIC     /* any fixed-size key with the type's hash and equal: the generic path */
} gort_keykind;

/* The hash of a generic key: hash(key, seed) must depend on every byte equal() compares. */
typedef uint64_t (*gort_hashfn)(const void *key, uint64_t seed);
typedef bool (*gort_equalfn)(const void *a, const void *b);

/* A map type, like Go's maptype: fixed key and element sizes and how keys hash.
 * elem_ptrmask marks the 8-byte words of the element that hold libgort heap pointers (a
 * gort_map * or a closure environment): bit i set means word i is scanned by the collector
 * and written with the write barrier. Elements without such words are never scanned. */
typedef struct gort_maptype {
    const char *name;      /* e.g. "map[string]int64", shown in traces and errors */
    gort_keykind keykind;
    uint32_t keysize;      /* bytes; 8 for INT64/UINT64, sizeof(gort_string) for STRING */
    uint32_t elemsize;     /* bytes, 0 allowed (a set), at most 4096; stored inline */
    gort_hashfn hash;      /* GENERIC only */
    gort_equalfn equal;    /* GENERIC only */
    uint64_t elem_ptrmask;
} gort_maptype;

/* Ready-made types for the common cases. */
extern const gort_maptype gort_type_int64_int64;   /* map[int64]int64 */
extern const gort_maptype gort_type_uint64_int64;  /* map[uint64]int64 */
extern const gort_maptype gort_type_string_int64;  /* map[string]int64 */
extern const gort_maptype gort_type_string_map;    /* map[string]*hmap: elem is a gort_map * */

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

/* mapaccess1: the element stored under key, or a pointer to a zero element when absent
 * (never NULL; the zero element must not be written). mapaccess2 also says whether it was found. */
void *gort_mapaccess1(gort_map *h, const void *key);
void *gort_mapaccess2(gort_map *h, const void *key, bool *ok);
/* mapassign: the slot of key's element, inserting the key (element zeroed) when absent.
 * On a nil map: panic "assignment to entry in nil map". */
void *gort_mapassign(gort_map *h, const void *key);
/* mapdelete: removes key if present; a no-op on a nil or empty map. */
void gort_mapdelete(gort_map *h, const void *key);

/* The fast paths for 8-byte integer keys (mapaccess1_fast64 ...) and string keys (_faststr),
 * for maps of GORT_KEY_INT64/UINT64 and GORT_KEY_STRING types respectively (a fast path on a
 * map of another key kind is a fatal error; the generic entry points serve every kind). */
void *gort_mapaccess1_fast64(gort_map *h, uint64_t key);
void *gort_mapaccess2_fast64(gort_map *h, uint64_t key, bool *ok);
void *gort_mapassign_fast64(gort_map *h, uint64_t key);
void gort_mapdelete_fast64(gort_map *h, uint64_t key);
void *gort_mapaccess1_faststr(gort_map *h, gort_string key);
void *gort_mapaccess2_faststr(gort_map *h, gort_string key, bool *ok);
void *gort_mapassign_faststr(gort_map *h, gort_string key);
void gort_mapdelete_faststr(gort_map *h, gort_string key);

/* len(m): 0 for the nil map. */
int64_t gort_maplen(gort_map *h);
/* mapclear: what Go 1.19 compiles `for k := range m { delete(m, k) }` into; keeps B. */
void gort_mapclear(gort_map *h);

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
 *   - Safe points: entering or leaving a frame, registering a defer, gort_go, WaitGroup
 *     calls, and the map operations and allocations (gort_makemap, gort_closure_new: before
 *     they allocate) may let a collection run. A heap pointer (map, environment) is safe
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

/* A function frame. It lives on the C stack of the function it models; fields are private
 * (the collector reads slots and stackmaps). */
typedef struct gort_frame {
    struct gort_frame *parent;       /* caller's frame on the same goroutine */
    const char *fn;                  /* function name for traces and tracebacks */
    struct gort_g *g;                /* goroutine running it */
    void **slots[GORT_FRAME_SLOTS];  /* addresses of locals holding heap pointers: roots */
    unsigned nslots;
    gort_map *stackmaps[GORT_FRAME_STACKMAPS]; /* maps that did not escape: die at pop */
    unsigned nstackmaps;
    unsigned ndefers;                /* pending defer records registered by this frame */
    int state;                       /* GORT_FRAME_LIVE, _LEAVING (deferreturn), _POPPED,
                                        _LEFT (gort_frame_leave is done) */
    unsigned depth;                  /* 1 for the goroutine's outermost frame */
    struct gort_dcall *saved_dcall;  /* the goroutine's running deferred call at entry */
    uint64_t saved_running_defer;    /* and its id: both restored when a recover resumes here */
    void *recover_jb[5];             /* a recovered panic resumes here (__builtin_setjmp:
                                        frame and stack pointers and the label, much
                                        cheaper than setjmp's registers and signal mask) */
} gort_frame;

enum { GORT_FRAME_LIVE = 1, GORT_FRAME_LEAVING, GORT_FRAME_POPPED, GORT_FRAME_LEFT };

/* Pushes fr as the innermost frame of the calling goroutine (a safe point). */
void gort_frame_enter(gort_frame *fr, const char *fn);
/* deferreturn, then pop: runs fr's deferred calls LIFO, then kills its stack maps and unlinks
 * it. Run by the cleanup attribute, by GORT_RETURN and after a recover resumed the function;
 * running it again on a popped frame does nothing. */
void gort_frame_leave(gort_frame *fr);

#define GORT_FUNC(fr)                                                     \
    gort_frame fr __attribute__((cleanup(gort_frame_leave)));            \
    gort_frame_enter(&fr, __func__);                                      \
    if (__builtin_setjmp(fr.recover_jb) != 0) return
/* After a recovered panic the function returns `result`, evaluated once the rest of its
 * deferred calls ran: a constant, or Go's named result kept where the deferred closures can
 * write it (an environment field), e.g. GORT_FUNC_R(fr, res->err). */
#define GORT_FUNC_R(fr, result)                                           \
    gort_frame fr __attribute__((cleanup(gort_frame_leave)));            \
    gort_frame_enter(&fr, __func__);                                      \
    if (__builtin_setjmp(fr.recover_jb) != 0) {                           \
        gort_frame_leave(&fr);                                            \
        return (result);                                                  \
    }
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

/* defer delete(m, key): m and key are evaluated now (Go's rule), so a later m = nil does not
 * change which map is deleted from. The key is copied (t->keysize bytes, at most 64; a string
 * key copies the gort_string, not its bytes); t is m's type, as Go's mapdelete takes it (m
 * may be nil). The deferred call is Go's mapdelete, mapdelete_fast64 or mapdelete_faststr.
 * Returns the defer id used in traces. */
uint64_t gort_defer_delete(gort_frame *fr, const gort_maptype *t, gort_map *m, const void *key);
uint64_t gort_defer_delete_fast64(gort_frame *fr, gort_map *m, uint64_t key);
uint64_t gort_defer_delete_faststr(gort_frame *fr, gort_map *m, gort_string key);

/* defer func(){ ... }(): fn(env) runs at function exit. env is a closure environment from
 * gort_closure_new (its fields are the captured variables, so the call sees later writes to
 * them) or NULL, nothing else (the collector treats it as a heap pointer and rejects any
 * other); it stays a root until the call has run. name shows in traces. Returns the
 * defer id. `defer f(x)` with arguments evaluated now: copy x into a fresh environment. */
typedef void (*gort_fn)(void *env);
uint64_t gort_defer_call(gort_frame *fr, const char *name, gort_fn fn, void *env);
#define GORT_DEFER(fr, fn, env) gort_defer_call(&(fr), #fn, (fn), (env))

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
 * Environment: GORT_GOGC=N (percent of heap growth between cycles, default 100; "off"
 * disables heap-triggered cycles; gort_gc still collects). GORT_DEBUG=uaf keeps freed map
 * headers and environments in a quarantine (poisoned, never reused) so any later use is
 * reported ("fatal error: use of freed map"); this is automatic under `gort record` and with
 * any GORT_UNSAFE model; GORT_DEBUG=gctrace prints a line per cycle as Go's GODEBUG=gctrace=1
 * does (both words may be given: GORT_DEBUG=uaf,gctrace). GORT_UNSAFE=defer_roots,no_write_barrier (comma-separated words)
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
