/*
 * heap_peak.c — an LD_PRELOAD library that measures a command's peak heap: the most bytes it
 * had allocated with malloc, calloc, realloc and the aligned allocators at any moment (SQLite's
 * page cache and sorter, gort's own tables: everything C code allocates). Used by
 * bench/b_3_tracer.sh for the peak heap table of record, gaps, timeline, info and export.
 *
 *   LD_PRELOAD=heap_peak.so HEAP_PEAK_OUT=FILE COMMAND...   writes "peak_bytes N" to FILE at exit
 *
 * Each block's size is malloc_usable_size's (what the allocator really set aside). Counters are
 * atomic: the recorder allocates from several threads. The library removes itself from the
 * environment at load, so a program the command starts (gort record's) is not measured. It is
 * built by the bench script (cc -shared), not by the Makefile: it is a tool of the benchmark.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static _Atomic long long current, peak;
static char out_path[4096];

/* Adds d bytes to the current total and raises the peak. */
static void account(long long d) {
    long long now = atomic_fetch_add(&current, d) + d;
    long long p = atomic_load(&peak);
    while (now > p && !atomic_compare_exchange_weak(&peak, &p, now)) {}
}

void *malloc(size_t n) {
    void *p = __libc_malloc(n);
    if (p) account((long long)malloc_usable_size(p));
    return p;
}

void *calloc(size_t a, size_t b) {
    void *p = __libc_calloc(a, b);
    if (p) account((long long)malloc_usable_size(p));
    return p;
}

void *realloc(void *old, size_t n) {
    long long before = old ? (long long)malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p) account((long long)malloc_usable_size(p) - before);
    else if (!n && old) account(-before);
    return p;
}

void free(void *p) {
    if (p) account(-(long long)malloc_usable_size(p));
    __libc_free(p);
}

void *memalign(size_t align, size_t n) {
    void *p = __libc_memalign(align, n);
    if (p) account((long long)malloc_usable_size(p));
    return p;
}

void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }

int posix_memalign(void **out, size_t align, size_t n) {
    void *p = memalign(align, n);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void *valloc(size_t n) { return memalign((size_t)sysconf(_SC_PAGESIZE), n); }

/* At load: remember where to write, and leave the environment as it was before us. */
__attribute__((constructor)) static void start(void) {
    const char *o = getenv("HEAP_PEAK_OUT");
    if (o) snprintf(out_path, sizeof out_path, "%s", o);
    unsetenv("HEAP_PEAK_OUT");
    unsetenv("LD_PRELOAD");
}

/* At exit: write the peak. */
__attribute__((destructor)) static void finish(void) {
    if (!out_path[0]) return;
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    char line[64];
    int len = snprintf(line, sizeof line, "peak_bytes %lld\n", (long long)atomic_load(&peak));
    if (write(fd, line, (size_t)len) != len) {}
    close(fd);
}
