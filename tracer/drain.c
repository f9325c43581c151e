/*
 * drain.c — moves committed ring data to the raw file and frees the space. Nothing else: no
 * SQLite, no ordering; a pass packs what the rings hold (pack.c: a few ns a record, a tenth of
 * the bytes) and writes it with one writev.
 *
 * The recorder is each ring's only reader. A pass snapshots every ring's head (acquire: the
 * words before head are complete records), packs the records [tail, head) as one PACKED chunk
 * per ring, adds a PASS chunk carrying the watermark the caller gives, writes it all (raw.c),
 * and only then stores each ring's new tail (release): the records are in the file before the
 * producer may overwrite them (raw.c tells why that makes a drained event survive the
 * recorder's death). Packing bounds the scratch memory: past 16 MiB of packed bytes the chunks
 * queued so far are written and their tails stored before the pass goes on.
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

#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

#define MAX_RECORD_WORDS (GORT_W_COUNT + MAX_RECORD_EXTRA)
/* A producer waits for room for its record, a pending lost record and a stall record: at most
 * 8 + 128 + 8 + 8 words. A ring with less free than this may have a waiter to wake. */
#define WAITER_ROOM 256
/* A ring's words are packed and written a slice at a time, its tail stored after each: a thread
 * waiting on a full ring goes on after the first slice, not after the whole ring. */
#define SLICE_WORDS 32768
#define BUF_TARGET (16u << 20) /* packed bytes queued before a write, at most (but one ring's) */

/* Stores ring i's new tail (release), giving its words back to the producer; a ring that was
 * full or nearly (head - old_tail: its thread may be waiting for space, sleeping on the tail's
 * low 32 bits as a futex word) gets a FUTEX_WAKE too. */
static void free_space(gort_rec_header *h, uint32_t i, uint64_t tail, uint64_t old_tail,
                       uint64_t head) {
    gort_rec_ring *r = gort_rec_ring_at(h, i);
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    if (head - old_tail + WAITER_ROOM > h->ring_words)
        syscall(SYS_futex, (uint32_t *)&r->tail, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/* Makes room for `need` more packed bytes in st->buf: when the queued chunks would not fit,
 * writes them and stores the tails of their rings first (their words are in the file then).
 * False on a write error or when out of memory. */
static bool room_for(drain_stats *st, raw_writer *w, gort_rec_header *h, size_t used, size_t need,
                     uint32_t upto, bool *flushed) {
    *flushed = false;
    if (used + need <= st->buf_cap) return true;
    if (used) {
        if (!raw_flush(w)) return false;
        for (uint32_t k = 0; k < upto; k++)
            if (st->heads[k]) free_space(h, k, st->heads[k], st->tails[k], st->heads[k]);
        *flushed = true;
    }
    if (need > st->buf_cap) {
        size_t cap = need > BUF_TARGET ? need : BUF_TARGET;
        uint8_t *b = realloc(st->buf, cap);
        if (!b) return false;
        st->buf = b;
        st->buf_cap = cap;
    }
    return true;
}

/* Packs ring i's records from tail (pack.c) at out, after two preamble words (ring words
 * covered, packed bytes), zero-padded to a word: up to head, or to the first record boundary
 * past SLICE_WORDS, or to a record that does not fit what is committed (st->corrupt). Returns
 * the words written at out. */
static uint64_t pack_ring(gort_rec_header *h, gort_rec_ring *r, uint64_t tail, uint64_t head,
                          uint64_t *out, drain_stats *st) {
    const uint64_t *words = gort_rec_ring_words(r);
    uint64_t mask = h->ring_words - 1, pos = tail;
    uint64_t copy[MAX_RECORD_WORDS]; /* a record that wraps around the ring's end */
    pack_state ps = { 0 };
    uint8_t *start = (uint8_t *)(out + 2), *p = start;
    while (pos < head && pos - tail < SLICE_WORDS) {
        unsigned extra = GORT_INFO_EXTRA(words[(pos + GORT_W_INFO) & mask]);
        uint64_t n = GORT_W_COUNT + (uint64_t)extra, at = pos & mask;
        if (n > head - pos || extra > MAX_RECORD_EXTRA) {
            st->corrupt = true;
            break;
        }
        const uint64_t *rec = words + at;
        if (at + n > h->ring_words) {
            for (uint64_t k = 0; k < n; k++) copy[k] = words[(pos + k) & mask];
            rec = copy;
        }
        p = pack_record(&ps, rec, rec + GORT_W_COUNT, extra, p);
        pos += n;
    }
    size_t bytes = (size_t)(p - start);
    while ((p - start) % 8) *p++ = 0;
    out[0] = pos - tail;
    out[1] = bytes;
    return 2 + (uint64_t)(p - start) / 8;
}

/* Frees the scratch memory of st. */
void drain_stats_free(drain_stats *st) {
    free(st->heads);
    free(st->tails);
    st->tails = NULL;
    free(st->buf);
    st->heads = NULL;
    st->buf = NULL;
    st->heads_cap = 0;
    st->buf_cap = 0;
}

/* One pass over every ring: pack, write, then free the space (see the top and tracer.h). */
uint64_t drain_pass(rec_region *reg, raw_writer *w, uint64_t watermark, drain_stats *st) {
    gort_rec_header *h = reg->h;
    uint32_t nr = atomic_load_explicit(&h->rings_used, memory_order_acquire);
    if (nr > h->nrings) nr = h->nrings;
    uint64_t words = 0, fullest = 0;
    if (st->heads_cap < nr) {
        uint64_t *heads = realloc(st->heads, sizeof *heads * nr);
        if (heads) st->heads = heads;
        uint64_t *tails = realloc(st->tails, sizeof *tails * nr);
        if (tails) st->tails = tails;
        if (!heads || !tails) goto fail;
        st->heads_cap = nr;
    }
    size_t used = 0;
    bool flushed;
    for (uint32_t i = 0; i < nr; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        st->heads[i] = 0;
        if (atomic_load_explicit(&r->state, memory_order_acquire) == GORT_RING_FREE) continue;
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (head == tail) continue;
        if (head - tail > h->ring_words) { /* a producer broke the protocol: skip its ring */
            st->corrupt = true;
            continue;
        }
        /* Every slice but the last is written and freed at once; the last is queued with the
         * other rings' and freed after the pass's write. */
        uint64_t from = tail;
        for (;;) {
            uint64_t span = head - from < SLICE_WORDS ? head - from : SLICE_WORDS;
            size_t need = pack_bound(span + MAX_RECORD_WORDS) + 16;
            if (!room_for(st, w, h, used, need, i, &flushed)) goto fail;
            if (flushed) used = 0;
            uint64_t *out = (uint64_t *)(st->buf + used);
            uint64_t n = pack_ring(h, r, from, head, out, st);
            if (!raw_add(w, RAW_PACKED, i, r->tid, from, out, n, NULL, 0)) goto fail;
            used += n * 8;
            uint64_t to = from + out[0];
            if (to == head || out[0] == 0 || to - from < SLICE_WORDS) break; /* last, or corrupt */
            if (!raw_flush(w)) goto fail;
            used = 0;
            free_space(h, i, to, from, head);
            from = to;
        }
        /* The words after a malformed record are abandoned with it (tail jumps to head). */
        st->heads[i] = head;
        st->tails[i] = from;
        words += head - tail;
        if (head - tail > fullest) fullest = head - tail;
    }
    if (words) {
        if (!raw_add(w, RAW_PASS, 0, 0, 0, &watermark, 1, NULL, 0) || !raw_flush(w)) goto fail;
        for (uint32_t i = 0; i < nr; i++)
            if (st->heads[i]) free_space(h, i, st->heads[i], st->tails[i], st->heads[i]);
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

/* The end of the raw file once the program is gone (tracer.h). */
bool drain_end(rec_region *reg, raw_writer *w, const raw_end *end) {
    gort_rec_header *h = reg->h;
    /* The program is gone: every ring's head is final; drain all (the caller has already
     * passed with an infinite watermark, but a last look costs nothing). */
    drain_stats st = { 0 };
    while (drain_pass(reg, w, UINT64_MAX, &st) > 0) {}
    drain_stats_free(&st);
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
