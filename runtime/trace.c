/*
 * trace.c — the probe's path to the recorder: per-thread rings in memory shared with
 * `gort record`.
 *
 * Attaching. `gort record` starts the program with GORT_TRACE_FD=<fd of a memfd> in its
 * environment. A constructor that runs before any other maps that file MAP_SHARED, checks its
 * header (format/gort_record.h), writes the program's module list into it (so return
 * addresses can be symbolized after the program is gone), removes the variable from the
 * environment (a program it execs runs untraced) and sets gort__trace_on. Without the
 * variable nothing happens and every probe costs one predictable, never-taken branch.
 *
 * Rings. Each thread that emits claims a FREE ring with one compare-and-swap and owns it until
 * it exits: it is the ring's only writer, the recorder its only reader. An event is a record
 * of 8 words (time, kind, goroutine, defer, map, two arguments, duration) followed by its raw
 * call stack (return addresses from libunwind's unw_backtrace; libgort does not link libunwind
 * but loads it at attach when the recording wants stacks: load_unwinder). The producer writes the words
 * at head, head+1, ... (modulo the ring's power-of-two size) and then publishes them with a
 * release store of head + n. The recorder reads up to an acquire load of head, then frees the
 * space with a release store of tail. Nothing else is shared on the fast path: no lock, no
 * system call, no atomic read-modify-write.
 *
 * Why an event committed to a ring survives the program's death. The ring is not the
 * program's memory but pages of a memory file that the recorder holds open and mapped too;
 * both mappings are the same physical pages. A store the CPU has executed is in those pages
 * (there is no private copy to flush), and the kernel keeps the pages as long as the
 * recorder's mapping exists, whatever happens to the program: segfault, abort, exit without
 * cleanup, SIGKILL. The recorder drains again after waitpid() has reported the death, so
 * every record whose head store executed is read. A record interrupted half-written is
 * invisible because head was not yet advanced past it: "committed" means exactly "head
 * published", and the trace holds every committed event and nothing else.
 *
 * Full rings. By default the producer waits (wakes the recorder's drain through the header's
 * futex word, yields, then sleeps on the ring's tail as a futex word, which the recorder wakes
 * when it frees a full ring) until the recorder frees space: nothing is
 * lost, and the wait itself is recorded: a recorder_stall record (from, to) follows the record
 * that waited, so the trace shows where the recorder, not the program, took the time. With --drop it never waits: it counts the
 * event in the ring's lost_total and in a pending run (count, first and last time), and the
 * next event that fits is preceded by a `lost` record describing the run; the recorder reads
 * any run still pending from the ring's control block at the end. Events lost = exactly the
 * sum of those counts, so recorded + lost = emitted.
 *
 * The recorder's death. A thread that must wait checks the recorder's life pipe (the header's
 * life_fd: the recorder alone holds its write end, so it reads as closed once the recorder is
 * gone, however the program was started); when it is closed, the program is orphaned: tracing stops writing records (nothing would read
 * them), no thread ever waits again, and every later event is counted lost in its ring's
 * counters, which `gort record --recover` reads from the region (a file in /dev/shm) together
 * with the records committed but never drained. The program itself runs on.
 *
 * Time. One clock for every thread: the TSC scaled to ns with the recorder's calibration
 * against CLOCK_MONOTONIC (header tsc0/tsc_mult/tsc_shift) when the TSC is invariant, else
 * clock_gettime(CLOCK_MONOTONIC) minus the start. Time zero is the program's exec: the
 * recorder calibrates before it starts the program and sets tsc0/mono0 in the child just
 * before execve. Each thread clamps its own sequence so that its timestamps never decrease.
 *
 * The fast path. A probe's cost is bounded below by one TSC read (about 10 ns on the
 * development VM, and not overlapped: rdtsc is microcoded and there waits for earlier loads, so
 * among cache misses it costs what they do: docs/record-format.md, "What it costs") and one
 * cache line of stores; the rest is kept to a few instructions (48 per event without stacks,
 * counted by callgrind in bench/b_3_tracer.sh). Each thread keeps fast_stop: while head is
 * below it, a record of the largest size fits at head without wrapping, in space the recorder
 * had freed when we last looked, with no lost run to report; one comparison decides. Without
 * stacks on the TSC clock the probe is then a leaf (no call, no saved register): the record's
 * words, the timestamp last (fewest values live across the clock read; one multiplication,
 * clk_frac), the head store, and a prefetch of the line 8 KiB ahead (a store that has to fetch
 * its line costs about a TSC read). With stacks, unw_backtrace writes the stack straight into
 * the record's payload from the probe's own frame. Anything else (first event of a thread, a
 * full ring, a lost run to report, the wrap point, the CLOCK_MONOTONIC clock, a TSC slower than
 * 1 GHz) goes through emit_general and write_record, which recompute fast_stop.
 *
 * Signals. --profile-hz gives each thread that emits a timer on its own CPU-time clock; its
 * SIGPROF handler records a cpu_sample with the thread's stack, starting at the interrupted
 * pc. A thread that is inside a probe when the signal arrives (its `busy` flag) does not
 * write then, so a ring is never written by two contexts at once.
 *
 * Every period of CPU time is accounted for, whatever the load. The kernel notices a CPU-time
 * timer's expiry only at a tick that finds the thread running; under load that can be a
 * hundred periods late, and one signal then stands for all of them (si_overrun). So: a
 * sample stands for 1 + si_overrun periods; a signal that finds the thread busy carries its
 * periods, with the interrupted pc, into the next sample (as a one-frame sample of their
 * own); and when the thread ends, the periods its CPU clock has run since the timer was armed
 * that no signal reported yet (the kernel drops them with the timer) are written as a last
 * sample with the stack of the thread's last one. The samples of a thread therefore add up to
 * the CPU time it used while traced, to within one period.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <x86intrin.h>

#define MAX_DEPTH 128     /* deepest stack a record carries */
#define MAX_NAME 1024     /* longest name a record carries, bytes */
#define NAME_CACHE 1024   /* names interned by pointer (open addressing) */
/* Words ahead of head whose line the leaf path prefetches (8 KiB, 128 records without
 * stacks: far enough that the line is in cache when the probe gets to it; a prefetch that
 * wraps past a ring smaller than that only touches a line of the ring). */
#define PREFETCH_AHEAD 1024u

int gort__trace_on;

/* The attached region and the clock parameters copied out of it (read-only after attach). */
static gort_rec_header *shm;
static uint64_t clk_tsc0, clk_mult, clk_mono0;
static uint64_t clk_frac;       /* ns per tick as a 0.64 fixed-point fraction (stamp_tsc), or 0 */
static uint32_t clk_shift, clk_kind, stack_depth, ring_words;
static bool probe_leaf;         /* TSC clock and no stacks: the probe's leaf path may run */
/* libunwind's unw_backtrace, loaded at attach when the trace wants stacks (load_unwinder). */
static int (*unw_backtrace)(void **pcs, int max);
static _Atomic bool drop_mode;
static _Atomic bool orphaned;   /* the recorder died: count every event lost, never wait (orphan()) */
static int life_fd = -1;        /* the recorder's life pipe (header life_fd), or -1 */
static uint32_t profile_hz;
static pthread_key_t exit_key;

/* This thread's producer state. The fast path reads only the first five fields (one cache
 * line with busy): whether it may write at head is one comparison with fast_stop, which the
 * slow path recomputes after every record it writes (set_fast_stop). */
typedef struct tstate {
    uint64_t head;        /* our copy of ring->head: only we write it */
    uint64_t fast_stop;   /* a record of the largest size fits at head, without wrapping and
                             in space the recorder has freed, while head < fast_stop; 0 when
                             anything needs the slow path (no ring, a lost run pending), and
                             always without probe_leaf */
    uint64_t *words;      /* the ring's record words */
    _Atomic uint64_t *headp; /* &ring->head: where a record is published */
    uint64_t last_ts;     /* clamp: timestamps never decrease on a thread */
    volatile sig_atomic_t busy; /* inside emit: the profiling handler must not write */
    bool pending;         /* our ring's lost_pending != 0 (we are its only writer) */
    uint64_t room_stop;   /* as fast_stop, for the stack paths (any clock) */
    uint64_t dur;         /* emit_stacked: the DUR word while unw_backtrace writes there */
    gort_rec_ring *ring;  /* NULL until the first event */
    uint64_t tail_seen;   /* last tail read from the recorder: free space is at least this */
    pid_t tid;
    bool timer_armed;     /* --profile-hz: this thread's CPU-time timer exists */
    timer_t timer;
    uint64_t cpu_armed;   /* the thread's CPU time (ns) when its timer was armed */
    uint64_t periods;     /* periods the timer's signals reported (written or carried) */
    uint64_t carried;     /* periods of signals that found the thread busy, not yet written */
    uint64_t carried_pc;  /* where the last of them interrupted it */
    unsigned last_n;      /* the last sample's stack, for the periods accounted at exit */
    uint64_t last_pcs[MAX_DEPTH];
} tstate;
static __thread tstate tls;

/* The name cache: string pointer -> id, so each name is sent once. */
static pthread_mutex_t name_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { const char *s; uint64_t id; } name_cache[NAME_CACHE];

/* ---- the clock ---------------------------------------------------------------------------- */

/* ns since the start of the trace on the shared clock (not clamped). The TSC is read with a
 * plain rdtsc, not rdtscp or lfence;rdtsc: the trace needs each thread's timestamps never to
 * go back (stamp() clamps them) and an event to be stamped between the operations before and
 * after its probe; it does not need the read to wait for earlier loads and stores to complete
 * (the out-of-order window is a few ns, below what the trace resolves between threads), and
 * the fence would cost the read again. clk_shift < 64 (trace_attach). */
static inline uint64_t trace_clock(void) {
    if (__builtin_expect(clk_kind == GORT_CLOCK_TSC, 1)) {
        uint64_t d = __rdtsc() - clk_tsc0;
        if (__builtin_expect((int64_t)d < 0, 0)) return 0;
        return (uint64_t)(((unsigned __int128)d * clk_mult) >> (clk_shift & 63));
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return now > clk_mono0 ? now - clk_mono0 : 0;
}

/* The trace clock in ns while tracing (so durations and timestamps agree), CLOCK_MONOTONIC
 * otherwise. */
uint64_t gort__now(void) {
    if (gort__trace_on) return trace_clock();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- rings -------------------------------------------------------------------------------- */

static void write_record(tstate *t, uint64_t w[GORT_W_COUNT], const uint64_t *payload,
                         unsigned extra, bool must);
static void write_sample(tstate *t, uint64_t periods, const uint64_t *pcs, unsigned n);

/* The calling thread's CPU time in ns. */
static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Deletes the thread's CPU-time timer and writes, as one last sample, the periods its clock
 * ran that no signal reported (pending or not yet noticed by the kernel: deleting the timer
 * drops them), with the stack of the thread's last sample. Runs with busy set. */
static void stop_timer(tstate *t) {
    timer_delete(t->timer);
    t->timer_armed = false;
    uint64_t period = 1000000000u / profile_hz;
    uint64_t due = (thread_cpu_ns() - t->cpu_armed) / period;
    if (t->carried) write_sample(t, t->carried, &t->carried_pc, 1);
    t->carried = 0;
    if (due > t->periods && t->last_n) write_sample(t, due - t->periods, t->last_pcs, t->last_n);
    t->periods = due;
}

/* Marks the thread's ring RETIRED at thread exit; the recorder drains and recycles it. */
static void retire_ring(void *arg) {
    tstate *t = arg;
    if (!t || !t->ring) return;
    if (t->timer_armed) {
        t->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        stop_timer(t);
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
    }
    gort_rec_ring *r = t->ring;
    t->ring = NULL;
    t->fast_stop = t->room_stop = 0;
    atomic_store_explicit(&r->state, GORT_RING_RETIRED, memory_order_release);
}

/* Maps the first GORT_REC_PREFAULT bytes of the ring into this process now, writable, so the probe's
 * first events take no page fault (a fresh page of the memory file costs about a microsecond,
 * 15 ns per event over the 64 events a page holds). The rest faults in on first use only: a
 * thread that emits little costs little memory. Recycled rings are already mapped. */
static void prefault(gort_rec_ring *r) {
    size_t bytes = (size_t)ring_words * 8;
    if (bytes > GORT_REC_PREFAULT) bytes = GORT_REC_PREFAULT;
    char *start = (char *)gort_rec_ring_words(r);
    /* madvise wants whole pages: from the page holding the control block's end. */
    char *page = (char *)((uintptr_t)start & ~(uintptr_t)4095);
    if (madvise(page, bytes + (size_t)(start - page), MADV_POPULATE_WRITE) == 0) return;
    /* Older kernels: touch each page. The ring holds no records yet, so writing is harmless. */
    for (size_t off = 0; off < bytes; off += 4096) ((volatile char *)start)[off] = 0;
}

/* --profile-hz: arms this thread's own CPU-time clock to send it SIGPROF every 1/hz s of
 * the CPU time it uses, so every running thread is sampled in proportion to its work (as Go
 * does since 1.18; a process-wide ITIMER_PROF lands on whichever thread the tick finds). */
static void arm_thread_timer(tstate *t) {
    if (!profile_hz || t->timer_armed) return;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGPROF;
    ev._sigev_un._tid = t->tid;
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t->timer) != 0) return;
    long ns = 1000000000L / (long)profile_hz;
    struct itimerspec its = { { ns / 1000000000L, ns % 1000000000L },
                              { ns / 1000000000L, ns % 1000000000L } };
    t->periods = t->carried = t->last_n = 0;
    t->cpu_armed = thread_cpu_ns();
    timer_settime(t->timer, 0, &its, NULL);
    t->timer_armed = true;
}

/* Recomputes where the in-place paths must stop: a record of the largest size
 * (GORT_W_COUNT + stack_depth words) fits at head while head < room_stop: it ends before the
 * ring's wrap point, within the space the recorder had freed when we last read its tail.
 * Zero (never) without a ring or with a lost run to report. fast_stop is the same for the
 * probe's leaf path, which exists only without stacks on the TSC clock (probe_leaf), else
 * zero. Called after anything that moves head or tail_seen or changes pending. */
static void set_fast_stop(tstate *t) {
    uint64_t most = GORT_W_COUNT + stack_depth;
    uint64_t wrap = (t->head | (ring_words - 1)) + 1;
    uint64_t room = t->tail_seen + ring_words;
    uint64_t end = wrap < room ? wrap : room;
    t->room_stop = t->ring && !t->pending && end >= t->head + most ? end - most + 1 : 0;
    t->fast_stop = probe_leaf ? t->room_stop : 0;
}

/* Claims a FREE ring for this thread. False when every ring is taken. */
static bool claim_ring(tstate *t) {
    if (!t->tid) t->tid = (pid_t)syscall(SYS_gettid);
    for (uint32_t i = 0; i < shm->nrings; i++) {
        gort_rec_ring *r = gort_rec_ring_at(shm, i);
        uint32_t want = GORT_RING_FREE;
        if (atomic_load_explicit(&r->state, memory_order_relaxed) != GORT_RING_FREE) continue;
        if (!atomic_compare_exchange_strong(&r->state, &want, GORT_RING_OWNED)) continue;
        r->tid = t->tid; /* published to the recorder by the first head store */
        uint32_t used = atomic_load(&shm->rings_used); /* the recorder scans rings below it */
        while (used < i + 1 && !atomic_compare_exchange_weak(&shm->rings_used, &used, i + 1)) {}
        prefault(r);
        t->words = gort_rec_ring_words(r);
        t->headp = &r->head;
        t->head = atomic_load_explicit(&r->head, memory_order_relaxed);
        t->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        t->pending = false;
        t->ring = r;
        set_fast_stop(t);
        pthread_setspecific(exit_key, t);
        arm_thread_timer(t);
        return true;
    }
    return false;
}

/* True when `need` words fit in the ring now. */
static inline bool has_room(tstate *t, uint64_t need) {
    if (t->head + need - t->tail_seen <= ring_words) return true;
    t->tail_seen = atomic_load_explicit(&t->ring->tail, memory_order_acquire);
    return t->head + need - t->tail_seen <= ring_words;
}

/* The recorder is gone (the program was re-parented): from now on no thread waits and no
 * record is written where no one reads; every event is counted lost in its ring's counters
 * (as with --drop), which `gort record --recover` reads from the region. Returns false. */
static bool orphan(void) {
    if (!orphaned) {
        orphaned = true;
        drop_mode = true;
        uint64_t zero = 0;
        atomic_compare_exchange_strong(&shm->orphaned_ns, &zero, trace_clock() | 1);
    }
    return false;
}

/* True when the recorder that started us has died: the life pipe's write end, which only the
 * recorder held, is closed (a recorder without one: we were re-parented). */
static bool recorder_gone(void) {
    if (orphaned) return true;
    struct stat st;
    /* A program may close the descriptor (and reuse its number): then the parent decides. */
    if (life_fd < 0 || fstat(life_fd, &st) != 0 || !S_ISFIFO(st.st_mode))
        return getppid() != shm->recorder_pid;
    struct pollfd p = { life_fd, POLLIN, 0 };
    return poll(&p, 1, 0) > 0 && !(p.revents & POLLNVAL);
}

/* Wakes the recorder's drain, which sleeps on the header's futex word between passes. */
static void wake_drain(void) {
    atomic_fetch_add_explicit(&shm->drain_wake, 1, memory_order_release);
    syscall(SYS_futex, &shm->drain_wake, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Waits until `need` words fit, waking the drain first. Stores the wait's start and end on the
 * trace clock in *from and *to (the caller records them as a recorder_stall). False if the
 * recorder is gone (then the program is orphaned: see orphan()). */
static bool wait_for_room(tstate *t, uint64_t need, uint64_t *from, uint64_t *to) {
    if (orphaned) return false;
    atomic_fetch_add_explicit(&t->ring->waits, 1, memory_order_relaxed);
    *from = trace_clock();
    wake_drain();
    for (unsigned spins = 0; !has_room(t, need); spins++) {
        if (spins < 64) {
            sched_yield();
            continue;
        }
        if (recorder_gone()) return orphan();
        if ((spins & 63) == 0) wake_drain();
        /* Sleep until the recorder moves the tail (it wakes the tail's low 32 bits as a futex
         * word when it frees a full ring), a millisecond at most. */
        uint32_t low = (uint32_t)t->tail_seen;
        struct timespec d = { 0, 1000000 };
        syscall(SYS_futex, (uint32_t *)&t->ring->tail, FUTEX_WAIT, low, &d, NULL, 0);
    }
    *to = trace_clock();
    return true;
}

/* Copies n words to the ring at head + off (not yet published). */
static inline void put_words(tstate *t, uint64_t off, const uint64_t *w, unsigned n) {
    uint64_t pos = t->head + off;
    for (unsigned i = 0; i < n; i++) t->words[(pos + i) & (ring_words - 1)] = w[i];
}

/* Counts one dropped event at time ts in the ring's pending run and total. */
static void count_lost(tstate *t, uint64_t ts) {
    gort_rec_ring *r = t->ring;
    uint64_t pending = atomic_load_explicit(&r->lost_pending, memory_order_relaxed);
    if (pending == 0) r->lost_first_ns = ts;
    r->lost_last_ns = ts;
    /* Count last: a run's times are valid whenever its count says it exists. */
    atomic_store_explicit(&r->lost_pending, pending + 1, memory_order_release);
    atomic_fetch_add_explicit(&r->lost_total, 1, memory_order_release);
    t->pending = true;
    t->fast_stop = t->room_stop = 0;
}

/* The `lost` record for the pending run, written ahead of the next event that fits. */
static void lost_record(gort_rec_ring *r, uint64_t out[GORT_W_COUNT]) {
    memset(out, 0, GORT_W_COUNT * sizeof out[0]);
    out[GORT_W_TS] = r->lost_first_ns;
    out[GORT_W_INFO] = GORT_INFO(GORT_EV_lost, 0, 0);
    out[GORT_W_ARG0] = atomic_load_explicit(&r->lost_pending, memory_order_relaxed);
    out[GORT_W_DUR] = r->lost_last_ns - r->lost_first_ns;
}

/* Writes one record (header words + payload) to this thread's ring and publishes it.
 * `must`: wait for room even with --drop (names, which later records refer to).
 * Promises: the record is either committed whole or counted lost (drop mode). */
static void write_record(tstate *t, uint64_t w[GORT_W_COUNT], const uint64_t *payload,
                         unsigned extra, bool must) {
    if (!t->ring && !claim_ring(t)) {
        /* Every ring is owned: more threads emit at once than the region has rings. Wait a
         * while for one to be recycled, but not forever — the owners may be waiting for this
         * thread — then count the event lost (the recorder reports it). */
        for (int tries = 0; !(drop_mode && !must) && tries < 100; tries++) {
            struct timespec d = { 0, 100000 };
            nanosleep(&d, NULL);
            if (claim_ring(t)) break;
            if (recorder_gone()) break;
        }
        if (!t->ring) {
            atomic_fetch_add_explicit(&shm->unringed_lost, 1, memory_order_relaxed);
            return;
        }
    }
    gort_rec_ring *r = t->ring;
    uint64_t need = GORT_W_COUNT + extra;
    bool pending = atomic_load_explicit(&r->lost_pending, memory_order_relaxed) != 0;
    if (__builtin_expect(pending, 0)) need += GORT_W_COUNT;
    uint64_t from = 0, to = 0; /* a wait: recorded as a recorder_stall after the record */
    if (__builtin_expect(!has_room(t, need), 0)) {
        if (drop_mode && !must) {
            count_lost(t, w[GORT_W_TS]);
            return;
        }
        if (!wait_for_room(t, need + GORT_W_COUNT, &from, &to)) {
            count_lost(t, w[GORT_W_TS]);
            return;
        }
    }
    uint64_t off = 0;
    if (pending) {
        uint64_t lw[GORT_W_COUNT];
        lost_record(r, lw);
        put_words(t, 0, lw, GORT_W_COUNT);
        off = GORT_W_COUNT;
        atomic_store_explicit(&r->lost_pending, 0, memory_order_relaxed);
        t->pending = false;
    }
    put_words(t, off, w, GORT_W_COUNT);
    if (extra) put_words(t, off + GORT_W_COUNT, payload, extra);
    if (to) { /* the wait, after the record that waited: timestamps never go back */
        uint64_t sw[GORT_W_COUNT] = { from, GORT_INFO(GORT_EV_recorder_stall, 0, 0), 0, 0, 0,
                                      0, 0, to - from };
        put_words(t, need, sw, GORT_W_COUNT);
        need += GORT_W_COUNT;
    }
    t->head += need;
    atomic_store_explicit(&r->head, t->head, memory_order_release);
    set_fast_stop(t);
}

/* Stamps a timestamp that never goes back on this thread. */
static inline uint64_t stamp(tstate *t) {
    uint64_t ts = trace_clock();
    if (ts < t->last_ts) ts = t->last_ts;
    t->last_ts = ts;
    return ts;
}

/* stamp() on the TSC clock, which the leaf path knows is the trace's (probe_leaf): the same
 * ns, (d * mult) >> shift, as the high word of d * clk_frac (one multiplication). */
static inline uint64_t stamp_tsc(tstate *t) {
    uint64_t d = __rdtsc() - clk_tsc0;
    uint64_t ts = (int64_t)d < 0 ? 0 : (uint64_t)(((unsigned __int128)d * clk_frac) >> 64);
    if (ts < t->last_ts) ts = t->last_ts;
    t->last_ts = ts;
    return ts;
}

/* Everything but the leaf path, out of line so that the probe stays a leaf: a stack, the
 * CLOCK_MONOTONIC clock, or a record that does not fit at head (first event of a thread, full
 * ring, lost run, wrap point). With room known (room_stop) the stack is captured straight
 * into the record: no copy; unw_backtrace's first two frames (this function and the probe's)
 * land in the ARG1 and DUR words, written after it. Otherwise it goes through a buffer to
 * write_record. The probe sets `busy` before and clears it after (so this is never a tail
 * call and the two frames to skip are fixed). */
static __attribute__((noinline)) void emit_general(unsigned kind, uint64_t defer_id,
                                                   uint64_t map_id, uint64_t a0, uint64_t a1,
                                                   uint64_t dur) {
    if (!gort__trace_on) return; /* a probe called directly in an untraced process */
    tstate *t = &tls;
    uint64_t ts = stamp(t);
    gort_g *g = gort__curg;
    uint64_t goid = g ? g->goid : 0;
    if (t->head < t->room_stop) {
        uint64_t *d = t->words + (t->head & (ring_words - 1));
        unsigned n = 0;
        if (stack_depth) {
            int got = unw_backtrace((void **)(d + GORT_W_ARG1), (int)stack_depth + 2);
            n = got > 2 ? (unsigned)got - 2 : 0;
        }
        d[GORT_W_TS] = ts;
        d[GORT_W_INFO] = GORT_INFO(kind, n, n ? GORT_F_STACK : 0);
        d[GORT_W_GOID] = goid;
        d[GORT_W_DEFER] = defer_id;
        d[GORT_W_MAP] = map_id;
        d[GORT_W_ARG0] = a0;
        d[GORT_W_ARG1] = a1;
        d[GORT_W_DUR] = dur;
        t->head += GORT_W_COUNT + n;
        atomic_store_explicit(t->headp, t->head, memory_order_release);
        return;
    }
    unsigned n = 0;
    void *pcs[MAX_DEPTH + 2];
    if (stack_depth) {
        int got = unw_backtrace(pcs, (int)stack_depth + 2);
        n = got > 2 ? (unsigned)got - 2 : 0;
    }
    uint64_t w[GORT_W_COUNT] = { ts, GORT_INFO(kind, n, n ? GORT_F_STACK : 0), goid, defer_id,
                                 map_id, a0, a1, dur };
    write_record(t, w, (const uint64_t *)(pcs + 2), n, false);
}

/* The probe's leaf path: writes the record at head (which is below fast_stop), the
 * timestamp last (so that few values are live across the clock read: the probe then needs
 * no callee-saved register), and publishes it. */
static inline __attribute__((always_inline)) void emit_leaf(tstate *t, uint64_t head,
                                                            unsigned kind, gort_g *g,
                                                            uint64_t defer_id, uint64_t map_id,
                                                            uint64_t a0, uint64_t a1,
                                                            uint64_t dur) {
    uint64_t *d = t->words + (head & (ring_words - 1));
    /* The line PREFETCH_AHEAD words on: it was last read by the recorder (or never), and a
     * store that has to fetch its line costs about as much as the clock read. Not wrapped:
     * near the ring's end it names a line past it, or an unmapped one, which a prefetch only
     * ignores (it never faults). */
    __builtin_prefetch(d + PREFETCH_AHEAD, 1, 3);
    d[GORT_W_INFO] = GORT_INFO(kind, 0, 0);
    d[GORT_W_MAP] = map_id;
    d[GORT_W_ARG0] = a0;
    d[GORT_W_ARG1] = a1;
    d[GORT_W_DUR] = dur;
    d[GORT_W_GOID] = g ? g->goid : 0;
    d[GORT_W_DEFER] = defer_id;
    d[GORT_W_TS] = stamp_tsc(t);
    t->head = head + GORT_W_COUNT;
    atomic_store_explicit(t->headp, head + GORT_W_COUNT, memory_order_release);
}

/* The probe's stack path when the record fits at head (head < room_stop) on the TSC clock:
 * the header words first, then unw_backtrace straight into the record (no copy, no frame of
 * ours but the probe's: its first frame, the probe function, lands in the DUR word), then
 * the DUR word (kept in tstate meanwhile) and the stack's size, then publish. Nothing of the
 * probe's stays in a register across the call, so the leaf path beside it saves none. */
static inline __attribute__((always_inline)) void emit_stacked(tstate *t, uint64_t head,
                                                               unsigned kind, gort_g *g,
                                                               uint64_t defer_id,
                                                               uint64_t map_id, uint64_t a0,
                                                               uint64_t a1, uint64_t dur) {
    uint64_t *d = t->words + (head & (ring_words - 1));
    d[GORT_W_INFO] = GORT_INFO(kind, 0, 0);
    d[GORT_W_MAP] = map_id;
    d[GORT_W_ARG0] = a0;
    d[GORT_W_ARG1] = a1;
    d[GORT_W_GOID] = g ? g->goid : 0;
    d[GORT_W_DEFER] = defer_id;
    d[GORT_W_TS] = stamp_tsc(t);
    t->dur = dur;
    int got = unw_backtrace((void **)(d + GORT_W_DUR), (int)stack_depth + 1);
    unsigned n = got > 1 ? (unsigned)got - 1 : 0;
    head = t->head; /* reloaded rather than kept in a register across the call */
    d = t->words + (head & (ring_words - 1));
    d[GORT_W_DUR] = t->dur;
    d[GORT_W_INFO] |= GORT_INFO(0, n, n ? GORT_F_STACK : 0);
    t->head = head + GORT_W_COUNT + n;
    atomic_store_explicit(t->headp, t->head, memory_order_release);
}

/* The probes. The leaf path (TSC clock, no stacks, room known, no lost run, no wrap: one
 * comparison with fast_stop) makes no call: stamp, eight stores, publish. Stacks on the TSC
 * clock with room known: emit_stacked, in the probe's own frame. Everything else is
 * emit_general's, called (not tail-called: the probe clears `busy` after it) so that the
 * frames a stack skips are fixed. */
#define EMIT_BODY(kind, g, defer_id, map_id, a0, a1, dur)                                    \
    do {                                                                                      \
        tstate *t = &tls;                                                                     \
        if (__builtin_expect(t->busy, 0)) return;                                             \
        t->busy = 1;                                                                          \
        atomic_signal_fence(memory_order_seq_cst);                                            \
        uint64_t head = t->head;                                                              \
        if (__builtin_expect(head < t->fast_stop, 1))                                         \
            emit_leaf(t, head, kind, g, defer_id, map_id, a0, a1, dur);                       \
        else if (head < t->room_stop && stack_depth && clk_frac)                              \
            emit_stacked(t, head, kind, g, defer_id, map_id, a0, a1, dur);                    \
        else                                                                                  \
            emit_general(kind, defer_id, map_id, a0, a1, dur);                                \
        atomic_signal_fence(memory_order_seq_cst);                                            \
        t->busy = 0;                                                                          \
    } while (0)

/* A probe: records kind with the current goroutine and deferred call of this thread. Its
 * callers test gort__trace_on first (GORT_PROBE does); called while it is off, it records
 * nothing: fast_stop and room_stop are 0 in a process that never attached (or in a forked
 * child), so it goes to emit_general, which returns. */
__attribute__((noinline)) void gort__emit(unsigned kind, uint64_t map_id, uint64_t arg0,
                                          uint64_t arg1, uint64_t dur_ns) {
    gort_g *g = gort__curg;
    EMIT_BODY(kind, g, g ? g->running_defer : 0, map_id, arg0, arg1, dur_ns);
}

/* Like gort__emit with an explicit defer id (deferproc: the new record's id). */
__attribute__((noinline)) void gort__emit_defer(unsigned kind, uint64_t defer_id,
                                                uint64_t map_id, uint64_t arg0, uint64_t arg1,
                                                uint64_t dur_ns) {
    gort_g *g = gort__curg;
    EMIT_BODY(kind, g, defer_id, map_id, arg0, arg1, dur_ns);
}

/* Sends name s once (cached by pointer) and returns its id; 0 when not tracing.
 * s must stay unchanged for the life of the process (a literal or static name). */
uint64_t gort__trace_name(const char *s) {
    if (!gort__trace_on || !s) return 0;
    size_t slot = ((uintptr_t)s >> 3) * 0x9E3779B97F4A7C15ull >> 54; /* 10 bits: NAME_CACHE */
    pthread_mutex_lock(&name_lock);
    for (size_t i = 0; i < NAME_CACHE; i++) {
        size_t k = (slot + i) & (NAME_CACHE - 1);
        if (name_cache[k].s == s) {
            uint64_t id = name_cache[k].id;
            pthread_mutex_unlock(&name_lock);
            return id;
        }
        if (!name_cache[k].s) {
            slot = k;
            break;
        }
    }
    uint64_t id = atomic_fetch_add(&shm->next_name_id, 1) + 1;
    if (!name_cache[slot].s) {
        name_cache[slot].s = s;
        name_cache[slot].id = id;
    }
    pthread_mutex_unlock(&name_lock);

    size_t len = strnlen(s, MAX_NAME);
    uint64_t payload[MAX_NAME / 8 + 1] = { 0 };
    memcpy(payload, s, len);
    tstate *t = &tls;
    if (t->busy) return id;
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    uint64_t w[GORT_W_COUNT] = { 0 };
    unsigned extra = (unsigned)((len + 7) / 8);
    w[GORT_W_TS] = stamp(t);
    w[GORT_W_INFO] = GORT_INFO(GORT_EV_name, extra, 0);
    w[GORT_W_ARG0] = id;
    w[GORT_W_ARG1] = len;
    write_record(t, w, payload, extra, true);
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
    return id;
}

/* ---- profiling ------------------------------------------------------------------------------ */

/* Writes a cpu_sample standing for PERIODS timer periods with stack PCS[0..N) (word 0 the
 * interrupted pc). The caller holds busy. */
static void write_sample(tstate *t, uint64_t periods, const uint64_t *pcs, unsigned n) {
    gort_g *g = gort__curg;
    uint64_t w[GORT_W_COUNT] = { 0 };
    w[GORT_W_TS] = stamp(t);
    w[GORT_W_INFO] = GORT_INFO(GORT_EV_cpu_sample, n, GORT_F_STACK | GORT_F_SIGNAL);
    w[GORT_W_GOID] = g ? g->goid : 0;
    w[GORT_W_DEFER] = g ? g->running_defer : 0;
    w[GORT_W_ARG0] = periods;
    w[GORT_W_DUR] = periods * (1000000000u / profile_hz);
    write_record(t, w, pcs, n, false);
}

/* SIGPROF: a cpu_sample of the interrupted code. A thread inside emit carries the periods
 * (and where it was) to its next sample instead of writing. */
static void on_sigprof(int sig, siginfo_t *si, void *ucv) {
    (void)sig;
    int saved_errno = errno;
    tstate *t = &tls;
    ucontext_t *uc = ucv;
    void *pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
    /* The kernel checks CPU-time timers at its tick (often 250 Hz), later still under load,
     * and folds the expirations in between into one signal: this one stands for 1 +
     * si_overrun periods of CPU. */
    uint64_t periods = 1 + (uint64_t)(si && si->si_code == SI_TIMER && si->si_overrun > 0 ? si->si_overrun : 0);
    if (!gort__trace_on || !t->ring || !t->timer_armed) goto out;
    t->periods += periods;
    if (t->busy) {
        t->carried += periods;
        t->carried_pc = (uint64_t)(uintptr_t)pc;
        goto out;
    }
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    void *pcs[MAX_DEPTH + 8];
    unsigned depth = stack_depth ? stack_depth : 1;
    int got = unw_backtrace ? unw_backtrace(pcs, (int)depth + 8) : 0;
    int from = 0;
    while (from < got && pcs[from] != pc) from++;
    unsigned n;
    void **frames;
    if (from < got) { /* the frames from the interrupted pc outwards */
        frames = pcs + from;
        n = (unsigned)(got - from);
    } else {          /* unwinding through the signal frame failed: the pc alone */
        frames = &pc;
        n = 1;
    }
    if (n > depth) n = depth;
    if (t->carried) write_sample(t, t->carried, &t->carried_pc, 1);
    t->carried = 0;
    write_sample(t, periods, (const uint64_t *)frames, n);
    memcpy(t->last_pcs, frames, n * sizeof t->last_pcs[0]);
    t->last_n = n;
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
out:
    errno = saved_errno;
}

/* At exit(): the calling thread's periods not yet reported (other threads' were written when
 * they ended; key destructors do not run for the thread that calls exit). */
static void account_exiting_thread(void) {
    tstate *t = &tls;
    if (!gort__trace_on || !t->ring || !t->timer_armed || t->busy) return;
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    stop_timer(t);
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

/* Installs the SIGPROF handler. Each thread's timer is armed when it claims its ring: the
 * main thread's at attach, every other thread's at its first event. */
static void start_profiling(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPROF, &sa, NULL);
}

/* ---- attaching -------------------------------------------------------------------------------- */

/* dl_iterate_phdr callback: one module entry per loaded ELF file with executable code. */
static int add_module(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    (void)arg;
    uint32_t i = atomic_load(&shm->nmodules);
    if (i >= GORT_REC_MAX_MODULES) return 1;
    gort_rec_module *m = &shm->modules[i];
    const char *name = info->dlpi_name;
    char exe[PATH_MAX];
    if (!name || !*name) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) return 0;
        exe[n] = 0;
        name = exe;
    }
    if (name[0] != '/' || strlen(name) >= GORT_REC_PATH_MAX) return 0; /* vdso, odd paths */
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int k = 0; k < info->dlpi_phnum; k++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uint64_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo) lo = a;
        if (a + ph->p_memsz > hi) hi = a + ph->p_memsz;
    }
    if (hi == 0) return 0;
    m->base = info->dlpi_addr;
    m->lo = lo;
    m->hi = hi;
    strcpy(m->path, name);
    atomic_store(&shm->nmodules, i + 1);
    return 0;
}

/* A forked child shares the rings' pages but is not the traced process: it runs untraced. */
static void untrace_child(void) {
    gort__trace_on = 0;
    tls.ring = NULL;
    tls.fast_stop = tls.room_stop = 0;
}

/* Loads libunwind (its SONAME: libunwind.so.8, the nongnu libunwind) for a trace that wants
 * stacks or samples. libgort does not link it: with --as-needed, a program that does not call
 * libunwind itself then neither loads nor relocates it, nor liblzma, which it brings, when it
 * runs untraced or --no-stacks. True when unw_backtrace is there; otherwise the trace goes on
 * without stacks, and says so. */
static bool load_unwinder(void) {
    void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    void *fn = lib ? dlsym(lib, "unw_backtrace") : NULL;
    if (!fn) {
        fprintf(stderr, "gort: cannot load libunwind.so.8 (%s); recording without stacks\n",
                dlerror());
        return false;
    }
    unw_backtrace = (int (*)(void **, int))fn;
    return true;
}

/* Maps the recorder's region named by GORT_TRACE_FD, if any, and turns the probes on. */
__attribute__((constructor(101))) static void trace_attach(void) {
    const char *env = getenv(GORT_REC_ENV);
    if (!env) return;
    int fd = atoi(env);
    unsetenv(GORT_REC_ENV);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(gort_rec_header)) return;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int map_errno = errno;
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "gort: cannot map the recorder's buffers (%zu bytes): %s; running untraced\n",
                (size_t)st.st_size, strerror(map_errno));
        return;
    }
    gort_rec_header *h = p;
    if (h->magic != GORT_REC_MAGIC || h->version != GORT_REC_VERSION ||
        h->ring_offset + (uint64_t)h->nrings * h->ring_stride > (uint64_t)st.st_size) {
        fprintf(stderr, "gort: %s does not name a gort record region; running untraced\n",
                GORT_REC_ENV);
        munmap(p, (size_t)st.st_size);
        return;
    }
    shm = h;
    clk_kind = h->clock;
    clk_tsc0 = h->tsc0;
    clk_mult = h->tsc_mult;
    clk_shift = h->tsc_shift;
    if (clk_shift > 63) { /* the same rate with a shift trace_clock takes in one instruction */
        clk_mult >>= clk_shift - 63;
        clk_shift = 63;
    }
    /* mult / 2^shift as a fraction of 2^64, exact when a tick is under a ns (a TSC over 1 GHz);
     * else 0, and the probe takes the general path. */
    if (clk_kind == GORT_CLOCK_TSC && clk_shift > 0 && clk_mult >> clk_shift == 0)
        clk_frac = clk_mult << (64 - clk_shift);
    clk_mono0 = h->mono0;
    atomic_store(&h->attach_ns, trace_clock()); /* how long exec and the loader took */
    stack_depth = h->stack_depth > MAX_DEPTH ? MAX_DEPTH : h->stack_depth;
    if ((stack_depth || h->profile_hz) && !load_unwinder()) stack_depth = 0;
    probe_leaf = clk_kind == GORT_CLOCK_TSC && clk_frac && stack_depth == 0;
    ring_words = (uint32_t)h->ring_words;
    drop_mode = (h->flags & GORT_H_DROP) != 0;
    /* The life pipe stays ours: not inherited by programs this one execs. */
    if (h->life_fd > 0 && fcntl(h->life_fd, F_SETFD, FD_CLOEXEC) == 0) life_fd = h->life_fd;
    pthread_key_create(&exit_key, retire_ring);
    pthread_atfork(NULL, NULL, untrace_child);
    dl_iterate_phdr(add_module, NULL);
    atomic_store(&h->producer_pid, (int32_t)getpid());
    /* libunwind reads a module's unwind tables on the first backtrace that crosses it (about
     * half a millisecond here): pay that now, so it never shows as a hole after the first
     * event of the trace. */
    if (stack_depth) {
        void *warm[MAX_DEPTH];
        unw_backtrace(warm, MAX_DEPTH);
    }
    gort__trace_on = 1;
    profile_hz = h->profile_hz;
    if (profile_hz) {
        start_profiling();
        atexit(account_exiting_thread);
    }
    claim_ring(&tls); /* the main thread's ring (and timer), prefaulted before its first event */
}
