/*
 * gc_pacer.c — when a collection starts and how much mark work allocating goroutines must do:
 * Go 1.19's pacer (runtime/mgcpacer.go, the 1.18 redesign), on libgort's heap.
 *
 * The goal. After a cycle marked M bytes, the next cycle's heap goal is
 * M + (M + globals) * GOGC/100, at least heapMinimum (4 MiB * GOGC/100); the goal is also at
 * least 1 MiB above the heap at the commit while the sweep is not done (sweepDistMinTrigger)
 * and 64 KiB above the heap when the cycle triggered (minRunway).
 *
 * The trigger. A cycle should start early enough that the background marker, working at its
 * utilization (25%), finishes when the heap reaches the goal. The program allocates during a
 * mark in proportion to the scan work: cons/mark, the bytes allocated per byte of scan work
 * at that utilization, is measured at the end of each cycle and smoothed by a PI controller
 * (kp 0.9, ti 4, tt 1000, output within ±1000, Go's values and Go's use: the controller's
 * output is the new estimate). The runway, the bytes expected to be allocated while marking,
 * is cons/mark * (1 - u)/u * (the last cycle's scan work + globals), and the trigger is the
 * goal minus the runway, kept between 45/64 and 61/64 of the way from M to the goal (or up to
 * goal - 4 MiB for big heaps). The utilization assumed when measuring cons/mark is the one
 * assumed when computing the runway, so the runway converges to what the program really
 * allocates during a mark, whatever the marker's real share of the CPU.
 *
 * Assists. While a cycle marks, a goroutine that allocates runs into debt: for every byte it
 * allocates it owes assistWorkPerByte bytes of scan work, the work still expected divided by
 * the heap left before the goal (revise). It pays by stealing the background marker's
 * surplus credit or by scanning grey objects itself (gc.c), and waits when neither is possible,
 * so the heap at mark termination stays near the goal. The expected work is the last cycle's;
 * once the cycle has done more, the goal is extrapolated to the worst case (all scannable
 * heap live), at most (1 + GOGC/100) times the goal, and once the heap is past that, 1.1 times.
 *
 * libgort's differences: scan work is counted in bytes of the objects a scan marks and of the
 * grey objects themselves (map headers, environments, bucket arrays, overflow buckets), the
 * program has no stacks to scan, and globals are the registered globals' words. All
 * quantities are bytes of libgort's heap, headers included.
 */
#include "gc_pacer.h"

#include <math.h>
#include <string.h>

/* Go's trigger bounds: between 45/64 (~0.7) and 61/64 (~0.95) of the way to the goal. */
#define TRIGGER_DEN 64
#define MIN_TRIGGER_NUM 45
#define MAX_TRIGGER_NUM 61
#define MIN_RUNWAY (64u << 10)

/* Stores a double in an atomic word (the assist ratios are read by allocating goroutines). */
static void store_double(_Atomic uint64_t *w, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    atomic_store_explicit(w, bits, memory_order_relaxed);
}
/* Loads a double stored by store_double. */
static double load_double(const _Atomic uint64_t *w) {
    uint64_t bits = atomic_load_explicit(w, memory_order_relaxed);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Go's piController.next with the consMark controller's gains: the new estimate from the old
 * one (input) and this cycle's measure (setpoint); resets on overflow. */
static double pi_next(gc_pacer *p, double input, double setpoint) {
    const double kp = 0.9, ti = 4.0, tt = 1000, lo = -1000, hi = 1000, period = 1.0;
    double raw = kp * (setpoint - input) + p->pi_integral;
    if (isinf(raw) || isnan(raw)) {
        p->pi_integral = 0;
        return 0;
    }
    double out = raw < lo ? lo : raw > hi ? hi : raw;
    p->pi_integral += (kp * period / ti) * (setpoint - input) + (period / tt) * (out - raw);
    if (isinf(p->pi_integral) || isnan(p->pi_integral)) {
        p->pi_integral = 0;
        return 0;
    }
    return out;
}

/* Go's init. */
void gc_pacer_init(gc_pacer *p, int gogc) {
    memset(p, 0, sizeof *p);
    p->gogc = gogc;
    p->heap_minimum = gogc < 0 ? GC_HEAP_MINIMUM : (uint64_t)GC_HEAP_MINIMUM * (uint64_t)gogc / 100;
    p->triggered = UINT64_MAX;
    gc_pacer_commit(p, 0, true);
}

/* Go's commit. */
void gc_pacer_commit(gc_pacer *p, uint64_t live, bool sweep_done) {
    p->sweep_dist_min_trigger = sweep_done ? 0 : live + GC_SWEEP_MIN_HEAP_DISTANCE;
    uint64_t goal = UINT64_MAX;
    if (p->gogc >= 0)
        goal = p->heap_marked + (p->heap_marked + p->globals_scan) * (uint64_t)p->gogc / 100;
    if (goal < p->heap_minimum) goal = p->heap_minimum;
    p->percent_goal = goal;
    double u = GC_BACKGROUND_UTILIZATION;
    double runway = p->cons_mark * (1 - u) / u * (double)(p->last_scan_work + p->globals_scan);
    p->runway = runway <= 0 ? 0 : runway >= 1.8e19 ? UINT64_MAX : (uint64_t)runway;
}

/* Go's heapGoalInternal: the goal, and the least trigger the sweep distance allows. */
static uint64_t goal_internal(const gc_pacer *p, uint64_t *min_trigger) {
    uint64_t goal = p->percent_goal;
    if (p->sweep_dist_min_trigger > goal) goal = p->sweep_dist_min_trigger;
    *min_trigger = p->sweep_dist_min_trigger;
    if (p->triggered != UINT64_MAX && goal < p->triggered + MIN_RUNWAY) goal = p->triggered + MIN_RUNWAY;
    return goal;
}

uint64_t gc_pacer_goal(const gc_pacer *p) {
    uint64_t min_trigger;
    return goal_internal(p, &min_trigger);
}

/* Go's trigger. */
uint64_t gc_pacer_trigger(const gc_pacer *p) {
    if (p->gogc < 0) return UINT64_MAX;
    uint64_t min_trigger;
    uint64_t goal = goal_internal(p, &min_trigger);
    uint64_t marked = p->heap_marked;
    if (marked >= goal) return goal;
    if (min_trigger < marked) min_trigger = marked;
    uint64_t lower = (goal - marked) / TRIGGER_DEN * MIN_TRIGGER_NUM + marked;
    if (min_trigger < lower) min_trigger = lower;
    uint64_t max_trigger = (goal - marked) / TRIGGER_DEN * MAX_TRIGGER_NUM + marked;
    if (goal > GC_HEAP_MINIMUM && goal - GC_HEAP_MINIMUM > max_trigger) max_trigger = goal - GC_HEAP_MINIMUM;
    if (max_trigger < min_trigger) max_trigger = min_trigger;
    uint64_t trigger = p->runway > goal ? min_trigger : goal - p->runway;
    if (trigger < min_trigger) trigger = min_trigger;
    if (trigger > max_trigger) trigger = max_trigger;
    return trigger;
}

/* Go's startCycle (the parts that are not about scheduling mark workers). */
void gc_pacer_start_cycle(gc_pacer *p, uint64_t now_ns, uint64_t live) {
    atomic_store(&p->scan_work, 0);
    atomic_store(&p->bg_credit, 0);
    atomic_store(&p->assist_ns, 0);
    atomic_store(&p->assist_count, 0);
    p->mark_start_ns = now_ns;
    p->triggered = gc_pacer_trigger(p); /* as Go: also for a forced cycle below it */
    gc_pacer_revise(p, live);
}

/* Go's revise. */
void gc_pacer_revise(gc_pacer *p, uint64_t live) {
    double gogc = p->gogc < 0 ? 100000 : p->gogc;
    int64_t work = atomic_load(&p->scan_work);
    int64_t goal = (int64_t)gc_pacer_goal(p);
    int64_t expected = (int64_t)(p->last_scan_work + p->globals_scan);
    int64_t max_work = (int64_t)(live + p->globals_scan); /* all of the heap scannable */
    if (work > expected) {
        /* more work than the last cycle's: the heap grows; extrapolate the goal */
        double ext = (double)(goal - (int64_t)p->triggered) / (double)(expected > 0 ? expected : 1) *
                         (double)max_work + (double)p->triggered;
        double hard = (1.0 + gogc / 100.0) * (double)goal;
        if (ext > hard) ext = hard;
        goal = (int64_t)ext;
        expected = max_work;
    }
    if ((int64_t)live > goal) { /* past even that: leave some runway, finish by 1.1x */
        goal = (int64_t)((double)goal * 1.1);
        expected = max_work;
    }
    int64_t remaining = expected - work;
    if (remaining < 1000) remaining = 1000;
    int64_t heap_remaining = goal - (int64_t)live;
    if (heap_remaining <= 0) heap_remaining = 1;
    store_double(&p->work_per_byte, (double)remaining / (double)heap_remaining);
    store_double(&p->bytes_per_work, (double)heap_remaining / (double)remaining);
}

double gc_pacer_work_per_byte(const gc_pacer *p) { return load_double(&p->work_per_byte); }
double gc_pacer_bytes_per_work(const gc_pacer *p) { return load_double(&p->bytes_per_work); }

/* Go's endCycle. */
void gc_pacer_end_cycle(gc_pacer *p, uint64_t now_ns, int procs, uint64_t live) {
    p->last_heap_goal = gc_pacer_goal(p);
    int64_t duration = (int64_t)(now_ns - p->mark_start_ns);
    double u = GC_BACKGROUND_UTILIZATION;
    if (duration > 0) u += (double)atomic_load(&p->assist_ns) / ((double)duration * procs);
    if (live <= p->triggered) return;
    int64_t work = atomic_load(&p->scan_work);
    if (work <= 0) return;
    double current = (double)(live - p->triggered) * u / ((double)work * (1 - u));
    p->cons_mark = pi_next(p, p->cons_mark, current);
}

/* Go's resetLive. */
void gc_pacer_reset_live(gc_pacer *p, uint64_t marked) {
    p->heap_marked = marked;
    p->last_scan_work = (uint64_t)atomic_load(&p->scan_work);
    p->triggered = UINT64_MAX;
}
