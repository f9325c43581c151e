/*
 * gc.c — libgort's heap and its garbage collector: a non-moving, concurrent mark-sweep collector
 * with Go 1.19's phase sequence (runtime/mgc.go).
 *
 * The heap. Every object libgort allocates (map headers, bucket arrays, overflow buckets,
 * closure environments) comes from gort__alloc: a 32-byte header (objhdr) followed by the zeroed
 * payload, so the payload stays 16-byte aligned. The header holds the kind, the size, the
 * pointer mask (environments), a mark word and a link in one list of all objects. Allocation is
 * calloc, a lock-free push on that list and one atomic add to the live-heap count: no lock.
 *
 * Marks are epochs, not bits. A cycle n sets the epoch to n while the world is stopped; an object
 * is black or grey in cycle n when its mark word equals n, white otherwise. Marking is one atomic
 * exchange, so the background marker and mutators shading through the write barrier never mark
 * twice. New objects get the current epoch: allocated during mark they are black (Go's rule),
 * allocated during sweep they survive that sweep, allocated while the collector is off they are
 * white for the next cycle. Only the marker thread scans: a newly marked map or environment is
 * pushed on the grey list; bucket arrays are black at once (the owning map scans their contents).
 *
 * One cycle, run by the collector thread (gc_main), as Go's gcStart / gcMarkDone /
 * gcMarkTermination / bgsweep:
 *   1. sweep termination (world stopped): the previous sweep is already complete (this thread
 *      ran it), so the epoch advances, the phase becomes mark, the write barrier is enabled and
 *      the goroutines' root values are recorded (no object is touched, so the pause stays short
 *      whatever the heap's size); then the world restarts.
 *   2. concurrent mark: the marker shades the recorded values and the globals (read now, and
 *      compared again at mark termination), and drains the grey list while goroutines run. Heap-to-heap pointer
 *      writes go through gort__store, the write barrier, which shades both the old and the new
 *      value (Go's hybrid Yuasa-deletion + Dijkstra-insertion barrier), so no reachable object
 *      hides behind an already-scanned (black) one.
 *   3. mark termination (world stopped): every root is shaded again (a global still holding
 *      the value the marker read is skipped) and the grey list drained. Roots are stack-like (frame
 *      slots, defer records, goroutine args, globals) and written without a barrier, so they are
 *      re-scanned here with the world stopped, as Go did before 1.8. Then the barrier is
 *      disabled and the list of objects is taken for sweeping.
 *   4. sweep (world running): every object whose mark is not the epoch is freed; maps are killed
 *      first (gort__map_kill: probe mapfree with cause gc, header poisoned) and freed after, so a
 *      map's kill never reads an already-freed bucket. Survivors go back on the object list.
 *   5. off: the next trigger is set from the marked heap (GOGC) and waiters of gort_gc wake.
 *
 * The tri-colour invariant: during mark no black object points to a white object that is not
 * also reachable from a grey one. Roots are grey from the start (recorded values, shaded before
 * any object is scanned); objects allocated during mark are
 * black and start empty; every pointer store into a heap object shades the stored pointer and the
 * overwritten one. GORT_UNSAFE=no_write_barrier breaks this on purpose (the model of the claim
 * that map writes have no barrier): a pointer moved into an already-scanned map is then missed
 * and its object freed while reachable.
 *
 * Roots (gort.h section 5): slots of live frames and their stack maps, registered globals,
 * pending defer records (a deferred delete's map, a deferred call's environment) and each live
 * goroutine's arg. They are read only while the world is stopped, when every goroutine is parked
 * at a safe point or blocked, so its frames and defer chain cannot change under the reader.
 * GORT_UNSAFE=defer_roots drops the defer records from the roots (the article's path 3).
 *
 * Safe points and stopping the world. Every runtime entry calls gort__safepoint(); when
 * gort__stw_pending is set the goroutine marks itself PARKED and sleeps until the world restarts.
 * The stopper sets the flag and waits until no goroutine on the allg list is RUNNING. Goroutines
 * in a blocking call (gort__blocking_enter) count as stopped, and gort__blocking_exit does not
 * return while the world is stopped. gort__alloc and gort__store are not safe points, so a
 * runtime function holding fresh pointers in C locals cannot be stopped between two of them.
 *
 * Quarantine. A freed map's header is poisoned by gort__map_kill. When use-after-free must be
 * caught (under the tracer, with GORT_DEBUG=uaf, or with an unsafe model on), freed map headers
 * and environments are never released or reused: they stay, flagged dead, on a quarantine list,
 * so a later operation on such a map finds the poison instead of someone else's memory. Bucket
 * arrays are released as usual. Dead objects are never marked or scanned again.
 *
 * Triggers: a cycle starts when the live heap reaches the trigger, set after each cycle from the
 * marked heap with Go 1.19's pacer bounds (goal = marked * (1 + GOGC/100), at least 4 MiB *
 * GOGC/100; trigger at 45/64 of the runway: we have no mark assists to hold the goal), or when
 * gort_gc() asks for one. GORT_GOGC sets the percentage (default 100; "off" disables triggers).
 *
 * Maps are scanned while their goroutines write them: gort__map_scan (map.c) reads each bucket
 * array's size from the array itself and follows chain links published with release stores,
 * so a concurrent grow or clear cannot make it read out of bounds; what a write moves goes
 * through the barrier or is freshly allocated, hence black.
 *
 * A fork()ed child has only the forking thread: no collector, and goroutines on its copied allg
 * list that will never reach a safe point. It therefore never collects (gc_atfork_child).
 *
 * Not modelled: mark assists (a goroutine allocating faster than the marker marks is not slowed
 * down, so the heap can overshoot its goal during a cycle), parallel marking, span classes and
 * lazy per-span sweeping (the collector thread sweeps everything right after mark termination),
 * finalizers, and the heap's return of memory to the OS (that is malloc's).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- objects -------------------------------------------------------------------------- */

#define OBJ_MAGIC 0x60c7u
enum { OBJF_DEAD = 1 };            /* killed (maps) or freed into quarantine (environments) */

typedef struct objhdr {
    struct objhdr *next;           /* the list of all objects, or of the quarantine */
    uint64_t ptrmask;              /* GORT_OBJ_ENV: bit i set = word i is a heap pointer */
    uint64_t size;                 /* payload bytes */
    _Atomic uint32_t mark;         /* epoch of the cycle that last marked it (or allocated it) */
    uint8_t kind;                  /* enum gort_objkind */
    _Atomic uint8_t flags;         /* OBJF_* */
    uint16_t magic;                /* OBJ_MAGIC: catches pointers that are not heap objects */
} objhdr;
_Static_assert(sizeof(objhdr) == 32, "the payload must stay 16-byte aligned");

static inline objhdr *hdr_of(void *p) { return (objhdr *)p - 1; }
static inline void *payload_of(objhdr *h) { return h + 1; }

/* ---- the collector's state ------------------------------------------------------------ */

enum { PHASE_OFF, PHASE_MARK, PHASE_MARKTERM, PHASE_SWEEP };
enum { STW_MARKTERM = 0, STW_SWEEPTERM = 1 };   /* probe reasons, as Go's GCSTWStart kinds */
enum { TRIGGER_HEAP = 1, TRIGGER_FORCED = 2 };
#define HEAP_MINIMUM (4u << 20)                 /* Go's defaultHeapMinimum for GOGC=100 */
#define NPAUSES 4096                             /* pauses remembered for gort__gc_pauses */

_Atomic int gort__stw_pending;
gort_gc_hooks gort__gc_hooks;

static struct {
    /* configuration, read once at start-up */
    int gogc;                      /* percent; < 0 is off */
    int unsafe_defer_roots;
    int unsafe_no_write_barrier;
    int unsafe_any;                /* GORT_UNSAFE names any model (frame_order is defer.c's) */
    int debug_uaf;
    int debug_gctrace;             /* GORT_DEBUG=gctrace: a line per cycle on stderr */
    uint64_t start_ns;             /* trace clock at start-up, for gctrace's @ */

    /* the heap */
    _Atomic(objhdr *) objects;     /* every object not yet swept free, newest first */
    _Atomic uint64_t heap_live;    /* bytes of those objects, headers included */
    _Atomic uint64_t heap_objects;
    _Atomic uint64_t trigger;      /* heap_live that starts a cycle; UINT64_MAX when off */
    uint64_t goal;
    _Atomic uint32_t epoch;        /* current cycle number: the "marked" value */
    _Atomic int phase;
    _Atomic int wb_on;             /* write barrier enabled (mark and mark termination) */
    objhdr *quarantine;            /* collector thread only */
    _Atomic uint64_t quarantined, quarantine_bytes;

    /* the grey list: objects marked but not yet scanned */
    pthread_mutex_t grey_mu;
    void **grey;
    size_t ngrey, capgrey;

    /* registered globals */
    pthread_mutex_t globals_mu;
    void ***globals;
    size_t nglobals, capglobals;

    /* cycle requests: gort_gc and the heap trigger */
    pthread_mutex_t mu;
    pthread_cond_t req_cv, done_cv;
    uint64_t begun, done, forced_target;
    _Atomic int heap_wanted;       /* an allocation saw heap_live >= trigger and signalled */

    /* stopping the world */
    pthread_mutex_t stw_mu;
    pthread_cond_t parked_cv, resume_cv;
    uint64_t park_seq;             /* bumped whenever a goroutine stops running */

    /* statistics (collector thread writes, others read) */
    _Atomic uint64_t freed_objects, freed_bytes, freed_maps, heap_cycles;
    _Atomic uint64_t pause_total_ns, pause_max_ns, npauses, gc_cpu_ns, last_marked;
    uint64_t pauses[NPAUSES];      /* per cycle: both pauses summed, like Go's PauseNs */
} gc = {
    .grey_mu = PTHREAD_MUTEX_INITIALIZER,
    .globals_mu = PTHREAD_MUTEX_INITIALIZER,
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .req_cv = PTHREAD_COND_INITIALIZER,
    .done_cv = PTHREAD_COND_INITIALIZER,
    .stw_mu = PTHREAD_MUTEX_INITIALIZER,
    .parked_cv = PTHREAD_COND_INITIALIZER,
    .resume_cv = PTHREAD_COND_INITIALIZER,
    .trigger = UINT64_MAX,
};

static __thread int on_gc_thread;  /* the collector thread is not a goroutine: it never parks */
static int forked_child;           /* this process is a fork() of one using libgort: no collector */
static pthread_once_t gc_once = PTHREAD_ONCE_INIT;
static _Atomic int gc_ready;

static void *gc_main(void *arg);

/* ---- configuration -------------------------------------------------------------------- */

/* Whether the comma-separated list in environment variable `var` contains `word`. */
static int env_has_word(const char *var, const char *word) {
    const char *s = getenv(var);
    size_t n = strlen(word);
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == n && memcmp(s, word, n) == 0) return 1;
        s = end ? end + 1 : NULL;
    }
    return 0;
}

/* GORT_GOGC as Go's readGOGC reads GOGC: "off" is -1, a number is taken, anything else is 100. */
static int read_gogc(void) {
    const char *s = getenv("GORT_GOGC");
    if (!s || !*s) return 100;
    if (strcmp(s, "off") == 0) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v > 1000000) return 100;
    return v < 0 ? -1 : (int)v;
}

/* Sets goal and trigger from the bytes marked by the last cycle, as Go 1.19's pacer bounds. */
static void set_trigger(uint64_t marked) {
    if (gc.gogc < 0) {
        gc.goal = UINT64_MAX;
        atomic_store(&gc.trigger, UINT64_MAX);
        return;
    }
    uint64_t minimum = (uint64_t)HEAP_MINIMUM * (uint64_t)gc.gogc / 100;
    uint64_t goal = marked + marked * (uint64_t)gc.gogc / 100;
    if (goal < minimum) goal = minimum;
    gc.goal = goal;
    atomic_store(&gc.trigger, marked + (goal - marked) / 64 * 45);
}

/* Reads the environment and starts the collector thread; runs once, on first allocation.
 * A fork()ed child never starts one (see gc_atfork_child). */
static void gc_init(void) {
    gc.gogc = forked_child ? -1 : read_gogc();
    gc.unsafe_defer_roots = env_has_word("GORT_UNSAFE", "defer_roots");
    gc.unsafe_no_write_barrier = env_has_word("GORT_UNSAFE", "no_write_barrier");
    gc.unsafe_any = getenv("GORT_UNSAFE") && *getenv("GORT_UNSAFE");
    gc.debug_uaf = env_has_word("GORT_DEBUG", "uaf");
    gc.debug_gctrace =
        env_has_word("GORT_DEBUG", "gctrace") || env_has_word("GORT_DEBUG", "gctrace=1");
    set_trigger(0);
    if (forked_child) {
        atomic_store(&gc_ready, 1);
        return;
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, gc_main, NULL) != 0)
        gort_fatal("runtime: cannot start the garbage collector");
    pthread_attr_destroy(&attr);
    atomic_store(&gc_ready, 1);
}

/* In the child of a fork(): only the forking thread exists. The collector thread, and every
 * other goroutine on the copied allg list, are gone, so no world could ever be stopped again
 * (and a stop that was pending at the fork would park the child forever). The child keeps its
 * heap but never collects: the lock state is reset, any pending stop and mark are cancelled,
 * heap triggers are off and gort_gc returns at once. Tests fork to watch a child die. */
static void gc_atfork_child(void) {
    forked_child = 1;
    pthread_mutex_init(&gc.grey_mu, NULL);
    pthread_mutex_init(&gc.globals_mu, NULL);
    pthread_mutex_init(&gc.mu, NULL);
    pthread_mutex_init(&gc.stw_mu, NULL);
    pthread_cond_init(&gc.req_cv, NULL);
    pthread_cond_init(&gc.done_cv, NULL);
    pthread_cond_init(&gc.parked_cv, NULL);
    pthread_cond_init(&gc.resume_cv, NULL);
    atomic_store(&gort__stw_pending, 0);
    atomic_store(&gc.wb_on, 0);
    atomic_store(&gc.phase, PHASE_OFF);
    atomic_store(&gc.trigger, UINT64_MAX);
    gc.gogc = -1;
}

/* At start-up: the clock origin for gctrace, and the fork handler. */
__attribute__((constructor)) static void gc_register_atfork(void) {
    gc.start_ns = gort__now();
    pthread_atfork(NULL, NULL, gc_atfork_child);
}

/* Makes sure the collector runs; one predictable branch after the first call. */
static inline void ensure_init(void) {
    if (__builtin_expect(!atomic_load_explicit(&gc_ready, memory_order_acquire), 0))
        pthread_once(&gc_once, gc_init);
}

/* Whether freed maps and environments must be kept (poisoned, never reused) so use is caught. */
static int quarantine_on(void) {
    return gort__trace_on || gc.debug_uaf || gc.unsafe_any;
}

/* ---- allocation ----------------------------------------------------------------------- */

/* Pushes h on the list at *head; lock-free (nobody pops single objects, so no ABA). */
static void list_push(_Atomic(objhdr *) *head, objhdr *first, objhdr *last) {
    objhdr *old = atomic_load_explicit(head, memory_order_relaxed);
    do {
        last->next = old;
    } while (!atomic_compare_exchange_weak_explicit(head, &old, first, memory_order_release,
                                                    memory_order_relaxed));
}

/* Wakes the collector because the heap reached the trigger; signals once per crossing. */
static void request_heap_cycle(void) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&gc.heap_wanted, &expected, 1)) return;
    pthread_mutex_lock(&gc.mu);
    pthread_cond_signal(&gc.req_cv);
    pthread_mutex_unlock(&gc.mu);
}

/* A zeroed heap object of `size` bytes (16-byte aligned). Never a safe point: it does not park,
 * so callers may hold unrooted fresh objects across it. May wake the collector. */
void *gort__alloc(size_t size, int kind, uint64_t ptrmask) {
    ensure_init();
    if (__builtin_expect(!gort__curg, 0) && !on_gc_thread) gort__getg(); /* a thread the STW sees */
    objhdr *h = calloc(1, sizeof *h + size);
    if (!h) gort_fatal("runtime: out of memory");
    h->size = size;
    h->ptrmask = kind == GORT_OBJ_ENV || kind == GORT_OBJ_ELEM ? ptrmask : 0;
    h->kind = (uint8_t)kind;
    h->magic = OBJ_MAGIC;
    atomic_store_explicit(&h->mark, atomic_load_explicit(&gc.epoch, memory_order_relaxed),
                          memory_order_relaxed);
    list_push(&gc.objects, h, h);
    atomic_fetch_add_explicit(&gc.heap_objects, 1, memory_order_relaxed);
    uint64_t live = atomic_fetch_add_explicit(&gc.heap_live, sizeof *h + size, memory_order_relaxed)
                    + sizeof *h + size;
    if (__builtin_expect(live >= atomic_load_explicit(&gc.trigger, memory_order_relaxed), 0))
        request_heap_cycle();
    return payload_of(h);
}

/* ---- marking -------------------------------------------------------------------------- */

/* Adds a marked object to the grey list for the marker to scan. */
static void grey_push(void *p) {
    pthread_mutex_lock(&gc.grey_mu);
    if (gc.ngrey == gc.capgrey) {
        size_t cap = gc.capgrey ? gc.capgrey * 2 : 1024;
        void **g = realloc(gc.grey, cap * sizeof *g);
        if (!g) gort_fatal("runtime: out of memory");
        gc.grey = g;
        gc.capgrey = cap;
    }
    gc.grey[gc.ngrey++] = p;
    pthread_mutex_unlock(&gc.grey_mu);
}

/* Moves up to `max` grey objects into out; returns how many (0: the list is empty). */
static size_t grey_pop(void **out, size_t max) {
    pthread_mutex_lock(&gc.grey_mu);
    size_t n = gc.ngrey < max ? gc.ngrey : max;
    gc.ngrey -= n;
    if (n) memcpy(out, gc.grey + gc.ngrey, n * sizeof *out);
    pthread_mutex_unlock(&gc.grey_mu);
    return n;
}

/* Marks p (a payload from gort__alloc, or NULL) in the current cycle: grey if it has pointers to
 * scan, black otherwise. Idempotent and safe from any thread. Dead objects stay unmarked. */
static void shade(void *p) {
    if (!p) return;
    objhdr *h = hdr_of(p);
    if (__builtin_expect((uintptr_t)p < 4096 || ((uintptr_t)p & 15) || h->magic != OBJ_MAGIC, 0))
        gort_fatal("found bad pointer in gort heap");
    if (atomic_load_explicit(&h->flags, memory_order_relaxed) & OBJF_DEAD) return;
    uint32_t e = atomic_load_explicit(&gc.epoch, memory_order_relaxed);
    if (atomic_load_explicit(&h->mark, memory_order_relaxed) == e) return;
    if (atomic_exchange_explicit(&h->mark, e, memory_order_relaxed) == e) return;
    if (h->kind == GORT_OBJ_MAP || ((h->kind == GORT_OBJ_ENV || h->kind == GORT_OBJ_ELEM) && h->ptrmask))
        grey_push(p);
}

/* Called by scan functions (gort__map_scan) for each object they reference. */
void gort__mark(void *obj) { shade(obj); }

/* Blackens a grey object: shades everything it points to. */
static void scan(void *p) {
    objhdr *h = hdr_of(p);
    if (h->kind == GORT_OBJ_MAP) {
        gort__map_scan((gort_map *)p);  /* safe while the map is written (see map.c) */
    } else if (h->kind == GORT_OBJ_ENV || h->kind == GORT_OBJ_ELEM) {
        void *_Atomic *words = (void *_Atomic *)p;
        size_t nwords = h->size / sizeof(void *);
        for (size_t i = 0; i < nwords && i < 64; i++)
            if (h->ptrmask & (UINT64_C(1) << i))
                shade(atomic_load_explicit(&words[i], memory_order_relaxed));
    }
}

/* Scans grey objects until none is left. `concurrent` tells whether the world runs (the test
 * hook runs only then, since a mutator it waits for could not run in a stopped world). */
static void drain(int concurrent) {
    void *batch[64];
    size_t n;
    while ((n = grey_pop(batch, 64)) != 0) {
        for (size_t i = 0; i < n; i++) {
            scan(batch[i]);
            if (concurrent && gort__gc_hooks.scanned)
                gort__gc_hooks.scanned(batch[i], hdr_of(batch[i])->kind);
        }
    }
}

/* ---- the write barrier ---------------------------------------------------------------- */

/* *slot = val for a pointer word inside a heap object. While marking, shades the old value
 * (deletion barrier) and the new one (insertion barrier) first. Not a safe point. */
void gort__store(void **slot, void *val) {
    if (__builtin_expect(atomic_load_explicit(&gc.wb_on, memory_order_relaxed), 0) &&
        !gc.unsafe_no_write_barrier) {
        shade(*slot);
        shade(val);
    }
    atomic_store_explicit((void *_Atomic *)slot, val, memory_order_relaxed);
}

void gort_store(void **slot, void *val) { gort__store(slot, val); }

/* ---- roots ---------------------------------------------------------------------------- */

/* Calls fn on every root value goroutine g holds: its arg, its frames' slots and stack maps,
 * and (unless GORT_UNSAFE=defer_roots) its pending defer records. g is stopped. */
static void goroutine_roots(gort_g *g, void (*fn)(void *)) {
    if (atomic_load(&g->status) == GORT_G_DEAD) return;
    fn(g->arg);
    for (gort_frame *fr = g->frame; fr; fr = fr->parent) {
        for (unsigned i = 0; i < fr->nslots && i < GORT_FRAME_SLOTS; i++) fn(*fr->slots[i]);
        for (unsigned i = 0; i < fr->nstackmaps && i < GORT_FRAME_STACKMAPS; i++)
            fn(fr->stackmaps[i]);
    }
    if (gc.unsafe_defer_roots) return;
    for (gort_defer *d = g->defers; d; d = d->link) {
        if (d->kind == GORT_DEFER_DELETE) fn(d->map);
        if (d->kind == GORT_DEFER_CALL) fn(d->env);
    }
}

/* Goroutine root values recorded at sweep termination for the marker to shade once the world
 * runs, and each global's value as the marker read it (gsnap). Collector thread only. */
static void **rootbuf, **gsnap;
static size_t nroot, caproot, ngsnap, capgsnap;

/* Grows *arr (of *cap pointers) to hold at least n. */
static void ensure_cap(void ***arr, size_t *cap, size_t n) {
    if (n <= *cap) return;
    size_t c = *cap ? *cap : 256;
    while (c < n) c *= 2;
    void **a = realloc(*arr, c * sizeof *a);
    if (!a) gort_fatal("runtime: out of memory");
    *arr = a;
    *cap = c;
}

/* Records one root value for shade_snapshot (NULL is no root). */
static void root_note(void *p) {
    if (!p) return;
    ensure_cap(&rootbuf, &caproot, nroot + 1);
    rootbuf[nroot++] = p;
}

/* Sweep termination (world stopped): records the goroutines' root values (frames, defer
 * records, args) without touching the objects, so this pause does not grow with the heap; the
 * marker shades them (shade_snapshot). That is enough: a value recorded here cannot be freed
 * before it is shaded, and a root that changes afterwards is read again at mark termination. */
static void snapshot_roots(void) {
    nroot = 0;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) goroutine_roots(g, root_note);
    pthread_mutex_unlock(&gort__sched_lock);
}

/* Concurrent mark, first step: shades the goroutine root values recorded at sweep termination,
 * then reads and shades the registered globals, with the world running. Reading a global
 * while the program writes it is enough because mark termination compares each global with
 * the value read here and shades any that changed, and a value moved from a global into a heap
 * object meanwhile was shaded by the write barrier. */
static void shade_snapshot(void) {
    for (size_t i = 0; i < nroot; i++) shade(rootbuf[i]);
    pthread_mutex_lock(&gc.globals_mu);
    ensure_cap(&gsnap, &capgsnap, gc.nglobals);
    for (size_t i = 0; i < gc.nglobals; i++) {
        gsnap[i] = *(void *volatile *)gc.globals[i];
        shade(gsnap[i]);
    }
    ngsnap = gc.nglobals;
    pthread_mutex_unlock(&gc.globals_mu);
}

/* Mark termination (world stopped): shades every root again, since roots are written without
 * a barrier. A global that still holds its value from sweep termination is skipped: that value
 * is marked already. Goroutine roots (frames, defers, args) are few and all shaded. */
static void rescan_roots(void) {
    pthread_mutex_lock(&gc.globals_mu);
    for (size_t i = 0; i < gc.nglobals; i++) {
        void *v = *gc.globals[i];
        if (i >= ngsnap || v != gsnap[i]) shade(v);
    }
    pthread_mutex_unlock(&gc.globals_mu);
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) goroutine_roots(g, shade);
    pthread_mutex_unlock(&gort__sched_lock);
}

/* Registers a global variable holding a heap pointer as a root, for the rest of the process. */
void gort_register_global(void *slot) {
    pthread_mutex_lock(&gc.globals_mu);
    if (gc.nglobals == gc.capglobals) {
        size_t cap = gc.capglobals ? gc.capglobals * 2 : 16;
        void ***g = realloc(gc.globals, cap * sizeof *g);
        if (!g) gort_fatal("runtime: out of memory");
        gc.globals = g;
        gc.capglobals = cap;
    }
    gc.globals[gc.nglobals++] = (void **)slot;
    pthread_mutex_unlock(&gc.globals_mu);
}

/* ---- stopping the world --------------------------------------------------------------- */

/* Parks the calling goroutine while a stop-the-world is pending; returns once the world runs. */
void gort__park_for_stw(void) {
    if (on_gc_thread) return;
    gort_g *g = gort__getg();
    if (!g) return;
    pthread_mutex_lock(&gc.stw_mu);
    int prev = atomic_load(&g->status);
    while (atomic_load(&gort__stw_pending)) {
        atomic_store(&g->status, GORT_G_PARKED);
        gc.park_seq++;
        pthread_cond_broadcast(&gc.parked_cv);
        pthread_cond_wait(&gc.resume_cv, &gc.stw_mu);
    }
    atomic_store(&g->status, prev == GORT_G_PARKED ? GORT_G_RUNNING : prev);
    pthread_mutex_unlock(&gc.stw_mu);
}

/* The calling goroutine enters a blocking call: it counts as stopped from now on. */
void gort__blocking_enter(void) {
    if (on_gc_thread) return;
    gort_g *g = gort__getg();
    if (!g) return;
    pthread_mutex_lock(&gc.stw_mu);
    atomic_store(&g->status, GORT_G_BLOCKED);
    gc.park_seq++;
    pthread_cond_broadcast(&gc.parked_cv);
    pthread_mutex_unlock(&gc.stw_mu);
}

/* The blocking call returned: waits while the world is stopped, then runs again. */
void gort__blocking_exit(void) {
    if (on_gc_thread) return;
    gort_g *g = gort__getg();
    if (!g) return;
    pthread_mutex_lock(&gc.stw_mu);
    while (atomic_load(&gort__stw_pending)) pthread_cond_wait(&gc.resume_cv, &gc.stw_mu);
    atomic_store(&g->status, GORT_G_RUNNING);
    pthread_mutex_unlock(&gc.stw_mu);
}

/* Number of goroutines that still run user or runtime code. */
static int count_running(void) {
    int n = 0;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext)
        if (atomic_load(&g->status) == GORT_G_RUNNING) n++;
    pthread_mutex_unlock(&gort__sched_lock);
    return n;
}

/* Stops the world: returns when every goroutine is parked at a safe point, blocked or dead.
 * Parking and blocking wake the stopper; a goroutine that ends (proc.c marks it dead) does
 * not, so the wait is also bounded, 50 us at first and doubling up to 2 ms. */
static void stop_the_world(void) {
    pthread_mutex_lock(&gc.stw_mu);
    atomic_store(&gort__stw_pending, 1);
    pthread_mutex_unlock(&gc.stw_mu);
    long wait_ns = 50000;
    for (;;) {
        pthread_mutex_lock(&gc.stw_mu);
        uint64_t seq = gc.park_seq;
        pthread_mutex_unlock(&gc.stw_mu);
        if (count_running() == 0) return;
        pthread_mutex_lock(&gc.stw_mu);
        if (gc.park_seq == seq) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += wait_ns;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&gc.parked_cv, &gc.stw_mu, &ts);
            if (wait_ns < 2000000) wait_ns *= 2;
        }
        pthread_mutex_unlock(&gc.stw_mu);
    }
}

/* Restarts the world: parked goroutines resume, blocked ones may leave their blocking call. */
static void start_the_world(void) {
    pthread_mutex_lock(&gc.stw_mu);
    atomic_store(&gort__stw_pending, 0);
    pthread_cond_broadcast(&gc.resume_cv);
    pthread_mutex_unlock(&gc.stw_mu);
}

/* ---- sweeping ------------------------------------------------------------------------- */

typedef struct sweep_result {
    uint64_t objects, bytes, maps, marked_bytes;
} sweep_result;

/* Kills a map the collector found unreachable; returns whether it was still alive (a stack
 * map was killed already, when its frame was popped: it must not die twice). */
static int kill_map(void *p) {
    if (gort__map_dead((gort_map *)p)) return 0;
    gort__map_kill((gort_map *)p, GORT_FREE_GC);
    return 1;
}

/* Releases (or quarantines) one unmarked object. Collector thread only. */
static void free_object(objhdr *h, int quarantine, sweep_result *r) {
    uint64_t bytes = sizeof *h + h->size;
    r->objects++;
    r->bytes += bytes;
    if (gort__gc_hooks.freed) gort__gc_hooks.freed(payload_of(h), h->kind);
    if (quarantine && (h->kind == GORT_OBJ_MAP || h->kind == GORT_OBJ_ENV)) {
        atomic_fetch_or(&h->flags, OBJF_DEAD);
        h->next = gc.quarantine;
        gc.quarantine = h;
        atomic_fetch_add(&gc.quarantined, 1);
        atomic_fetch_add(&gc.quarantine_bytes, bytes);
        return;
    }
    h->magic = 0;
    free(h);
}

/* Sweeps the objects of one cycle: kills unmarked maps, then frees every unmarked object and
 * puts the marked ones back on the object list. Runs while the world runs. */
static sweep_result sweep(objhdr *list, uint32_t epoch) {
    sweep_result r = {0, 0, 0, 0};
    for (objhdr *h = list; h; h = h->next) {
        if (h->kind != GORT_OBJ_MAP) continue;
        if (atomic_load_explicit(&h->mark, memory_order_relaxed) == epoch) continue;
        if (!(atomic_load(&h->flags) & OBJF_DEAD) && kill_map(payload_of(h))) r.maps++;
        atomic_fetch_or(&h->flags, OBJF_DEAD);
    }
    int quarantine = quarantine_on();
    objhdr *keep = NULL, *keep_last = NULL;
    for (objhdr *h = list, *next; h; h = next) {
        next = h->next;
        if (atomic_load_explicit(&h->mark, memory_order_relaxed) == epoch) {
            r.marked_bytes += sizeof *h + h->size;
            h->next = keep;
            keep = h;
            if (!keep_last) keep_last = h;
            continue;
        }
        free_object(h, quarantine, &r);
    }
    if (keep) list_push(&gc.objects, keep, keep_last);
    atomic_fetch_sub(&gc.heap_live, r.bytes);
    atomic_fetch_sub(&gc.heap_objects, r.objects);
    atomic_fetch_add(&gc.freed_objects, r.objects);
    atomic_fetch_add(&gc.freed_bytes, r.bytes);
    atomic_fetch_add(&gc.freed_maps, r.maps);
    return r;
}

/* ---- the cycle ------------------------------------------------------------------------ */

/* CPU time of the calling thread, ns. */
static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Stops the world for `reason` with its probe; returns the pause's start time. */
static uint64_t stw_begin(int reason) {
    uint64_t t = gort__now();
    GORT_PROBE(stw_start, 0, reason, 0);
    stop_the_world();
    return t;
}

/* Restarts the world after a pause begun at t0; probes and returns the pause, ns. */
static uint64_t stw_end(int reason, uint64_t t0) {
    start_the_world();
    uint64_t pause = gort__now() - t0;
    GORT_PROBE_DUR(stw_end, 0, reason, 0, pause);
    atomic_fetch_add(&gc.pause_total_ns, pause);
    if (pause > atomic_load(&gc.pause_max_ns)) atomic_store(&gc.pause_max_ns, pause);
    return pause;
}

/* GORT_DEBUG=gctrace: one line per cycle on stderr, in the shape of Go's GODEBUG=gctrace=1
 * (mgc.go gcMarkTermination): cycle, time since start, GC share of the CPU since start, the
 * two pauses and the concurrent mark (wall ms), heap at start -> at mark termination -> marked
 * (MB), the next goal. Go's CPU breakdown, stacks and globals columns have no counterpart. */
static void print_gctrace(uint64_t n, uint64_t start, const uint64_t ms3[3], uint64_t h0,
                          uint64_t h1, uint64_t h2) {
    uint64_t since = start - gc.start_ns;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t avail = (uint64_t)(gort__now() - gc.start_ns) * (uint64_t)(ncpu > 0 ? ncpu : 1);
    fprintf(stderr,
            "gc %llu @%.3fs %llu%%: %.3f+%.3f+%.3f ms clock, %llu->%llu->%llu MB, %llu MB goal\n",
            (unsigned long long)n, (double)since / 1e9,
            (unsigned long long)(avail ? 100 * atomic_load(&gc.gc_cpu_ns) / avail : 0),
            (double)ms3[0] / 1e6, (double)ms3[1] / 1e6, (double)ms3[2] / 1e6,
            (unsigned long long)(h0 >> 20), (unsigned long long)(h1 >> 20),
            (unsigned long long)(h2 >> 20), (unsigned long long)(gc.goal >> 20));
}

/* Runs cycle number n from sweep termination to the end of its sweep. Collector thread. */
static void run_cycle(uint64_t n, int trigger) {
    uint64_t cpu0 = thread_cpu_ns();
    uint64_t start = gort__now(), before = atomic_load(&gc.heap_live);
    uint64_t clock[3];                               /* pause, concurrent mark, pause: ns */
    GORT_PROBE(gc_start, 0, n, trigger);
    if (trigger == TRIGGER_HEAP) atomic_fetch_add(&gc.heap_cycles, 1);

    uint64_t t = stw_begin(STW_SWEEPTERM);          /* sweep termination */
    atomic_store(&gc.epoch, (uint32_t)n);
    atomic_store(&gc.phase, PHASE_MARK);
    atomic_store(&gc.wb_on, 1);
    snapshot_roots();
    clock[0] = stw_end(STW_SWEEPTERM, t);

    GORT_PROBE(gc_mark_start, 0, n, 0);              /* concurrent mark */
    uint64_t mark0 = gort__now();
    shade_snapshot();
    drain(1);

    t = stw_begin(STW_MARKTERM);                     /* mark termination */
    clock[1] = t - mark0;
    atomic_store(&gc.phase, PHASE_MARKTERM);
    rescan_roots();
    drain(0);
    GORT_PROBE(gc_mark_termination, 0, n, 0);
    atomic_store(&gc.wb_on, 0);
    atomic_store(&gc.phase, PHASE_SWEEP);
    objhdr *list = atomic_exchange(&gc.objects, NULL);
    uint64_t at_termination = atomic_load(&gc.heap_live);
    clock[2] = stw_end(STW_MARKTERM, t);

    GORT_PROBE(gc_sweep_start, 0, n, 0);             /* sweep */
    sweep_result r = sweep(list, (uint32_t)n);
    GORT_PROBE(gc_sweep_done, 0, r.objects, r.bytes);
    atomic_store(&gc.phase, PHASE_OFF);
    atomic_store(&gc.last_marked, r.marked_bytes);
    set_trigger(r.marked_bytes);
    GORT_PROBE(gc_end, r.maps, before, atomic_load(&gc.heap_live));

    gc.pauses[(n - 1) % NPAUSES] = clock[0] + clock[2];
    atomic_fetch_add(&gc.npauses, 1);
    atomic_fetch_add(&gc.gc_cpu_ns, thread_cpu_ns() - cpu0);
    if (gc.debug_gctrace) print_gctrace(n, start, clock, before, at_termination, r.marked_bytes);
}

/* Waits until a cycle is wanted; returns its trigger kind and counts it as begun. */
static int wait_for_work(uint64_t *n) {
    pthread_mutex_lock(&gc.mu);
    int kind;
    for (;;) {
        atomic_store(&gc.heap_wanted, 0);
        if (gc.forced_target > gc.begun) { kind = TRIGGER_FORCED; break; }
        if (atomic_load(&gc.heap_live) >= atomic_load(&gc.trigger)) { kind = TRIGGER_HEAP; break; }
        pthread_cond_wait(&gc.req_cv, &gc.mu);
    }
    *n = ++gc.begun;
    pthread_mutex_unlock(&gc.mu);
    return kind;
}

/* The collector thread: runs cycles one after the other, forever. */
static void *gc_main(void *arg) {
    (void)arg;
    on_gc_thread = 1;
    for (;;) {
        uint64_t n;
        int kind = wait_for_work(&n);
        run_cycle(n, kind);
        pthread_mutex_lock(&gc.mu);
        gc.done = n;
        pthread_cond_broadcast(&gc.done_cv);
        pthread_mutex_unlock(&gc.mu);
    }
    return NULL;
}

/* ---- the public interface ------------------------------------------------------------- */

/* runtime.GC(): waits for a full cycle that begins after this call, including its sweep. The
 * caller counts as blocked while it waits, so the cycle can stop the world around it. */
void gort_gc(void) {
    ensure_init();
    gort__safepoint();
    if (forked_child) return;
    pthread_mutex_lock(&gc.mu);
    uint64_t target = gc.begun + 1;
    if (gc.forced_target < target) gc.forced_target = target;
    pthread_cond_signal(&gc.req_cv);
    pthread_mutex_unlock(&gc.mu);
    gort__blocking_enter();
    pthread_mutex_lock(&gc.mu);
    while (gc.done < target) pthread_cond_wait(&gc.done_cv, &gc.mu);
    pthread_mutex_unlock(&gc.mu);
    gort__blocking_exit();
}

/* Asks for a cycle without waiting for it (tests drive concurrent mark with this). */
void gort__gc_request(void) {
    ensure_init();
    if (forked_child) return;
    pthread_mutex_lock(&gc.mu);
    if (gc.forced_target < gc.begun + 1) gc.forced_target = gc.begun + 1;
    pthread_cond_signal(&gc.req_cv);
    pthread_mutex_unlock(&gc.mu);
}

/* A closure environment: a heap object scanned by its pointer mask. */
void *gort_closure_new(size_t size, uint64_t ptrmask) {
    gort__safepoint();
    return gort__alloc(size, GORT_OBJ_ENV, ptrmask);
}

/* Copies the collector's counters; consistent enough for tests run after gort_gc(). */
void gort__gc_stats(gort_gcstats *s) {
    ensure_init();
    pthread_mutex_lock(&gc.mu);
    s->cycles = gc.done;
    pthread_mutex_unlock(&gc.mu);
    s->heap_live = atomic_load(&gc.heap_live);
    s->heap_objects = atomic_load(&gc.heap_objects);
    s->heap_marked = atomic_load(&gc.last_marked);
    s->trigger = atomic_load(&gc.trigger);
    s->freed_objects = atomic_load(&gc.freed_objects);
    s->freed_bytes = atomic_load(&gc.freed_bytes);
    s->freed_maps = atomic_load(&gc.freed_maps);
    s->heap_cycles = atomic_load(&gc.heap_cycles);
    s->quarantined = atomic_load(&gc.quarantined);
    s->pause_total_ns = atomic_load(&gc.pause_total_ns);
    s->pause_max_ns = atomic_load(&gc.pause_max_ns);
    s->gc_cpu_ns = atomic_load(&gc.gc_cpu_ns);
    s->gogc = gc.gogc;
}

/* Copies up to max per-cycle pauses (ns, oldest first of those kept); returns how many. */
size_t gort__gc_pauses(uint64_t *out, size_t max) {
    pthread_mutex_lock(&gc.mu);
    uint64_t n = gc.done;
    uint64_t first = n > NPAUSES ? n - NPAUSES : 0;
    size_t k = 0;
    for (uint64_t i = first; i < n && k < max; i++) out[k++] = gc.pauses[i % NPAUSES];
    pthread_mutex_unlock(&gc.mu);
    return k;
}

/* Whether p (a payload from gort__alloc) was freed into quarantine or killed. */
int gort__gc_is_dead(void *p) {
    return (atomic_load(&hdr_of(p)->flags) & OBJF_DEAD) != 0;
}
