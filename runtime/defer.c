/*
 * defer.c — function frames and defer records: Go's deferproc and deferreturn.
 *
 * Frames. A C function models a Go function by opening a gort_frame on its own C stack
 * (GORT_FUNC). Frames of a goroutine form a chain, innermost first, from g->frame through
 * `parent`; each carries what Go's stack frame holds that matters to gort: the addresses of
 * locals that hold heap pointers (slots: the frame's roots) and the maps that did not escape
 * (stackmaps: Go's stack-allocated hmap, which lives exactly as long as the frame). The frame
 * is left by a cleanup attribute, so every return path runs gort_frame_leave: deferreturn
 * (the frame's deferred calls, last-in first-out) and only then the pop (stack maps die,
 * probe mapfree with cause frame; the frame leaves the chain). That order is Go's: deferreturn
 * is called from the function's own epilogue, before RET discards the frame. gort.h inlines
 * entering and leaving: a frame's counters, state and open-coded defer bits share one word
 * that entering writes whole and leaving reads whole (changed here through the whole word
 * too, never a narrower store the next read would stall on); the inline leave pops a frame
 * with nothing to run or kill without marking it left, and the slow path below, which does
 * the rest, knows a live frame off the chain as left.
 *
 * Open-coded defers. A frame's first gort_defer_call, when no recorder is attached, is kept
 * in the frame (gort.h: odefer_fn, odefer_env, the armed bit) and called by the inline leave.
 * Wherever records are walked (a panic, Goexit, a leave with records too) it is first made a
 * record in its place: after the frame's own records, which are newer, before its callers'
 * (odefer_materialize). The collector reads it in the frame (gc.c).
 *
 * Defer records. Each goroutine has one chain of pending records, g->defers, newest first
 * (Go's gp._defer). A defer statement (deferproc) evaluates everything the call needs now
 * — for `defer delete(m, k)` the map pointer and a copy of the key, for a closure its
 * environment pointer — and pushes a record that names the frame that registered it. Records
 * of one frame are therefore contiguous at the head of the chain whenever that frame is the
 * innermost one with pending records, and deferreturn runs exactly the head records whose
 * frame is the one returning.
 *
 * Running a record. A record stays on the chain, marked started, while its call runs, and is
 * unlinked only when the call comes back. This keeps everything the call uses (map, key,
 * environment) a root for the collector for the whole call, and lets a panic raised inside the
 * call find the record: a started record met by a panic is simply dropped (Go's gopanic does
 * the same, marking the panic that started it aborted). While a call runs, g->running_defer
 * holds its id (probes record it in every event) and g->dcall describes it (the panic that
 * runs it and the C frame that calls it: what recover needs to decide "called directly by a
 * deferred call run for this panic", which Go decides by comparing argument pointers). A
 * recovery restores the context a resumed function runs in from this chain (panic.c).
 *
 * Invariants: a frame is popped only when it has no pending record; g->frame and g->defers
 * change only on the goroutine's own thread (the collector reads them while it is stopped);
 * a record is reused (the goroutine's pool, Go's deferpool) or freed only after it left the
 * chain. Safe points (where a collection may stop the goroutine) come where every heap
 * pointer the runtime was handed is already reachable from a root: after a record is linked
 * and filled in, never between; registering a root slot is no safe point at all, so a
 * function may allocate and then root.
 *
 * GORT_UNSAFE=frame_order (the article's second crash path, off by default, read once) swaps
 * the two steps of gort_frame_leave: the frame is popped, and its stack maps die, before its
 * deferred calls run, so a deferred delete on a stack map really touches a freed map and the
 * map's use-after-free check fires.
 */
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defer ids: unique process-wide. Each goroutine (thread) takes them in batches of
 * DEFER_ID_BATCH from this counter (as Go's Ps take goroutine ids), so a program with one
 * goroutine numbers its records 1, 2, 3, ... and registering a defer costs no atomic operation
 * most times. (An open-coded defer has none until a panic or Goexit makes it a record.) */
#define DEFER_ID_BATCH 64
static _Atomic uint64_t next_defer_id = 1;
static __thread uint64_t defer_id_next, defer_id_end;

/* The next defer id of the calling goroutine. */
static uint64_t defer_id_new(void) {
    if (__builtin_expect(defer_id_next == defer_id_end, 0)) {
        defer_id_next = atomic_fetch_add(&next_defer_id, DEFER_ID_BATCH);
        defer_id_end = defer_id_next + DEFER_ID_BATCH;
    }
    return defer_id_next++;
}

/* GORT_UNSAFE=frame_order, read once: -1 unknown, 0 off, 1 on. */
static _Atomic int frame_order_flag = -1;

/* True when the comma-separated list `list` contains `word` as one of its items. */
static bool list_has_word(const char *list, const char *word) {
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, word, n) == 0) return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Whether the unsafe frame_order model is on (environment read on first use only). */
static inline bool unsafe_frame_order(void) {
    int v = atomic_load_explicit(&frame_order_flag, memory_order_relaxed);
    if (__builtin_expect(v < 0, 0)) {
        v = list_has_word(getenv("GORT_UNSAFE"), "frame_order") ? 1 : 0;
        atomic_store(&frame_order_flag, v);
    }
    return v == 1;
}

/* ---- frames ------------------------------------------------------------------------------ */

/* With a recorder attached (trace.c's constructor ran before this one), every frame is
 * entered by the slow path, which marks it traced: its defers are records, whose probes the
 * trace needs (gort.h). */
__attribute__((constructor)) static void frames_traced(void) {
    if (gort__trace_on) __atomic_fetch_or(&gort__gc_attention, GORT_ATTN_TRACE, __ATOMIC_SEQ_CST);
}

/* gort.h's inline frame functions read a goroutine's innermost frame as its record's first
 * word. */
_Static_assert(offsetof(gort_g, frame) == 0, "gort_g.frame must come first");
/* The frame word's layout, as gort.h's GORT__FRAME_WORD_* macros and the counters below read
 * it (x86-64, little-endian). */
_Static_assert(offsetof(gort_frame, ndefers) == offsetof(gort_frame, word) &&
               offsetof(gort_frame, nstackmaps) == offsetof(gort_frame, word) + 4 &&
               offsetof(gort_frame, nslots) == offsetof(gort_frame, word) + 5 &&
               offsetof(gort_frame, state) == offsetof(gort_frame, word) + 6,
               "gort_frame's word layout");

/* The frame's counters change through the whole word, so that leaving, which reads the word,
 * finds it in one store (a read spanning a narrower store stalls the CPU's forwarding). */
#define WORD_DEFER ((uint64_t)1)
#define WORD_STACKMAP ((uint64_t)1 << 32)
#define WORD_SLOT ((uint64_t)1 << 40)
#define WORD_STATE_SHIFT 48

/* Sets fr's state through the whole word (see WORD_DEFER): an 8-byte store the compiler may
 * not narrow to the state's byte (a relaxed atomic store is a plain store). */
static inline void frame_set_state(gort_frame *fr, int state) {
    uint64_t w = (fr->word & ~((uint64_t)0xff << WORD_STATE_SHIFT)) |
                 ((uint64_t)state << WORD_STATE_SHIFT);
    __atomic_store_n(&fr->word, w, __ATOMIC_RELAXED);
}

/* gort_frame_enter's slow path (gort.h has the fast one): a thread without a goroutine record
 * gets one, a pending stop-the-world or the pacer is served (a safe point), then fr is pushed
 * on the goroutine's frame chain with the fields the collector reads (slots, stackmaps) empty. */
void gort__frame_enter_slow(gort_frame *fr, const char *fn) {
    gort_g *g = gort__getg();
    gort__safepoint();
    fr->parent = g->frame;
    fr->fn = fn;
    fr->word = GORT__FRAME_WORD_LIVE | (gort__trace_on ? GORT__FRAME_TRACED : 0);
    g->frame = fr;
}

/* Registers a root slot of fr; more than GORT_FRAME_SLOTS is a fatal error. Not a safe
 * point: a function may allocate several objects and then root them one after the other. */
void gort_frame_root(gort_frame *fr, void *slot) {
    if (fr->nslots >= GORT_FRAME_SLOTS) gort_fatal("gort: too many roots in one frame");
    fr->slots[fr->nslots] = slot;
    fr->word += WORD_SLOT;
}

/* Pops fr, which must be g's innermost frame: unlinks it, then kills its stack maps newest
 * first. A popped frame's maps are gone; the frame is never popped twice. */
static void frame_pop(gort_g *g, gort_frame *fr) {
    if (fr->state == GORT_FRAME_POPPED || fr->state == GORT_FRAME_LEFT) return;
    if (g->frame != fr) gort_fatal("gort: frame popped out of order");
    if ((fr->word & GORT__FRAME_WORD_DEFERS) != 0 && !unsafe_frame_order())
        gort_fatal("gort: frame popped with pending defers");
    g->frame = fr->parent;
    frame_set_state(fr, GORT_FRAME_POPPED);
    while (fr->nstackmaps > 0) {
        fr->word -= WORD_STACKMAP;
        gort__map_kill(fr->stackmaps[fr->nstackmaps], GORT_FREE_FRAME);
    }
}

/* Pops every frame of g above top (a frame on g's chain, or NULL for all of them),
 * innermost first (their deferred calls all ran). */
void gort__frames_pop_to(gort_g *g, gort_frame *top) {
    while (g->frame && g->frame != top) frame_pop(g, g->frame);
}

/* fr's depth on its goroutine's chain: 1 for the outermost frame (deferproc's probe). */
static uint64_t frame_depth(const gort_frame *fr) {
    uint64_t n = 0;
    for (; fr; fr = fr->parent) n++;
    return n;
}

static inline __attribute__((always_inline)) void run_deferred(gort_g *g, gort_defer *d,
                                                               gort_panicrec *p, int how);
static gort_defer **odefer_materialize(gort_frame *fr, gort_defer **link);
static bool frame_on_chain(gort_g *g, const gort_frame *f);

/* gort_frame_leave's slow path (gort.h has the fast one, for a frame with nothing to run or
 * kill): deferreturn then pop (or pop then deferreturn under GORT_UNSAFE=frame_order). Runs
 * again after a recover resumed the function: it then goes on with the records left. The
 * goroutine's running deferred call needs no restoring here: the function's own code never
 * changes it, and a recovery that resumes the function restores it before. */
void gort__frame_leave_slow(gort_frame *fr) {
    gort_g *g = gort__curg; /* a frame is left on its own goroutine */
    /* Left already (GORT_RETURN, then the cleanup): nothing to do, and no safe point, since
     * the function's result may be a heap pointer no root holds any more. The inline leave
     * pops a frame without marking it: a live frame off the chain was left so. */
    if (fr->state == GORT_FRAME_LEFT) return;
    if (fr->state == GORT_FRAME_LIVE && g->frame != fr && !frame_on_chain(g, fr)) return;
    gort__safepoint();
    if (fr->state == GORT_FRAME_LIVE) frame_set_state(fr, GORT_FRAME_LEAVING);
    if (fr->odefer & (GORT__ODEFER_ARMED >> 56)) { /* the oldest of fr's defers: after fr's records */
        gort_defer **link = &g->defers;
        while (*link && (*link)->frame == fr) link = &(*link)->link;
        odefer_materialize(fr, link);
    }
    if (__builtin_expect(unsafe_frame_order(), 0)) frame_pop(g, fr);
    while (g->defers && g->defers->frame == fr) {
        gort_defer *d = g->defers;
        if (d->started) {
            gort__defer_drop(g, d); /* cannot happen on return; kept as Go's loop is */
            continue;
        }
        run_deferred(g, d, NULL, GORT_HOW_RETURN);
    }
    if (fr->state != GORT_FRAME_POPPED) frame_pop(g, fr);
    frame_set_state(fr, GORT_FRAME_LEFT);
}

/* ---- defer records ----------------------------------------------------------------------- */

/* Records freed by a goroutine are kept for its next defers, up to this many. */
#define DEFER_POOL_MAX 64

/* A record, from g's pool when it has one (Go's newdefer / deferpool). Not cleared:
 * defer_push sets every field but the key, which only a deferred delete uses and sets. */
static gort_defer *defer_alloc(gort_g *g) {
    gort_defer *d = g->deferpool;
    if (d) {
        g->deferpool = d->link;
        g->ndeferpool--;
        return d;
    }
    d = malloc(sizeof *d);
    if (!d) gort_fatal("runtime: out of memory");
    return d;
}

/* Gives a record that left the chain back to g's pool, or to malloc when the pool is full. */
static void defer_free(gort_g *g, gort_defer *d) {
    if (g->ndeferpool >= DEFER_POOL_MAX) {
        free(d);
        return;
    }
    d->link = g->deferpool;
    g->deferpool = d;
    g->ndeferpool++;
}

/* Frees the pool of an ending goroutine. */
void gort__deferpool_free(gort_g *g) {
    while (g->deferpool) {
        gort_defer *d = g->deferpool;
        g->deferpool = d->link;
        free(d);
    }
    g->ndeferpool = 0;
}

/* A defer statement named a frame that is not the calling goroutine's innermost one: a
 * frame of another goroutine, or of a function other than the one running (Go's defer
 * statement always defers for its own function, and gort.h's recovery point must be set in
 * that function). */
__attribute__((noinline, cold, noreturn)) static void defer_misplaced(gort_frame *fr) {
    pthread_mutex_lock(&gort__sched_lock);
    bool other = false;
    for (gort_g *g = gort__allg; g && !other; g = g->allnext)
        for (gort_frame *f = g->frame; f && !other; f = f->parent) other = f == fr && g != gort__curg;
    pthread_mutex_unlock(&gort__sched_lock);
    if (other) gort_fatal("gort: defer registered on another goroutine's frame");
    gort_fatal("gort: defer for a frame that is not the innermost (defer in its own function)");
}

/* A new record registered by fr, pushed on fr's goroutine's chain: deferproc's common part.
 * Emits deferproc with the record's id as defer_id. Not a safe point: the caller fills in the
 * map or environment, which become roots with the record, and then reaches one. */
static inline gort_defer *defer_push(gort_frame *fr, int kind, const char *name) {
    gort_g *g = gort__curg;
    if (__builtin_expect(!g || g->frame != fr, 0)) defer_misplaced(fr);
    gort_defer *d = defer_alloc(g);
    d->frame = fr;
    d->id = defer_id_new();
    d->kind = kind;
    d->name = name;
    d->started = 0;         /* started_by is set with started; the kind's fields by the caller */
    d->link = g->defers;
    g->defers = d;
    fr->word += WORD_DEFER;
    GORT_PROBE_DEFER(deferproc, d->id, 0, frame_depth(fr), gort__trace_name(name), 0);
    return d;
}

/* Unlinks the head record d of g's chain and frees it. */
void gort__defer_drop(gort_g *g, gort_defer *d) {
    if (g->defers != d) gort_fatal("bad defer entry in panic");
    g->defers = d->link;
    d->frame->word -= WORD_DEFER;
    defer_free(g, d);
}

/* The deferred delete: the map and key evaluated at the defer statement. On a nil map it does
 * nothing (Go's mapdelete); on a map that died meanwhile the map's check reports it. */
static void defer_delete_invoke(gort_defer *d) {
    switch (d->keymode) {
    case GORT_KEYMODE_FAST64:
        gort_mapdelete_fast64(d->map, d->key.u64);
        break;
    case GORT_KEYMODE_FASTSTR:
        gort_mapdelete_faststr(d->map, d->key.str);
        break;
    default:
        gort_mapdelete(d->map, d->key.bytes);
    }
}

__attribute__((noinline, cold, noreturn)) static void bad_record(void) {
    gort_fatal("gort: bad defer record");
}

/* The duration of a deferred call begun at t0, for deferreturn_end: at least 1 ns, since 0
 * means "not measured" in a record and a call faster than the clock's tick was measured. */
static uint64_t call_duration(uint64_t t0) {
    uint64_t d = gort__now() - t0;
    return d ? d : 1;
}

/* Runs record d (g's head record): probes deferreturn / deferreturn_end around the call, with
 * g->running_defer = d->id and g->dcall describing the call; unlinks d when it returns.
 * Inlined into the functions that run deferred calls, which call the deferred function
 * themselves and record their own frame address in the call: recover compares it with the
 * frame address its caller's caller had, which is how it knows it was called directly by the
 * deferred function (the call is never a tail call: the restoring follows it). */
static inline __attribute__((always_inline)) void run_deferred(gort_g *g, gort_defer *d,
                                                               gort_panicrec *p, int how) {
    d->started = 1;
    d->started_by = p;
    gort_dcall call = { .outer = g->dcall, .d = d, .base = g->frame, .panic = p,
                        .caller_fp = __builtin_frame_address(0), .id = d->id };
    uint64_t outer_running = g->running_defer;
    uint64_t id = d->id;
    g->dcall = &call;
    g->running_defer = id;
    uint64_t t0 = 0;
    if (__builtin_expect(gort__trace_on, 0)) {
        gort__emit_defer(GORT_EV_deferreturn, id, 0, (uint64_t)how, 0, 0);
        t0 = gort__now();
    }
    if (d->kind == GORT_DEFER_CALL) d->fn(d->env);
    else if (d->kind == GORT_DEFER_DELETE) defer_delete_invoke(d);
    else bad_record();
    __asm__ volatile("" ::: "memory");
    GORT_PROBE_DEFER(deferreturn_end, id, 0, how, 0, call_duration(t0));
    g->running_defer = outer_running;
    g->dcall = call.outer;
    gort__defer_drop(g, d);
}

/* run_deferred for panic.c (gopanic, Goexit): this function's frame is the calling one. */
__attribute__((noinline)) void gort__defer_run(gort_g *g, gort_defer *d, gort_panicrec *p, int how) {
    run_deferred(g, d, p, how);
}

/* ---- open-coded defers ------------------------------------------------------------------ */

/* Turns fr's armed open-coded defer (gort.h) into a record at *link of its goroutine's chain
 * (the caller places it after fr's own records, which are newer, and before the records of
 * fr's callers). Returns the link after the record. */
static gort_defer **odefer_materialize(gort_frame *fr, gort_defer **link) {
    gort_defer *d = defer_alloc(gort__curg);
    d->frame = fr;
    d->id = defer_id_new();
    d->kind = GORT_DEFER_CALL;
    d->name = NULL; /* open-coded defers are not traced: no name kept */
    d->fn = fr->odefer_fn;
    d->env = fr->odefer_env;
    d->started = 0;   /* armed, not started (a started one is running: left alone) */
    d->started_by = NULL;
    d->link = *link;
    *link = d;
    __atomic_store_n(&fr->word,
                     (fr->word & ~(GORT__ODEFER_ARMED | GORT__ODEFER_STARTED)) + WORD_DEFER,
                     __ATOMIC_RELAXED);
    return &d->link;
}

/* Whether frame f is on g's frame chain. */
static bool frame_on_chain(gort_g *g, const gort_frame *f) {
    for (gort_frame *x = g->frame; x; x = x->parent)
        if (x == f) return true;
    return false;
}

/* gort__odefers_materialize: every armed open-coded defer of g's frames becomes a record in
 * its place on g's chain, before a panic or Goexit walks the chain. The chain holds each
 * frame's records together, innermost frames first (records of a frame already popped, under
 * GORT_UNSAFE=frame_order, at its head); a frame's open-coded defer is its oldest. */
void gort__odefers_materialize(gort_g *g) {
    gort_defer **link = &g->defers;
    while (*link && !frame_on_chain(g, (*link)->frame)) link = &(*link)->link;
    for (gort_frame *fr = g->frame; fr; fr = fr->parent) {
        while (*link && (*link)->frame == fr) link = &(*link)->link;
        if (fr->odefer & (GORT__ODEFER_ARMED >> 56)) link = odefer_materialize(fr, link);
    }
}

/* The defer statements (gort.h's macros, which set the function's recovery point first). */

/* defer fn(env): the environment is evaluated now and kept (a root) until the call ran. */
uint64_t gort__defer_call(gort_frame *fr, const char *name, gort_fn fn, void *env) {
    gort_defer *d = defer_push(fr, GORT_DEFER_CALL, name);
    d->fn = fn;
    d->env = env;
    gort__safepoint();
    return d->id;
}

/* defer delete(m, key) on the generic path: m and a copy of the key (t->keysize bytes). */
uint64_t gort__defer_delete(gort_frame *fr, const gort_maptype *t, gort_map *m, const void *key) {
    if (t->keysize > sizeof(((gort_defer *)0)->key.bytes))
        gort_fatal("gort: deferred delete key larger than 64 bytes");
    gort_defer *d = defer_push(fr, GORT_DEFER_DELETE, "delete");
    d->map = m;
    d->keymode = GORT_KEYMODE_GENERIC;
    memcpy(d->key.bytes, key, t->keysize);
    gort__safepoint();
    return d->id;
}

/* defer delete(m, key) with an 8-byte integer key (mapdelete_fast64). */
uint64_t gort__defer_delete_fast64(gort_frame *fr, gort_map *m, uint64_t key) {
    gort_defer *d = defer_push(fr, GORT_DEFER_DELETE, "delete");
    d->map = m;
    d->keymode = GORT_KEYMODE_FAST64;
    d->key.u64 = key;
    gort__safepoint();
    return d->id;
}

/* defer delete(m, key) with a string key (mapdelete_faststr): the string header is copied. */
uint64_t gort__defer_delete_faststr(gort_frame *fr, gort_map *m, gort_string key) {
    gort_defer *d = defer_push(fr, GORT_DEFER_DELETE, "delete");
    d->map = m;
    d->keymode = GORT_KEYMODE_FASTSTR;
    d->key.str = key;
    gort__safepoint();
    return d->id;
}

/* ---- stack maps -------------------------------------------------------------------------- */

/* A map owned by fr (it did not escape): a root of fr until fr is popped, when it dies. */
gort_map *gort_makemap_stack(gort_frame *fr, const gort_maptype *t, int64_t hint) {
    if (fr->nstackmaps >= GORT_FRAME_STACKMAPS) gort_fatal("gort: too many stack maps in one frame");
    gort_map *h = gort_makemap(t, hint);
    fr->stackmaps[fr->nstackmaps] = h;
    fr->word += WORD_STACKMAP;
    gort__safepoint();
    return h;
}
