/*
 * region.c — the memory shared with the traced program: one memfd holding the header
 * (format/gort_record.h) and the rings, and the trace clock's calibration.
 *
 * The file is sized for every ring up front but costs only the pages the program touches:
 * a memfd is sparse. Ring control blocks and record space are page aligned, so one thread's
 * writes never share a cache line with another's.
 *
 * The clock: if the CPU says its TSC is invariant (CPUID 0x80000007 EDX bit 8: constant rate,
 * running in every power state), the program reads the TSC (about 9 ns) and converts with
 * ns = ((tsc - tsc0) * mult) >> shift, where mult/shift come from measuring the TSC against
 * CLOCK_MONOTONIC over 20 ms here. Otherwise it calls clock_gettime(CLOCK_MONOTONIC).
 * Either way every thread uses the same clock, starting at 0 when the region is created.
 * GORT_RECORD_CLOCK=stopped (a TSC clock with mult 0: every event at time 0) is for tests of
 * what equal timestamps do, which a real clock produces only now and then: each producer
 * thread clamps its stamps so they never decrease, so a clock read that goes back (a thread
 * moved to a CPU whose TSC lags) repeats the last stamp.
 */
#define _GNU_SOURCE
#include "tracer.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define PAGE 4096u

/* CLOCK_MONOTONIC in ns. */
static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True when the TSC ticks at a constant rate in every state (invariant TSC). */
static bool tsc_invariant(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007) return false;
    __cpuid(0x80000007, a, b, c, d);
    return (d >> 8) & 1;
}

/* Reads the TSC and CLOCK_MONOTONIC as close together as possible. */
static void paired_read(uint64_t *tsc, uint64_t *ns) {
    uint64_t best = UINT64_MAX;
    *tsc = *ns = 0; /* always overwritten below; said so for compilers that cannot see it */
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = __rdtsc();
        uint64_t n = mono_ns();
        uint64_t t1 = __rdtsc();
        if (t1 - t0 < best) {
            best = t1 - t0;
            *tsc = t0 + (t1 - t0) / 2;
            *ns = n;
        }
    }
}

/* Fills the header's clock fields; the trace's time 0 is now. */
static void calibrate(gort_rec_header *h) {
    h->mono0 = mono_ns();
    /* GORT_RECORD_CLOCK=monotonic forces the fallback (for tests, and for doubting users). */
    const char *force = getenv("GORT_RECORD_CLOCK");
    if (!tsc_invariant() || (force && !strcmp(force, "monotonic"))) {
        h->clock = GORT_CLOCK_MONOTONIC;
        return;
    }
    uint64_t tsc_a, ns_a, tsc_b, ns_b;
    paired_read(&tsc_a, &ns_a);
    struct timespec d = { 0, 20000000 };
    nanosleep(&d, NULL);
    paired_read(&tsc_b, &ns_b);
    if (tsc_b <= tsc_a || ns_b <= ns_a) {
        h->clock = GORT_CLOCK_MONOTONIC;
        return;
    }
    /* mult / 2^shift = ns per tick, with 32 fractional bits: exact enough for days. */
    h->tsc_shift = 32;
    h->tsc_mult = (uint64_t)(((unsigned __int128)(ns_b - ns_a) << 32) / (tsc_b - tsc_a));
    /* tsc0 is the TSC value at mono0. */
    uint64_t ticks_since = (uint64_t)(((unsigned __int128)(ns_b - h->mono0) << 32) / h->tsc_mult);
    h->tsc0 = tsc_b - ticks_since;
    h->clock = GORT_CLOCK_TSC;
    if (force && !strcmp(force, "stopped")) h->tsc_mult = 0;
}

/* Sizes the rings (ring_bytes rounded up to a power of two), creates and maps the memfd,
 * writes the header with the calibrated clock, magic last. */
bool region_create(rec_region *r, const rec_options *o, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    uint64_t words = 1;
    while (words * 8 < o->ring_bytes) words <<= 1;
    size_t hdr_bytes = (sizeof(gort_rec_header) + PAGE - 1) / PAGE * PAGE;
    size_t stride = (sizeof(gort_rec_ring) + words * 8 + PAGE - 1) / PAGE * PAGE;
    r->size = hdr_bytes + stride * o->nrings;
    r->fd = memfd_create("gort-record", 0); /* inherited by the program: no CLOEXEC */
    if (r->fd < 0 || ftruncate(r->fd, (off_t)r->size) != 0) {
        snprintf(err, errlen, "cannot create the shared buffer: %s", strerror(errno));
        if (r->fd >= 0) close(r->fd);
        return false;
    }
    void *p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "cannot map the shared buffer (%zu bytes; a smaller --buffer?): %s",
                 r->size,
                 strerror(errno));
        close(r->fd);
        return false;
    }
    gort_rec_header *h = r->h = p;
    h->version = GORT_REC_VERSION;
    h->nrings = o->nrings;
    h->ring_words = words;
    h->ring_offset = hdr_bytes;
    h->ring_stride = stride;
    h->flags = o->drop ? GORT_H_DROP : 0;
    h->stack_depth = o->stack_depth;
    h->profile_hz = o->profile_hz;
    h->recorder_pid = (int32_t)getpid();
    calibrate(h);
    h->magic = GORT_REC_MAGIC; /* last: the header is complete */
    return true;
}

/* Unmaps and closes the region. */
void region_destroy(rec_region *r) {
    if (r->h) munmap(r->h, r->size);
    if (r->fd >= 0) close(r->fd);
    r->h = NULL;
    r->fd = -1;
}

/* The clock's name for meta. */
const char *region_clock_name(const rec_region *r) {
    if (r->h->clock != GORT_CLOCK_TSC) return "monotonic";
    return r->h->tsc_mult ? "tsc" : "stopped";
}

/* The trace clock read by the recorder, as the program reads it. */
uint64_t region_now(const rec_region *r) {
    const gort_rec_header *h = r->h;
    if (h->clock == GORT_CLOCK_TSC) {
        int64_t d = (int64_t)(__rdtsc() - h->tsc0);
        return d < 0 ? 0 : (uint64_t)(((unsigned __int128)(uint64_t)d * h->tsc_mult) >> h->tsc_shift);
    }
    uint64_t n = mono_ns();
    return n > h->mono0 ? n - h->mono0 : 0;
}
