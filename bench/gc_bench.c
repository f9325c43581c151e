/*
 * gc_bench.c — the map workload of bench/b_2_gc.sh with libgort, the same as
 * bench/go/gc/gcbench.go does with Go 1.19: a ring of live maps; each iteration makes a
 * map[int64]int64, inserts KEYS keys, deletes half of them and replaces the ring's oldest map.
 * Run with GORT_GOGC=100 and GORT_GOGC=off; prints one line of figures in the Go program's
 * format. Pauses are per cycle, both stop-the-world pauses summed (as Go's GCStats.Pause);
 * gc_cpu_pct is the collector thread's CPU time over the CPU time available to the process
 * (wall time x online CPUs), Go's GCCPUFraction definition; rss_mb the peak resident memory.
 *
 *   usage: gc_bench ITERATIONS RING KEYS
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Monotonic clock, ns. */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort order of uint64_t values. */
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static gort_map **ring;  /* every entry a registered global */
static gort_map *cur;    /* the map being filled: a registered global */

/* Runs the workload once and prints its figures (see the file comment). */
int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: gc_bench ITERATIONS RING KEYS\n");
        return 2;
    }
    long iters = atol(argv[1]), ringn = atol(argv[2]), keys = atol(argv[3]);
    if (iters <= 0 || ringn <= 0 || keys <= 0) {
        fprintf(stderr, "gc_bench: ITERATIONS, RING and KEYS must be positive\n");
        return 2;
    }
    ring = calloc((size_t)ringn, sizeof *ring);
    if (!ring) return 1;
    for (long i = 0; i < ringn; i++) gort_register_global(&ring[i]);
    gort_register_global(&cur);
    gort_gc();
    gort_gcstats s0, s1;
    gort__gc_stats(&s0);
    uint64_t t0 = now_ns();
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        cur = gort_makemap(&gort_type_int64_int64, 0);
        for (long k = 0; k < keys; k++)
            *(int64_t *)gort_mapassign_fast64(cur, (uint64_t)(k * 7919 + i)) = k;
        for (long k = 0; k < keys; k += 2) gort_mapdelete_fast64(cur, (uint64_t)(k * 7919 + i));
        sum += gort_maplen(cur);
        ring[i % ringn] = cur;
    }
    uint64_t elapsed = now_ns() - t0;
    gort__gc_stats(&s1);
    if (sum != iters * (keys / 2)) {
        fprintf(stderr, "gc_bench: wrong sum %lld\n", (long long)sum);
        return 1;
    }
    size_t n = (size_t)(s1.cycles - s0.cycles);
    uint64_t *p = calloc(n + 1, sizeof *p), med = 0, max = 0;
    size_t kept = gort__gc_pauses(p, n + 1);
    size_t first = kept > n ? kept - n : 0;   /* only this run's cycles, not the warm-up */
    if (kept > first) {
        qsort(p + first, kept - first, sizeof *p, cmp_u64);
        med = p[first + (kept - first) / 2];
        max = p[kept - 1];
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double cpu_pct =
        100.0 * (double)(s1.gc_cpu_ns - s0.gc_cpu_ns) / ((double)elapsed * (double)ncpu);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("ns_per_iter=%.0f cycles=%zu pause_median_us=%.1f pause_max_us=%.1f gc_cpu_pct=%.1f "
           "rss_mb=%ld\n", (double)elapsed / (double)iters, n, (double)med / 1e3, (double)max / 1e3,
           cpu_pct, ru.ru_maxrss / 1024);
    free(p);
    return 0;
}
