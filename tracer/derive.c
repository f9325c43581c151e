/*
 * derive.c — the summary tables (maps, defers, goroutines, gc_cycles), computed from the
 * events as they are loaded and written as the rows fill up.
 *
 * Each table is a fold over the events: the first makemap of a map, the largest count it
 * reached, the first deferreturn of a defer record... Folding while the events stream in costs
 * a hash lookup per event and nothing at the end, where computing the same with
 * INSERT ... SELECT over ten million rows took longer than loading them. The definitions are
 * exactly those of the SQL in docs/schema.md (minimums and maximums, so the order in which
 * events arrive does not matter), and tests/t_record_derived.sh checks the tables against
 * that SQL run over the stored events. Nothing here depends on the program having ended well:
 * a crashed program's tables are the fold of the events it committed.
 *
 * Bounded memory. The rows being folded are a cache, not the table: when it holds ROW_CAP rows
 * (about 25 MB) every row is written and the cache starts empty. A row written once and folded
 * again later (a map operated on after the flush, a use-after-free) is written with an
 * upsert whose SET clauses are the same minimums, maximums and sums, so the table ends as if
 * every event had been folded into one row. Two kinds of partial rows carry over a flush
 * instead: a defer seen only by its end (its row needs the registration) and a goroutine
 * created but not yet running (its row needs an event of its own). A goroutine's tid is the
 * first flush's (its gostart's thread, which is where it runs from its first event on).
 *
 * GC phases carry no cycle number: an event belongs to the cycle whose gc_start is the latest
 * at or before it, in (ts_ns, id) order as docs/schema.md defines it. Timestamps can be equal
 * (a producer thread repeats its last stamp when its clock reads earlier, so a thread's gc_end
 * and the next gc_start may share one), and of equal ones the event stored first comes first:
 * an event's id is its place in the order derive_event sees them (seq). The events arrive in
 * time order (load.c merges by time), so the last GC_WINDOW cycles are folded in memory and an
 * older one is written when a new one starts; of each cycle only its start stays (32 bytes),
 * so that an event that arrives late (its thread waited: a stall, or was preempted between
 * stamping and publishing it for longer than the drain's lag) is folded into its written row
 * with an UPDATE of the same definitions. A gc_start that arrives late is different: events
 * stamped after it that arrived before it were folded into the cycle before, and a fold cannot
 * be undone. Both cycles are marked, and derive_write folds them again from the stored events
 * (one scan of the table, only in that case), so the table always equals its definition.
 */
#include "cli.h"
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

#define NONE INT64_MIN /* an aggregate with no input: NULL in the table */

typedef struct map_row {
    uint64_t map_id;
    int64_t created, died, cause, key_kind, peak_len, peak_b, grows, on_stack;
} map_row;

typedef struct defer_row {
    uint64_t defer_id;
    int64_t goid, registered, ran, end, fn_id, how;
} defer_row;

typedef struct g_row {
    uint64_t goid;
    int64_t start_tid, min_tid, first, ended, created;
} g_row;

/* One gc_cycles row being filled. */
typedef struct cycle_row {
    int64_t cycle, start, mark, markterm, sweep, sweepdone, end, stw, before, after, freed;
    int64_t assists, assist_ns;
} cycle_row;

/* A cycle's start (its gc_start's time and id) and number, for the cycle a GC event belongs to. */
typedef struct cycle_start {
    int64_t ts, cycle;
    uint64_t id;
    bool refold;  /* some of its events may be folded into another cycle: fold again at the end */
} cycle_start;

#define GC_WINDOW 16 /* cycles folded in memory; an older one is written */

struct derive {
    trace_db *db;
    idmap map_ix, defer_ix, g_ix;
    map_row *maps;
    defer_row *defers;
    g_row *gs;
    cycle_start *starts;      /* every cycle's start, in (ts_ns, id) order */
    cycle_row *open;          /* the last cycles (up to GC_WINDOW): starts[nstarts - nopen ..] */
    size_t nmaps, ndefers, ngs, nstarts, nopen, cap_maps, cap_defers, cap_gs, cap_starts, cap_open;
    size_t defers_seen;       /* defer rows made, over every flush (for the planner's stats) */
    size_t row_cap;           /* ROW_CAP, or GORT_RECORD_DERIVE_ROWS (tests: many flushes) */
    uint64_t seq;             /* events folded: the id of the one being folded (ingest.c stores
                                 events in the order it folds them, numbered from 1) */
    int64_t gc_latest;        /* the latest timestamp of a GC event folded so far */
    bool refold;              /* some start is marked refold */
    bool oom, db_error;
};

/* NULL-aware minimum of a column and the statement's ?2. */
#define MIN_OF2(c) c " = coalesce(min(" c ", ?2), ?2)"

#define ROW_CAP 262144 /* rows folded in memory (maps + defers + goroutines) before a flush */

static bool flush_rows(derive *d);

/* Binds an aggregate, NULL when it had no input. */
static void bind_agg(sqlite3_stmt *s, int col, int64_t v) {
    if (v == NONE)
        sqlite3_bind_null(s, col);
    else
        sqlite3_bind_int64(s, col, v);
}

/* Binds a static string, or NULL. */
static void bind_str(sqlite3_stmt *s, int col, const char *v) {
    if (v)
        sqlite3_bind_text(s, col, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

/* Steps and resets; false on error. */
static bool step(sqlite3_stmt *s) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
}


/* The row index of key in the rows indexed by m, adding one (index = *n, then *n grows) if
 * new. -1 when out of memory. */
static long row_index(idmap *m, uint64_t key, size_t *n) {
    int64_t *v = idmap_get(m, (int64_t)key, true);
    if (!v) return -1;
    if (*v == 0) *v = (int64_t)++*n; /* stored as index + 1: 0 is a new slot */
    return (long)*v - 1;
}

/* Makes room for one more element in a growable array. */
static bool reserve(void **arr, size_t *cap, size_t n, size_t size) {
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, c * size);
    if (!p) return false;
    *arr = p;
    *cap = c;
    return true;
}

/* a = min(a, v), where NONE is "no value yet". */
static inline void fold_min(int64_t *a, int64_t v) {
    if (*a == NONE || v < *a) *a = v;
}
/* a = max(a, v), where NONE is "no value yet". */
static inline void fold_max(int64_t *a, int64_t v) {
    if (*a == NONE || v > *a) *a = v;
}

/* A new fold writing to db, with its row bound (ROW_CAP or GORT_RECORD_DERIVE_ROWS). */
derive *derive_new(trace_db *db) {
    derive *d = calloc(1, sizeof(derive));
    if (!d) return NULL;
    d->db = db;
    d->row_cap = ROW_CAP;
    const char *env = getenv("GORT_RECORD_DERIVE_ROWS");
    if (env && atol(env) > 0) d->row_cap = (size_t)atol(env);
    return d;
}

/* Frees everything; d may be NULL. */
void derive_free(derive *d) {
    if (!d) return;
    idmap_free(&d->map_ix);
    idmap_free(&d->defer_ix);
    idmap_free(&d->g_ix);
    free(d->maps);
    free(d->defers);
    free(d->gs);
    free(d->starts);
    free(d->open);
    free(d);
}

/* The maps row of id (created on first sight). */
static map_row *map_of(derive *d, uint64_t id) {
    if (!reserve((void **)&d->maps, &d->cap_maps, d->nmaps, sizeof *d->maps)) return NULL;
    size_t before = d->nmaps;
    long i = row_index(&d->map_ix, id, &d->nmaps);
    if (i < 0) return NULL;
    if ((size_t)i == before)
        d->maps[i] = (map_row){ id, NONE, NONE, NONE, NONE, NONE, NONE, 0, NONE };
    return &d->maps[i];
}

/* The defers row of id (created on first sight); NULL when out of memory. */
static defer_row *defer_of(derive *d, uint64_t id) {
    if (!reserve((void **)&d->defers, &d->cap_defers, d->ndefers, sizeof *d->defers)) return NULL;
    size_t before = d->ndefers;
    long i = row_index(&d->defer_ix, id, &d->ndefers);
    if (i < 0) return NULL;
    if ((size_t)i == before) {
        d->defers[i] = (defer_row){ id, NONE, NONE, NONE, NONE, NONE, NONE };
        d->defers_seen++;
    }
    return &d->defers[i];
}

/* The goroutines row of goid (created on first sight); NULL when out of memory. */
static g_row *g_of(derive *d, uint64_t goid) {
    if (!reserve((void **)&d->gs, &d->cap_gs, d->ngs, sizeof *d->gs)) return NULL;
    size_t before = d->ngs;
    long i = row_index(&d->g_ix, goid, &d->ngs);
    if (i < 0) return NULL;
    if ((size_t)i == before) d->gs[i] = (g_row){ goid, NONE, NONE, NONE, NONE, NONE };
    return &d->gs[i];
}

/* Folds one map event into its map's row. */
static void fold_map(derive *d, unsigned kind, const uint64_t *w) {
    map_row *m = map_of(d, w[GORT_W_MAP]);
    if (!m) {
        d->oom = true;
        return;
    }
    int64_t ts = (int64_t)w[GORT_W_TS], a0 = (int64_t)w[GORT_W_ARG0], a1 = (int64_t)w[GORT_W_ARG1];
    switch (kind) {
    case GORT_EV_makemap: fold_min(&m->created, ts); fold_max(&m->peak_b, a1); break;
    case GORT_EV_mapfree:
        if (m->died == NONE || ts < m->died) m->died = ts;
        fold_min(&m->cause, a0);
        fold_max(&m->peak_len, a1);
        break;
    case GORT_EV_maptype: fold_max(&m->key_kind, a0); break;
    case GORT_EV_mapassign:
    case GORT_EV_mapdelete: fold_max(&m->peak_len, a1); break;
    case GORT_EV_mapclear: fold_max(&m->peak_len, a0); break;
    case GORT_EV_hashgrow: fold_max(&m->peak_b, a0); m->grows++; break;
    case GORT_EV_mapstack: m->on_stack = 1; break;
    default: break;
    }
}

void derive_map_died(derive *d, uint64_t map_id, int64_t ts, int cause) {
    map_row *m = map_of(d, map_id);
    if (!m) {
        d->oom = true;
        return;
    }
    if (m->died == NONE || ts < m->died) m->died = ts;
    fold_min(&m->cause, cause);
}

/* Folds deferproc / deferreturn / deferreturn_end into the defer's row. */
static void fold_defer(derive *d, unsigned kind, const uint64_t *w) {
    defer_row *r = defer_of(d, w[GORT_W_DEFER]);
    if (!r) {
        d->oom = true;
        return;
    }
    int64_t ts = (int64_t)w[GORT_W_TS];
    if (kind == GORT_EV_deferproc) {
        if (w[GORT_W_GOID]) fold_min(&r->goid, (int64_t)w[GORT_W_GOID]);
        fold_min(&r->registered, ts);
        fold_min(&r->fn_id, (int64_t)w[GORT_W_ARG1]);
    } else if (kind == GORT_EV_deferreturn) {
        fold_min(&r->ran, ts);
        fold_min(&r->how, (int64_t)w[GORT_W_ARG0]);
    } else {
        fold_min(&r->end, ts);
    }
}

/* Folds an event into its goroutine's row (and the created time of gocreate's child). */
static void fold_goroutine(derive *d, int32_t tid, unsigned kind, const uint64_t *w) {
    int64_t ts = (int64_t)w[GORT_W_TS];
    if (w[GORT_W_GOID]) {
        g_row *g = g_of(d, w[GORT_W_GOID]);
        if (!g) {
            d->oom = true;
            return;
        }
        fold_min(&g->first, ts);
        fold_min(&g->min_tid, tid);
        if (kind == GORT_EV_gostart) fold_min(&g->start_tid, tid);
        if (kind == GORT_EV_goend) fold_min(&g->ended, ts);
    }
    if (kind == GORT_EV_gocreate) {
        /* The child's row exists only if it emitted events itself; keep the time aside in a
         * row that write() skips when the goroutine never appeared (first stays NONE). */
        g_row *c = g_of(d, w[GORT_W_ARG0]);
        if (!c) {
            d->oom = true;
            return;
        }
        fold_min(&c->created, ts);
    }
}

/* Inserts one gc_cycles row. */
static bool write_cycle(sqlite3 *db, const cycle_row *c) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO gc_cycles(cycle, start_ns, mark_start_ns, "
                           "mark_termination_ns, sweep_start_ns, sweep_done_ns, end_ns, stw_ns, "
                           "heap_before, heap_after, maps_freed, assists, assist_ns) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    const int64_t v[] = { c->cycle, c->start, c->mark, c->markterm, c->sweep, c->sweepdone,
                          c->end, c->stw, c->before, c->after, c->freed, c->assists, c->assist_ns };
    for (int i = 0; i < 13; i++) bind_agg(s, i + 1, v[i]);
    bool ok = step(s);
    sqlite3_finalize(s);
    return ok;
}

/* Folds a GC phase event (or a map freed by the GC) into the cycle row c. */
static void fold_cycle(cycle_row *c, unsigned kind, const uint64_t *w) {
    int64_t ts = (int64_t)w[GORT_W_TS];
    switch (kind) {
    case GORT_EV_gc_mark_start: fold_min(&c->mark, ts); break;
    case GORT_EV_gc_mark_termination: fold_min(&c->markterm, ts); break;
    case GORT_EV_gc_sweep_start: fold_min(&c->sweep, ts); break;
    case GORT_EV_gc_sweep_done: fold_min(&c->sweepdone, ts); break;
    case GORT_EV_gc_end: /* the first gc_end: its time and heap sizes */
        if (c->end == NONE || ts < c->end) {
            c->end = ts;
            c->before = (int64_t)w[GORT_W_ARG0];
            c->after = (int64_t)w[GORT_W_ARG1];
        }
        break;
    case GORT_EV_stw_end: c->stw = (c->stw == NONE ? 0 : c->stw) + (int64_t)w[GORT_W_DUR]; break;
    case GORT_EV_mapfree: c->freed++; break;
    case GORT_EV_gc_assist: c->assists++, c->assist_ns += (int64_t)w[GORT_W_DUR]; break;
    default: break;
    }
}

/* Folds a GC event into a cycle already written (it came late: stamped before a newer
 * cycle's events it was read after), with the same definitions in SQL. */
static bool fold_written(derive *d, int64_t cycle, unsigned kind, const uint64_t *w) {
    const char *sql;
    switch (kind) {
    case GORT_EV_gc_mark_start: sql = "UPDATE gc_cycles SET " MIN_OF2("mark_start_ns") " WHERE cycle = ?1"; break;
    case GORT_EV_gc_mark_termination: sql = "UPDATE gc_cycles SET " MIN_OF2("mark_termination_ns") " WHERE cycle = ?1"; break;
    case GORT_EV_gc_sweep_start: sql = "UPDATE gc_cycles SET " MIN_OF2("sweep_start_ns") " WHERE cycle = ?1"; break;
    case GORT_EV_gc_sweep_done: sql = "UPDATE gc_cycles SET " MIN_OF2("sweep_done_ns") " WHERE cycle = ?1"; break;
    case GORT_EV_gc_end:
        sql = "UPDATE gc_cycles SET heap_before = CASE WHEN end_ns IS NULL OR ?2 < end_ns THEN ?3 "
              "ELSE heap_before END, heap_after = CASE WHEN end_ns IS NULL OR ?2 < end_ns THEN ?4 "
              "ELSE heap_after END, " MIN_OF2("end_ns") " WHERE cycle = ?1";
        break;
    case GORT_EV_stw_end: sql = "UPDATE gc_cycles SET stw_ns = coalesce(stw_ns, 0) + ?5 WHERE cycle = ?1"; break;
    case GORT_EV_mapfree: sql = "UPDATE gc_cycles SET maps_freed = maps_freed + 1 WHERE cycle = ?1"; break;
    case GORT_EV_gc_assist:
        sql = "UPDATE gc_cycles SET assists = assists + 1, assist_ns = assist_ns + ?5 WHERE cycle = ?1";
        break;
    default: return true;
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(d->db->db, sql, -1, &s, NULL) != SQLITE_OK) return false;
    int n = sqlite3_bind_parameter_count(s);
    const int64_t v[] = { cycle, (int64_t)w[GORT_W_TS], (int64_t)w[GORT_W_ARG0],
                          (int64_t)w[GORT_W_ARG1], (int64_t)w[GORT_W_DUR] };
    for (int i = 0; i < n && i < 5; i++) sqlite3_bind_int64(s, i + 1, v[i]);
    bool ok = step(s);
    sqlite3_finalize(s);
    return ok;
}

/* The index in starts of the last cycle starting at or before the event (ts, id) in
 * (ts_ns, id) order, or -1: of a gc_start and an event stamped the same nanosecond, the one
 * stored first comes first (docs/schema.md). */
static long cycle_at(const derive *d, int64_t ts, uint64_t id) {
    size_t lo = 0, hi = d->nstarts; /* the first start after (ts, id) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cycle_start *c = &d->starts[mid];
        if (c->ts < ts || (c->ts == ts && c->id <= id)) lo = mid + 1; else hi = mid;
    }
    return (long)lo - 1;
}

/* Writes the oldest open cycle's row and drops it from the window. */
static bool write_oldest(derive *d) {
    bool ok = write_cycle(d->db->db, &d->open[0]);
    memmove(d->open, d->open + 1, (d->nopen - 1) * sizeof *d->open);
    d->nopen--;
    return ok;
}

/* A gc_start: a new cycle, in memory; the oldest of the window is written. */
static bool start_cycle(derive *d, const uint64_t *w) {
    cycle_start cs = { (int64_t)w[GORT_W_TS], (int64_t)w[GORT_W_ARG0], d->seq, false };
    cycle_row row = { cs.cycle, cs.ts, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, 0, 0, 0 };
    if (!reserve((void **)&d->starts, &d->cap_starts, d->nstarts, sizeof *d->starts) ||
        !reserve((void **)&d->open, &d->cap_open, d->nopen, sizeof *d->open)) {
        d->oom = true;
        return false;
    }
    if (d->nstarts && cs.ts < d->gc_latest) {
        /* A late start (rare): events stamped after it were folded into the cycle before it
         * (or, were it older than some start, it goes in order). Both are folded again at the
         * end; meanwhile it is kept in order, its row in memory or written at once. */
        size_t at = (size_t)(cycle_at(d, cs.ts, cs.id) + 1);
        memmove(d->starts + at + 1, d->starts + at, (d->nstarts - at) * sizeof *d->starts);
        cs.refold = true;
        if (at > 0) d->starts[at - 1].refold = true;
        d->refold = true;
        d->starts[at] = cs;
        d->nstarts++;
        if (at == d->nstarts - 1) { /* the latest start after all: in order from here */
            d->open[d->nopen++] = row;
            return d->nopen <= GC_WINDOW || write_oldest(d);
        }
        if (at >= d->nstarts - d->nopen) { /* inside the window: becomes an open row */
            size_t k = at - (d->nstarts - 1 - d->nopen);
            memmove(d->open + k + 1, d->open + k, (d->nopen - k) * sizeof *d->open);
            d->open[k] = row;
            d->nopen++;
            return true;
        }
        return write_cycle(d->db->db, &row);
    }
    d->starts[d->nstarts++] = cs;
    d->open[d->nopen++] = row;
    return d->nopen <= GC_WINDOW || write_oldest(d);
}

/* Folds a GC event into its cycle (the latest to start at or before it): in memory, or into
 * the written row. */
static void fold_gc(derive *d, unsigned kind, const uint64_t *w) {
    bool ok;
    if ((int64_t)w[GORT_W_TS] > d->gc_latest) d->gc_latest = (int64_t)w[GORT_W_TS];
    if (kind == GORT_EV_gc_start) {
        ok = start_cycle(d, w);
    } else {
        long k = cycle_at(d, (int64_t)w[GORT_W_TS], d->seq);
        if (k < 0) return; /* before the first cycle */
        size_t first_open = d->nstarts - d->nopen;
        if ((size_t)k >= first_open) {
            fold_cycle(&d->open[(size_t)k - first_open], kind, w);
            return;
        }
        ok = fold_written(d, d->starts[k].cycle, kind, w);
    }
    if (!ok && !d->oom) d->db_error = true;
}

/* Folds one event into whichever summary rows it concerns; writes the rows first when the
 * cache is full. False on a database error or when out of memory. */
bool derive_event(derive *d, int32_t tid, const uint64_t *w) {
    if (d->nmaps + d->ndefers + d->ngs >= d->row_cap && !flush_rows(d)) return false;
    unsigned kind = GORT_INFO_KIND(w[GORT_W_INFO]);
    d->seq++;
    if (kind >= GORT_EV_makemap && kind <= GORT_EV_mapstack && w[GORT_W_MAP] != 0)
        fold_map(d, kind, w);
    if ((kind == GORT_EV_deferproc || kind == GORT_EV_deferreturn ||
         kind == GORT_EV_deferreturn_end) && w[GORT_W_DEFER] != 0)
        fold_defer(d, kind, w);
    if (w[GORT_W_GOID] || kind == GORT_EV_gocreate) fold_goroutine(d, tid, kind, w);
    if ((kind >= GORT_EV_gc_start && kind <= GORT_EV_gc_end) || kind == GORT_EV_gc_assist ||
        (kind == GORT_EV_mapfree && w[GORT_W_ARG0] == GORT_FREE_CAUSE_GC))
        fold_gc(d, kind, w);
    return !d->oom && !d->db_error;
}


/* NULL-aware minimum and maximum of a column and the incoming value (SQLite's min() and max()
 * of several arguments are NULL when any is). */
#define MIN_OF(c) c " = coalesce(min(" c ", excluded." c "), " c ", excluded." c ")"
#define MAX_OF(c) c " = coalesce(max(" c ", excluded." c "), " c ", excluded." c ")"
/* Ranks of key_kind by its number (the fold keeps the largest). */
#define KEY_RANK(x) "(CASE " x " WHEN 'int64' THEN 1 WHEN 'uint64' THEN 2 WHEN 'string' THEN 3 " \
                    "WHEN 'generic' THEN 4 END)"

/* Writes (upserts) the maps rows. */
static bool write_maps(derive *d, sqlite3 *db) {
    static const char *const key_kinds[] = { NULL, "int64", "uint64", "string", "generic" };
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO maps(map_id, created_ns, died_ns, death_cause, key_kind, "
                           "peak_len, peak_B, grows, on_stack) VALUES (?,?,?,?,?,?,?,?,?) "
                           "ON CONFLICT(map_id) DO UPDATE SET " MIN_OF("created_ns") ", "
                           MIN_OF("died_ns") ", death_cause = CASE WHEN 'gc' IN (death_cause, "
                           "excluded.death_cause) THEN 'gc' ELSE coalesce(death_cause, "
                           "excluded.death_cause) END, key_kind = CASE WHEN key_kind IS NULL OR "
                           KEY_RANK("excluded.key_kind") " > " KEY_RANK("key_kind")
                           " THEN coalesce(excluded.key_kind, key_kind) ELSE key_kind END, "
                           MAX_OF("peak_len") ", " MAX_OF("peak_B") ", grows = grows + excluded.grows, "
                           MAX_OF("on_stack"),
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    bool ok = true;
    for (size_t i = 0; i < d->nmaps && ok; i++) {
        map_row *m = &d->maps[i];
        sqlite3_bind_int64(s, 1, (int64_t)m->map_id);
        bind_agg(s, 2, m->created);
        bind_agg(s, 3, m->died);
        bind_str(s, 4, m->cause == 1 ? "gc" : m->cause == 2 ? "frame" : NULL);
        bind_str(s, 5, m->key_kind >= 1 && m->key_kind <= 4 ? key_kinds[m->key_kind] : NULL);
        bind_agg(s, 6, m->peak_len);
        bind_agg(s, 7, m->peak_b);
        sqlite3_bind_int64(s, 8, m->grows);
        /* A stack map: announced by mapstack (Go), or one whose frame ended it (libgort). */
        sqlite3_bind_int(s, 9, m->on_stack == 1 || m->cause == GORT_FREE_CAUSE_FRAME);
        ok = step(s);
    }
    sqlite3_finalize(s);
    return ok;
}

/* The `how` of a defer row. */
static const char *how_name(const defer_row *r) {
    if (r->ran == NONE) return "never";
    return r->how == 1 ? "return" : r->how == 2 ? "panic" : r->how == 3 ? "goexit" : NULL;
}

/* Writes (upserts) the defers rows of records that were registered or ran. A row seen only by
 * its end is folded into the stored row if there is one; otherwise it is kept (*keep). */
static bool write_defers(derive *d, sqlite3 *db, bool final) {
    sqlite3_stmt *s, *end;
    /* how: 'never' yields to a real one; among return (1), panic (2), goexit (3) the fold
     * keeps the smallest number, which is the largest name. */
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO defers(defer_id, goid, registered_ns, ran_ns, end_ns, fn, "
                           "how) VALUES (?,?,?,?,?,(SELECT name FROM names WHERE id = ?),?) "
                           "ON CONFLICT(defer_id) DO UPDATE SET " MIN_OF("goid") ", "
                           MIN_OF("registered_ns") ", " MIN_OF("ran_ns") ", " MIN_OF("end_ns")
                           ", fn = coalesce(fn, excluded.fn), how = CASE WHEN how = 'never' THEN "
                           "excluded.how WHEN excluded.how = 'never' THEN how ELSE "
                           "max(how, excluded.how) END",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    if (sqlite3_prepare_v2(db, "UPDATE defers SET end_ns = coalesce(min(end_ns, ?2), ?2) "
                               "WHERE defer_id = ?1", -1, &end, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return false;
    }
    bool ok = true;
    size_t kept = 0;
    for (size_t i = 0; i < d->ndefers && ok; i++) {
        defer_row *r = &d->defers[i];
        if (r->registered == NONE && r->ran == NONE) { /* only an end */
            sqlite3_bind_int64(end, 1, (int64_t)r->defer_id);
            bind_agg(end, 2, r->end);
            ok = step(end);
            if (ok && !final && sqlite3_changes(db) == 0) d->defers[kept++] = *r;
            continue;
        }
        sqlite3_bind_int64(s, 1, (int64_t)r->defer_id);
        bind_agg(s, 2, r->goid);
        bind_agg(s, 3, r->registered);
        bind_agg(s, 4, r->ran);
        bind_agg(s, 5, r->end);
        bind_agg(s, 6, r->fn_id);
        bind_str(s, 7, how_name(r));
        ok = step(s);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(end);
    d->ndefers = kept;
    return ok;
}

/* Writes (upserts) the goroutines rows of goroutines that emitted events; those created but
 * not yet seen running are kept (moved to the front of the array) unless this is the end. */
static bool write_goroutines(derive *d, sqlite3 *db, bool final) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO goroutines(goid, tid, created_ns, ended_ns) "
                           "VALUES (?,?,?,?) ON CONFLICT(goid) DO UPDATE SET "
                           "tid = coalesce(tid, excluded.tid), " MIN_OF("created_ns") ", "
                           MIN_OF("ended_ns"),
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    bool ok = true;
    size_t kept = 0;
    for (size_t i = 0; i < d->ngs && ok; i++) {
        g_row *g = &d->gs[i];
        if (g->first == NONE) { /* created but never ran an event of its own (yet) */
            if (!final) d->gs[kept++] = *g;
            continue;
        }
        sqlite3_bind_int64(s, 1, (int64_t)g->goid);
        bind_agg(s, 2, g->start_tid != NONE ? g->start_tid : g->min_tid);
        bind_agg(s, 3, g->created != NONE ? g->created : g->first);
        bind_agg(s, 4, g->ended);
        ok = step(s);
    }
    sqlite3_finalize(s);
    d->ngs = kept;
    return ok;
}

/* Rebuilds an index over the rows kept in an array after a flush. */
static bool reindex(idmap *m, const void *rows, size_t n, size_t size) {
    idmap_free(m);
    for (size_t i = 0; i < n; i++) {
        uint64_t id = *(const uint64_t *)((const char *)rows + i * size); /* the id is first */
        int64_t *v = idmap_get(m, (int64_t)id, true);
        if (!v) return false;
        *v = (int64_t)i + 1;
    }
    return true;
}

/* Writes every row folded so far and empties the cache (but the partial rows that must wait:
 * see the top). False on a database error or when out of memory. */
static bool flush_rows(derive *d) {
    sqlite3 *db = d->db->db;
    if (!write_maps(d, db) || !write_defers(d, db, false) || !write_goroutines(d, db, false)) {
        d->db_error = true;
        return false;
    }
    d->nmaps = 0;
    idmap_free(&d->map_ix);
    if (!reindex(&d->defer_ix, d->defers, d->ndefers, sizeof *d->defers) ||
        !reindex(&d->g_ix, d->gs, d->ngs, sizeof *d->gs)) {
        d->oom = true;
        return false;
    }
    return true;
}

/* Writes the cycles still in memory. */
/* Folds the cycles marked refold again from the stored events (every event is in the table
 * by now) and rewrites their rows: one scan of the GC kinds, each event folded into the
 * cycle of its (ts_ns, id), the same fold_cycle as while loading. */
static bool refold_cycles(derive *d, sqlite3 *db) {
    cycle_row *rows = calloc(d->nstarts, sizeof *rows);
    if (!rows) return false;
    for (size_t i = 0; i < d->nstarts; i++)
        rows[i] = (cycle_row){ d->starts[i].cycle, d->starts[i].ts, NONE, NONE, NONE, NONE,
                               NONE, NONE, NONE, NONE, 0, 0, 0 };
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT id, ts_ns, kind_id, arg0, arg1, coalesce(dur_ns, 0) FROM "
             "event_rows WHERE kind_id BETWEEN %d AND %d OR (kind_id = %d AND arg0 = %d)",
             GORT_EV_stw_end, GORT_EV_gc_assist, GORT_EV_mapfree, GORT_FREE_CAUSE_GC);
    sqlite3_stmt *s = NULL, *u = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK;
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        uint64_t w[GORT_W_COUNT] = { 0 };
        w[GORT_W_TS] = (uint64_t)sqlite3_column_int64(s, 1);
        w[GORT_W_ARG0] = (uint64_t)sqlite3_column_int64(s, 3);
        w[GORT_W_ARG1] = (uint64_t)sqlite3_column_int64(s, 4);
        w[GORT_W_DUR] = (uint64_t)sqlite3_column_int64(s, 5);
        long k = cycle_at(d, (int64_t)w[GORT_W_TS], (uint64_t)sqlite3_column_int64(s, 0));
        if (k >= 0 && d->starts[k].refold) fold_cycle(&rows[k], (unsigned)sqlite3_column_int(s, 2), w);
    }
    sqlite3_finalize(s);
    ok = ok && rc == SQLITE_DONE &&
         sqlite3_prepare_v2(db,
                            "UPDATE gc_cycles SET mark_start_ns = ?2, mark_termination_ns = ?3, "
                            "sweep_start_ns = ?4, sweep_done_ns = ?5, end_ns = ?6, stw_ns = ?7, "
                            "heap_before = ?8, heap_after = ?9, maps_freed = ?10, "
                            "assists = ?11, assist_ns = ?12 WHERE cycle = ?1",
                            -1, &u, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < d->nstarts; i++) {
        if (!d->starts[i].refold) continue;
        const cycle_row *c = &rows[i];
        const int64_t v[] = { c->cycle, c->mark, c->markterm, c->sweep, c->sweepdone, c->end,
                              c->stw, c->before, c->after, c->freed, c->assists, c->assist_ns };
        for (int j = 0; j < 12; j++) bind_agg(u, j + 1, v[j]);
        ok = step(u);
    }
    sqlite3_finalize(u);
    free(rows);
    return ok;
}

static bool write_gc_cycles(derive *d, sqlite3 *db) {
    for (size_t i = 0; i < d->nopen; i++)
        if (!write_cycle(db, &d->open[i])) return false;
    d->nopen = 0;
    return !d->refold || refold_cycles(d, db);
}

size_t derive_defers(const derive *d) { return d->defers_seen; }

/* Writes every summary row still in memory and the GC cycles; false on a database error or if
 * memory ran out while folding. */
bool derive_write(derive *d) {
    sqlite3 *db = d->db->db;
    return !d->oom && !d->db_error && write_maps(d, db) && write_defers(d, db, true) &&
           write_goroutines(d, db, true) && write_gc_cycles(d, db);
}
