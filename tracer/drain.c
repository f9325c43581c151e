/*
 * drain.c — moves committed ring data to the raw file and frees the space. Nothing else: no
 * parsing, no SQLite, no ordering; a pass costs one writev of what the rings hold.
 *
 * The recorder is each ring's only reader. A pass snapshots every ring's head (acquire: the
 * words before head are complete records), queues the words [tail, head) — two pieces when
 * they wrap around the ring's end — as one RECORDS chunk per ring, adds a PASS chunk carrying
 * the watermark the caller gives, writes it all (raw.c), and only then stores each ring's new
 * tail (release): the words are in the file before the producer may overwrite them (raw.c
 * tells why that makes a drained event survive the recorder's death).
 *
 * Ring positions are never reset: a ring whose thread exited (RETIRED) and that is fully
 * drained is recycled — an ACCOUNT chunk records its counters (lost events, the pending lost
 * run, waits) and the head where the claim ended, the counters go back to 0, and the ring
 * becomes FREE (release) for the next new thread, which continues from the same head. So a
 * chunk's (ring, position) names its words once and for all, which a recovery relies on.
 *
 * The watermark: the caller reads the trace clock before the pass and passes that time minus
 * a lag (record.c: 1 ms). A record stamped before that time was committed before the pass
 * began unless its thread was preempted between stamping and publishing for longer than the
 * lag (or waited for space: a stall) — so the load thread can give ids in time order across
 * threads up to the watermark. After the program's end the watermark is UINT64_MAX.
 */
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

/* The ring's counters as an ACCOUNT payload (read after the producer stopped writing them:
 * a RETIRED ring, or any ring once the program is gone). */
static raw_account account_of(gort_rec_ring *r) {
    raw_account a = { atomic_load_explicit(&r->lost_total, memory_order_acquire),
                      atomic_load_explicit(&r->waits, memory_order_relaxed),
                      atomic_load_explicit(&r->lost_pending, memory_order_acquire),
                      r->lost_first_ns, r->lost_last_ns };
    if (!a.lost_pending) a.lost_first_ns = a.lost_last_ns = 0;
    return a;
}

/* Recycles a retired, fully drained ring: ACCOUNT chunk written first, then the counters
 * reset and the ring freed. */
static bool recycle(gort_rec_ring *r, uint32_t i, raw_writer *w) {
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    raw_account a = account_of(r);
    if (!raw_add(w, RAW_ACCOUNT, i, r->tid, head, &a, sizeof a / 8, NULL, 0) || !raw_flush(w))
        return false;
    atomic_store_explicit(&r->lost_pending, 0, memory_order_relaxed);
    atomic_store_explicit(&r->lost_total, 0, memory_order_relaxed);
    atomic_store_explicit(&r->waits, 0, memory_order_relaxed);
    r->tid = 0;
    atomic_store_explicit(&r->state, GORT_RING_FREE, memory_order_release);
    return true;
}

/* Queues ring i's words [tail, head) as one RECORDS chunk (two pieces when they wrap). */
static bool queue_ring(gort_rec_header *h, gort_rec_ring *r, uint32_t i, uint64_t tail,
                       uint64_t head, raw_writer *w) {
    uint64_t *words = gort_rec_ring_words(r);
    uint64_t n = head - tail, start = tail & (h->ring_words - 1);
    uint64_t first = n < h->ring_words - start ? n : h->ring_words - start;
    return raw_add(w, RAW_RECORDS, i, r->tid, tail, words + start, first,
                   first < n ? words : NULL, n - first);
}

uint64_t drain_pass(rec_region *reg, raw_writer *w, uint64_t watermark, drain_stats *st) {
    gort_rec_header *h = reg->h;
    uint32_t nr = atomic_load_explicit(&h->rings_used, memory_order_acquire);
    if (nr > h->nrings) nr = h->nrings;
    uint64_t words = 0, fullest = 0;
    /* Snapshot and queue; heads are kept in the ring list for the tail stores below. */
    uint64_t *heads = st->heads;
    if (st->heads_cap < nr) {
        heads = realloc(st->heads, sizeof *heads * nr);
        if (!heads) {
            st->error = true;
            return 0;
        }
        st->heads = heads;
        st->heads_cap = nr;
    }
    for (uint32_t i = 0; i < nr; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        heads[i] = 0;
        if (atomic_load_explicit(&r->state, memory_order_acquire) == GORT_RING_FREE) continue;
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (head == tail) continue;
        if (head - tail > h->ring_words) { /* a producer broke the protocol: skip its ring */
            st->corrupt = true;
            continue;
        }
        if (!queue_ring(h, r, i, tail, head, w)) goto fail;
        heads[i] = head;
        words += head - tail;
        if (head - tail > fullest) fullest = head - tail;
    }
    if (words) {
        if (!raw_add(w, RAW_PASS, 0, 0, 0, &watermark, 1, NULL, 0) || !raw_flush(w)) goto fail;
        for (uint32_t i = 0; i < nr; i++)
            if (heads[i])
                atomic_store_explicit(&gort_rec_ring_at(h, i)->tail, heads[i], memory_order_release);
    }
    /* Recycle the drained rings of exited threads (state before head: a RETIRED ring's head is
     * final once RETIRED has been seen). */
    for (uint32_t i = 0; i < nr; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        if (atomic_load_explicit(&r->state, memory_order_acquire) != GORT_RING_RETIRED) continue;
        if (atomic_load_explicit(&r->head, memory_order_acquire) ==
                atomic_load_explicit(&r->tail, memory_order_relaxed) &&
            !recycle(r, i, w))
            goto fail;
    }
    st->words += words;
    st->fullest = fullest;
    return words;
fail:
    st->error = true;
    return 0;
}

bool drain_end(rec_region *reg, raw_writer *w, const raw_end *end) {
    gort_rec_header *h = reg->h;
    /* The program is gone: every ring's head is final; drain all (the caller has already
     * passed with an infinite watermark, but a last look costs nothing). */
    drain_stats st = { 0 };
    while (drain_pass(reg, w, UINT64_MAX, &st) > 0) {}
    free(st.heads);
    if (st.error) return false;
    uint32_t nr = atomic_load_explicit(&h->rings_used, memory_order_acquire);
    if (nr > h->nrings) nr = h->nrings;
    for (uint32_t i = 0; i < nr; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        if (atomic_load_explicit(&r->state, memory_order_acquire) == GORT_RING_FREE) continue;
        raw_account a = account_of(r);
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        /* One at a time: the payload is this loop's local until written. */
        if (!raw_add(w, RAW_ACCOUNT, i, r->tid, head, &a, sizeof a / 8, NULL, 0) || !raw_flush(w))
            return false;
    }
    return raw_add(w, RAW_REGION, 0, 0, 0, h, sizeof *h / 8, NULL, 0) &&
           raw_add(w, RAW_END, 0, 0, 0, end, sizeof *end / 8, NULL, 0) && raw_flush(w);
}
