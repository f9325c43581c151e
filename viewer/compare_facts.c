/*
 * compare_facts.c — the facts of one trace that gort compare holds against another's.
 *
 * A fact is one figure or one word about the run, under a key that means the same thing in
 * any trace, named within its group: (events) "mapassign", (growth) "map g1.2 growth",
 * (defers) "defer g3.7 ran", (gc) "pause max ns". The facts of each trace go into one table of
 * an in-memory database (never the trace), which compare.c then joins on the key: a fact with
 * the same key in both traces is compared, a fact in only one differs (unless it is a count
 * whose absence means zero, as the count of an event kind the other trace never emitted).
 *
 * Matching things that have no common identity across traces. Map ids, defer ids and goids
 * are numbers one recording hands out; another recording of the same program (or the same
 * program in real Go, whose runtime starts goroutines of its own) numbers differently. So
 * maps, deferred calls and gap rows are matched by order of creation, per goroutine:
 * "map g2.15" is the 15th map created by the 2nd goroutine (in goid order) of those that
 * created a map; "defer g1.3" the 3rd deferred call registered by the 1st goroutine of those
 * that registered one; "verdict g1.2" the 2nd map a deferred call of the 1st such goroutine
 * touched. Per goroutine, because goroutines that run at once interleave their maps and
 * defers differently on every run, while each goroutine's own order is its program's; and
 * goid order, because goroutines are numbered as they are created. A map belongs to the
 * goroutine of its first event (its makemap; for a Go map that lives in a frame, its first
 * assignment). Within a goroutine the recorder's map_id order is the creation order.
 *
 * One pass over the events, in the order each thread emitted them, gives the counts per kind,
 * each map's goroutine and growth, and the pauses. A map's growth is read as Go's runtime
 * grows it: hashGrow runs inside the mapassign that found the map over its load factor, so
 * the map's count at the growth is the count of that same thread's next mapassign on the map
 * ("9:1" — the insert that made len 9 set B to 1; "100:5=" a same-size growth at len 100).
 * Growths do not depend on hashing (only on counts); evacuations do while a growth is
 * unfinished (which old buckets the next writes hit), so they are a group of their own.
 * Everything else comes from the summary tables (maps, defers) and the gap report.
 *
 * Types: a count is compared exactly unless a count tolerance was given; a time (ns) varies
 * from run to run and is judged only against a timing tolerance; a text is equal or not.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

const char *const compare_group_names[CMP_NGROUPS] = { "run",    "events",   "maps", "growth",
                                                       "evacuation", "defers", "verdicts", "gc" };

/* Where the facts go: the prepared INSERT into the in-memory facts table, for one side. */
typedef struct {
    const char *cmd;
    sqlite3 *mem;
    sqlite3_stmt *ins;
    int side;
} fact_sink;

/* One map as the pass over the events sees it. */
typedef struct {
    int64_t map_id, goid;
    int64_t hashgrow, evacuate;
    bool pending;          /* a growth whose count is not known yet, run by: */
    int64_t pending_goid;  /* its goroutine (0: none), else */
    int64_t pending_tid;   /* its thread */
    int pending_B, pending_same;
    char *growth;          /* "9:1 14:2 ..." (malloc'd), NULL for none */
    size_t growth_len;
} map_state;

/* Everything the pass over the events gathers. */
typedef struct {
    cmp_scope *scope;      /* the program's maps and deferred calls: the others are left out */
    int64_t kinds[256], total;
    map_state *maps;
    size_t nmaps, cap;
    idmap index;           /* map_id -> index in maps */
    int64_t gc_forced, gc_heap, pauses, pause_total, pause_max;
} scan_state;

/* ---- the sink ----------------------------------------------------------------------------- */

/* Stores one fact for the sink's side: TYPE a CMP_COUNT/CMP_TIME with value NUM, or a
 * CMP_TEXT with TXT (NULL: no value). ZERO: when the other trace has no such fact, it counts
 * as 0 there. Returns 0 or GORT_EXIT_USAGE after one error line. */
static int put(fact_sink *s, int grp, int64_t item, int sub, const char *name, int type,
               int64_t num, const char *txt, bool zero) {
    sqlite3_stmt *st = s->ins;
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, s->side);
    sqlite3_bind_int(st, 2, grp);
    sqlite3_bind_int64(st, 3, item);
    sqlite3_bind_int(st, 4, sub);
    sqlite3_bind_text(st, 5, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, type);
    sqlite3_bind_int(st, 7, zero);
    if (type == CMP_TEXT) {
        sqlite3_bind_null(st, 8);
        if (txt) sqlite3_bind_text(st, 9, txt, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(st, 9);
    } else {
        sqlite3_bind_int64(st, 8, num);
        sqlite3_bind_null(st, 9);
    }
    if (sqlite3_step(st) != SQLITE_DONE) return vt_sql_error(s->cmd, s->mem, "storing a fact");
    return 0;
}

/* A count fact. */
static int put_count(fact_sink *s, int grp, int64_t item, int sub, const char *name, int64_t n,
                     bool zero) {
    return put(s, grp, item, sub, name, CMP_COUNT, n, NULL, zero);
}

/* The key of the ORD-th thing (1-based) of the goroutine of rank GRANK: sorts by goroutine,
 * then by order. */
static int64_t item_key(int64_t grank, int64_t ord) { return grank << 32 | (ord & 0xffffffff); }

/* ---- reading the trace -------------------------------------------------------------------- */

/* The map_state of MAP_ID, created on first sight with goroutine GOID; NULL when out of
 * memory. */
static map_state *map_of(scan_state *sc, int64_t map_id, int64_t goid) {
    int64_t *slot = idmap_get(&sc->index, map_id, true);
    if (!slot) return NULL;
    if (*slot) return &sc->maps[*slot - 1];
    if (sc->nmaps == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 64;
        map_state *v = realloc(sc->maps, cap * sizeof *v);
        if (!v) return NULL;
        sc->maps = v;
        sc->cap = cap;
    }
    map_state *m = &sc->maps[sc->nmaps++];
    *m = (map_state){ .map_id = map_id, .goid = goid };
    *slot = (int64_t)sc->nmaps;
    return m;
}

/* Appends one growth "COUNT:B" ("?" when the count is unknown; "=" after a same-size one). */
static bool add_growth(map_state *m, int64_t count, bool known) {
    char item[48];
    int n = known ? snprintf(item, sizeof item, "%s%lld:%d%s", m->growth_len ? " " : "",
                             (long long)count, m->pending_B, m->pending_same ? "=" : "")
                  : snprintf(item, sizeof item, "%s?:%d%s", m->growth_len ? " " : "",
                             m->pending_B, m->pending_same ? "=" : "");
    char *g = realloc(m->growth, m->growth_len + (size_t)n + 1);
    if (!g) return false;
    memcpy(g + m->growth_len, item, (size_t)n + 1);
    m->growth = g;
    m->growth_len += (size_t)n;
    m->pending = false;
    return true;
}

/* True when the event in ST names a map or a deferred call that is not the program's. */
static bool out_of_scope(scan_state *sc, int kind, sqlite3_stmt *st) {
    if (kind <= GORT_EV_mapstack && sqlite3_column_type(st, 1) != SQLITE_NULL &&
        !compare_scope_map(sc->scope, sqlite3_column_int64(st, 1)))
        return true;
    return sqlite3_column_type(st, 7) != SQLITE_NULL && !compare_scope_defer(sc->scope, sqlite3_column_int64(st, 7));
}

/* Folds one event into the scan (none that names a map or deferred call out of scope).
 * Returns false when out of memory. */
static bool fold_event(scan_state *sc, int kind, sqlite3_stmt *st) {
    if (out_of_scope(sc, kind, st)) return true;
    sc->total++;
    sc->kinds[kind & 0xff]++;
    if (kind == GORT_EV_gc_start) {
        if (sqlite3_column_int64(st, 5) == 2) sc->gc_forced++;
        else sc->gc_heap++;
    } else if (kind == GORT_EV_stw_end) {
        int64_t d = sqlite3_column_int64(st, 6);
        sc->pauses++;
        sc->pause_total += d;
        if (d > sc->pause_max) sc->pause_max = d;
    }
    if (sqlite3_column_type(st, 1) == SQLITE_NULL || kind > GORT_EV_maptype) return true;
    int64_t map_id = sqlite3_column_int64(st, 1);
    if (map_id == 0) return true; /* the nil map */
    int64_t goid = sqlite3_column_int64(st, 2), tid = sqlite3_column_int64(st, 3);
    map_state *m = map_of(sc, map_id, goid);
    if (!m) return false;
    if (kind == GORT_EV_hashgrow) {
        if (m->pending && !add_growth(m, 0, false)) return false;
        m->hashgrow++;
        m->pending_B = (int)sqlite3_column_int64(st, 4);
        m->pending_same = sqlite3_column_int64(st, 5) != 0;
        m->pending = true;
        m->pending_goid = goid;
        m->pending_tid = tid;
    } else if (kind == GORT_EV_mapassign && m->pending &&
               (goid ? m->pending_goid == goid : m->pending_tid == tid)) {
        if (!add_growth(m, sqlite3_column_int64(st, 5), true)) return false;
    } else if (kind == GORT_EV_evacuate) {
        m->evacuate++;
    }
    return true;
}

/* One pass over every event in each thread's emission order (the table's order: no sort). */
static int scan_events(const char *cmd, sqlite3 *db, scan_state *sc) {
    sqlite3_stmt *st = vt_prepare(cmd, db,
        "SELECT kind_id, map_id, coalesce(goid, 0), tid, arg0, arg1, coalesce(dur_ns, 0), defer_id "
        "FROM events ORDER BY id");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (!fold_event(sc, sqlite3_column_int(st, 0), st)) break;
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error(cmd, "out of memory");
    if (rc != SQLITE_DONE) return vt_sql_error(cmd, db, "reading events");
    for (size_t i = 0; i < sc->nmaps; i++)
        if (sc->maps[i].pending && !add_growth(&sc->maps[i], 0, false))
            return cli_error(cmd, "out of memory");
    return 0;
}

/* Frees what the scan holds. */
static void scan_free(scan_state *sc) {
    for (size_t i = 0; i < sc->nmaps; i++) free(sc->maps[i].growth);
    free(sc->maps);
    idmap_free(&sc->index);
}

/* ---- the groups --------------------------------------------------------------------------- */

/* One meta value as text into BUF (DFLT when absent or NULL). */
static const char *meta(sqlite3 *db, const char *key, const char *dflt, char *buf, size_t size) {
    sqlite3_stmt *st = NULL;
    snprintf(buf, size, "%s", dflt);
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf;
}

/* run: how the program ended, how long it ran, events lost. */
static int facts_run(fact_sink *s, sqlite3 *db) {
    char buf[256];
    int rc = put(s, CMP_RUN, 0, 0, "ended", CMP_TEXT, 0, meta(db, "ended", "unknown", buf, sizeof buf), false);
    if (!rc) rc = put(s, CMP_RUN, 0, 1, "exit status", CMP_TEXT, 0, meta(db, "exit_status", "unknown", buf, sizeof buf), false);
    if (!rc) rc = put(s, CMP_RUN, 0, 2, "signal", CMP_TEXT, 0, meta(db, "signal", "none", buf, sizeof buf), false);
    int64_t dur = 0, lost = 0;
    if (!cli_parse_int(meta(db, "duration_ns", "", buf, sizeof buf), 0, INT64_MAX, &dur))
        dur = vt_int(db, "SELECT max(ts_ns) - min(ts_ns) FROM events", 0);
    if (!rc) rc = put(s, CMP_RUN, 0, 3, "duration ns", CMP_TIME, dur, NULL, false);
    if (!cli_parse_int(meta(db, "events_lost", "0", buf, sizeof buf), 0, INT64_MAX, &lost)) lost = 0;
    if (!rc) rc = put_count(s, CMP_RUN, 0, 4, "events lost", lost, true);
    return rc;
}

/* events: the count of each kind, and in all. */
static int facts_events(fact_sink *s, const scan_state *sc) {
    char name[64];
    int rc = put_count(s, CMP_EVENTS, 0, 0, "total", sc->total, true);
    for (int k = 0; k < 256 && !rc; k++) {
        if (!sc->kinds[k]) continue;
        const char *kn = gort_kind_name((unsigned)k);
        if (kn) snprintf(name, sizeof name, "%s", kn);
        else snprintf(name, sizeof name, "kind%d", k);
        rc = put_count(s, CMP_EVENTS, k + 1, 0, name, sc->kinds[k], true);
    }
    return rc;
}

/* Orders map states by goroutine, then map_id (creation order within the goroutine). */
static int by_goid_then_id(const void *a, const void *b) {
    const map_state *x = a, *y = b;
    if (x->goid != y->goid) return (x->goid > y->goid) - (x->goid < y->goid);
    return (x->map_id > y->map_id) - (x->map_id < y->map_id);
}

/* Reads each map's death cause and peak count from the maps table into two idmaps. */
static int read_map_rows(const char *cmd, sqlite3 *db, idmap *cause, idmap *peak) {
    sqlite3_stmt *st = vt_prepare(cmd, db,
        "SELECT map_id, CASE death_cause WHEN 'gc' THEN 1 WHEN 'frame' THEN 2 "
        "ELSE CASE WHEN died_ns IS NULL THEN 0 ELSE 3 END END, coalesce(peak_len, 0) FROM maps");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t *c = idmap_get(cause, sqlite3_column_int64(st, 0), true);
        int64_t *p = idmap_get(peak, sqlite3_column_int64(st, 0), true);
        if (!c || !p) break;
        *c = sqlite3_column_int64(st, 1);
        *p = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error(cmd, "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error(cmd, db, "reading maps");
}

/* maps, growth, evacuation (as GROUPS asks): per map (matched by goroutine and creation
 * order) how it died, its peak count, its growths, hashgrow and evacuate counts; and how many
 * maps died how. */
static int facts_maps(fact_sink *s, sqlite3 *db, scan_state *sc, unsigned groups) {
    bool maps = groups & 1u << CMP_MAPS, growth = groups & 1u << CMP_GROWTH;
    static const char *const causes[] = { "alive", "gc", "frame", "died" };
    idmap cause = { 0 }, peak = { 0 };
    int rc = read_map_rows(s->cmd, db, &cause, &peak);
    if (sc->nmaps) qsort(sc->maps, sc->nmaps, sizeof *sc->maps, by_goid_then_id);
    int64_t died[4] = { 0 }, grank = 0, ord = 0, last_goid = -1;
    char name[96];
    for (size_t i = 0; i < sc->nmaps && !rc; i++) {
        map_state *m = &sc->maps[i];
        if (m->goid != last_goid) grank++, ord = 0, last_goid = m->goid;
        ord++;
        int64_t *c = idmap_get(&cause, m->map_id, false), *p = idmap_get(&peak, m->map_id, false);
        int ci = c && *c >= 0 && *c < 4 ? (int)*c : 0;
        died[ci]++;
        int64_t key = item_key(grank, ord);
        if (maps) {
            snprintf(name, sizeof name, "map g%lld.%lld death", (long long)grank, (long long)ord);
            rc = put(s, CMP_MAPS, key, 0, name, CMP_TEXT, 0, causes[ci], false);
            snprintf(name, sizeof name, "map g%lld.%lld peak len", (long long)grank, (long long)ord);
            if (!rc) rc = put_count(s, CMP_MAPS, key, 1, name, p ? *p : 0, false);
        }
        if (growth && !rc) {
            snprintf(name, sizeof name, "map g%lld.%lld growth", (long long)grank, (long long)ord);
            rc = put(s, CMP_GROWTH, key, 0, name, CMP_TEXT, 0, m->growth ? m->growth : "none", false);
            snprintf(name, sizeof name, "map g%lld.%lld hashgrow", (long long)grank, (long long)ord);
            if (!rc) rc = put_count(s, CMP_GROWTH, key, 1, name, m->hashgrow, false);
        }
        if ((groups & 1u << CMP_EVACUATION) && !rc) {
            snprintf(name, sizeof name, "map g%lld.%lld evacuate", (long long)grank, (long long)ord);
            rc = put_count(s, CMP_EVACUATION, key, 0, name, m->evacuate, false);
        }
    }
    if (maps && !rc) {
        rc = put_count(s, CMP_MAPS, 0, 0, "maps", (int64_t)sc->nmaps, true);
        for (int k = 0; k < 4 && !rc; k++) {
            snprintf(name, sizeof name, "%s%s", k ? "died " : "", causes[k]);
            if (k < 3 || died[k]) rc = put_count(s, CMP_MAPS, 0, k + 1, name, died[k], true);
        }
    }
    idmap_free(&cause);
    idmap_free(&peak);
    return rc;
}

/* defers: per deferred call (matched by goroutine and registration order) its function and
 * when and how it ran; and how many ran how. */
static int facts_defers(fact_sink *s, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare(s->cmd, db,
        "SELECT dense_rank() OVER (ORDER BY coalesce(goid, 0)),\n"
        "       row_number() OVER (PARTITION BY coalesce(goid, 0)\n"
        "                          ORDER BY coalesce(registered_ns, ran_ns), defer_id),\n"
        "       coalesce(fn, '?'), coalesce(how, 'never'),\n"
        "       CASE WHEN ran_ns IS NOT NULL THEN row_number() OVER (PARTITION BY\n"
        "            coalesce(goid, 0), ran_ns IS NULL ORDER BY ran_ns, defer_id) END\n"
        "FROM defers WHERE gort_program_defer(defer_id) ORDER BY 1, 2");
    if (!st) return GORT_EXIT_USAGE;
    static const char *const hows[] = { "return", "panic", "goexit", "never" };
    int64_t n = 0, by_how[4] = { 0 };
    int rc = 0, step;
    char name[96], val[64];
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t g = sqlite3_column_int64(st, 0), o = sqlite3_column_int64(st, 1);
        const char *how = (const char *)sqlite3_column_text(st, 3);
        for (int k = 0; k < 4; k++) by_how[k] += how && !strcmp(how, hows[k]);
        n++;
        snprintf(name, sizeof name, "defer g%lld.%lld fn", (long long)g, (long long)o);
        rc = put(s, CMP_DEFERS, item_key(g, o), 0, name, CMP_TEXT, 0,
                 (const char *)sqlite3_column_text(st, 2), false);
        if (sqlite3_column_type(st, 4) == SQLITE_NULL) snprintf(val, sizeof val, "never");
        else snprintf(val, sizeof val, "#%lld %s", (long long)sqlite3_column_int64(st, 4), how ? how : "?");
        snprintf(name, sizeof name, "defer g%lld.%lld ran", (long long)g, (long long)o);
        if (!rc) rc = put(s, CMP_DEFERS, item_key(g, o), 1, name, CMP_TEXT, 0, val, false);
    }
    if (!rc && step != SQLITE_DONE) rc = vt_sql_error(s->cmd, db, "reading deferred calls");
    sqlite3_finalize(st);
    if (!rc) rc = put_count(s, CMP_DEFERS, 0, 0, "defers", n, true);
    for (int k = 0; k < 4 && !rc; k++) {
        snprintf(name, sizeof name, "%s%s", k < 3 ? "ran by " : "", k < 3 ? hows[k] : "never ran");
        rc = put_count(s, CMP_DEFERS, 0, k + 1, name, by_how[k], true);
    }
    return rc;
}

/* verdicts: the gap report's verdict counts, and each row's verdict (matched by goroutine
 * and the order the goroutine's deferred calls first touched their maps). */
static int facts_verdicts(fact_sink *s, sqlite3 *db) {
    char *sql = sqlite3_mprintf(
        "SELECT dense_rank() OVER (ORDER BY coalesce(goid, 0)),\n"
        "       row_number() OVER (PARTITION BY coalesce(goid, 0) ORDER BY first_op_ns, defer_id, map_id),\n"
        "       verdict FROM (%s) WHERE gort_program_defer(defer_id) AND gort_program_map(map_id)\n"
        "ORDER BY 1, 2", gaps_sql);
    if (!sql) return cli_error(s->cmd, "out of memory");
    sqlite3_stmt *st = vt_prepare(s->cmd, db, sql);
    sqlite3_free(sql);
    if (!st) return GORT_EXIT_USAGE;
    static const char *const verdicts[] = { "safe", "use-after-free", "nil-map", "map-still-alive" };
    int64_t counts[4] = { 0 };
    int rc = 0, step;
    char name[96];
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t g = sqlite3_column_int64(st, 0), o = sqlite3_column_int64(st, 1);
        const char *v = (const char *)sqlite3_column_text(st, 2);
        for (int k = 0; k < 4; k++) counts[k] += v && !strcmp(v, verdicts[k]);
        snprintf(name, sizeof name, "verdict g%lld.%lld", (long long)g, (long long)o);
        rc = put(s, CMP_VERDICTS, item_key(g, o), 0, name, CMP_TEXT, 0, v, false);
    }
    if (!rc && step != SQLITE_DONE) rc = vt_sql_error(s->cmd, db, "reading the gap report");
    sqlite3_finalize(st);
    for (int k = 0; k < 4 && !rc; k++) {
        snprintf(name, sizeof name, "%s", verdicts[k]);
        rc = put_count(s, CMP_VERDICTS, 0, k, name, counts[k], true);
    }
    return rc;
}

/* gc: cycles (forced, by the heap trigger) and the stop-the-world pauses. */
static int facts_gc(fact_sink *s, const scan_state *sc) {
    int64_t cycles = sc->gc_forced + sc->gc_heap;
    int rc = put_count(s, CMP_GC, 0, 0, "cycles", cycles, true);
    if (!rc) rc = put_count(s, CMP_GC, 0, 1, "cycles forced", sc->gc_forced, true);
    if (!rc) rc = put_count(s, CMP_GC, 0, 2, "cycles by heap", sc->gc_heap, true);
    if (!rc) rc = put_count(s, CMP_GC, 0, 3, "pauses", sc->pauses, true);
    if (!rc) rc = put(s, CMP_GC, 0, 4, "pause total ns", CMP_TIME, sc->pause_total, NULL, false);
    if (!rc) rc = put(s, CMP_GC, 0, 5, "pause mean ns", CMP_TIME,
                      sc->pauses ? sc->pause_total / sc->pauses : 0, NULL, false);
    if (!rc) rc = put(s, CMP_GC, 0, 6, "pause max ns", CMP_TIME, sc->pause_max, NULL, false);
    return rc;
}

int compare_read_facts(const char *cmd, sqlite3 *db, sqlite3 *mem, int side, unsigned groups,
                       cmp_scope *scope) {
    fact_sink s = { cmd, mem, NULL, side };
    if (sqlite3_prepare_v2(mem, "INSERT INTO facts (side, grp, item, sub, name, type, zero, num, txt) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &s.ins, NULL) != SQLITE_OK)
        return vt_sql_error(cmd, mem, "preparing the facts");
    scan_state sc = { .scope = scope };
    int rc = 0;
    unsigned per_map = 1u << CMP_MAPS | 1u << CMP_GROWTH | 1u << CMP_EVACUATION;
    bool want_scan = groups & (1u << CMP_EVENTS | per_map | 1u << CMP_GC);
    if (want_scan) rc = scan_events(cmd, db, &sc);
    if (!rc && (groups & 1u << CMP_RUN)) rc = facts_run(&s, db);
    if (!rc && (groups & 1u << CMP_EVENTS)) rc = facts_events(&s, &sc);
    if (!rc && (groups & per_map)) rc = facts_maps(&s, db, &sc, groups);
    if (!rc && (groups & 1u << CMP_DEFERS)) rc = facts_defers(&s, db);
    if (!rc && (groups & 1u << CMP_VERDICTS)) rc = facts_verdicts(&s, db);
    if (!rc && (groups & 1u << CMP_GC)) rc = facts_gc(&s, &sc);
    scan_free(&sc);
    sqlite3_finalize(s.ins);
    return rc;
}
