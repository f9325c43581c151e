/*
 * idmap.c — a hash table from 64-bit ids (stack, map, goroutine ids) to 64-bit values.
 *
 * Open addressing with linear probing; the capacity is a power of two kept at least twice the
 * number of keys, so a probe sequence is short. Keys are spread by murmur3's 64-bit finalizer,
 * so both consecutive ids (as the recorder assigns them) and addresses that share their low
 * bits (as a producer's record or map addresses do) fall in distinct slots.
 *
 * Removal shifts the later keys of the removed key's probe run back into the hole (no
 * tombstones), so the invariant holds after it: every key sits in the run that starts at its
 * home slot, with no empty slot between. A table whose keys come and go (the live maps of a
 * trace being read) holds only the live ones, and its size follows their number.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* The slot index where KEY starts probing in a table of CAP slots. */
static size_t home(int64_t key, size_t cap) {
    uint64_t x = (uint64_t)key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

/* Doubles the table (or makes the first one); false when out of memory. */
static bool grow(idmap *m) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    idmap n = { calloc(cap, sizeof *n.keys), calloc(cap, sizeof *n.vals), calloc(cap, 1), cap, 0 };
    if (!n.keys || !n.vals || !n.full) {
        free(n.keys);
        free(n.vals);
        free(n.full);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->full[i]) continue;
        size_t h = home(m->keys[i], cap);
        while (n.full[h]) h = (h + 1) & (cap - 1);
        n.full[h] = 1;
        n.keys[h] = m->keys[i];
        n.vals[h] = m->vals[i];
        n.used++;
    }
    idmap_free(m);
    *m = n;
    return true;
}

/* Finds KEY's value slot, inserting it (value 0) when INSERT; NULL when absent or out of memory. */
int64_t *idmap_get(idmap *m, int64_t key, bool insert) {
    if (insert && (m->used + 1) * 2 > m->cap && !grow(m)) return NULL;
    if (!m->cap) return NULL;
    size_t h = home(key, m->cap);
    while (m->full[h]) {
        if (m->keys[h] == key) return &m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (!insert) return NULL;
    m->full[h] = 1;
    m->keys[h] = key;
    m->vals[h] = 0;
    m->used++;
    return &m->vals[h];
}

/* Frees M's storage and leaves it empty and usable. */
void idmap_free(idmap *m) {
    free(m->keys);
    free(m->vals);
    free(m->full);
    memset(m, 0, sizeof *m);
}

/* Removes KEY and its value (nothing when absent). Keys after it in its probe run move back
 * into the hole when their home slot allows, so every lookup still finds them. */
void idmap_remove(idmap *m, int64_t key) {
    if (!m->cap) return;
    size_t mask = m->cap - 1, hole = home(key, m->cap);
    while (m->full[hole] && m->keys[hole] != key) hole = (hole + 1) & mask;
    if (!m->full[hole]) return;
    for (size_t j = (hole + 1) & mask; m->full[j]; j = (j + 1) & mask) {
        /* The key at j may fill the hole unless its home lies after the hole, up to j. */
        size_t h = home(m->keys[j], m->cap);
        if (((j - h) & mask) < ((j - hole) & mask)) continue;
        m->keys[hole] = m->keys[j];
        m->vals[hole] = m->vals[j];
        hole = j;
    }
    m->full[hole] = 0;
    m->used--;
}
