/*
 * defer_bench.c — what a frame, a deferred call and a recovered panic cost in libgort, in ns
 * per operation, printed as "name ns" lines for bench/b_3_defer.sh, which sets them beside
 * Go 1.19's figures for the same shapes (bench/go/defer/main.go) measured in the same run.
 * Time is the process's CPU time (getrusage, as the Go side measures it), not wall time: on a
 * shared machine the wall clock mostly measures the other processes.
 * Usage: defer_bench [iterations]
 */
#include "gort.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static volatile long sink;

/* CPU time used by the process so far (user + system), ns. */
static uint64_t now_ns(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

static void bump(void *e) {
    (void)e;
    sink++;
}

/* A plain C call: the floor. */
__attribute__((noinline)) static void plain(void) { sink++; }

/* A function with a frame and no defer. */
__attribute__((noinline)) static void frame_only(void) {
    GORT_FUNC(fr);
    sink++;
}

/* A function with one deferred call (Go: one open-coded defer). */
__attribute__((noinline)) static void one_defer(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, bump, NULL);
}

/* Eight deferred calls registered in a loop (Go: heap-allocated defer records). */
__attribute__((noinline)) static void loop_defers(void) {
    GORT_FUNC(fr);
    for (int i = 0; i < 8; i++) GORT_DEFER(fr, bump, NULL);
}

static gort_map *bench_map;

/* defer delete(m, k) on a map that holds k (the key is put back each time). */
__attribute__((noinline)) static void defer_delete(void) {
    GORT_FUNC(fr);
    *(int64_t *)gort_mapassign_fast64(bench_map, 42) = 1;
    gort_defer_delete_fast64(&fr, bench_map, 42);
}

static void recover_it(void *e) {
    (void)e;
    if (gort_recover()) sink++;
}

/* panic and recover in the same function. */
__attribute__((noinline)) static void panic_recover(void) {
    GORT_FUNC(fr);
    GORT_DEFER(fr, recover_it, NULL);
    gort_panic("bench");
}

/* Timed chunks per case: the figure is the fastest chunk's (the others met more interference
 * from whatever else the shared machine ran), as the Go side does. */
#define CHUNKS 5

/* Runs fn n times, in CHUNKS timed chunks, and prints its name and ns per call. */
static void measure(const char *name, void (*fn)(void), long n) {
    for (long i = 0; i < n / 10; i++) fn(); /* warm up */
    long per = n / CHUNKS > 0 ? n / CHUNKS : 1;
    double best = -1;
    for (int c = 0; c < CHUNKS; c++) {
        uint64_t t0 = now_ns();
        for (long i = 0; i < per; i++) fn();
        double ns = (double)(now_ns() - t0) / (double)per;
        if (best < 0 || ns < best) best = ns;
    }
    printf("%s %.1f\n", name, best);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    if (n <= 0) {
        fprintf(stderr, "defer_bench: iterations must be a positive number\n");
        return 2;
    }
    measure("plain_call", plain, n);
    measure("frame_only", frame_only, n);
    measure("one_defer", one_defer, n);
    measure("loop_8_defers", loop_defers, n / 4);
    bench_map = gort_makemap(&gort_type_int64_int64, 0);
    gort_register_global(&bench_map);
    measure("defer_delete", defer_delete, n);
    measure("panic_recover", panic_recover, n / 4);
    return 0;
}
