/*
 * gc_assist.c — a mark assist on every run, whatever the machine's load: allocates until the
 * collector has counted one.
 *
 * A goroutine assists when it reaches a safe point with allocation debt while the collector
 * marks (gc.c: Go's gcAssistAlloc). A program that allocates a fixed amount assists only if the
 * scheduler lets it run during some mark, and beside two busy loops a run of bench/gc_bench
 * (3000 iterations, 7 cycles) sometimes saw none: the marker had the CPU to itself. So this
 * program keeps MAPS maps of KEYS keys alive (each mark has that much to scan) and then, as
 * gc_bench does, makes maps, fills them and drops them — map writes are runtime entries, hence
 * safe points — until the collector's assist count has grown, which takes one mark during which
 * the program got a CPU. The heap trigger starts the cycles. It gives up (exit 1) only after
 * MAX_CYCLES cycles without an assist; otherwise prints "assists N" (N >= 1) and exits 0.
 * (A marker held open with gc_hold.c would make one certain, but a hook turns pacing off, and
 * assists with it: an assist could otherwise wait for a marker that waits for the program.)
 *
 *   usage: gc_assist
 */
#include "internal.h"

#include <stdio.h>

#define MAPS 1024
#define KEYS 200
#define GARBAGE_HINT 1024 /* about 18 KiB of buckets per map made: few events per cycle */
#define MAX_CYCLES 2000

static gort_map *live[MAPS]; /* roots: what each mark scans */
static gort_map *garbage;    /* the map being filled, dropped at the next */

/* The collector's counts now. */
static gort_gcstats stats(void) {
    gort_gcstats s;
    gort__gc_stats(&s);
    return s;
}

int main(void) {
    gort_register_global(&garbage);
    for (int i = 0; i < MAPS; i++) {
        gort_register_global(&live[i]);
        live[i] = gort_makemap(&gort_type_int64_int64, KEYS);
        for (int k = 0; k < KEYS; k++) *(int64_t *)gort_mapassign_fast64(live[i], (uint64_t)k) = k;
    }
    gort_gcstats first = stats(), now = first;
    while (now.assists == first.assists && now.cycles - first.cycles < MAX_CYCLES) {
        garbage = gort_makemap(&gort_type_int64_int64, GARBAGE_HINT);      /* buckets up front */
        *(int64_t *)gort_mapassign_fast64(garbage, 0) = 0;                 /* a safe point */
        now = stats();
    }
    gort_gc(); /* no cycle left running */
    printf("assists %llu in %llu cycles\n", (unsigned long long)(now.assists - first.assists),
           (unsigned long long)(now.cycles - first.cycles));
    return now.assists > first.assists ? 0 : 1;
}
