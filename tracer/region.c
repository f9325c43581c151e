/*
 * region.c — the memory shared with the traced program: one file holding the header
 * (format/gort_record.h) and the rings, and the trace clock's calibration.
 *
 * The file is a POSIX shared-memory file (/dev/shm/gort-record-PID-N, tmpfs: its pages are
 * never written back to a disk, so a producer's stores cost what stores to a memfd cost). A
 * named file rather than an anonymous memfd because it must outlive the recorder: if `gort
 * record` is killed, the program goes on with the region mapped, and `gort record --recover`
 * opens it by the name the raw file records (raw.c) to read what was committed but never
 * drained and what the orphaned program counted lost. The normal end unlinks it. Where
 * /dev/shm is missing or too small for the rings a memfd is used instead (then a recovery has
 * only the raw file). Either way the file is sparse: only pages the program touches cost
 * memory. Ring control blocks and record space are page aligned, so one thread's writes
 * never share a cache line with another's.
 *
 * The clock: if the CPU says its TSC is invariant (CPUID 0x80000007 EDX bit 8: constant rate,
 * running in every power state), the program reads the TSC and converts with
 * ns = ((tsc - tsc0) * mult) >> shift, where mult/shift come from measuring the TSC against
 * CLOCK_MONOTONIC over 20 ms here, before the program exists. Otherwise it calls
 * clock_gettime(CLOCK_MONOTONIC). Time zero (tsc0, mono0) is set by region_set_zero in the
 * child process just before execve, so the trace starts when the program does: the 20 ms of
 * calibration and the recorder's setup are not in it.
 * GORT_RECORD_CLOCK=stopped (a TSC clock with mult 0: every event at time 0) is for tests of
 * what equal timestamps do, which a real clock produces only now and then: each producer
 * thread clamps its stamps so they never decrease, so a clock read that goes back (a thread
 * moved to a CPU whose TSC lags) repeats the last stamp.
 */
#define _GNU_SOURCE
#include "tracer.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define PAGE 4096u
/* Use /dev/shm only when it has room for this many rings' worth of touched pages: a full
 * tmpfs would kill the program with SIGBUS at its next new page, where a memfd cannot run out. */
#define SHM_RINGS_ROOM 64

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

/* Fills the header's clock rate (tsc_mult, tsc_shift) and kind; time zero comes later
 * (region_set_zero). */
static void calibrate(gort_rec_header *h) {
    /* GORT_RECORD_CLOCK=monotonic forces the fallback (for tests, and for doubting users). */
    const char *force = getenv("GORT_RECORD_CLOCK");
    h->clock = GORT_CLOCK_MONOTONIC;
    if (!tsc_invariant() || (force && !strcmp(force, "monotonic"))) return;
    uint64_t tsc_a, ns_a, tsc_b, ns_b;
    paired_read(&tsc_a, &ns_a);
    struct timespec d = { 0, 20000000 };
    nanosleep(&d, NULL);
    paired_read(&tsc_b, &ns_b);
    if (tsc_b <= tsc_a || ns_b <= ns_a) return;
    /* mult / 2^shift = ns per tick, with 32 fractional bits: exact enough for days. */
    h->tsc_shift = 32;
    h->tsc_mult = (uint64_t)(((unsigned __int128)(ns_b - ns_a) << 32) / (tsc_b - tsc_a));
    h->clock = GORT_CLOCK_TSC;
    if (force && !strcmp(force, "stopped")) h->tsc_mult = 0;
}

/* Sets time zero to now, in the program's process just before execve: the last thing the
 * recorder's code does there. Only async-signal-safe calls (rdtsc, clock_gettime). */
void region_set_zero(rec_region *r) {
    gort_rec_header *h = r->h;
    uint64_t tsc, ns;
    paired_read(&tsc, &ns);
    h->tsc0 = tsc;
    h->mono0 = ns;
}

/* Creates the backing file: a named shared-memory file when /dev/shm has room, else a memfd.
 * Returns the descriptor (inheritable: no close-on-exec) or -1 with errno set. */
static int create_file(rec_region *r, size_t stride) {
    struct statvfs vs;
    r->shm_name[0] = 0;
    if (statvfs("/dev/shm", &vs) == 0 &&
        (uint64_t)vs.f_bavail * vs.f_bsize >= (uint64_t)stride * SHM_RINGS_ROOM) {
        for (int i = 0; i < 100; i++) {
            snprintf(r->shm_name, sizeof r->shm_name, "/gort-record-%d-%d", (int)getpid(), i);
            int fd = shm_open(r->shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
            if (fd >= 0) {
                fcntl(fd, F_SETFD, 0); /* the program inherits it */
                return fd;
            }
            if (errno != EEXIST) break;
        }
        r->shm_name[0] = 0;
    }
    return memfd_create("gort-record", 0);
}

/* Sizes the rings (ring_bytes rounded up to a power of two), creates and maps the file,
 * writes the header with the calibrated clock rate, magic last. */
bool region_create(rec_region *r, const rec_options *o, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    uint64_t words = 1;
    while (words * 8 < o->ring_bytes) words <<= 1;
    size_t hdr_bytes = (sizeof(gort_rec_header) + PAGE - 1) / PAGE * PAGE;
    size_t stride = (sizeof(gort_rec_ring) + words * 8 + PAGE - 1) / PAGE * PAGE;
    r->size = hdr_bytes + stride * o->nrings;
    r->fd = create_file(r, stride);
    if (r->fd < 0 || ftruncate(r->fd, (off_t)r->size) != 0) {
        snprintf(err, errlen, "cannot create the shared buffer: %s", strerror(errno));
        if (r->fd < 0) r->shm_name[0] = 0;
        region_destroy(r);
        return false;
    }
    void *p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "cannot map the shared buffer (%zu bytes; a smaller --buffer?): %s",
                 r->size, strerror(errno));
        region_destroy(r);
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
    h->life_fd = -1;
    calibrate(h);
    /* Ring 0's first pages, which the program's main thread maps in when it attaches: allocated
     * now, before time zero, rather than in the program's start-up. Only a hint: without it
     * the program allocates them itself. */
    uint64_t ring0 = hdr_bytes + sizeof(gort_rec_ring);
    uint64_t pre = words * 8 < GORT_REC_PREFAULT ? words * 8 : GORT_REC_PREFAULT;
    (void)fallocate(r->fd, 0, (off_t)(ring0 / PAGE * PAGE), (off_t)(ring0 % PAGE + pre));
    h->magic = GORT_REC_MAGIC; /* last: the header is complete */
    return true;
}

/* Maps an existing region read-only by its shared-memory name (a dead recording's, for
 * --recover). False when it is gone or is not a region; r is then empty. */
bool region_open(rec_region *r, const char *shm_name) {
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (!shm_name[0]) return false;
    int fd = shm_open(shm_name, O_RDONLY, 0);
    struct stat st;
    if (fd < 0) return false;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(gort_rec_header)) {
        close(fd);
        return false;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return false;
    gort_rec_header *h = p;
    r->h = h;
    r->size = (size_t)st.st_size;
    snprintf(r->shm_name, sizeof r->shm_name, "%s", shm_name);
    if (h->magic != GORT_REC_MAGIC || h->version != GORT_REC_VERSION || !h->ring_words ||
        (h->ring_words & (h->ring_words - 1)) ||
        h->ring_offset + (uint64_t)h->nrings * h->ring_stride > r->size ||
        h->ring_stride < sizeof(gort_rec_ring) + h->ring_words * 8) {
        munmap(p, r->size);
        memset(r, 0, sizeof *r);
        r->fd = -1;
        return false;
    }
    return true;
}

/* Unmaps and closes the region; its shared-memory file stays (a recovery may need it). */
void region_close(rec_region *r) {
    if (r->h) munmap(r->h, r->size);
    if (r->fd >= 0) close(r->fd);
    r->h = NULL;
    r->fd = -1;
}

/* Unmaps and closes the region and removes its shared-memory file: the end of a recording. */
void region_destroy(rec_region *r) {
    region_close(r);
    if (r->shm_name[0]) shm_unlink(r->shm_name);
    r->shm_name[0] = 0;
}

/* The clock's name for meta (tracer.h); a missing header reads as the fallback clock. */
const char *region_clock_name(const gort_rec_header *h) {
    if (!h || h->clock != GORT_CLOCK_TSC) return "monotonic";
    return h->tsc_mult ? "tsc" : "stopped";
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
