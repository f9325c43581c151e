/*
 * drain.c — reads committed records out of the rings and frees their space.
 *
 * The recorder is each ring's only reader. One pass takes a snapshot of every ring's head
 * (acquire: the record words before head are complete), then merges the rings' records by
 * timestamp — each ring is already in time order, because a thread's clock never goes back —
 * so that rows get ids in time order and, per thread, always in emission order.
 * A record is handed to ingest straight from the ring's memory (copied out only when it wraps
 * around the ring's end); tail is advanced (release) after each record.
 *
 * Records newer than `limit` stay for the next pass. The loop passes "now minus a little", so
 * a record only gets an id once every thread has had time to commit what it stamped earlier:
 * an event stamped before the limit but committed after the pass (its thread preempted for
 * longer than the lag between stamping and publishing) is the only way ids can go against
 * time across threads. A ring more than half full is drained down to half regardless (its
 * thread must not wait out the lag; with buffers of megabytes its oldest records are far older
 * than the lag anyway), and after the program's end the limit is infinite.
 *
 * A ring whose thread exited (RETIRED) and that is fully drained is recycled: its pending lost
 * run is reported, its counters are added to the totals, head and tail go back to 0, and it
 * becomes FREE (release) for the next new thread.
 */
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RECORD_WORDS (GORT_W_COUNT + 4096)

/* One ring's part of a pass. */
typedef struct cursor {
    gort_rec_ring *ring;
    uint64_t *words;
    uint64_t mask;
    uint64_t pos;   /* next word to read */
    uint64_t head;  /* snapshot */
    int32_t tid;
} cursor;

/* Word i of the ring (i counts from the ring's claim). */
static inline uint64_t word_at(const cursor *c, uint64_t i) {
    return c->words[i & c->mask];
}

/* Hands the record at c->pos to ingest and advances. False on a database error or a
 * malformed record (then the ring is abandoned: pos = head). */
static bool take_record(cursor *c, ingest *g, drain_stats *st) {
    uint64_t info = word_at(c, c->pos + GORT_W_INFO);
    unsigned extra = GORT_INFO_EXTRA(info);
    uint64_t n = GORT_W_COUNT + (uint64_t)extra;
    if (n > c->head - c->pos || n > MAX_RECORD_WORDS) {
        st->corrupt = true;
        c->pos = c->head;
        return true;
    }
    uint64_t start = c->pos & c->mask;
    const uint64_t *w;
    uint64_t copy[MAX_RECORD_WORDS];
    if (start + n <= c->mask + 1) {
        w = c->words + start;
    } else {
        for (uint64_t i = 0; i < n; i++) copy[i] = word_at(c, c->pos + i);
        w = copy;
    }
    bool ok;
    if (GORT_INFO_KIND(info) == GORT_EV_lost)
        ok = ingest_lost(g, c->tid, w[GORT_W_TS], w[GORT_W_TS] + w[GORT_W_DUR], w[GORT_W_ARG0]);
    else
        ok = ingest_record(g, c->tid, w, w + GORT_W_COUNT, extra);
    c->pos += n;
    st->records++;
    if (!ok) st->error = true;
    return ok;
}

/* Recycles a retired ring that has been drained completely. */
static bool recycle(gort_rec_ring *r, ingest *g, drain_stats *st) {
    uint64_t pending = atomic_load_explicit(&r->lost_pending, memory_order_acquire);
    if (pending && !ingest_lost(g, r->tid, r->lost_first_ns, r->lost_last_ns, pending))
        return false;
    st->lost += atomic_load_explicit(&r->lost_total, memory_order_acquire);
    st->waits += atomic_load_explicit(&r->waits, memory_order_relaxed);
    atomic_store_explicit(&r->lost_pending, 0, memory_order_relaxed);
    atomic_store_explicit(&r->lost_total, 0, memory_order_relaxed);
    atomic_store_explicit(&r->waits, 0, memory_order_relaxed);
    atomic_store_explicit(&r->head, 0, memory_order_relaxed);
    atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
    r->tid = 0;
    atomic_store_explicit(&r->state, GORT_RING_FREE, memory_order_release);
    return true;
}

/* One pass over every ring: see tracer.h. Sets st->error on a database error. */
uint64_t drain_once(rec_region *reg, ingest *g, drain_stats *st, uint64_t limit) {
    gort_rec_header *h = reg->h;
    uint32_t nr = atomic_load_explicit(&h->rings_used, memory_order_acquire);
    if (nr > h->nrings) nr = h->nrings;
    cursor *cs = malloc(sizeof(cursor) * (nr ? nr : 1));
    uint32_t *retired = malloc(sizeof(uint32_t) * (nr ? nr : 1));
    if (!cs || !retired) {
        free(cs);
        free(retired);
        st->error = true;
        return 0;
    }
    uint32_t nc = 0, nret = 0;
    for (uint32_t i = 0; i < nr; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        uint32_t state = atomic_load_explicit(&r->state, memory_order_acquire);
        if (state == GORT_RING_FREE) continue;
        /* state before head: a RETIRED ring's head is final once we have seen RETIRED. */
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (state == GORT_RING_RETIRED) retired[nret++] = i;
        if (head == tail) continue;
        cs[nc++] = (cursor){ r, gort_rec_ring_words(r), h->ring_words - 1, tail, head, r->tid };
    }
    uint64_t before = st->records;
    /* Merge: the cursor with the earliest next record goes first (ties: lower ring). */
    while (nc > 0 && !st->error) {
        uint32_t best = 0, full = nc;
        uint64_t best_ts = UINT64_MAX;
        for (uint32_t k = 0; k < nc; k++) {
            uint64_t ts = word_at(&cs[k], cs[k].pos + GORT_W_TS);
            if ((cs[k].head - cs[k].pos) * 2 > cs[k].mask + 1) full = k;
            if (ts < best_ts) {
                best = k;
                best_ts = ts;
            }
        }
        /* The rest waits for the next pass (see the top) — except from a ring more than half
         * full, whose thread may be waiting for room and must not wait out the lag. */
        if (best_ts > limit) {
            if (full == nc) break;
            best = full;
        }
        cursor *c = &cs[best];
        take_record(c, g, st);
        /* Free the space at once: a waiting producer goes on while the pass continues. The
         * producer reads tail only when it runs out of room, so this line rarely moves. */
        atomic_store_explicit(&c->ring->tail, c->pos, memory_order_release);
        if (c->pos == c->head) cs[best] = cs[--nc];
    }
    for (uint32_t k = 0; k < nc; k++) /* left over after an error */
        atomic_store_explicit(&cs[k].ring->tail, cs[k].pos, memory_order_release);
    if (!st->error && !ingest_flush(g)) st->error = true;
    for (uint32_t k = 0; k < nret && !st->error; k++) {
        gort_rec_ring *r = gort_rec_ring_at(h, retired[k]);
        if (atomic_load_explicit(&r->tail, memory_order_relaxed) ==
            atomic_load_explicit(&r->head, memory_order_acquire))
            if (!recycle(r, g, st)) st->error = true;
    }
    free(cs);
    free(retired);
    return st->records - before;
}

/* Reports the lost runs still pending in the rings and adds up the rings' counters. */
bool drain_finish(rec_region *reg, ingest *g, drain_stats *st) {
    gort_rec_header *h = reg->h;
    for (uint32_t i = 0; i < h->nrings; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        if (atomic_load_explicit(&r->state, memory_order_acquire) == GORT_RING_FREE) continue;
        uint64_t pending = atomic_load_explicit(&r->lost_pending, memory_order_acquire);
        if (pending && !ingest_lost(g, r->tid, r->lost_first_ns, r->lost_last_ns, pending))
            return false;
        st->lost += atomic_load_explicit(&r->lost_total, memory_order_acquire);
        st->waits += atomic_load_explicit(&r->waits, memory_order_relaxed);
    }
    uint64_t unringed = atomic_load(&h->unringed_lost);
    if (unringed) {
        if (!ingest_lost(g, 0, 0, 0, unringed)) return false;
        st->lost += unringed;
    }
    return true;
}
