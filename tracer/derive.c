/*
 * derive.c — the summary tables (maps, defers, goroutines, gc_cycles), computed from the
 * events as they are loaded and written once at the end.
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
 * GC phases carry no cycle number, so their events are kept (they are few), sorted by time at
 * the end and assigned to the cycle whose gc_start precedes them. Timestamps can be equal (a
 * producer thread repeats its last stamp when its clock reads earlier), so "precedes" is in
 * (ts_ns, id) order: seq, the arrival count, is the event's id, since ingest.c stores events
 * in the order they arrive. docs/schema.md defines the table the same way.
 */
#include "cli.h"
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

#define NONE INT64_MIN /* an aggregate with no input: NULL in the table */

typedef struct map_row {
    uint64_t map_id;
    int64_t created, died, cause, key_kind, peak_len, peak_b, grows;
} map_row;

typedef struct defer_row {
    uint64_t defer_id;
    int64_t goid, registered, ran, end, fn_id, how;
} defer_row;

typedef struct g_row {
    uint64_t goid;
    int64_t start_tid, min_tid, first, ended, created;
} g_row;

typedef struct gc_ev {
    int64_t ts;
    uint64_t seq;
    unsigned kind;
    uint64_t arg0, arg1, dur;
} gc_ev;

struct derive {
    idmap map_ix, defer_ix, g_ix;
    map_row *maps;
    defer_row *defers;
    g_row *gs;
    gc_ev *gc;
    size_t nmaps, ndefers, ngs, ngc, cap_maps, cap_defers, cap_gs, cap_gc;
    uint64_t seq;
    bool oom;
};

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

derive *derive_new(void) { return calloc(1, sizeof(derive)); }

/* Frees everything; d may be NULL. */
void derive_free(derive *d) {
    if (!d) return;
    idmap_free(&d->map_ix);
    idmap_free(&d->defer_ix);
    idmap_free(&d->g_ix);
    free(d->maps);
    free(d->defers);
    free(d->gs);
    free(d->gc);
    free(d);
}

/* The maps row of id (created on first sight). */
static map_row *map_of(derive *d, uint64_t id) {
    if (!reserve((void **)&d->maps, &d->cap_maps, d->nmaps, sizeof *d->maps)) return NULL;
    size_t before = d->nmaps;
    long i = row_index(&d->map_ix, id, &d->nmaps);
    if (i < 0) return NULL;
    if ((size_t)i == before)
        d->maps[i] = (map_row){ id, NONE, NONE, NONE, NONE, NONE, NONE, 0 };
    return &d->maps[i];
}

/* The defers row of id (created on first sight); NULL when out of memory. */
static defer_row *defer_of(derive *d, uint64_t id) {
    if (!reserve((void **)&d->defers, &d->cap_defers, d->ndefers, sizeof *d->defers)) return NULL;
    size_t before = d->ndefers;
    long i = row_index(&d->defer_ix, id, &d->ndefers);
    if (i < 0) return NULL;
    if ((size_t)i == before) d->defers[i] = (defer_row){ id, NONE, NONE, NONE, NONE, NONE, NONE };
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
    default: break;
    }
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

/* Keeps a GC event for the cycle assignment at the end. */
static void keep_gc(derive *d, unsigned kind, const uint64_t *w) {
    if (!reserve((void **)&d->gc, &d->cap_gc, d->ngc, sizeof *d->gc)) {
        d->oom = true;
        return;
    }
    d->gc[d->ngc++] = (gc_ev){ (int64_t)w[GORT_W_TS], d->seq, kind, w[GORT_W_ARG0],
                               w[GORT_W_ARG1], w[GORT_W_DUR] };
}

/* Folds one event into whichever summary rows it concerns. */
void derive_event(derive *d, int32_t tid, const uint64_t *w) {
    unsigned kind = GORT_INFO_KIND(w[GORT_W_INFO]);
    d->seq++;
    if (kind >= GORT_EV_makemap && kind <= GORT_EV_maptype && w[GORT_W_MAP] != 0)
        fold_map(d, kind, w);
    if ((kind == GORT_EV_deferproc || kind == GORT_EV_deferreturn ||
         kind == GORT_EV_deferreturn_end) && w[GORT_W_DEFER] != 0)
        fold_defer(d, kind, w);
    if (w[GORT_W_GOID] || kind == GORT_EV_gocreate) fold_goroutine(d, tid, kind, w);
    if ((kind >= GORT_EV_gc_start && kind <= GORT_EV_gc_end) ||
        (kind == GORT_EV_mapfree && w[GORT_W_ARG0] == GORT_FREE_CAUSE_GC))
        keep_gc(d, kind, w);
}

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

/* Inserts the maps rows. */
static bool write_maps(derive *d, sqlite3 *db) {
    static const char *const key_kinds[] = { NULL, "int64", "uint64", "string", "generic" };
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO maps(map_id, created_ns, died_ns, death_cause, key_kind, "
                           "peak_len, peak_B, grows) VALUES (?,?,?,?,?,?,?,?)",
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
        ok = step(s);
    }
    sqlite3_finalize(s);
    return ok;
}

/* Inserts the defers rows of records that were registered or ran. */
static bool write_defers(derive *d, sqlite3 *db) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO defers(defer_id, goid, registered_ns, ran_ns, end_ns, fn, "
                           "how) VALUES (?,?,?,?,?,(SELECT name FROM names WHERE id = ?),?)",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    bool ok = true;
    for (size_t i = 0; i < d->ndefers && ok; i++) {
        defer_row *r = &d->defers[i];
        if (r->registered == NONE && r->ran == NONE) continue; /* only an end: no row */
        sqlite3_bind_int64(s, 1, (int64_t)r->defer_id);
        bind_agg(s, 2, r->goid);
        bind_agg(s, 3, r->registered);
        bind_agg(s, 4, r->ran);
        bind_agg(s, 5, r->end);
        bind_agg(s, 6, r->fn_id);
        bind_str(s, 7, r->ran == NONE ? "never" : r->how == 1 ? "return" : r->how == 2 ? "panic"
                                                 : r->how == 3 ? "goexit" : NULL);
        ok = step(s);
    }
    sqlite3_finalize(s);
    return ok;
}

/* Inserts the goroutines rows of goroutines that emitted events. */
static bool write_goroutines(derive *d, sqlite3 *db) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO goroutines(goid, tid, created_ns, ended_ns) "
                           "VALUES (?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    bool ok = true;
    for (size_t i = 0; i < d->ngs && ok; i++) {
        g_row *g = &d->gs[i];
        if (g->first == NONE) continue; /* created but never ran an event of its own */
        sqlite3_bind_int64(s, 1, (int64_t)g->goid);
        bind_agg(s, 2, g->start_tid != NONE ? g->start_tid : g->min_tid);
        bind_agg(s, 3, g->created != NONE ? g->created : g->first);
        bind_agg(s, 4, g->ended);
        ok = step(s);
    }
    sqlite3_finalize(s);
    return ok;
}

/* Orders GC events by time, then by arrival (their ids): the order of docs/schema.md. */
static int cmp_gc(const void *a, const void *b) {
    const gc_ev *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One gc_cycles row being filled. */
typedef struct cycle_row {
    int64_t cycle, start, mark, markterm, sweep, sweepdone, end, stw, before, after, freed;
} cycle_row;

/* Inserts one gc_cycles row. */
static bool write_cycle(sqlite3_stmt *s, const cycle_row *c) {
    const int64_t v[] = { c->cycle, c->start, c->mark, c->markterm, c->sweep, c->sweepdone,
                          c->end, c->stw, c->before, c->after, c->freed };
    for (int i = 0; i < 11; i++) bind_agg(s, i + 1, v[i]);
    return step(s);
}

/* Assigns the kept GC events to cycles in time order and inserts a row per cycle. */
static bool write_gc_cycles(derive *d, sqlite3 *db) {
    if (d->ngc) qsort(d->gc, d->ngc, sizeof *d->gc, cmp_gc);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO gc_cycles(cycle, start_ns, mark_start_ns, "
                           "mark_termination_ns, sweep_start_ns, sweep_done_ns, end_ns, stw_ns, "
                           "heap_before, heap_after, maps_freed) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    bool ok = true, open = false;
    cycle_row c;
    for (size_t i = 0; i < d->ngc && ok; i++) {
        const gc_ev *e = &d->gc[i];
        if (e->kind == GORT_EV_gc_start) {
            if (open) ok = write_cycle(s, &c);
            c = (cycle_row){ (int64_t)e->arg0, e->ts, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
                             NONE, 0 };
            open = true;
            continue;
        }
        if (!open) continue; /* before the first cycle */
        switch (e->kind) {
        case GORT_EV_gc_mark_start: fold_min(&c.mark, e->ts); break;
        case GORT_EV_gc_mark_termination: fold_min(&c.markterm, e->ts); break;
        case GORT_EV_gc_sweep_start: fold_min(&c.sweep, e->ts); break;
        case GORT_EV_gc_sweep_done: fold_min(&c.sweepdone, e->ts); break;
        case GORT_EV_gc_end:
            if (c.end == NONE) {
                c.end = e->ts;
                c.before = (int64_t)e->arg0;
                c.after = (int64_t)e->arg1;
            }
            break;
        case GORT_EV_stw_end: c.stw = (c.stw == NONE ? 0 : c.stw) + (int64_t)e->dur; break;
        case GORT_EV_mapfree: c.freed++; break;
        default: break;
        }
    }
    if (ok && open) ok = write_cycle(s, &c);
    sqlite3_finalize(s);
    return ok;
}

size_t derive_defers(const derive *d) { return d->ndefers; }

/* Inserts every summary table; false on a database error or if memory ran out while folding. */
bool derive_write(derive *d, trace_db *db) {
    return !d->oom && write_maps(d, db->db) && write_defers(d, db->db) &&
           write_goroutines(d, db->db) && write_gc_cycles(d, db->db);
}
