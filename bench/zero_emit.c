/*
 * zero_emit — the traced program of time zero's figure in bench/b_3_tracer.sh: a program
 * linked with libgort whose main emits one event as its first statement. Under gort record
 * the event's timestamp is the time from zero (set in its process just before execve) to the
 * start of its main: the kernel's exec, the dynamic loader, libc's start and libgort's attach
 * (meta.attach_ns marks where the attach began). Then it prints "main_cpu_ns N": the CPU time
 * the process had used by then (since its fork: the recorder's few instructions before the
 * execve, then exec, loader and attach), a figure a busy machine disturbs far less than the
 * wall time. Its peer, a plain C program started the same way, is bench/zero/zero_peer.c. It
 * calls nothing of libunwind itself, so it loads libunwind only when libgort does (a recording
 * with stacks).
 */
#include "internal.h"

#include <stdio.h>
#include <time.h>

/* One event, first thing; then the CPU time so far. */
int main(void) {
    GORT_PROBE(gostart, 0, 0, 0);
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("main_cpu_ns %lld\n", (long long)cpu.tv_sec * 1000000000LL + cpu.tv_nsec);
    return 0;
}
