/*
 * internal.h — what the parts of libgort share with each other and nobody else: the goroutine
 * and defer records, the heap allocator's interface, safe points, and the probe macro.
 * Not installed; programs use gort.h only.
 *
 * Ownership: proc.c owns goroutines (gort_g, the allg list), defer.c/panic.c own defer and
 * panic records, gc.c owns the heap (gort__alloc) and the world-stopping protocol, map.c owns
 * map headers and buckets (and tells the collector how to scan and kill them), trace.c owns
 * the probe's path to the recorder.
 */
#ifndef GORT_INTERNAL_H
#define GORT_INTERNAL_H

#include "gort.h"
#include "gort_record.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- goroutines (proc.c) ---------------------------------------------------------------- */

enum gort_gstatus {
    GORT_G_RUNNING = 1,  /* executing user or runtime code: must reach a safe point to stop */
    GORT_G_BLOCKED,      /* in a blocking call (WaitGroup wait, sleep): counts as stopped */
    GORT_G_PARKED,       /* stopped at a safe point for a stop-the-world */
    GORT_G_DEAD
};

typedef struct gort_g {
    gort_frame *frame;           /* innermost live frame, NULL outside any GORT_FUNC; first:
                                    gort.h's inline frame functions read it there */
    uint64_t goid;               /* main is 1, as in Go */
    pid_t tid;                   /* OS thread id */
    pthread_t thread;
    const char *name;            /* function the goroutine started in */
    _Atomic int status;          /* enum gort_gstatus */
    struct gort_defer *defers;   /* pending defer records, innermost (latest) first */
    struct gort_panic *panic;    /* innermost active panic */
    void *arg;                   /* the goroutine's argument: a root while it runs */
    uint64_t running_defer;      /* id of the deferred call running now (0: none): probes */
    jmp_buf exit_jb;             /* Goexit and the end of the goroutine come back here */
    struct gort_g *allnext;      /* all goroutines, for the collector (under gort__sched_lock) */
    /* private to proc.c, defer.c and panic.c */
    gort_fn fn;                  /* the goroutine's function (gort_go) */
    const char *creator;         /* function of the frame that ran gort_go ("created by") */
    bool has_exit_jb;            /* started by gort_go: exit_jb is set */
    struct gort_dcall *dcall;    /* innermost deferred call running now, NULL when none */
    uint64_t npanics;            /* panics raised so far (probe panic's sequence number) */
    bool recovered_rt;           /* the last value recover returned was a runtime error */
    const char *waitreason;      /* why it is blocked, for tracebacks ("semacquire"), or NULL */
    gort_waitgroup *waitwg;      /* the WaitGroup it waits on (under proc.c's wg lock), or NULL */
    bool goexit_waiting;         /* main after Goexit, waiting for the others (same lock) */
    struct gort_defer *deferpool; /* freed defer records kept for reuse (Go's deferpool) */
    unsigned ndeferpool;
    /* private to gc.c: pacing. Written by the goroutine itself, reset and summed by the
     * collector while the world is stopped. */
    int64_t gc_assist_bytes;     /* Go's gcAssistBytes: allocation credit (< 0: debt) this mark */
    uint64_t gc_marked;          /* bytes this goroutine marked this cycle (barrier, assists,
                                    objects allocated black) */
    bool gc_wait;                /* allocated past the trigger: wait for the cycle to start */
} gort_g;

/* gort__curg, the goroutine this thread runs (or NULL), is declared in gort.h. */
extern pthread_mutex_t gort__sched_lock;  /* guards gort__allg */
extern gort_g *gort__allg;                /* every goroutine not yet ended */
gort_g *gort__getg(void);                 /* gort__curg, creating g for a foreign thread */

/* ---- defer records (defer.c) ------------------------------------------------------------ */

enum gort_defer_kind { GORT_DEFER_DELETE = 1, GORT_DEFER_CALL };
enum gort_keymode { GORT_KEYMODE_GENERIC = 0, GORT_KEYMODE_FAST64 = 1, GORT_KEYMODE_FASTSTR = 2 };

typedef struct gort_defer {
    struct gort_defer *link;     /* next older record of the same goroutine */
    gort_frame *frame;           /* frame that registered it */
    uint64_t id;                 /* unique process-wide, as in traces (batches per goroutine) */
    int kind;                    /* enum gort_defer_kind */
    const char *name;            /* "delete" or the function's name */
    gort_map *map;               /* DEFER_DELETE: the map, evaluated at the defer statement */
    union {                      /* DEFER_DELETE: the key, evaluated at the defer statement */
        uint64_t u64;
        gort_string str;
        unsigned char bytes[64];
    } key;
    int keymode;                 /* enum gort_keymode: which mapdelete runs */
    gort_fn fn;                  /* DEFER_CALL */
    void *env;                   /* DEFER_CALL: the closure environment: a root */
    int started;                 /* its call has begun (deferreturn, panic or Goexit) */
    struct gort_panic *started_by; /* the panic or Goexit running it, NULL for deferreturn */
} gort_defer;

/* The root rules the collector relies on (see gort.h section 5): g->frame and each frame's
 * parent, slots and stackmaps, and g->defers with each record's map, key and env, change only
 * on the goroutine's own thread and between safe points; read them from another thread only
 * while that goroutine is stopped (parked at a safe point, blocked, or not yet started). */

/* A deferred call being run, on the C stack of whoever runs it (deferreturn, panic, Goexit). */
typedef struct gort_dcall {
    struct gort_dcall *outer;    /* the deferred call this one runs inside of, or NULL */
    gort_defer *d;
    gort_frame *base;            /* g->frame when the call began */
    void *caller_fp;             /* frame address of the C function that calls the deferred
                                    function: recover's "called directly" test (Go's argp) */
    struct gort_panic *panic;    /* the panic or Goexit that runs it, NULL for deferreturn */
    uint64_t id;                 /* the record's id (running_defer while it runs) */
} gort_dcall;

/* A panic or a Goexit in progress: Go's _panic. Lives on the C stack of gort_panic/gort_goexit,
 * which is deeper than every frame it unwinds, so it outlives the deferred calls it runs. */
typedef struct gort_panic {
    struct gort_panic *link;     /* the older panic still in progress, or NULL */
    const char *msg;             /* the panic value; NULL is panic(nil) */
    bool runtime_error;          /* a runtime.Error (gort_panic_runtime_error) */
    bool recovered;
    bool aborted;                /* a newer panic interrupted the deferred call it was running */
    bool goexit;                 /* this is runtime.Goexit, not a panic */
    gort_frame *goexit_top;      /* Goexit: g->frame when it began */
    gort_dcall *goexit_dcall;    /* Goexit: g->dcall when it began */
    uint64_t goexit_running;     /* Goexit: g->running_defer when it began */
    jmp_buf goexit_jb;           /* Goexit: a recovered panic returns to Goexit's loop here */
} gort_panicrec;

enum gort_defer_how { GORT_HOW_RETURN = 1, GORT_HOW_PANIC = 2, GORT_HOW_GOEXIT = 3 };

/* Runs pending record d (the head of g->defers) for `how`, started_by p (NULL on return), and
 * removes it from the chain when the call comes back. */
void gort__defer_run(gort_g *g, gort_defer *d, gort_panicrec *p, int how);
/* Turns every armed open-coded defer of g's frames into a record in its place on g's chain
 * (before a panic or Goexit walks the chain). */
void gort__odefers_materialize(gort_g *g);
/* Frees the records of g's defer pool (the goroutine is ending). */
void gort__deferpool_free(gort_g *g);
/* Removes the head record d of g->defers without running it (a started call that panicked). */
void gort__defer_drop(gort_g *g, gort_defer *d);
/* Pops every frame of g above `top` (NULL: all), innermost first, killing their stack maps:
 * for frames discarded by a recovery or by Goexit, whose defers all ran. */
void gort__frames_pop_to(gort_g *g, gort_frame *top);
/* Prints "goroutine N [running]:" and g's frames, innermost first, to stderr. */
void gort__traceback(gort_g *g, const char *status);
/* Prints the traces of the other goroutines, as Go's fatal error does. */
void gort__traceback_others(gort_g *self);
/* A goroutine not started by gort_go called Goexit and its defers ran: main waits for the
 * others, then dies with Go's deadlock error; a foreign thread ends. */
__attribute__((noreturn)) void gort__main_goexit(gort_g *g);
/* Go's checkdead when every goroutine waits forever: "fatal error: all goroutines are
 * asleep - deadlock!" and the trace of each waiting goroutine, exit 2. */
__attribute__((noreturn)) void gort__fatal_deadlock(void);
/* fatal error without goroutine traces (as Go's checkdead). */
__attribute__((noreturn)) void gort__fatal_notrace(const char *msg);

/* ---- the heap (gc.c) -------------------------------------------------------------------- */

enum gort_objkind {
    GORT_OBJ_MAP = 1,   /* a map header: scanned by gort__map_scan, killed by gort__map_kill */
    GORT_OBJ_BUCKETS,   /* a bucket array or overflow bucket: scanned by the owning map */
    GORT_OBJ_ENV,       /* a closure environment: scanned by its ptrmask */
    GORT_OBJ_DATA,      /* raw bytes, never scanned */
    GORT_OBJ_ELEM       /* a map element stored indirectly (over 128 bytes) with pointer words:
                           scanned by its ptrmask like an environment, never quarantined */
};

/* A zeroed heap object of `size` bytes; ptrmask marks pointer words (GORT_OBJ_ENV, _ELEM). */
void *gort__alloc(size_t size, int kind, uint64_t ptrmask);
/* Marks an object reachable during a mark phase (called from scan functions). */
void gort__mark(void *obj);
/* *slot = val with the write barrier (shades old and new values during mark). */
void gort__store(void **slot, void *val);

/* Safe points: every runtime entry calls gort__safepoint(). When the collector needs the
 * goroutines' attention — a stop-the-world is pending (the goroutine parks until the world
 * restarts), or the pacer is active: a mark is running (a goroutine in allocation debt
 * assists) or the heap passed the trigger (a goroutine that allocated past it waits for the
 * cycle to start) — the slow path handles it. One predictable branch otherwise. */
enum { GORT_ATTN_STW = 1, GORT_ATTN_PACE = 2, GORT_ATTN_TRACE = 4 };
/* gort__gc_attention (GORT_ATTN_* bits) and gort__safepoint_slow are declared in gort.h: the
 * inline frame functions check them too. */
static inline void gort__safepoint(void) {
    if (__builtin_expect(__atomic_load_n(&gort__gc_attention, __ATOMIC_RELAXED), 0))
        gort__safepoint_slow();
}
/* A goroutine leaves allg (proc.c, under gort__sched_lock): the collector keeps its counts. */
void gort__gc_g_exit(gort_g *g);
/* Around a call that may block (waiting on a WaitGroup, joining, sleeping). */
void gort__blocking_enter(void);
void gort__blocking_exit(void);

/* The collector's introspection, for tests and benchmarks (gc.c). */
typedef struct gort_gcstats {
    uint64_t cycles;          /* cycles completed, sweep included */
    uint64_t heap_cycles;     /* cycles begun by the heap trigger (the others: gort_gc) */
    uint64_t heap_live;       /* bytes of heap objects not yet freed, headers included */
    uint64_t heap_objects;    /* number of those objects */
    uint64_t heap_marked;     /* bytes that survived the last cycle */
    uint64_t live;            /* Go's heapLive: bytes marked by the last cycle plus allocated
                                 since its mark termination (what the trigger is held against) */
    uint64_t trigger;         /* live that starts the next cycle (UINT64_MAX: GOGC off) */
    uint64_t goal;            /* the next cycle's heap goal (UINT64_MAX: GOGC off) */
    uint64_t assists;         /* mark assists over all cycles */
    uint64_t freed_objects, freed_bytes, freed_maps;  /* totals over all cycles */
    uint64_t quarantined;     /* freed map headers and environments kept to catch later use */
    uint64_t pause_total_ns, pause_max_ns;            /* stop-the-world pauses */
    uint64_t gc_cpu_ns;       /* CPU time of the collector thread */
    int gogc;                 /* GORT_GOGC in effect, -1 for off */
} gort_gcstats;
void gort__gc_stats(gort_gcstats *s);
/* Per-cycle pauses (both stop-the-world pauses of a cycle summed, ns), oldest first. */
size_t gort__gc_pauses(uint64_t *out, size_t max);
/* Starts a cycle (if none is pending) without waiting for it. */
void gort__gc_request(void);
/* Whether a heap object was freed into the quarantine (maps: killed). */
int gort__gc_is_dead(void *obj);
/* Test hooks, NULL normally. scanned: the marker blackened obj during concurrent mark (it may
 * block to let a mutator act at that exact point); freed: the sweeper frees obj. */
typedef struct gort_gc_hooks {
    void (*scanned)(void *obj, int kind);
    void (*freed)(void *obj, int kind);
} gort_gc_hooks;
extern gort_gc_hooks gort__gc_hooks;
/* Starts a cycle and returns 0 once its marker has scanned `first` and not yet `second`,
 * holding it there until gort__gc_release_marker (gc_hold.c); -1 if second came first. */
int gort__gc_hold_marker_between(void *first, void *second);
void gort__gc_release_marker(void);

/* ---- maps, as the collector and frames see them (map.c) --------------------------------- */

enum gort_mapfree_cause { GORT_FREE_GC = 1, GORT_FREE_FRAME = 2 };
/* Marks everything the map references: bucket arrays, overflow buckets, pointer elements. */
void gort__map_scan(gort_map *h);
/* The map dies: probe mapfree, header poisoned so later use is caught (map_use_after_free). */
void gort__map_kill(gort_map *h, int cause);
/* Whether h was killed (poisoned); the collector must not kill a stack map a second time. */
int gort__map_dead(gort_map *h);

/* ---- probes (trace.c) ------------------------------------------------------------------- */

extern int gort__trace_on;  /* set once at start-up when the recorder is attached */
void gort__emit(unsigned kind, uint64_t map_id, uint64_t arg0, uint64_t arg1, uint64_t dur_ns);
uint64_t gort__now(void);  /* trace clock, ns */
/* Like gort__emit, with an explicit defer id instead of the running deferred call's
 * (deferproc, deferreturn: the record's own id). */
void gort__emit_defer(unsigned kind, uint64_t defer_id, uint64_t map_id, uint64_t arg0,
                      uint64_t arg1, uint64_t dur_ns);
/* The trace's id for a name (a function or type name that stays unchanged for the life of the
 * process), sent to the recorder once; 0 when not tracing. deferproc's arg1 is one. */
uint64_t gort__trace_name(const char *s);

/* The probe's call is never a tail call. A probe that is the last act of its function would
 * otherwise be compiled as `jmp gort__emit`: the function's frame is gone before the stack is
 * captured, and the event's innermost frame would be the caller (docs/schema.md promises
 * depth 0 is the function containing the probe). An empty asm statement after the call keeps
 * the call from being the last act; it emits no instruction, and only on the traced path. */
#define GORT_PROBE_KEEP_FRAME() __asm__ volatile("")

/* A probe: one predictable branch when nobody traces. */
#define GORT_PROBE(kind, map_id, a0, a1)                                                   \
    do {                                                                                    \
        if (__builtin_expect(gort__trace_on, 0)) {                                          \
            gort__emit(GORT_EV_##kind, (map_id), (uint64_t)(a0), (uint64_t)(a1), 0);         \
            GORT_PROBE_KEEP_FRAME();                                                        \
        }                                                                                   \
    } while (0)
#define GORT_PROBE_DEFER(kind, defer_id, map_id, a0, a1, dur)                              \
    do {                                                                                    \
        if (__builtin_expect(gort__trace_on, 0)) {                                          \
            gort__emit_defer(GORT_EV_##kind, (defer_id), (map_id), (uint64_t)(a0),          \
                             (uint64_t)(a1), (dur));                                        \
            GORT_PROBE_KEEP_FRAME();                                                        \
        }                                                                                   \
    } while (0)
#define GORT_PROBE_DUR(kind, map_id, a0, a1, dur)                                          \
    do {                                                                                    \
        if (__builtin_expect(gort__trace_on, 0)) {                                          \
            gort__emit(GORT_EV_##kind, (map_id), (uint64_t)(a0), (uint64_t)(a1), (dur));    \
            GORT_PROBE_KEEP_FRAME();                                                        \
        }                                                                                   \
    } while (0)

#endif /* GORT_INTERNAL_H */
