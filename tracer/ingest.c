/*
 * ingest.c — records to rows.
 *
 * An event record becomes one row of `event_rows` (the `events` view), its kind stored as its
 * number. Its raw stack (return addresses, innermost
 * first) is looked up in a hash table of the stacks seen so far: identical stacks are stored
 * once (a `stacks` row and its `stack_entries`), and each distinct address once (a frame id,
 * whose `frames` row is written after the run by symbolize.c). A name record becomes a `names`
 * row, a lost record (or a ring's pending run) a `lost` row, a recorder_stall a `stalls` row;
 * none of them is an event.
 *
 * Events rows are inserted EVENT_BATCH at a time with one multi-row INSERT: SQLite's per-
 * statement work (reset, VM start, journal checks) is paid once per batch, about a third of a
 * single-row insert's cost. ingest_flush() inserts a partial batch; the load calls it at the
 * end (load.c).
 *
 * Column rules (docs/schema.md): goid and defer_id are NULL when 0; map_id is kept for map
 * kinds (0 is the nil map) and NULL when 0 for the others; dur_ns is NULL when 0 except for
 * kinds whose duration is always measured; stack_id is NULL without a stack.
 */
#include "tracer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stack in the table: its id and where its addresses are kept. */
typedef struct stack_slot {
    uint64_t hash;
    uint64_t id;      /* 0 = empty slot */
    size_t off;       /* in pcs */
    unsigned n;
    bool exact0;      /* frame 0 is an exact pc (a sample) */
} stack_slot;

/* A distinct address: key = pc | exact bit 63. */
typedef struct frame_slot {
    uint64_t key;
    uint64_t id;      /* 0 = empty */
} frame_slot;

/* An events row waiting for its batch. */
typedef struct event_row {
    uint64_t ts, goid, map, defer, a0, a1, dur, sid;
    int32_t tid;
    unsigned kind;
} event_row;

struct ingest {
    trace_db *db;
    event_row rows[EVENT_BATCH]; /* inserted EVENT_BATCH at a time: one statement, one VM run */
    unsigned nrows;
    uint64_t events;
    uint64_t with_defer;             /* events with a defer_id */
    uint64_t per_kind[GORT_EV_MAX];  /* events by kind number */
    stack_slot *stacks;
    size_t nstacks, stack_cap;  /* cap: power of two */
    uint64_t *pcs;              /* every distinct stack's addresses, back to back */
    size_t npcs, pcs_cap;
    frame_slot *frames;
    size_t nframes, frame_cap;
    frame_ref *frame_list;      /* frame id i+1 = frame_list[i] */
    derive *derived;
    uint64_t stalls, stall_ns;  /* recorder_stall records and the time they add up to */
    mapid *maps;                /* set at the first record whose map word is an address */
};

#define EXACT_BIT (1ull << 63)

/* 64-bit mix of a word (splitmix64's finalizer). */
static inline uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* A new ingester writing through d; NULL when out of memory. */
ingest *ingest_new(trace_db *d) {
    ingest *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->db = d;
    g->stack_cap = 1024;
    g->frame_cap = 1024;
    g->pcs_cap = 4096;
    g->stacks = calloc(g->stack_cap, sizeof *g->stacks);
    g->frames = calloc(g->frame_cap, sizeof *g->frames);
    g->pcs = malloc(g->pcs_cap * sizeof *g->pcs);
    g->frame_list = malloc(g->frame_cap * sizeof *g->frame_list);
    g->derived = derive_new(d);
    if (!g->derived || !g->stacks || !g->frames || !g->pcs || !g->frame_list) {
        ingest_free(g);
        return NULL;
    }
    return g;
}

/* Frees everything; g may be NULL. */
void ingest_free(ingest *g) {
    if (!g) return;
    free(g->stacks);
    free(g->frames);
    free(g->pcs);
    free(g->frame_list);
    derive_free(g->derived);
    mapid_free(g->maps);
    free(g);
}

/* Events loaded so far. */
uint64_t ingest_events(const ingest *g) { return g->events; }

/* The database this ingester writes to. */
trace_db *ingest_db(ingest *g) { return g->db; }

/* The stalls seen and their total time. */
void ingest_stalls(const ingest *g, uint64_t *count, uint64_t *total_ns) {
    *count = g->stalls;
    *total_ns = g->stall_ns;
}

bool ingest_write_derived(ingest *g) { return derive_write(g->derived); }

/* Copies the load's counts (for the planner statistics). */
void ingest_counts(const ingest *g, trace_counts *c) {
    c->events = g->events;
    c->with_defer = g->with_defer;
    c->kinds = 0;
    for (unsigned k = 0; k < GORT_EV_MAX; k++) c->kinds += g->per_kind[k] != 0;
    c->cpu_samples = g->per_kind[GORT_EV_cpu_sample];
    c->defers = derive_defers(g->derived);
    c->stacks = g->nstacks;
    c->stack_entries = g->npcs;
}

/* The distinct addresses seen, frame id i+1 at index i. */
size_t ingest_frames(const ingest *g, const frame_ref **out) {
    *out = g->frame_list;
    return g->nframes;
}

/* Doubles the frame table (keeps load under 1/2). */
static bool grow_frames(ingest *g) {
    size_t cap = g->frame_cap * 2;
    frame_slot *t = calloc(cap, sizeof *t);
    frame_ref *list = realloc(g->frame_list, cap * sizeof *list);
    if (!t || !list) {
        free(t);
        if (list) g->frame_list = list;
        return false;
    }
    g->frame_list = list;
    for (size_t i = 0; i < g->frame_cap; i++) {
        if (!g->frames[i].id) continue;
        size_t k = mix(g->frames[i].key) & (cap - 1);
        while (t[k].id) k = (k + 1) & (cap - 1);
        t[k] = g->frames[i];
    }
    free(g->frames);
    g->frames = t;
    g->frame_cap = cap;
    return true;
}

/* The frame id of an address, new ones numbered 1, 2, ... in order of appearance. 0 on OOM. */
static uint64_t frame_id(ingest *g, uint64_t pc, bool exact) {
    uint64_t key = pc | (exact ? EXACT_BIT : 0);
    if (2 * (g->nframes + 1) > g->frame_cap && !grow_frames(g)) return 0;
    size_t k = mix(key) & (g->frame_cap - 1);
    while (g->frames[k].id) {
        if (g->frames[k].key == key) return g->frames[k].id;
        k = (k + 1) & (g->frame_cap - 1);
    }
    g->frame_list[g->nframes] = (frame_ref){ pc, exact };
    g->frames[k] = (frame_slot){ key, ++g->nframes };
    return g->nframes;
}

/* Doubles the stack table. */
static bool grow_stacks(ingest *g) {
    size_t cap = g->stack_cap * 2;
    stack_slot *t = calloc(cap, sizeof *t);
    if (!t) return false;
    for (size_t i = 0; i < g->stack_cap; i++) {
        if (!g->stacks[i].id) continue;
        size_t k = g->stacks[i].hash & (cap - 1);
        while (t[k].id) k = (k + 1) & (cap - 1);
        t[k] = g->stacks[i];
    }
    free(g->stacks);
    g->stacks = t;
    g->stack_cap = cap;
    return true;
}

/* Writes the rows of a new stack: stacks(id, depth) and one stack_entries row per frame. */
static bool insert_stack(ingest *g, uint64_t id, const uint64_t *pcs, unsigned n, bool exact0) {
    trace_db *d = g->db;
    sqlite3_bind_int64(d->ins_stack, 1, (sqlite3_int64)id);
    sqlite3_bind_int(d->ins_stack, 2, (int)n);
    if (sqlite3_step(d->ins_stack) != SQLITE_DONE) return false;
    sqlite3_reset(d->ins_stack);
    for (unsigned i = 0; i < n; i++) {
        uint64_t f = frame_id(g, pcs[i], i == 0 && exact0);
        if (!f) return false;
        sqlite3_bind_int64(d->ins_entry, 1, (sqlite3_int64)id);
        sqlite3_bind_int(d->ins_entry, 2, (int)i);
        sqlite3_bind_int64(d->ins_entry, 3, (sqlite3_int64)f);
        if (sqlite3_step(d->ins_entry) != SQLITE_DONE) return false;
        sqlite3_reset(d->ins_entry);
    }
    return true;
}

/* The id of a stack, stored on first sight. 0 on error. */
static uint64_t stack_id(ingest *g, const uint64_t *pcs, unsigned n, bool exact0) {
    uint64_t hsh = mix(n + (exact0 ? 0x100000 : 0));
    for (unsigned i = 0; i < n; i++) hsh = mix(hsh ^ pcs[i]);
    if (2 * (g->nstacks + 1) > g->stack_cap && !grow_stacks(g)) return 0;
    size_t k = hsh & (g->stack_cap - 1);
    while (g->stacks[k].id) {
        stack_slot *s = &g->stacks[k];
        if (s->hash == hsh && s->n == n && s->exact0 == exact0 &&
            memcmp(g->pcs + s->off, pcs, n * sizeof *pcs) == 0)
            return s->id;
        k = (k + 1) & (g->stack_cap - 1);
    }
    if (g->npcs + n > g->pcs_cap) {
        size_t cap = g->pcs_cap * 2 + n;
        uint64_t *p = realloc(g->pcs, cap * sizeof *p);
        if (!p) return 0;
        g->pcs = p;
        g->pcs_cap = cap;
    }
    memcpy(g->pcs + g->npcs, pcs, n * sizeof *pcs);
    uint64_t id = ++g->nstacks;
    g->stacks[k] = (stack_slot){ hsh, id, g->npcs, n, exact0 };
    g->npcs += n;
    return insert_stack(g, id, pcs, n, exact0) ? id : 0;
}

/* True for kinds about a map, whose map_id 0 means the nil map rather than "no map". */
static bool is_map_kind(unsigned kind) {
    return kind >= GORT_EV_makemap && kind <= GORT_EV_mapstack;
}

/* The map numbering of an address producer (the Go hook), created at its first record that
 * says its map word is an address (GORT_F_ADDR); NULL for libgort. Once it exists every record
 * goes through it: stackmove, frame_exit and goend follow the stack maps. */
static mapid *address_maps(ingest *g, unsigned flags) {
    if (!g->maps && (flags & GORT_F_ADDR)) g->maps = mapid_new();
    return g->maps;
}

/* True for kinds that always carry a measured duration, even 0. */
static bool has_duration(unsigned kind) {
    return kind == GORT_EV_deferreturn_end || kind == GORT_EV_stw_end || kind == GORT_EV_cpu_sample;
}

/* Binds v, or NULL when v is 0 and zero_is_null. */
static void bind_u64(sqlite3_stmt *s, int col, uint64_t v, bool zero_is_null) {
    if (v == 0 && zero_is_null)
        sqlite3_bind_null(s, col);
    else
        sqlite3_bind_int64(s, col, (sqlite3_int64)v);
}

/* A name record: names(id, name). */
static bool ingest_name(ingest *g, const uint64_t *w, const uint64_t *payload, unsigned extra) {
    uint64_t len = w[GORT_W_ARG1];
    if (len > (uint64_t)extra * 8) len = (uint64_t)extra * 8;
    sqlite3_stmt *s = g->db->ins_name;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)w[GORT_W_ARG0]);
    sqlite3_bind_text(s, 2, (const char *)payload, (int)len, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT;
}

/* Binds one event_rows row at columns base+1 .. base+10. The kind goes in as its number,
 * known or not (the events view names it, 'kind63' for a number without a name). */
static void bind_row(sqlite3_stmt *s, int base, const event_row *r) {
    sqlite3_bind_int64(s, base + 1, (sqlite3_int64)r->ts);
    sqlite3_bind_int(s, base + 2, r->tid);
    bind_u64(s, base + 3, r->goid, true);
    sqlite3_bind_int(s, base + 4, (int)r->kind);
    bind_u64(s, base + 5, r->map, !is_map_kind(r->kind));
    bind_u64(s, base + 6, r->defer, true);
    sqlite3_bind_int64(s, base + 7, (sqlite3_int64)r->a0);
    sqlite3_bind_int64(s, base + 8, (sqlite3_int64)r->a1);
    bind_u64(s, base + 9, r->dur, !has_duration(r->kind));
    bind_u64(s, base + 10, r->sid, true);
}

/* Inserts the waiting events rows: one batch statement when full, else row by row. */
bool ingest_flush(ingest *g) {
    trace_db *d = g->db;
    int rc = SQLITE_DONE;
    if (g->nrows == EVENT_BATCH) {
        for (unsigned i = 0; i < EVENT_BATCH; i++) bind_row(d->ins_event_batch, 10 * (int)i, &g->rows[i]);
        rc = sqlite3_step(d->ins_event_batch);
        sqlite3_reset(d->ins_event_batch);
    } else {
        for (unsigned i = 0; i < g->nrows && rc == SQLITE_DONE; i++) {
            bind_row(d->ins_event, 0, &g->rows[i]);
            rc = sqlite3_step(d->ins_event);
            sqlite3_reset(d->ins_event);
        }
    }
    g->nrows = 0;
    return rc == SQLITE_DONE;
}

bool ingest_record(ingest *g, int32_t tid, const uint64_t *rw, const uint64_t *payload,
                   unsigned extra) {
    unsigned kind = GORT_INFO_KIND(rw[GORT_W_INFO]);
    unsigned flags = GORT_INFO_FLAGS(rw[GORT_W_INFO]);
    if (kind == GORT_EV_name) return ingest_name(g, rw, payload, extra);
    const uint64_t *w = rw;
    uint64_t numbered[GORT_W_COUNT];
    mapid *maps = address_maps(g, flags);
    if (maps) { /* the map word becomes the map's id */
        memcpy(numbered, rw, sizeof numbered);
        mapid_record(maps, g->derived, numbered);
        if (mapid_failed(maps)) return false;
        w = numbered;
    }
    uint64_t sid = 0;
    if ((flags & GORT_F_STACK) && extra > 0) {
        sid = stack_id(g, payload, extra, (flags & GORT_F_SIGNAL) != 0);
        if (!sid) return false;
    }
    event_row *row = &g->rows[g->nrows++];
    *row = (event_row){ w[GORT_W_TS], w[GORT_W_GOID], w[GORT_W_MAP], w[GORT_W_DEFER],
                        w[GORT_W_ARG0], w[GORT_W_ARG1], w[GORT_W_DUR], sid, tid, kind };
    if (g->nrows == EVENT_BATCH && !ingest_flush(g)) return false;
    if (!derive_event(g->derived, tid, w)) return false;
    g->events++;
    if (kind < GORT_EV_MAX) g->per_kind[kind]++;
    if (w[GORT_W_DEFER]) g->with_defer++;
    g->db->rows_in_txn++;
    return true;
}

/* Inserts one lost row. */
bool ingest_lost(ingest *g, int32_t tid, uint64_t first_ns, uint64_t last_ns, uint64_t count) {
    sqlite3_stmt *s = g->db->ins_lost;
    sqlite3_bind_int(s, 1, tid);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)first_ns);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)last_ns);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)count);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
}

/* Inserts one stalls row. */
bool ingest_stall(ingest *g, int32_t tid, uint64_t start_ns, uint64_t end_ns) {
    sqlite3_stmt *s = g->db->ins_stall;
    sqlite3_bind_int(s, 1, tid);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)start_ns);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)end_ns);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    g->stalls++;
    g->stall_ns += end_ns - start_ns;
    return rc == SQLITE_DONE;
}
