/*
 * map_hash.c — the map's hash functions and its source of randomness.
 *
 * Go hashes with AES instructions when the CPU has them and with a wyhash-like multiply-mix
 * otherwise (runtime/hash64.go). gort uses the multiply-mix everywhere: a 64x64->128-bit
 * multiply whose halves are folded together ("mum") mixes every input bit into both the low
 * bits (which pick the bucket) and the top byte (the tophash). Integer keys take two mums;
 * byte strings are read 16 bytes per step (48 for long inputs) as in wyhash's final version.
 *
 * Seeds: as in Go, hashing is randomised per process (a key drawn once at start-up) and per
 * map (hash0, a fresh fastrand() at makemap, when the map becomes empty and at mapclear).
 * The map stores a 64-bit seed derived from both (gort__seed_of) so the hot paths do one xor.
 *
 * fastrand is a per-thread wyrand generator seeded from getrandom(); GORT_HASHSEED=n in the
 * environment makes the process key and every thread's generator deterministic, so a failing
 * randomized test can be replayed exactly (hash placement and iteration order included).
 */
#include "map_internal.h"

#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

/* The process-wide hash key, set once before main by proc_key_init. */
static uint64_t proc_key;

/* Returns the GORT_HASHSEED value when set (deterministic mode), else 0 with *set false. */
static uint64_t env_seed(bool *set) {
    const char *s = getenv("GORT_HASHSEED");
    *set = s && *s;
    return *set ? strtoull(s, NULL, 0) : 0;
}

/* Draws 8 random bytes from the kernel, falling back to the clock. */
static uint64_t os_random(void) {
    uint64_t r;
    if (getrandom(&r, sizeof r, 0) == (ssize_t)sizeof r) return r;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return mum((uint64_t)ts.tv_nsec ^ P0, (uint64_t)ts.tv_sec ^ P1);
}

/* Chooses the process hash key before main runs (or from GORT_HASHSEED). */
__attribute__((constructor)) static void proc_key_init(void) {
    bool set;
    uint64_t s = env_seed(&set);
    proc_key = mum((set ? s : os_random()) ^ P2, P3);
}

/* Per-thread wyrand state; 0 means "not seeded yet". */
static __thread uint64_t rand_state;
/* Thread ordinal for deterministic mode: each thread gets its own fixed stream. */
static _Atomic uint64_t rand_threads;

/* Seeds this thread's generator: from the OS, or deterministically under GORT_HASHSEED. */
static void rand_seed(void) {
    bool set;
    uint64_t s = env_seed(&set);
    uint64_t n = atomic_fetch_add(&rand_threads, 1);
    rand_state = set ? mum(s ^ P1, (n + 1) * P0) : os_random();
    if (rand_state == 0) rand_state = P3;
}

/* fastrand64: 64 random bits from this thread's generator (never blocks, never fails). */
uint64_t gort__fastrand64(void) {
    if (__builtin_expect(rand_state == 0, 0)) rand_seed();
    rand_state += P0;
    return mum(rand_state, rand_state ^ P1);
}

/* fastrand: 32 random bits, Go's fastrand() role (hash0, iteration start). */
uint32_t gort__fastrand(void) { return (uint32_t)gort__fastrand64(); }

/* The 64-bit seed a map with this hash0 hashes with: depends on hash0 and the process key. */
uint64_t gort__seed_of(uint32_t hash0) { return mum((uint64_t)hash0 ^ P0, proc_key ^ P1); }

/* gort_memhash: the public byte hash, for generic key types compared byte by byte. */
uint64_t gort_memhash(const void *key, size_t size, uint64_t seed) {
    return gort__hashbytes(key, size, seed);
}
