/*
 * lttng_probe — LTTng-UST, the peer of bench/tracer_probe.c in bench/b_3_tracer.sh: the same
 * loop shapes with an LTTng tracepoint of four integer fields in place of gort's probe.
 *
 *   lttng_probe probe N    ns per tracepoint in bursts of 8192 that fit the buffers, with a
 *                          pause after each (the median burst, and the best)
 *   lttng_probe emit N     N tracepoints as fast as possible: ns per event, sustained (wall
 *                          time and the process's CPU time)
 *
 * The bench script runs it inside an LTTng session with a blocking channel (nothing lost, as
 * gort record by default) and LTTNG_UST_ALLOW_BLOCKING=1. It is built by the bench script
 * (the Makefile's bench/*.c programs must build without LTTng installed). Prints "name value".
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "gort_bench_tp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BURST 8192

/* CLOCK_MONOTONIC in ns. */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This process's CPU time in ns. */
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

/* ns per tracepoint in bursts of BURST (as tracer_probe's time_probe): the median burst in
 * *median, the best returned. */
static double time_bursts(uint64_t n, double *median) {
    size_t bursts = n / BURST < 3 ? 3 : n / BURST;
    double *ns = malloc(bursts * sizeof *ns);
    for (size_t b = 0; b < bursts; b++) {
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < BURST; i++) lttng_ust_tracepoint(gort_bench, ev, 1, i, 0, 0);
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

/* Runs the mode named by argv[1]. */
int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: lttng_probe probe|emit N\n");
        return 2;
    }
    uint64_t n = strtoull(argv[2], NULL, 10);
    if (!strcmp(argv[1], "probe")) {
        double median, best = time_bursts(n, &median);
        printf("probe_ns %.2f\nprobe_best_ns %.2f\n", median, best);
    } else if (!strcmp(argv[1], "emit")) {
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        for (uint64_t i = 0; i < n; i++) lttng_ust_tracepoint(gort_bench, ev, 1, i, 0, 0);
        printf("emit_ns %.2f\n", (double)(now_ns() - t0) / (double)n);
        printf("emit_cpu_ns %.2f\n", (double)(cpu_ns() - c0) / (double)n);
    } else {
        fprintf(stderr, "lttng_probe: unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
