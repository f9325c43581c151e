/*
 * gc_alloc.c — allocates MB megabytes of garbage environments (256 bytes each) and nothing
 * else, then prints the GOGC in effect and how many cycles the heap trigger started:
 * "gogc=N cycles=N". With "settle", it first forces one more cycle (gort_gc waits for any
 * cycle in progress too), so that no cycle is still running when it prints. Driven by
 * tests/t_gc_gogc.sh with different GORT_GOGC values.
 *
 *   usage: gc_alloc MB [settle]
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long mb = argc >= 2 ? atol(argv[1]) : 0;
    if (mb <= 0 || argc > 3) {
        fprintf(stderr, "usage: gc_alloc MB [settle]\n");
        return 2;
    }
    for (long i = 0; i < mb * 4096; i++) (void)gort_closure_new(256, 0);
    if (argc == 3) gort_gc();
    gort_gcstats s;
    gort__gc_stats(&s);
    printf("gogc=%d cycles=%llu\n", s.gogc, (unsigned long long)s.cycles);
    return 0;
}
