/*
 * gort_record.h — the binary event record: the one contract between a traced program (the
 * producer: libgort, or Go's own runtime with gort's hook from gohook/) and `gort record` (the
 * consumer). The Go hook cannot include a C header: `gort go build` generates its constants and
 * field offsets from this file (gobuild/format_go.c), so the format is still defined once.
 * Documented in docs/record-format.md; nothing here depends on libgort's internals.
 *
 * Event kinds are stable numbers: never renumber, only append. The recorder stores the kind's
 * number in the trace (event_rows.kind_id) and its events view names it (gort_kind_name's
 * names, listed again in tracer/schema.sql), so SQL reads `kind = 'mapassign'`.
 */
#ifndef GORT_RECORD_H
#define GORT_RECORD_H

#include <stdatomic.h>
#include <stdint.h>

#define GORT_KINDS(X)                                                                      \
    /* maps: named after Go's runtime functions */                                        \
    X(1, makemap)        /* map_id; arg0 = hint, arg1 = initial B */                        \
    X(2, mapaccess)      /* map_id; arg0 = found (0/1) */                                   \
    X(3, mapassign)      /* map_id; arg0 = inserted a new key (0/1), arg1 = count after */  \
    X(4, mapdelete)      /* map_id; arg0 = found (0/1), arg1 = count after */               \
    X(5, hashgrow)       /* map_id; arg0 = new B, arg1 = 1 if same-size growth */           \
    X(6, evacuate)       /* map_id; arg0 = old bucket index, arg1 = entries moved */        \
    X(7, growdone)       /* map_id; arg0 = B; oldbuckets released */                       \
    X(8, mapclear)       /* map_id; arg0 = count before */                                  \
    X(9, mapiterinit)    /* map_id; arg0 = start bucket, arg1 = offset */                   \
    X(10, mapfree)       /* map_id; arg0 = cause: 1 gc, 2 frame; arg1 = count at death */   \
    X(11, map_use_after_free) /* map_id; arg0 = the operation's kind number */             \
    X(12, maptype)       /* map_id; arg0 = key kind (gort_keykind: 1 int64, 2 uint64,       \
                            3 string, 4 generic, 5 int32, 6 uint32, 7 pointer, 8 float64,  \
                            9 float32), arg1 = name id of the type's name */                \
    X(13, mapstack)      /* map_id; its hmap lives in goroutine goid's stack (a non-escaping \
                            map); arg0 = 1 if the compiler built it inline (first seen at   \
                            this operation), 0 if makemap did (Go hook) */                  \
    X(14, stackmove)     /* goroutine goid's stack moved: arg0 = old top, arg1 = new top;   \
                            its stack maps moved by arg1 - arg0 (Go hook) */                 \
    X(15, frame_exit)    /* a frame of goroutine goid that ran deferreturn returns: arg0 =  \
                            the frame's top; its stack maps below that died (Go hook) */     \
    /* defer, panic, goroutines */                                                         \
    X(20, deferproc)     /* defer_id = the new record; arg0 = frame depth; arg1 = fn name id*/\
    X(21, deferreturn)   /* defer_id; the deferred call starts; arg0 = how: 1 return,        \
                            2 panic, 3 goexit */                                           \
    X(22, deferreturn_end) /* defer_id; the deferred call ended; dur_ns = its duration */  \
    X(23, panic)         /* arg0 = panic sequence number per goroutine */                   \
    X(24, recover)       /* arg0 = 1 if a panic was recovered */                            \
    X(25, goexit)                                                                          \
    X(26, gocreate)      /* arg0 = new goroutine id */                                      \
    X(27, gostart)                                                                         \
    X(28, goend)                                                                           \
    X(29, fatal)         /* the process is about to die: arg0 = 1 fatal error,              \
                            2 unrecovered panic */                                         \
    /* the garbage collector, named after Go's runtime/trace events */                     \
    X(40, gc_start)      /* arg0 = cycle number, arg1 = trigger: 1 heap, 2 forced */        \
    X(41, stw_start)     /* arg0 = reason: 1 sweep termination, 0 mark termination */       \
    X(42, stw_end)       /* arg0 = reason; dur_ns = pause */                                \
    X(43, gc_mark_start)                                                                   \
    X(44, gc_mark_termination)                                                             \
    X(45, gc_sweep_start)                                                                  \
    X(46, gc_sweep_done) /* arg0 = objects freed, arg1 = bytes freed */                     \
    X(47, gc_end)        /* arg0 = heap live before, arg1 = heap live after (bytes);        \
                            map_id = maps freed (objects: gc_sweep_done arg0) */    \
    X(48, gc_assist)     /* a mark assist of the goroutine, emitted at its end: arg0 =      \
                            cycle number, arg1 = scan work it did (bytes), dur_ns = its     \
                            duration (scanning, stealing credit and waiting) */             \
    /* the recorder's own effect on the program */                                        \
    X(56, recorder_stall) /* a thread waited for ring space from ts to ts + dur_ns (written \
                            after the event that waited); not an event: a `stalls` row */  \
    /* sampling and bookkeeping */                                                         \
    X(60, cpu_sample)    /* a profiling sample of the running thread's stack; arg0 = timer  \
                            periods it stands for, dur_ns = the CPU time they make */       \
    X(61, lost)          /* written by the recorder: arg0 = events lost, ts..ts+dur_ns */   \
    X(62, name)          /* string table entry: arg0 = id, arg1 = length in bytes; the     \
                            bytes follow in the record's payload words (see docs) */

/* mapfree's arg0. */
enum gort_mapfree_why { GORT_FREE_CAUSE_GC = 1, GORT_FREE_CAUSE_FRAME = 2 };

enum gort_kind {
#define GORT_KIND_ENUM(num, name) GORT_EV_##name = num,
    GORT_KINDS(GORT_KIND_ENUM)
#undef GORT_KIND_ENUM
    GORT_EV_MAX = 64
};

/* The name of a kind ("mapassign"), or NULL for an unknown number. */
static inline const char *gort_kind_name(unsigned kind) {
    switch (kind) {
#define GORT_KIND_CASE(num, name) case num: return #name;
        GORT_KINDS(GORT_KIND_CASE)
#undef GORT_KIND_CASE
    default: return 0;
    }
}

/* ------------------------------------------------------------------------------------------
 * The shared region (docs/record-format.md tells the whole protocol and why it is crash-safe).
 *
 * `gort record` creates a memory file (memfd), lays out one header and `nrings` rings in it,
 * and starts the program with the file's descriptor in the environment variable
 * GORT_TRACE_FD. The program maps the file, checks magic and version, and from then on each
 * thread that emits owns one ring: it is the only writer of that ring's records and of `head`;
 * the recorder is the only writer of `tail`. All words are 64-bit little-endian (x86-64).
 * ------------------------------------------------------------------------------------------ */

#define GORT_REC_ENV "GORT_TRACE_FD"
#define GORT_REC_MAGIC 0x31434552544f47ULL /* "GOTREC1" */
#define GORT_REC_VERSION 1
#define GORT_REC_MAX_MODULES 128
#define GORT_REC_PATH_MAX 240

/* One record: GORT_W_COUNT header words, then `extra` payload words: the stack's return
 * addresses (innermost first) or a name's bytes. A record never exceeds the ring. */
enum gort_rec_word {
    GORT_W_TS,     /* ns since the start of the trace (the trace clock, see header) */
    GORT_W_INFO,   /* GORT_INFO(kind, extra, flags) */
    GORT_W_GOID,   /* goroutine id, 0 outside a goroutine */
    GORT_W_DEFER,  /* defer id (the record itself or the deferred call running), 0 none */
    GORT_W_MAP,    /* map id, 0 none or the nil map (map kinds) */
    GORT_W_ARG0,
    GORT_W_ARG1,
    GORT_W_DUR,    /* ns, 0 when not measured */
    GORT_W_COUNT
};
#define GORT_INFO(kind, extra, flags) \
    ((uint64_t)(kind) | ((uint64_t)(extra) << 16) | ((uint64_t)(flags) << 32))
#define GORT_INFO_KIND(w) ((unsigned)((w) & 0xffff))
#define GORT_INFO_EXTRA(w) ((unsigned)(((w) >> 16) & 0xffff))
#define GORT_INFO_FLAGS(w) ((unsigned)((w) >> 32))
enum gort_rec_flag {
    GORT_F_STACK = 1,  /* payload words are return addresses */
    GORT_F_SIGNAL = 2, /* captured in a signal handler: payload word 0 is the interrupted pc */
    GORT_F_ADDR = 4    /* the map word is the map's address, which the program reuses once the
                          map is dead: the recorder numbers the maps (the Go hook's records) */
};

/* Ring states: the producer claims FREE -> OWNED; a thread's exit makes it RETIRED; the
 * recorder, once a RETIRED ring is drained, resets it to FREE for another thread. */
enum gort_ring_state { GORT_RING_FREE = 0, GORT_RING_OWNED = 1, GORT_RING_RETIRED = 2 };

/* A ring's control block; `words` records follow it (ring_words 64-bit words, a power of 2).
 * head and tail count words since the ring was claimed: head - tail words are committed and
 * not yet drained. */
typedef struct gort_rec_ring {
    _Alignas(64) _Atomic uint64_t head;  /* producer: release-store after writing a record */
    _Alignas(64) _Atomic uint64_t tail;  /* recorder: release-store after reading */
    _Alignas(64) _Atomic uint32_t state; /* enum gort_ring_state */
    int32_t tid;                         /* owning thread, set before state becomes OWNED */
    /* --drop accounting, written by the producer only. lost_total counts every event this
     * ring's threads dropped; the pending run (not yet written as a `lost` record) is
     * lost_pending events between lost_first_ns and lost_last_ns. */
    _Atomic uint64_t lost_total;
    _Atomic uint64_t lost_pending;
    uint64_t lost_first_ns;
    uint64_t lost_last_ns;
    _Atomic uint64_t waits;              /* times the producer waited on a full ring */
    uint64_t reserved[3];
} gort_rec_ring;

/* A loaded module of the traced process, written by the producer when it attaches, so that
 * the recorder can symbolize return addresses after the process is gone. */
typedef struct gort_rec_module {
    uint64_t base;                 /* load bias: address = base + ELF virtual address */
    uint64_t lo, hi;               /* [lo, hi) covers the module's executable segments */
    char path[GORT_REC_PATH_MAX];  /* absolute path of the ELF file */
} gort_rec_module;

enum gort_rec_clock { GORT_CLOCK_TSC = 1, GORT_CLOCK_MONOTONIC = 2 };
enum gort_rec_hflag { GORT_H_DROP = 1 };
#define GORT_REC_PRODUCER_MAX 24

typedef struct gort_rec_header {
    /* written by the recorder before the program starts, read-only afterwards */
    uint64_t magic;
    uint32_t version;
    uint32_t nrings;
    uint64_t ring_words;      /* words of record space per ring, a power of two */
    uint64_t ring_offset;     /* byte offset of ring 0's control block */
    uint64_t ring_stride;     /* bytes from one ring's control block to the next */
    uint32_t flags;           /* enum gort_rec_hflag */
    uint32_t stack_depth;     /* frames to capture per event, 0 = no stacks */
    uint32_t profile_hz;      /* cpu_sample rate per second of CPU time, 0 = off */
    uint32_t clock;           /* enum gort_rec_clock */
    uint64_t tsc0;            /* GORT_CLOCK_TSC: ns = ((tsc - tsc0) * tsc_mult) >> tsc_shift */
    uint64_t tsc_mult;
    uint32_t tsc_shift;
    int32_t recorder_pid;
    uint64_t mono0;           /* CLOCK_MONOTONIC ns at trace start (GORT_CLOCK_MONOTONIC) */
    /* written by the producer */
    _Atomic int32_t producer_pid;  /* set when the program attached */
    _Atomic uint32_t nmodules;
    _Atomic uint64_t next_name_id; /* string table ids: fetch-add */
    _Atomic uint64_t unringed_lost; /* --drop: events of threads that found no free ring */
    _Atomic uint32_t rings_used;    /* 1 + the highest ring index ever claimed */
    uint32_t pad;
    char producer[GORT_REC_PRODUCER_MAX]; /* producer: its name, NUL-padded ("go1.19.8"), set
                                             before its first event; empty: libgort (formerly
                                             reserved[0..2]) */
    uint64_t reserved[1];
    /* the recorder and the producer (formerly reserved[4..6]; zero in older regions) */
    _Atomic uint32_t drain_wake;    /* futex word: a producer that must wait adds 1 and wakes
                                       the recorder's drain (FUTEX_WAKE, not private) */
    int32_t life_fd;                /* the read end of a pipe whose write end only the recorder
                                       holds: readable (EOF) once the recorder is dead; -1 none */
    _Atomic uint64_t attach_ns;     /* producer: trace time when it attached (its constructor) */
    _Atomic uint64_t orphaned_ns;   /* producer: trace time it found the recorder gone (then it
                                       stops writing records and counts every event lost) */
    gort_rec_module modules[GORT_REC_MAX_MODULES];
} gort_rec_header;

/* The header's size and layout never change within a version (new fields take reserved
 * words). */
_Static_assert(sizeof(gort_rec_header) == 176 + GORT_REC_MAX_MODULES * sizeof(gort_rec_module),
               "gort_rec_header changed size");

/* The control block of ring i. */
static inline gort_rec_ring *gort_rec_ring_at(gort_rec_header *h, uint32_t i) {
    return (gort_rec_ring *)((char *)h + h->ring_offset + (uint64_t)i * h->ring_stride);
}
/* The record words of a ring (they follow its control block). */
static inline uint64_t *gort_rec_ring_words(gort_rec_ring *r) {
    return (uint64_t *)(r + 1);
}

#endif /* GORT_RECORD_H */
