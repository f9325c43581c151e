/*
 * gort_record.h — the binary event record: the one contract between a traced program (the
 * producer: libgort today, an instrumented Go runtime tomorrow) and `gort record` (the consumer).
 * Documented in docs/record-format.md; nothing here depends on libgort's internals.
 *
 * Event kinds are stable numbers: never renumber, only append. The recorder stores the kind's
 * name (gort_kind_name) in the trace, so SQL reads `kind = 'mapassign'`.
 */
#ifndef GORT_RECORD_H
#define GORT_RECORD_H

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
                            map_id = maps freed, defer_id = objects freed (see docs) */    \
    /* sampling and bookkeeping */                                                         \
    X(60, cpu_sample)    /* a profiling sample of the running thread's stack */             \
    X(61, lost)          /* written by the recorder: arg0 = events lost, ts..ts+dur_ns */   \
    X(62, name)          /* string table entry: arg0 = id, payload = bytes (see docs) */

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

#endif /* GORT_RECORD_H */
