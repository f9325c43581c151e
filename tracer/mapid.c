/*
 * mapid.c — map identity for producers whose map words are addresses (the Go hook).
 *
 * libgort numbers its maps itself and never reuses a number. Go's runtime only has the
 * hmap's address, and an address is reused as soon as the map is dead: the heap's allocator
 * hands the freed hmap to the next map, and a stack map's frame is the next call's frame. A
 * producer whose map records carry GORT_F_ADDR gets its maps numbered here: the map word
 * of every map record is replaced by a map_id (1, 2, ... in order of first sight) before the
 * record becomes a row, so the trace reads exactly like a libgort trace.
 *
 * The rules, per address:
 *   - makemap starts a new map (a new id);
 *   - any other map event uses the address's current map; an address with none (a map built
 *     before the program attached) starts one;
 *   - mapfree ends the map: the sweeper freed it (the address is free for the next map).
 * Stack maps (mapstack) also belong to their goroutine, and are kept in a list per trace:
 *   - stackmove (copystack) moves each of the goroutine's stack maps by new top - old top;
 *   - frame_exit (a frame that ran deferred calls returns: its top given) ends every stack
 *     map of the goroutine below that top, and goend ends them all; a makemap at the address
 *     of a live stack map ends the old one (its frame is gone, a new call uses the place).
 *   These deaths are inferred, not seen: the map died when its frame returned, at or before
 *   the event that tells. They reach the maps table (derive_map_died, cause 'frame') and are
 *   not events: the trace holds only what the program emitted.
 */
#include "cli.h"
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

/* A live stack map. */
typedef struct stack_map {
    uint64_t goid, addr, id;
} stack_map;

#define RECENT 64 /* addresses remembered in front of the table (a power of two) */

struct mapid {
    idmap live;        /* address -> current map id * 2 + 1 if a stack map (0: none) */
    struct { uint64_t addr; int64_t val; } recent[RECENT]; /* a copy of recent entries */
    stack_map *stack;  /* live stack maps */
    size_t nstack, cap;
    uint64_t next;     /* ids handed out */
    bool oom;
};

/* A new, empty numbering; NULL when out of memory. */
/* A new, empty numbering; NULL when out of memory. */
mapid *mapid_new(void) { return calloc(1, sizeof(mapid)); }

/* Frees the numbering; m may be NULL. */
void mapid_free(mapid *m) {
    if (!m) return;
    idmap_free(&m->live);
    free(m->stack);
    free(m);
}

/* True once memory ran out. */
/* True once memory ran out. */
bool mapid_failed(const mapid *m) { return m->oom; }

/* The current id slot of addr (inserted when absent); NULL when out of memory. The caller
 * that changes the value calls remember() after. */
static int64_t *slot(mapid *m, uint64_t addr) {
    int64_t *v = idmap_get(&m->live, (int64_t)addr, true);
    if (!v) m->oom = true;
    return v;
}

/* The recent-entries index of addr (a map's events come in runs: most find it there). */
static size_t recent_ix(uint64_t addr) { return (size_t)((addr >> 4) * 0x9E3779B97F4A7C15ull >> 58) & (RECENT - 1); }

/* Copies addr's current value into the recent entries. */
static void remember(mapid *m, uint64_t addr, int64_t val) {
    size_t i = recent_ix(addr);
    m->recent[i].addr = addr;
    m->recent[i].val = val;
}

/* Index of the live stack map at addr, or -1. */
static long find_stack(const mapid *m, uint64_t addr) {
    for (size_t i = 0; i < m->nstack; i++)
        if (m->stack[i].addr == addr) return (long)i;
    return -1;
}

/* Ends stack map i at ts (inferred: its frame returned) and forgets it. */
static void end_stack(mapid *m, derive *d, size_t i, int64_t ts) {
    int64_t *v = slot(m, m->stack[i].addr);
    if (v && (uint64_t)*v >> 1 == m->stack[i].id) {
        *v = 0;
        remember(m, m->stack[i].addr, 0);
    }
    derive_map_died(d, m->stack[i].id, ts, GORT_FREE_CAUSE_FRAME);
    m->stack[i] = m->stack[--m->nstack];
}

/* Ends the stack maps of goid below top (all of them when top is 0). */
static void end_frame(mapid *m, derive *d, uint64_t goid, uint64_t top, int64_t ts) {
    for (size_t i = 0; i < m->nstack;) {
        if (m->stack[i].goid == goid && (top == 0 || m->stack[i].addr < top))
            end_stack(m, d, i, ts); /* the last entry moved into i: look at i again */
        else
            i++;
    }
}

/* Moves goid's stack maps by delta (copystack). */
static void move_stack(mapid *m, uint64_t goid, uint64_t delta) {
    for (size_t i = 0; i < m->nstack; i++) { /* forget the old addresses first */
        if (m->stack[i].goid != goid) continue;
        int64_t *v = slot(m, m->stack[i].addr);
        if (v && (uint64_t)*v >> 1 == m->stack[i].id) {
            *v = 0;
            remember(m, m->stack[i].addr, 0);
        }
    }
    for (size_t i = 0; i < m->nstack; i++) {
        if (m->stack[i].goid != goid) continue;
        m->stack[i].addr += delta;
        int64_t *v = slot(m, m->stack[i].addr);
        if (v) {
            *v = (int64_t)(m->stack[i].id << 1 | 1);
            remember(m, m->stack[i].addr, *v);
        }
    }
}

/* Remembers a new stack map. */
static void add_stack(mapid *m, uint64_t goid, uint64_t addr, uint64_t id) {
    if (m->nstack == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        stack_map *p = realloc(m->stack, cap * sizeof *p);
        if (!p) {
            m->oom = true;
            return;
        }
        m->stack = p;
        m->cap = cap;
    }
    m->stack[m->nstack++] = (stack_map){ goid, addr, id };
}

/* Numbers one record's map (the rules at the top of this file) and follows stack maps. */
void mapid_record(mapid *m, derive *d, uint64_t *w) {
    unsigned kind = GORT_INFO_KIND(w[GORT_W_INFO]);
    int64_t ts = (int64_t)w[GORT_W_TS];
    uint64_t goid = w[GORT_W_GOID], addr = w[GORT_W_MAP];
    if (kind == GORT_EV_stackmove) {
        move_stack(m, goid, w[GORT_W_ARG1] - w[GORT_W_ARG0]);
        return;
    }
    if (kind == GORT_EV_frame_exit || kind == GORT_EV_goend) {
        if (m->nstack) end_frame(m, d, goid, kind == GORT_EV_goend ? 0 : w[GORT_W_ARG0], ts);
        return;
    }
    if (kind < GORT_EV_makemap || kind > GORT_EV_mapstack || addr == 0) return;
    size_t r = recent_ix(addr);
    if (m->recent[r].addr == addr && m->recent[r].val != 0 && kind != GORT_EV_makemap &&
        kind != GORT_EV_mapstack && kind != GORT_EV_mapfree) {
        w[GORT_W_MAP] = (uint64_t)m->recent[r].val >> 1; /* the common case: a known map */
        return;
    }
    int64_t *v = slot(m, addr);
    if (!v) return;
    if (kind == GORT_EV_makemap) {
        long i = *v & 1 ? find_stack(m, addr) : -1;
        if (i >= 0) end_stack(m, d, (size_t)i, ts); /* a new call's frame reuses the place */
        v = slot(m, addr);
        if (!v) return;
        *v = 0;
    }
    if (*v == 0) *v = (int64_t)(++m->next << 1);
    uint64_t id = (uint64_t)*v >> 1;
    w[GORT_W_MAP] = id;
    if (kind == GORT_EV_mapstack) {
        *v |= 1;
        add_stack(m, goid, addr, id);
    }
    if (kind == GORT_EV_mapfree) {
        long i = *v & 1 ? find_stack(m, addr) : -1;
        *v = 0;
        if (i >= 0) m->stack[i] = m->stack[--m->nstack];
    }
    remember(m, addr, *v);
}
