/*
 * tracer_probe — the producer side of the tracer benchmark (bench/b_3_tracer.sh).
 *
 *   tracer_probe probe N         ns per gort__emit (run under gort record) while the buffer has
 *                                room: bursts of 8192 events with pauses in which the recorder
 *                                drains; beside its peers measured in the same process: one TSC
 *                                read in the same bursts, and the probe with tracing off (one
 *                                branch)
 *   tracer_probe clock_loads N   the clock against overlapped misses: N scattered loads over
 *                                64 MiB, ns per load plain, with one TSC read after each, and
 *                                with an lfence after each
 *   tracer_probe stack N DEPTH   ns per gort__emit called DEPTH frames deep (so a stack of
 *                                DEPTH frames is captured), beside unw_backtrace(DEPTH) alone
 *   tracer_probe emit N          N events as fast as possible: ns per event of wall time and of
 *                                the process's CPU time
 *   tracer_probe work N          a map-free workload: N rounds of hashing into a small table,
 *                                each with a probe, as a traced program's work looks
 *   tracer_probe work_tsc N      the same with one TSC read after each round (run untraced:
 *                                the probe's clock alone)
 *   tracer_probe maps N          libgort's map: N inserts of scattered int64 keys into a map
 *                                with no hint (growing), N lookups, N deletes; ns per operation
 *   tracer_probe maps_tsc N      the same with one TSC read after each operation and no
 *                                tracing: the cost of the probe's clock alone
 *   tracer_probe assign8 N       N gort_mapassign_fast64 on a map of 8 keys (one probe each, the
 *                                densest a real map operation emits); ms for the loop
 * Prints "name value" lines.
 */
#define UNW_LOCAL_ONLY
#include "internal.h"

#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

/* CLOCK_MONOTONIC in ns. */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This process's CPU time in ns (the program's own cost, whatever else runs on the machine). */
static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort order for doubles. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define BURST 8192 /* events per timed burst: 512 KiB of records, well within the buffer */

/* One burst of BURST probes, or of BURST TSC reads (the probe's clock alone). */
static void burst(bool tsc_only) {
    if (tsc_only) {
        uint64_t sink = 0;
        for (uint64_t i = 0; i < BURST; i++) sink += __rdtsc();
        __asm__ volatile("" ::"r"(sink));
        return;
    }
    for (uint64_t i = 0; i < BURST; i++) GORT_PROBE(mapaccess, 1, i, 0);
}

/* ns per call while the buffer has room: n calls in bursts of BURST, with a pause after each
 * burst (not timed) in which the recorder drains the ring. The probe and its peer, the TSC
 * read, are timed the same way, pauses included, so that the two figures compare. Stores the
 * median burst in *median and returns the best. */
static double time_bursts(uint64_t n, bool tsc_only, double *median) {
    size_t bursts = n / BURST < 3 ? 3 : n / BURST;
    double *ns = malloc(bursts * sizeof *ns);
    for (size_t b = 0; b < bursts; b++) {
        uint64_t t0 = now_ns();
        burst(tsc_only);
        ns[b] = (double)(now_ns() - t0) / BURST;
        struct timespec pause = { 0, 5000000 };
        nanosleep(&pause, NULL);
    }
    qsort(ns, bursts, sizeof *ns, cmp_double);
    double best = ns[0];
    *median = ns[bursts / 2];
    free(ns);
    return best;
}

/* ns per probe with tracing switched off (what an untraced program pays). */
static double time_probe_off(uint64_t n) {
    int saved = gort__trace_on;
    gort__trace_on = 0;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        GORT_PROBE(mapaccess, 1, i, 0);
        __asm__ volatile("" ::: "memory");
    }
    double ns = (double)(now_ns() - t0) / (double)n;
    gort__trace_on = saved;
    return ns;
}

/* Recurses to `depth` frames, then times n probes (or unw_backtrace calls when bt) in bursts
 * as time_probe does; returns the median burst's ns per call. */
__attribute__((noinline)) static double deep(int depth, uint64_t n, int frames, bool bt) {
    if (depth > 1) {
        double r = deep(depth - 1, n, frames, bt);
        __asm__ volatile("" ::: "memory");
        return r;
    }
    void *pcs[64];
    size_t bursts = n / 1024 < 3 ? 3 : n / 1024;
    double *ns = malloc(bursts * sizeof *ns);
    for (size_t b = 0; b < bursts; b++) {
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < 1024; i++) {
            if (bt)
                unw_backtrace(pcs, frames);
            else
                GORT_PROBE(mapaccess, 1, i, 0);
            __asm__ volatile("" ::: "memory");
        }
        ns[b] = (double)(now_ns() - t0) / 1024;
        if (!bt) {
            struct timespec pause = { 0, 2000000 };
            nanosleep(&pause, NULL);
        }
    }
    qsort(ns, bursts, sizeof *ns, cmp_double);
    double median = ns[bursts / 2];
    free(ns);
    return median;
}

/* The clock a probe reads, without the probe: a TSC read after each round of the work, kept
 * in a small array (work and map_ops with tsc, run untraced). */
static uint64_t tsc_seen[64];
#define TSC_AFTER(tsc, i) \
    do { if (tsc) tsc_seen[(i) & 63] = __rdtsc(); } while (0)

/* A small open-addressing table of counters: the work a traced program does between probes;
 * with tsc, one TSC read after each round as well (the probe's clock alone). */
static uint64_t work(uint64_t n, bool tsc) {
    enum { SLOTS = 4096 };
    static uint64_t keys[SLOTS], vals[SLOTS];
    uint64_t x = 88172645463325252ull, sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t k = x % 3000 + 1, h = (k * 0x9E3779B97F4A7C15ull) >> 52;
        while (keys[h] && keys[h] != k) h = (h + 1) % SLOTS;
        keys[h] = k;
        vals[h]++;
        sum += vals[h];
        GORT_PROBE(mapassign, 1, 1, vals[h]);
        TSC_AFTER(tsc, i);
    }
    __asm__ volatile("" ::"r"(tsc_seen[n & 63]));
    return sum;
}

#define SCATTER_WORDS (8u << 20) /* 64 MiB: well beyond the caches a core has to itself */

/* n loads at scattered places of a table of SCATTER_WORDS words, each independent of the
 * last (a CPU overlaps several misses). fence: after each load, 0 nothing, 1 one TSC read
 * (kept, as a probe keeps its stamp), 2 an lfence (which waits for every earlier load to
 * complete). ns per load. */
static double scattered_loads(const uint64_t *table, uint64_t n, int fence) {
    uint64_t x = 88172645463325252ull, sum = 0, stamps[64] = { 0 };
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += table[x & (SCATTER_WORDS - 1)];
        if (fence == 1) stamps[i & 63] = __rdtsc();
        else if (fence == 2) _mm_lfence();
    }
    double ns = (double)(now_ns() - t0) / (double)n;
    __asm__ volatile("" ::"r"(sum), "r"(stamps[n & 63]));
    return ns;
}

static gort_map *bench_map; /* a registered global: the collector's root */

/* ns per map operation over insert, lookup and delete of n keys; with tsc, one TSC read after
 * each operation (the probe's clock, alone). */
static double map_ops(uint64_t n, bool tsc) {
    gort_register_global(&bench_map);
    bench_map = gort_makemap(&gort_type_int64_int64, 0);
    int64_t sum = 0;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        *(int64_t *)gort_mapassign_fast64(bench_map, i * 0x9E3779B97F4A7C15ull) = (int64_t)i;
        TSC_AFTER(tsc, i);
    }
    for (uint64_t i = 0; i < n; i++) {
        sum += *(int64_t *)gort_mapaccess1_fast64(bench_map, i * 0x9E3779B97F4A7C15ull);
        TSC_AFTER(tsc, i);
    }
    for (uint64_t i = 0; i < n; i++) {
        gort_mapdelete_fast64(bench_map, i * 0x9E3779B97F4A7C15ull);
        TSC_AFTER(tsc, i);
    }
    double ns = (double)(now_ns() - t0) / (double)(3 * n);
    __asm__ volatile("" ::"r"(sum), "r"(tsc_seen[n & 63]));
    return ns;
}

/* ms for n assignments cycling over the 8 keys of a small map. */
static double assign8(uint64_t n) {
    gort_register_global(&bench_map);
    bench_map = gort_makemap(&gort_type_int64_int64, 8);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) *(int64_t *)gort_mapassign_fast64(bench_map, (int64_t)(i & 7)) += 1;
    return (double)(now_ns() - t0) / 1e6;
}

/* Runs the mode named by argv[1]; prints its figures. */
int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: tracer_probe probe|stack|emit|work|work_tsc|maps|maps_tsc|"
                        "assign8|clock_loads N [DEPTH]\n");
        return 2;
    }
    uint64_t n = strtoull(argv[2], NULL, 10);
    if (!strcmp(argv[1], "probe")) {
        printf("traced %d\n", gort__trace_on);
        double median, best = time_bursts(n, false, &median);
        printf("probe_ns %.2f\n", median);
        printf("probe_best_ns %.2f\n", best);
        best = time_bursts(n, true, &median);
        printf("rdtsc_ns %.2f\n", median);
        printf("rdtsc_best_ns %.2f\n", best);
        printf("probe_off_ns %.2f\n", time_probe_off(n));
    } else if (!strcmp(argv[1], "stack") && argc > 3) {
        int d = atoi(argv[3]);
        printf("traced %d\n", gort__trace_on);
        /* The probe's stack: `d` frames of deep() and main's, cut to --stack-depth. */
        printf("stack_probe_ns %.2f\n", deep(d, n, d, false));
        printf("unw_backtrace_ns %.2f\n", deep(d, n, d, true));
    } else if (!strcmp(argv[1], "emit")) {
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        for (uint64_t i = 0; i < n; i++) GORT_PROBE(mapaccess, 1, i, 0);
        printf("emit_ns %.2f\n", (double)(now_ns() - t0) / (double)n);
        printf("emit_cpu_ns %.2f\n", (double)(cpu_ns() - c0) / (double)n);
    } else if (!strcmp(argv[1], "assign8")) {
        printf("assign8_ms %.2f\n", assign8(n));
    } else if (!strcmp(argv[1], "maps")) {
        printf("map_op_ns %.2f\n", map_ops(n, false));
    } else if (!strcmp(argv[1], "clock_loads")) {
        uint64_t *table = malloc(SCATTER_WORDS * sizeof *table);
        if (!table) return 1;
        for (uint64_t i = 0; i < SCATTER_WORDS; i++) table[i] = i;
        printf("loads_ns %.2f\n", scattered_loads(table, n, 0));
        printf("loads_tsc_ns %.2f\n", scattered_loads(table, n, 1));
        printf("loads_lfence_ns %.2f\n", scattered_loads(table, n, 2));
        free(table);
    } else if (!strcmp(argv[1], "maps_tsc")) {
        printf("map_op_ns %.2f\n", map_ops(n, true));
    } else if (!strcmp(argv[1], "work") || !strcmp(argv[1], "work_tsc")) {
        uint64_t t0 = now_ns();
        uint64_t s = work(n, !strcmp(argv[1], "work_tsc"));
        printf("work_ms %.2f\n", (double)(now_ns() - t0) / 1e6);
        printf("checksum %llu\n", (unsigned long long)s);
    } else {
        fprintf(stderr, "tracer_probe: unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
