/*
 * load.c — the second stage of `gort record`: the raw file (raw.c) becomes rows.
 *
 * It runs in its own thread while the program runs, following the drain through the file up
 * to what the drain has published, and after the program's end it catches up; `--recover`
 * runs it over a dead recording's file. Either way it reads the file through a read-only
 * mapping (no copy: a record goes from the page cache straight to ingest_record).
 *
 * The file holds each ring's records in order, ring by ring per pass, packed (pack.c; a
 * recovery adds verbatim RECORDS chunks). Rows get ids in time order across threads, so the
 * records are merged: each ring's chunks queue up as extents of one stream (a stream per claim of a ring: an ACCOUNT chunk closes it); at each
 * PASS chunk the streams are merged by timestamp up to the pass's watermark, and what is newer
 * stays queued for the next pass (drain.c says why the watermark makes ids follow time). A
 * stream is already in time order (a thread's clock never goes back), so the merge takes runs:
 * from the stream with the earliest record while it stays at or before the second earliest.
 * END, or the caller at the end of a recovery, releases everything.
 *
 * Records are dispatched by kind: `lost` runs and `recorder_stall` waits become rows of their
 * tables, everything else goes to ingest_record (events, names). A record whose length does
 * not fit its chunk ends that extent (counted as corrupt): a ring is only ever read as whole
 * records.
 *
 * Memory: the streams' extent lists (a few words per chunk not yet consumed), one unpacked
 * record per stream, and nothing that grows with the trace; the mapping's consumed pages are
 * released as the load advances.
 */
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RINGS 65536            /* a ring index beyond this is not a recording of ours */
#define RELEASE_STEP (64u << 20)   /* give consumed mapping pages back every 64 MiB */

typedef struct extent {
    uint64_t off, end; /* file offsets of the bytes [off, end): ring words or packed records */
    bool packed;
} extent;

/* One claim of one ring: its records, in order, still to be merged. */
typedef struct stream {
    struct stream *next;
    uint32_t ring;
    int32_t tid;
    bool closed;       /* its claim ended (ACCOUNT): no more extents */
    extent *q;         /* q[head..n): extents; q[head] is being read */
    size_t head, n, cap;
    const uint64_t *cur; /* the next record (in the mapping, or rec), NULL until read */
    unsigned cur_extra;
    uint64_t cur_bytes;  /* its size in the extent */
    uint64_t *rec;       /* a packed record, unpacked (and the one before it: pack.c) */
    unpack_state ups;
    bool fresh;          /* q[head] not started: the unpacking starts from zeros */
} stream;

struct loader {
    ingest *g;
    raw_reader *rd;
    stream *streams;          /* every stream with records or still open */
    stream **open;            /* ring -> its open stream */
    uint64_t *covered;        /* ring -> position after its last RECORDS chunk */
    uint32_t nrings;
    load_facts f;
    uint64_t released;
};

/* A loader feeding g from rd; NULL when out of memory. */
loader *loader_new(ingest *g, raw_reader *rd) {
    loader *L = calloc(1, sizeof *L);
    if (!L) return NULL;
    L->g = g;
    L->rd = rd;
    return L;
}

/* Frees the loader and its streams; L may be NULL. */
void loader_free(loader *L) {
    if (!L) return;
    for (stream *s = L->streams, *n; s; s = n) {
        n = s->next;
        free(s->q);
        free(s->rec);
        free(s);
    }
    free(L->open);
    free(L->covered);
    free(L->f.session);
    free(L->f.region);
    free(L);
}

/* What the file said so far, with the per-ring positions and where reading stopped. */
const load_facts *loader_facts(loader *L) {
    L->f.covered = L->covered;
    L->f.ncovered = L->nrings;
    L->f.file_end = L->rd->off;
    return &L->f;
}

/* Makes the per-ring tables hold ring index i. */
static bool grow_rings(loader *L, uint32_t i) {
    if (i < L->nrings) return true;
    if (i >= MAX_RINGS) return false;
    uint32_t n = L->nrings ? L->nrings : 64;
    while (n <= i) n *= 2;
    stream **o = realloc(L->open, n * sizeof *o);
    if (!o) return false;
    L->open = o;
    uint64_t *c = realloc(L->covered, n * sizeof *c);
    if (!c) return false;
    L->covered = c;
    memset(o + L->nrings, 0, (n - L->nrings) * sizeof *o);
    memset(c + L->nrings, 0, (n - L->nrings) * sizeof *c);
    L->nrings = n;
    return true;
}

/* Appends a RECORDS chunk's words, or a PACKED chunk's bytes, to its ring's open stream (a new
 * stream if none). */
static bool add_records(loader *L, const raw_chunk *c, uint64_t payload) {
    if (!grow_rings(L, c->ring)) return false;
    bool packed = c->type == RAW_PACKED;
    uint64_t from = payload, to = payload + c->nwords * 8, covered = c->nwords;
    if (packed) {
        const uint64_t *pre = raw_words(L->rd, payload);
        if (c->nwords < 2 || pre[1] > (c->nwords - 2) * 8) { /* not a packed chunk: skipped */
            L->f.corrupt = true;
            return true;
        }
        covered = pre[0];
        from = payload + 16;
        to = from + pre[1];
    }
    L->covered[c->ring] = c->pos + covered;
    if (from == to) return true;
    stream *s = L->open[c->ring];
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return false;
        s->ring = c->ring;
        s->tid = c->tid;
        s->fresh = true;
        s->next = L->streams;
        L->streams = s;
        L->open[c->ring] = s;
    }
    if (packed && !s->rec && !(s->rec = malloc((GORT_W_COUNT + MAX_RECORD_EXTRA) * 8))) return false;
    if (s->head > 0 && s->head == s->n) s->head = s->n = 0; /* all consumed: reuse */
    if (s->n == s->cap) {
        if (s->head > 0) { /* slide the consumed extents out first */
            memmove(s->q, s->q + s->head, (s->n - s->head) * sizeof *s->q);
            s->n -= s->head;
            s->head = 0;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 8;
            extent *q = realloc(s->q, cap * sizeof *q);
            if (!q) return false;
            s->q = q;
            s->cap = cap;
        }
    }
    s->q[s->n++] = (extent){ from, to, packed };
    return true;
}

/* Makes s->cur the stream's next record, reading (or unpacking) it from its extents; a record
 * that does not fit its extent ends the extent (corrupt). False when there is none now. */
static bool has_record(loader *L, stream *s) {
    if (s->cur) return true;
    while (s->head < s->n) {
        extent *e = &s->q[s->head];
        if (e->off >= e->end) {
            s->head++;
            s->fresh = true;
            continue;
        }
        if (!e->packed) {
            const uint64_t *w = raw_words(L->rd, e->off);
            uint64_t bytes = e->end - e->off < GORT_W_COUNT * 8
                                 ? UINT64_MAX
                                 : (GORT_W_COUNT + (uint64_t)GORT_INFO_EXTRA(w[GORT_W_INFO])) * 8;
            if (bytes > e->end - e->off) {
                L->f.corrupt = true;
                e->off = e->end;
                continue;
            }
            s->cur = w;
            s->cur_extra = GORT_INFO_EXTRA(w[GORT_W_INFO]);
            s->cur_bytes = bytes;
            return true;
        }
        if (s->fresh) {
            memset(&s->ups, 0, sizeof s->ups);
            s->fresh = false;
        }
        const uint8_t *start = (const uint8_t *)raw_words(L->rd, 0) + e->off, *p = start;
        if (!unpack_record(&s->ups, &p, start + (e->end - e->off), s->rec, MAX_RECORD_EXTRA)) {
            L->f.corrupt = true;
            e->off = e->end;
            continue;
        }
        s->cur = s->rec;
        s->cur_extra = GORT_INFO_EXTRA(s->rec[GORT_W_INFO]);
        s->cur_bytes = (uint64_t)(p - start);
        return true;
    }
    return false;
}

/* The timestamp of s's next record (has_record was true). */
static inline uint64_t next_ts(const stream *s) {
    return s->cur[GORT_W_TS];
}

/* Hands one record to the row makers by kind. False on a database error. */
static bool dispatch(loader *L, int32_t tid, const uint64_t *w, unsigned extra) {
    switch (GORT_INFO_KIND(w[GORT_W_INFO])) {
    case GORT_EV_lost:
        return ingest_lost(L->g, tid, w[GORT_W_TS], w[GORT_W_TS] + w[GORT_W_DUR], w[GORT_W_ARG0]);
    case GORT_EV_recorder_stall:
        return ingest_stall(L->g, tid, w[GORT_W_TS], w[GORT_W_TS] + w[GORT_W_DUR]);
    default:
        return ingest_record(L->g, tid, w, w + GORT_W_COUNT, extra);
    }
}

/* Takes s's records while their time is at or before `upto`. False on a database error. */
static bool take_run(loader *L, stream *s, uint64_t upto) {
    while (has_record(L, s)) {
        if (s->cur[GORT_W_TS] > upto) return true;
        if (!dispatch(L, s->tid, s->cur, s->cur_extra)) return false;
        s->q[s->head].off += s->cur_bytes;
        s->cur = NULL;
    }
    return true;
}

/* Frees the streams that are closed and consumed. */
static void drop_finished(loader *L) {
    for (stream **p = &L->streams; *p;) {
        stream *s = *p;
        if (s->closed && !has_record(L, s)) {
            *p = s->next;
            free(s->q);
            free(s->rec);
            free(s);
        } else {
            p = &s->next;
        }
    }
}

/* Gives back the mapping's pages below every stream's next record and the read position. */
static void release_consumed(loader *L) {
    uint64_t low = L->rd->off;
    for (stream *s = L->streams; s; s = s->next)
        if (s->head < s->n && s->q[s->head].off < low) low = s->q[s->head].off;
    if (low >= L->released + RELEASE_STEP) {
        raw_release(L->rd, low);
        L->released = low;
    }
}

/* Merges the streams by time, taking every record stamped at or before the watermark. */
static bool merge(loader *L, uint64_t watermark) {
    for (;;) {
        stream *best = NULL;
        uint64_t best_ts = UINT64_MAX, second_ts = UINT64_MAX;
        for (stream *s = L->streams; s; s = s->next) {
            if (!has_record(L, s)) continue;
            uint64_t ts = next_ts(s);
            if (!best || ts < best_ts) {
                second_ts = best_ts;
                best = s;
                best_ts = ts;
            } else if (ts < second_ts) {
                second_ts = ts;
            }
        }
        if (!best || best_ts > watermark) break;
        if (!take_run(L, best, second_ts < watermark ? second_ts : watermark)) return false;
    }
    /* A record held back points into the mapping, which the next read may move: it is read
     * again from its offset then. (An unpacked one stays: it lives in the stream.) */
    for (stream *s = L->streams; s; s = s->next)
        if (s->cur && s->cur != s->rec) s->cur = NULL;
    drop_finished(L);
    release_consumed(L);
    return db_maybe_commit(ingest_db(L->g));
}

/* An ACCOUNT chunk: the claim's stream is closed, its pending lost run becomes a row, its
 * counters join the totals. */
static bool account(loader *L, const raw_chunk *c, const raw_account *a) {
    if (!grow_rings(L, c->ring)) return false;
    stream *s = L->open[c->ring];
    if (s) s->closed = true;
    L->open[c->ring] = NULL;
    L->f.lost += a->lost_total;
    L->f.waits += a->waits;
    return !a->lost_pending ||
           ingest_lost(L->g, c->tid, a->lost_first_ns, a->lost_last_ns, a->lost_pending);
}

/* Keeps a copy of a SESSION or REGION payload. */
static bool keep_copy(void **dst, const uint64_t *src, uint64_t words, size_t min_bytes) {
    if (words * 8 < min_bytes) return true; /* too short to be one: ignored */
    void *p = malloc(words * 8 + 1);
    if (!p) return false;
    memcpy(p, src, words * 8);
    ((char *)p)[words * 8] = 0; /* the session's strings end here at the latest */
    free(*dst);
    *dst = p;
    return true;
}

/* Points the facts' strings into the session copy (program, command, temporary database). */
static void session_strings(loader *L, uint64_t words) {
    raw_session *s = L->f.session;
    const char *p = (const char *)(s + 1), *end = (const char *)s + words * 8;
    if (s->strings_len < (uint64_t)(end - p)) end = p + s->strings_len;
    const char **out[] = { &L->f.program, &L->f.command, &L->f.tmp_path };
    for (size_t i = 0; i < 3; i++) {
        *out[i] = "";
        if (p >= end) continue;
        *out[i] = p;
        p += strnlen(p, (size_t)(end - p)) + 1;
    }
}

/* The END chunk: everything left is released; the unringed losses become a row. */
static bool end_of_run(loader *L, const raw_end *e) {
    L->f.end = *e;
    L->f.ended = true;
    if (!merge(L, UINT64_MAX)) return false;
    if (e->unringed_lost) {
        L->f.lost += e->unringed_lost;
        if (!ingest_lost(L->g, 0, 0, 0, e->unringed_lost)) return false;
    }
    return ingest_flush(L->g);
}

/* Reads the whole chunks below limit and acts on each (tracer.h). */
bool load_until(loader *L, uint64_t limit) {
    raw_chunk c;
    uint64_t p;
    bool bad = false;
    while (!L->f.ended && raw_next(L->rd, limit, &c, &p, &bad)) {
        const uint64_t *w = raw_words(L->rd, p);
        bool ok = true;
        switch (c.type) {
        case RAW_SESSION:
            ok = keep_copy((void **)&L->f.session, w, c.nwords, sizeof(raw_session));
            if (ok && L->f.session) session_strings(L, c.nwords);
            break;
        case RAW_REGION:
            ok = keep_copy((void **)&L->f.region, w, c.nwords, sizeof(gort_rec_header));
            break;
        case RAW_RECORDS:
        case RAW_PACKED: ok = add_records(L, &c, p); break;
        case RAW_PASS: ok = c.nwords < 1 || merge(L, w[0]); break;
        case RAW_ACCOUNT:
            ok = c.nwords * 8 < sizeof(raw_account) || account(L, &c, (const raw_account *)w);
            break;
        case RAW_END:
            if (c.nwords * 8 >= sizeof(raw_end)) ok = end_of_run(L, (const raw_end *)w);
            break;
        }
        if (!ok) return false;
    }
    if (bad) L->f.bad_tail = true;
    return true;
}

/* Merges and loads every record still held back, and the last partial batch. */
bool load_release_all(loader *L) {
    return merge(L, UINT64_MAX) && ingest_flush(L->g);
}
