/*
 * gc_pacer.h — the collector's pacer (gc_pacer.c), shared by gc.c only: Go 1.19's
 * gcControllerState reduced to what libgort's heap has (runtime/mgcpacer.go). gc_pacer.c's
 * opening essay explains the model.
 */
#ifndef GORT_GC_PACER_H
#define GORT_GC_PACER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Go's constants (mgcpacer.go, mgcmark.go). */
#define GC_BACKGROUND_UTILIZATION 0.25  /* gcBackgroundUtilization = gcGoalUtilization */
#define GC_CREDIT_SLACK 2000            /* scan work a worker does before flushing credit */
#define GC_OVER_ASSIST_WORK (64 << 10)  /* the least scan work an assist takes on */
#define GC_HEAP_MINIMUM (4u << 20)      /* defaultHeapMinimum at GOGC=100 */
#define GC_SWEEP_MIN_HEAP_DISTANCE (1u << 20) /* sweepMinHeapDistance */

typedef struct gc_pacer {
    int gogc;                        /* percent; < 0 off */
    uint64_t heap_minimum;           /* GC_HEAP_MINIMUM * gogc / 100 */
    /* committed at mark termination, for the next cycle */
    uint64_t heap_marked;            /* bytes marked by the last cycle */
    uint64_t last_scan_work;         /* scan work the last cycle did: the next one's estimate */
    uint64_t globals_scan;           /* bytes of registered globals */
    uint64_t percent_goal;           /* gcPercentHeapGoal */
    uint64_t sweep_dist_min_trigger; /* live + 1 MiB when committed before the sweep */
    uint64_t runway;                 /* bytes the program allocates during a mark */
    double cons_mark;                /* the cons/mark ratio estimate */
    double pi_integral;              /* the PI controller's integral term */
    /* the cycle in progress */
    uint64_t triggered;              /* trigger of the running cycle, UINT64_MAX between */
    uint64_t last_heap_goal;         /* goal of the cycle just ended (gctrace) */
    uint64_t mark_start_ns;
    _Atomic int64_t scan_work;       /* heapScanWork: bytes marked by scanning so far */
    _Atomic int64_t bg_credit;       /* bgScanCredit: background scan work assists may steal */
    _Atomic int64_t assist_ns;       /* assistTime: time assists spent scanning */
    _Atomic int64_t assist_count;    /* assists performed (gc_cycles) */
    _Atomic uint64_t work_per_byte;  /* assistWorkPerByte, a double's bits */
    _Atomic uint64_t bytes_per_work; /* assistBytesPerWork, a double's bits */
} gc_pacer;

/* Go's init: gogc and the first commit (no sweep before the first cycle). */
void gc_pacer_init(gc_pacer *p, int gogc);
/* Go's commit: the goal and runway of the next cycle from the last one's results; `live` is
 * the heap now and sweep_done whether nothing is left to sweep. */
void gc_pacer_commit(gc_pacer *p, uint64_t live, bool sweep_done);
/* Go's heapGoal: the goal of the next (or running) cycle. */
uint64_t gc_pacer_goal(const gc_pacer *p);
/* Go's trigger: the heap size that starts the next cycle (UINT64_MAX when GOGC is off). */
uint64_t gc_pacer_trigger(const gc_pacer *p);
/* Go's startCycle: a cycle begins at now_ns (with the trigger it ran at) and live bytes. */
void gc_pacer_start_cycle(gc_pacer *p, uint64_t now_ns, uint64_t live);
/* Go's revise: the assist ratios for the heap now. */
void gc_pacer_revise(gc_pacer *p, uint64_t live);
/* Go's endCycle: records the goal and updates cons/mark from the cycle that ends at now_ns
 * with live bytes (procs: the CPUs the utilization is over). */
void gc_pacer_end_cycle(gc_pacer *p, uint64_t now_ns, int procs, uint64_t live);
/* Go's resetLive: the cycle marked `marked` bytes. */
void gc_pacer_reset_live(gc_pacer *p, uint64_t marked);
/* The assist ratios revise computed last. */
double gc_pacer_work_per_byte(const gc_pacer *p);
double gc_pacer_bytes_per_work(const gc_pacer *p);

#endif /* GORT_GC_PACER_H */
