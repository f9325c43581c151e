/*
 * tracer_format — the record format's invariants (format/gort_record.h), checked in C:
 * kinds have unique numbers below GORT_EV_MAX and unique names; the INFO word round-trips;
 * the ring's head, tail and control words sit on separate cache lines (the producer and the
 * recorder never write the same line); and an untraced program's probe path is off while its
 * clock still runs forward.
 */
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int failures;

/* Reports a failed check. */
static void check(int ok, const char *what) {
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

/* Every kind number is below GORT_EV_MAX, and no two kinds share a name. */
static void kinds_are_unique(void) {
    int count = 0;
    for (unsigned a = 0; a < 256; a++) {
        const char *na = gort_kind_name(a);
        if (!na) continue;
        count++;
        check(a > 0 && a < GORT_EV_MAX, "kind number out of range");
        for (unsigned b = a + 1; b < 256; b++) {
            const char *nb = gort_kind_name(b);
            if (nb && !strcmp(na, nb)) check(0, "two kinds with one name");
        }
    }
    check(count >= 30, "fewer kinds than the record format lists");
    check(gort_kind_name(GORT_EV_mapassign) && !strcmp(gort_kind_name(GORT_EV_mapassign), "mapassign"),
          "mapassign's name");
    check(GORT_EV_mapassign == 3 && GORT_EV_deferproc == 20 && GORT_EV_gc_start == 40 &&
              GORT_EV_cpu_sample == 60,
          "kind numbers are stable");
}

/* GORT_INFO packs kind, extra and flags so that each reads back unchanged. */
static void info_round_trips(void) {
    unsigned kinds[] = { 1, 62, 0xffff }, extras[] = { 0, 1, 128, 0xffff }, flags[] = { 0, 1, 3 };
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 4; j++)
            for (size_t k = 0; k < 3; k++) {
                uint64_t w = GORT_INFO(kinds[i], extras[j], flags[k]);
                check(GORT_INFO_KIND(w) == kinds[i], "INFO kind");
                check(GORT_INFO_EXTRA(w) == extras[j], "INFO extra");
                check(GORT_INFO_FLAGS(w) == flags[k], "INFO flags");
            }
}

/* The producer's and the recorder's words are on different 64-byte lines. */
static void ring_lines_apart(void) {
    check(offsetof(gort_rec_ring, tail) - offsetof(gort_rec_ring, head) >= 64, "head and tail share a line");
    check(offsetof(gort_rec_ring, state) - offsetof(gort_rec_ring, tail) >= 64, "tail shares a line");
    check(sizeof(gort_rec_ring) % 64 == 0, "ring control block not whole lines");
    check(GORT_W_COUNT == 8, "a record header is 8 words");
}

/* Without GORT_TRACE_FD the probes are off, emitting is harmless, and gort__now advances. */
static void untraced(void) {
    check(gort__trace_on == 0, "tracing on without a recorder");
    gort__emit(GORT_EV_mapassign, 1, 2, 3, 0); /* must do nothing */
    check(gort__trace_name("x") == 0, "a name id without a recorder");
    uint64_t a = gort__now();
    volatile uint64_t spin = 0;
    for (int i = 0; i < 1000000; i++) spin += (uint64_t)i;
    uint64_t b = gort__now();
    check(b > a, "gort__now does not advance");
}

int main(void) {
    kinds_are_unique();
    info_round_trips();
    ring_lines_apart();
    untraced();
    if (failures) return 1;
    printf("ok\n");
    return 0;
}
