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
 * Safe points and stopping the world. Every runtime entry calls gort__safepoint(); when the
 * STW bit of gort__gc_attention is set the goroutine marks itself PARKED and sleeps until the
 * world restarts.
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
 * Pacing (gc_pacer.c has Go 1.19's pacer). Go's heapLive is kept as `live`: the bytes marked
 * by the last cycle plus everything allocated since its mark termination. A cycle starts when
 * live reaches the trigger the pacer set at the last mark termination (between 45/64 and 61/64
 * of the way from the marked heap to the goal, from the measured cons/mark ratio), or when
 * gort_gc() asks for one. As in Go, where the goroutine that crosses the trigger runs gcStart
 * (and finishes the previous sweep) itself, a goroutine that allocated past the trigger waits at
 * its next safe point until the cycle has started. During the mark every allocation runs its
 * goroutine into debt (assistWorkPerByte bytes of scan work per byte), paid at its next safe
 * point by stealing the marker's credit, by scanning grey objects itself, or by waiting until
 * the marker has flushed credit or the mark is over (Go's gcAssistAlloc and gcParkAssist):
 * the heap at mark termination stays near the goal however fast the program allocates. An
 * assist that took any time is probe gc_assist. Objects allocated during the mark are black
 * and counted as marked, as Go's gcmarknewobject counts them. GORT_GOGC sets the percentage
 * (default 100; "off" disables triggers and assists).
 *
 * Maps are scanned while their goroutines write them: gort__map_scan (map.c) reads each bucket
 * array's size from the array itself and follows chain links published with release stores,
 * so a concurrent grow or clear cannot make it read out of bounds; what a write moves goes
 * through the barrier or is freshly allocated, hence black.
 *
 * A fork()ed child has only the forking thread: no collector, and goroutines on its copied allg
 * list that will never reach a safe point. It therefore never collects (gc_atfork_child).
 *
 * Not modelled: parallel, fractional and idle mark workers (one collector thread marks flat
 * out), the memory limit and the GC CPU limiter, span classes and lazy per-span sweeping (the
 * collector thread sweeps everything right after mark termination), finalizers, and the
 * heap's return of memory to the OS (that is malloc's). Assists are paid at the next safe
 * point after an allocation, not before it as in Go's mallocgc (libgort's allocations are not
 * safe points: a runtime call may hold fresh objects no root holds yet).
 */
#include "gc_pacer.h"
#include "internal.h"

#include <sched.h>
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
#define NPAUSES 4096                             /* pauses remembered for gort__gc_pauses */

int gort__gc_attention; /* GORT_ATTN_* bits, read and written with __atomic builtins */
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
    _Atomic uint64_t live;         /* Go's heapLive: marked by the last cycle + allocated since */
    _Atomic uint64_t trigger;      /* live that starts a cycle; UINT64_MAX when off or marking */
    _Atomic uint64_t goal;         /* the next cycle's goal, for gort__gc_stats */
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
    pthread_cond_t req_cv, done_cv, start_cv;
    uint64_t begun, done, forced_target;
    _Atomic int heap_wanted;       /* an allocation saw live >= trigger and signalled */
    _Atomic uint64_t cycle_starts; /* cycles whose mark has begun (start_cv: goroutines waiting) */

    /* pacing (collector thread, or the world stopped, unless atomic) */
    gc_pacer pacer;
    int ncpu;                      /* CPUs: Go's GOMAXPROCS default, the pacer's procs */
    uint64_t marker_marked;        /* bytes the collector thread marked this cycle */
    _Atomic uint64_t orphan_marked;   /* ... threads without a goroutine (and ended ones) */
    pthread_mutex_t assist_mu;
    pthread_cond_t assist_cv;      /* assists waiting for credit or for the mark's end */
    _Atomic int assist_waiters;
    _Atomic int assist_scanners;   /* assists scanning grey objects they popped */
    _Atomic uint64_t assists_total;
    uint64_t totaltime_ns;         /* Go's work.totaltime: GC CPU over all cycles (gctrace) */

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
    .start_cv = PTHREAD_COND_INITIALIZER,
    .assist_mu = PTHREAD_MUTEX_INITIALIZER,
    .assist_cv = PTHREAD_COND_INITIALIZER,
    .stw_mu = PTHREAD_MUTEX_INITIALIZER,
    .parked_cv = PTHREAD_COND_INITIALIZER,
    .resume_cv = PTHREAD_COND_INITIALIZER,
    .trigger = UINT64_MAX,
};

static __thread int on_gc_thread;  /* the collector thread is not a goroutine: it never parks */
static __thread int64_t tl_work;   /* scan work this thread did and has not yet accounted */
/* A scanning thread's own grey objects (Go's gcWork buffer): what a scan greys goes here
 * first, so a scanner goes on with the children of what it scanned without touching the shared
 * list (a long chain is marked by one thread, not passed back and forth). */
#define LOCAL_GREY 256
static __thread void *tl_grey[LOCAL_GREY];
static __thread unsigned tl_ngrey;
static __thread bool tl_scanning;  /* inside drain / assist_drain: greys go to tl_grey */
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

/* Publishes the pacer's trigger and goal for the next cycle (UINT64_MAX when GOGC is off). */
static void publish_trigger(void) {
    atomic_store(&gc.goal, gc.gogc < 0 ? UINT64_MAX : gc_pacer_goal(&gc.pacer));
    atomic_store(&gc.trigger, gc_pacer_trigger(&gc.pacer));
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
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    gc.ncpu = ncpu > 0 ? (int)ncpu : 1;
    gc_pacer_init(&gc.pacer, gc.gogc);
    publish_trigger();
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
    pthread_mutex_init(&gc.assist_mu, NULL);
    pthread_cond_init(&gc.req_cv, NULL);
    pthread_cond_init(&gc.done_cv, NULL);
    pthread_cond_init(&gc.start_cv, NULL);
    pthread_cond_init(&gc.assist_cv, NULL);
    pthread_cond_init(&gc.parked_cv, NULL);
    pthread_cond_init(&gc.resume_cv, NULL);
    __atomic_store_n(&gort__gc_attention, gort__trace_on ? GORT_ATTN_TRACE : 0, __ATOMIC_SEQ_CST);
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

/* Wakes the collector because the heap reached the trigger (signals once per crossing); g, the
 * goroutine that allocated past it, will wait at its next safe point for the cycle to start. */
__attribute__((noinline)) static void request_heap_cycle(gort_g *g) {
    if (g && !on_gc_thread) {
        g->gc_wait = true;
        __atomic_fetch_or(&gort__gc_attention, GORT_ATTN_PACE, __ATOMIC_SEQ_CST);
    }
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
    uint64_t bytes = sizeof *h + size;
    atomic_fetch_add_explicit(&gc.heap_objects, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&gc.heap_live, bytes, memory_order_relaxed);
    uint64_t live = atomic_fetch_add_explicit(&gc.live, bytes, memory_order_relaxed) + bytes;
    gort_g *g = gort__curg;
    if (__builtin_expect(atomic_load_explicit(&gc.phase, memory_order_relaxed) == PHASE_MARK, 0) && g) {
        g->gc_marked += bytes;        /* born black: marked, as Go's gcmarknewobject */
        g->gc_assist_bytes -= (int64_t)bytes; /* paid at the next safe point */
    }
    if (__builtin_expect(live >= atomic_load_explicit(&gc.trigger, memory_order_relaxed), 0))
        request_heap_cycle(g);
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

/* Counts n bytes the calling thread marked this cycle; mark termination sums the counts
 * (the pacer's heapMarked) with the world stopped. */
static inline void count_marked(uint64_t n) {
    gort_g *g = gort__curg;
    if (on_gc_thread) gc.marker_marked += n;
    else if (g) g->gc_marked += n;
    else atomic_fetch_add_explicit(&gc.orphan_marked, n, memory_order_relaxed);
}

/* Marks p (a payload from gort__alloc, or NULL) in the current cycle: grey if it has pointers to
 * scan, black otherwise. Idempotent and safe from any thread. Dead objects stay unmarked.
 * Returns the bytes it marked: the object's, or 0 when it was marked already. */
static uint64_t shade(void *p) {
    if (!p) return 0;
    objhdr *h = hdr_of(p);
    if (__builtin_expect((uintptr_t)p < 4096 || ((uintptr_t)p & 15) || h->magic != OBJ_MAGIC, 0))
        gort_fatal("found bad pointer in gort heap");
    if (atomic_load_explicit(&h->flags, memory_order_relaxed) & OBJF_DEAD) return 0;
    uint32_t e = atomic_load_explicit(&gc.epoch, memory_order_relaxed);
    if (atomic_load_explicit(&h->mark, memory_order_relaxed) == e) return 0;
    if (atomic_exchange_explicit(&h->mark, e, memory_order_relaxed) == e) return 0;
    uint64_t n = sizeof *h + h->size;
    count_marked(n);
    if (h->kind == GORT_OBJ_MAP || ((h->kind == GORT_OBJ_ENV || h->kind == GORT_OBJ_ELEM) && h->ptrmask)) {
        if (tl_scanning && tl_ngrey < LOCAL_GREY) tl_grey[tl_ngrey++] = p;
        else grey_push(p);
    }
    return n;
}

/* Called by scan functions (gort__map_scan) for each object they reference: scan work. */
void gort__mark(void *obj) { tl_work += (int64_t)shade(obj); }

/* Blackens a grey object: shades everything it points to. Its scan work (its own bytes and
 * those it marks) accrues to the calling thread's tl_work. */
static void scan(void *p) {
    objhdr *h = hdr_of(p);
    tl_work += (int64_t)(sizeof *h + h->size);
    if (h->kind == GORT_OBJ_MAP) {
        gort__map_scan((gort_map *)p);  /* safe while the map is written (see map.c) */
    } else if (h->kind == GORT_OBJ_ENV || h->kind == GORT_OBJ_ELEM) {
        void *_Atomic *words = (void *_Atomic *)p;
        size_t nwords = h->size / sizeof(void *);
        for (size_t i = 0; i < nwords && i < 64; i++)
            if (h->ptrmask & (UINT64_C(1) << i))
                tl_work += (int64_t)shade(atomic_load_explicit(&words[i], memory_order_relaxed));
    }
}

/* Accounts the scan work this thread did (tl_work) to the cycle; with credit, also as the
 * background marker's credit that assists may steal, waking assists that wait for it (Go's
 * gcFlushBgCredit). */
static void flush_work(bool credit) {
    int64_t w = tl_work;
    tl_work = 0;
    if (w == 0) return;
    atomic_fetch_add(&gc.pacer.scan_work, w);
    if (!credit) return;
    atomic_fetch_add(&gc.pacer.bg_credit, w);
    if (atomic_load(&gc.assist_waiters)) {
        pthread_mutex_lock(&gc.assist_mu);
        pthread_cond_broadcast(&gc.assist_cv);
        pthread_mutex_unlock(&gc.assist_mu);
    }
}

/* The next grey object for this scanning thread: its own, else a batch from the shared list;
 * NULL when both are empty. */
static void *next_grey(void) {
    if (tl_ngrey == 0) {
        tl_ngrey = (unsigned)grey_pop(tl_grey, 64);
        /* a batch is scanned in the shared list's order, as the marker always has (the
         * collector's test hooks rely on the order of the roots) */
        for (unsigned i = 0, j = tl_ngrey; i + 1 < j; i++, j--) {
            void *t = tl_grey[i];
            tl_grey[i] = tl_grey[j - 1];
            tl_grey[j - 1] = t;
        }
    }
    return tl_ngrey ? tl_grey[--tl_ngrey] : NULL;
}

/* Hands this thread's remaining grey objects back to the shared list. */
static void return_grey(void) {
    while (tl_ngrey) grey_push(tl_grey[--tl_ngrey]);
}

/* Whether the grey list is empty. */
static bool grey_empty(void) {
    pthread_mutex_lock(&gc.grey_mu);
    bool empty = gc.ngrey == 0;
    pthread_mutex_unlock(&gc.grey_mu);
    return empty;
}

/* Scans grey objects until none is left. `concurrent` tells whether the world runs: then the
 * work is flushed as credit every GC_CREDIT_SLACK bytes, the test hook runs (only then, since
 * a mutator it waits for could not run in a stopped world), and the list counts as empty only
 * once no assist still scans objects it popped (their children come back to the list; Go's
 * mark is done only when no worker has work). */
static void drain(int concurrent) {
    tl_scanning = true;
    for (;;) {
        void *p;
        while ((p = next_grey()) != NULL) {
            scan(p);
            if (concurrent && gort__gc_hooks.scanned) gort__gc_hooks.scanned(p, hdr_of(p)->kind);
            if (concurrent && tl_work >= GC_CREDIT_SLACK) flush_work(true);
        }
        if (!concurrent || (atomic_load(&gc.assist_scanners) == 0 && grey_empty())) break;
        sched_yield();
    }
    tl_scanning = false;
    flush_work(concurrent);
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
 * and (unless GORT_UNSAFE=defer_roots) its pending defers: records, and the environments of
 * frames' open-coded defers. g is stopped. */
static void goroutine_roots(gort_g *g, void (*fn)(void *)) {
    if (atomic_load(&g->status) == GORT_G_DEAD) return;
    fn(g->arg);
    for (gort_frame *fr = g->frame; fr; fr = fr->parent) {
        for (unsigned i = 0; i < fr->nslots && i < GORT_FRAME_SLOTS; i++) fn(*fr->slots[i]);
        for (unsigned i = 0; i < fr->nstackmaps && i < GORT_FRAME_STACKMAPS; i++)
            fn(fr->stackmaps[i]);
    }
    if (gc.unsafe_defer_roots) return;
    for (gort_frame *fr = g->frame; fr; fr = fr->parent) /* open-coded defers (gort.h) */
        if (fr->word & (GORT__ODEFER_ARMED | GORT__ODEFER_STARTED)) fn(fr->odefer_env);
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

/* shade for goroutine_roots. */
static void shade_root(void *p) { (void)shade(p); }

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
    for (gort_g *g = gort__allg; g; g = g->allnext) goroutine_roots(g, shade_root);
    pthread_mutex_unlock(&gort__sched_lock);
}

/* Registers a global variable holding a heap pointer as a root, for the rest of the process.
 * Its word counts as scanned globals for the pacer (Go's globalsScan). */
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

/* Whether a stop-the-world is pending. */
static inline bool stw_pending(void) { return __atomic_load_n(&gort__gc_attention, __ATOMIC_SEQ_CST) & GORT_ATTN_STW; }

/* Parks the calling goroutine while a stop-the-world is pending; returns once the world runs. */
static void park_for_stw(void) {
    if (on_gc_thread) return;
    gort_g *g = gort__getg();
    if (!g) return;
    pthread_mutex_lock(&gc.stw_mu);
    int prev = atomic_load(&g->status);
    while (stw_pending()) {
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
    while (stw_pending()) pthread_cond_wait(&gc.resume_cv, &gc.stw_mu);
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
    __atomic_fetch_or(&gort__gc_attention, GORT_ATTN_STW, __ATOMIC_SEQ_CST);
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
    __atomic_fetch_and(&gort__gc_attention, ~GORT_ATTN_STW, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&gc.resume_cv);
    pthread_mutex_unlock(&gc.stw_mu);
}

/* ---- pacing: assists, and waiting for a cycle to start ----------------------------------- */

/* Whether goroutines are paced: GOGC on, a collector running, no test hook holding the
 * marker (a goroutine waiting for the mark could then wait for itself). */
static bool pacing_on(void) {
    return gc.gogc >= 0 && !forked_child && !gort__gc_hooks.scanned;
}

/* Scans grey objects for an assist until `work` bytes of scan work are done or none is left;
 * returns the work done (Go's gcDrainN). */
static int64_t assist_drain(int64_t work) {
    int64_t done = 0;
    atomic_fetch_add(&gc.assist_scanners, 1);
    tl_scanning = true;
    void *p;
    /* a pending stop-the-world preempts the assist */
    while (done < work && !stw_pending() && (p = next_grey()) != NULL) {
        int64_t before = tl_work;
        scan(p);
        done += tl_work - before;
    }
    tl_scanning = false;
    return_grey();
    flush_work(false);
    atomic_fetch_sub(&gc.assist_scanners, 1);
    return done;
}

/* Waits, blocked (the world may stop meanwhile), until the marker has flushed credit or the
 * mark is over (Go's gcParkAssist). */
static void assist_park(void) {
    gort__blocking_enter();
    pthread_mutex_lock(&gc.assist_mu);
    atomic_fetch_add(&gc.assist_waiters, 1);
    while (atomic_load(&gc.phase) == PHASE_MARK && atomic_load(&gc.pacer.bg_credit) <= 0)
        pthread_cond_wait(&gc.assist_cv, &gc.assist_mu);
    atomic_fetch_sub(&gc.assist_waiters, 1);
    pthread_mutex_unlock(&gc.assist_mu);
    gort__blocking_exit();
}

/* Go's gcAssistAlloc: g pays its allocation debt in scan work, by stealing the marker's
 * credit, by scanning, and by waiting when neither is possible, until the debt is paid or the
 * mark is over. Records the assist (probe gc_assist: cycle, scan work, duration). */
static void assist(gort_g *g) {
    uint64_t t0 = gort__now(), cycle = atomic_load(&gc.epoch);
    int64_t worked = 0, work_ns = 0;
    gc_pacer_revise(&gc.pacer, atomic_load(&gc.live));
    while (g->gc_assist_bytes < 0 && atomic_load(&gc.phase) == PHASE_MARK) {
        double wpb = gc_pacer_work_per_byte(&gc.pacer), bpw = gc_pacer_bytes_per_work(&gc.pacer);
        int64_t debt = -g->gc_assist_bytes;
        int64_t work = (int64_t)(wpb * (double)debt);
        if (work < GC_OVER_ASSIST_WORK) {
            work = GC_OVER_ASSIST_WORK;
            debt = (int64_t)(bpw * (double)work);
        }
        int64_t credit = atomic_load(&gc.pacer.bg_credit);
        if (credit > 0) {
            int64_t stolen = credit < work ? credit : work;
            g->gc_assist_bytes += stolen == work ? debt : 1 + (int64_t)(bpw * (double)stolen);
            atomic_fetch_sub(&gc.pacer.bg_credit, stolen);
            work -= stolen;
            if (work == 0) break;
        }
        uint64_t s0 = gort__now();
        int64_t done = assist_drain(work);
        work_ns += (int64_t)(gort__now() - s0);
        worked += done;
        g->gc_assist_bytes += 1 + (int64_t)(bpw * (double)done);
        if (stw_pending()) park_for_stw();
        else if (g->gc_assist_bytes < 0 && done < work) assist_park();
    }
    atomic_fetch_add(&gc.pacer.assist_ns, work_ns);
    atomic_fetch_add(&gc.pacer.assist_count, 1);
    atomic_fetch_add(&gc.assists_total, 1);
    uint64_t dur = gort__now() - t0;
    GORT_PROBE_DUR(gc_assist, 0, cycle, worked, dur ? dur : 1); /* 0 would mean unmeasured */
}

/* A goroutine that allocated past the trigger waits, blocked, until the cycle it asked for has
 * started (or the trigger moved above the heap): in Go it would run gcStart itself. */
static void wait_cycle_start(void) {
    gort__blocking_enter();
    pthread_mutex_lock(&gc.mu);
    uint64_t seen = atomic_load(&gc.cycle_starts);
    while (atomic_load(&gc.cycle_starts) == seen &&
           atomic_load(&gc.live) >= atomic_load(&gc.trigger))
        pthread_cond_wait(&gc.start_cv, &gc.mu);
    pthread_mutex_unlock(&gc.mu);
    gort__blocking_exit();
}

/* The safe point's slow path: park for a stop-the-world; pay assist debt during a mark; wait
 * for the cycle after allocating past the trigger. */
void gort__safepoint_slow(void) {
    if (stw_pending()) park_for_stw();
    if (on_gc_thread || !(__atomic_load_n(&gort__gc_attention, __ATOMIC_SEQ_CST) & GORT_ATTN_PACE)) return;
    gort_g *g = gort__curg;
    if (!g) return;
    if (!pacing_on()) {
        g->gc_wait = false;
        return;
    }
    if (atomic_load(&gc.phase) == PHASE_MARK) {
        g->gc_wait = false;
        if (g->gc_assist_bytes < 0) assist(g);
    } else if (g->gc_wait) {
        g->gc_wait = false;
        wait_cycle_start();
    }
}

/* A goroutine leaves allg: what it marked this cycle stays counted. */
void gort__gc_g_exit(gort_g *g) {
    atomic_fetch_add(&gc.orphan_marked, g->gc_marked);
    g->gc_marked = 0;
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

/* Go's itoaDiv: val / 10^dec with dec decimals, into buf (NUL-terminated). */
static void itoa_div(char *buf, size_t cap, uint64_t val, int dec) {
    uint64_t p = 1;
    for (int i = 0; i < dec; i++) p *= 10;
    if (dec == 0) snprintf(buf, cap, "%llu", (unsigned long long)val);
    else snprintf(buf, cap, "%llu.%0*llu", (unsigned long long)(val / p), dec, (unsigned long long)(val % p));
}

/* Go's fmtNSAsMS: whole milliseconds from 10 ms up, else two significant digits with at most
 * three decimals ("0.012", "0.35", "4.7"), "0" for less than a microsecond. */
static void fmt_ns_as_ms(char *buf, size_t cap, uint64_t ns) {
    if (ns >= 10000000) {
        itoa_div(buf, cap, ns / 1000000, 0);
        return;
    }
    uint64_t x = ns / 1000;
    if (x == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    int dec = 3;
    while (x >= 100) {
        x /= 10;
        dec--;
    }
    itoa_div(buf, cap, x, dec);
}

/* What gctrace prints of one cycle (Go's work.tSweepTerm ... and the heap sizes). */
typedef struct cycle_times {
    uint64_t t_sweep_term, t_mark, t_mark_term, t_end; /* trace clock, ns */
    uint64_t mark_cpu;          /* the collector thread's CPU time during the mark */
    uint64_t heap0, heap1, heap2, goal;
    bool forced;
} cycle_times;

/* GORT_DEBUG=gctrace: one line per cycle on stderr, exactly as Go 1.19's GODEBUG=gctrace=1
 * (mgc.go gcMarkTermination):
 *   gc N @T s U%: A+B+C ms clock, D+E/F/G+H ms cpu, X->Y->Z MB, G MB goal, S MB stacks,
 *   L MB globals, P P [(forced)]
 * T: seconds since start at the cycle's start; U: GC CPU share since start (Go's
 * gc_cpu_fraction); A, C: the two pauses, B: the concurrent mark; D, H: the pauses times the
 * CPUs, E: assist time, F: the marker's CPU time (Go's dedicated + fractional workers), G: idle
 * workers (none: 0); X, Y: Go's heapLive at the start and at mark termination, Z: marked;
 * G: this cycle's goal; S: stacks (libgort has none: 0); L: registered globals; P: CPUs. */
static void print_gctrace(uint64_t n, const cycle_times *c) {
    uint64_t procs = (uint64_t)gc.ncpu;
    uint64_t sweep_term_cpu = procs * (c->t_mark - c->t_sweep_term);
    uint64_t mark_term_cpu = procs * (c->t_end - c->t_mark_term);
    uint64_t assist_ns = (uint64_t)atomic_load(&gc.pacer.assist_ns);
    gc.totaltime_ns += sweep_term_cpu + assist_ns + c->mark_cpu + mark_term_cpu;
    uint64_t avail = (gort__now() - gc.start_ns) * procs;
    unsigned util = avail ? (unsigned)(100.0 * (double)gc.totaltime_ns / (double)avail) : 0;
    char at[32], f[8][24];
    itoa_div(at, sizeof at, (c->t_sweep_term - gc.start_ns) / 1000000, 3);
    uint64_t v[8] = {c->t_mark - c->t_sweep_term, c->t_mark_term - c->t_mark, c->t_end - c->t_mark_term,
                     sweep_term_cpu, assist_ns, c->mark_cpu, 0, mark_term_cpu};
    for (int i = 0; i < 8; i++) fmt_ns_as_ms(f[i], sizeof f[i], v[i]);
    fprintf(stderr,
            "gc %llu @%ss %u%%: %s+%s+%s ms clock, %s+%s/%s/%s+%s ms cpu, %llu->%llu->%llu MB, "
            "%llu MB goal, %d MB stacks, %llu MB globals, %d P%s\n",
            (unsigned long long)n, at, util, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
            (unsigned long long)(c->heap0 >> 20), (unsigned long long)(c->heap1 >> 20),
            (unsigned long long)(c->heap2 >> 20), (unsigned long long)(c->goal >> 20), 0,
            (unsigned long long)(gc.pacer.globals_scan >> 20), gc.ncpu, c->forced ? " (forced)" : "");
}

/* Sweep termination's pacing work (world stopped): every goroutine's assist credit and marked
 * count start at zero, the pacer starts the cycle, no trigger while it marks, and assists are
 * on. */
static void pacing_start(uint64_t now) {
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) {
        g->gc_assist_bytes = 0;
        g->gc_marked = 0;
    }
    pthread_mutex_unlock(&gort__sched_lock);
    gc.marker_marked = 0;
    atomic_store(&gc.orphan_marked, 0);
    pthread_mutex_lock(&gc.globals_mu);
    gc.pacer.globals_scan = gc.nglobals * sizeof(void *);
    pthread_mutex_unlock(&gc.globals_mu);
    gc_pacer_start_cycle(&gc.pacer, now, atomic_load(&gc.live));
    atomic_store(&gc.trigger, UINT64_MAX);
    if (pacing_on()) __atomic_fetch_or(&gort__gc_attention, GORT_ATTN_PACE, __ATOMIC_SEQ_CST);
}

/* The bytes this cycle marked (world stopped, marking done): every thread's count. */
static uint64_t marked_total(void) {
    uint64_t m = gc.marker_marked + atomic_load(&gc.orphan_marked);
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) m += g->gc_marked;
    pthread_mutex_unlock(&gort__sched_lock);
    return m;
}

/* Mark termination's pacing work (world stopped): the pacer learns from the cycle, live
 * becomes the marked bytes (Go's resetLive) and the next trigger is committed; assists end. */
static uint64_t pacing_end(uint64_t now) {
    uint64_t marked = marked_total();
    gc_pacer_end_cycle(&gc.pacer, now, gc.ncpu, atomic_load(&gc.live));
    gc_pacer_reset_live(&gc.pacer, marked);
    atomic_store(&gc.live, marked);
    gc_pacer_commit(&gc.pacer, marked, false);
    publish_trigger();
    __atomic_fetch_and(&gort__gc_attention, ~GORT_ATTN_PACE, __ATOMIC_SEQ_CST);
    return marked;
}

/* Wakes the goroutines that wait on pacing: assists (the mark is over) and those waiting for
 * a cycle to start (it has, or the trigger moved). */
static void pacing_wake(void) {
    pthread_mutex_lock(&gc.assist_mu);
    pthread_cond_broadcast(&gc.assist_cv);
    pthread_mutex_unlock(&gc.assist_mu);
    pthread_mutex_lock(&gc.mu);
    atomic_fetch_add(&gc.cycle_starts, 1);
    pthread_cond_broadcast(&gc.start_cv);
    pthread_mutex_unlock(&gc.mu);
}

/* Runs cycle number n from sweep termination to the end of its sweep. Collector thread. */
static void run_cycle(uint64_t n, int trigger) {
    uint64_t cpu0 = thread_cpu_ns();
    cycle_times c = {.forced = trigger == TRIGGER_FORCED};
    c.t_sweep_term = gort__now();
    uint64_t before = atomic_load(&gc.heap_live);
    GORT_PROBE(gc_start, 0, n, trigger);
    if (trigger == TRIGGER_HEAP) atomic_fetch_add(&gc.heap_cycles, 1);

    uint64_t t = stw_begin(STW_SWEEPTERM);          /* sweep termination */
    atomic_store(&gc.epoch, (uint32_t)n);
    atomic_store(&gc.phase, PHASE_MARK);
    atomic_store(&gc.wb_on, 1);
    snapshot_roots();
    c.heap0 = atomic_load(&gc.live);
    pacing_start(t);
    uint64_t pause1 = stw_end(STW_SWEEPTERM, t);
    pacing_wake();

    GORT_PROBE(gc_mark_start, 0, n, 0);              /* concurrent mark */
    c.t_mark = t + pause1;
    uint64_t mcpu0 = thread_cpu_ns();
    shade_snapshot();
    drain(1);
    c.mark_cpu = thread_cpu_ns() - mcpu0;

    t = stw_begin(STW_MARKTERM);                     /* mark termination */
    c.t_mark_term = t;
    atomic_store(&gc.phase, PHASE_MARKTERM);
    c.heap1 = atomic_load(&gc.live);
    rescan_roots();
    drain(0);
    GORT_PROBE(gc_mark_termination, 0, n, 0);
    c.heap2 = pacing_end(gort__now());
    c.goal = gc.pacer.last_heap_goal;
    atomic_store(&gc.wb_on, 0);
    atomic_store(&gc.phase, PHASE_SWEEP);
    objhdr *list = atomic_exchange(&gc.objects, NULL);
    uint64_t pause2 = stw_end(STW_MARKTERM, t);
    c.t_end = t + pause2;
    pacing_wake();

    GORT_PROBE(gc_sweep_start, 0, n, 0);             /* sweep */
    sweep_result r = sweep(list, (uint32_t)n);
    GORT_PROBE(gc_sweep_done, 0, r.objects, r.bytes);
    atomic_store(&gc.phase, PHASE_OFF);
    atomic_store(&gc.last_marked, r.marked_bytes);
    GORT_PROBE(gc_end, r.maps, before, atomic_load(&gc.heap_live));

    gc.pauses[(n - 1) % NPAUSES] = pause1 + pause2;
    atomic_fetch_add(&gc.npauses, 1);
    atomic_fetch_add(&gc.gc_cpu_ns, thread_cpu_ns() - cpu0);
    if (gc.debug_gctrace) print_gctrace(n, &c);
}

/* Waits until a cycle is wanted; returns its trigger kind and counts it as begun. */
static int wait_for_work(uint64_t *n) {
    pthread_mutex_lock(&gc.mu);
    int kind;
    for (;;) {
        atomic_store(&gc.heap_wanted, 0);
        if (gc.forced_target > gc.begun) { kind = TRIGGER_FORCED; break; }
        if (atomic_load(&gc.live) >= atomic_load(&gc.trigger)) { kind = TRIGGER_HEAP; break; }
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
    s->live = atomic_load(&gc.live);
    s->trigger = atomic_load(&gc.trigger);
    s->goal = atomic_load(&gc.goal);
    s->assists = atomic_load(&gc.assists_total);
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
