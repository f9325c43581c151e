/*
 * zero_peer — the peer of time zero in bench/b_3_tracer.sh: a plain C program without libgort,
 * started by `gort record` like any traced program (the same fork, the same zero set in the
 * child just before execve, the same recorder running beside it). The first thing its main
 * does is read the TSC; only then does it map the header of the recorder's region (named by
 * GORT_TRACE_FD, read-only) to turn that reading into ns since zero with the header's clock,
 * and print "main_ns N", and "main_cpu_ns N", the CPU time the process had used when main
 * began (read second, as zero_emit reads it after its event). So N is what the kernel's exec,
 * the dynamic loader and libc's start cost by themselves on this machine, now: the part of a traced program's time to its first
 * event that gort cannot remove. The bench builds it twice: with libc alone, and linked with
 * libgort's libraries (libunwind, which brings liblzma, and libm) to show what loading those
 * costs.
 *
 * It prints nothing but "main_ns -1" without a region or on the CLOCK_MONOTONIC clock (then
 * the bench has no figure to give).
 */
#include "gort_record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

/* Reads the TSC first, then the recorder's clock, and prints ns since time zero. */
int main(void) {
    uint64_t tsc = __rdtsc();
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    const char *env = getenv(GORT_REC_ENV);
    void *p = env ? mmap(NULL, sizeof(gort_rec_header), PROT_READ, MAP_SHARED, atoi(env), 0)
                  : MAP_FAILED;
    const gort_rec_header *h = p;
    if (p == MAP_FAILED || h->magic != GORT_REC_MAGIC || h->clock != GORT_CLOCK_TSC ||
        tsc < h->tsc0) {
        printf("main_ns -1\n");
        return 0;
    }
    uint64_t ns = (uint64_t)(((unsigned __int128)(tsc - h->tsc0) * h->tsc_mult) >> h->tsc_shift);
    printf("main_ns %llu\nmain_cpu_ns %lld\n", (unsigned long long)ns,
           (long long)cpu.tv_sec * 1000000000LL + cpu.tv_nsec);
    return 0;
}
