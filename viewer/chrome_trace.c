/*
 * chrome_trace.c — a trace in the Trace Event Format (gort export --format chrome), the JSON
 * that Perfetto UI, chrome://tracing and the DevTools performance panel read.
 *
 * What a viewer draws is tracks of slices, and the format's one hard rule is that complete
 * ("X") slices on one track nest: each lies wholly inside the one it overlaps. gort's events
 * do not all fit one track per thread — the collector's stop-the-world pause for mark
 * termination starts inside the mark phase and ends after it — so the export gives each kind
 * of thing its own track, on which nesting holds by construction:
 *   - one process, the traced program's real pid (meta.pid; 1 for a trace without it), named
 *     by its command line;
 *   - a track per goroutine (tid GOROUTINE_TID + goid, named "goroutine N"): its deferred
 *     calls as slices "defer FN" (a goroutine runs one call at a time, so calls nest as they
 *     ran), each registration as a zero-length slice "deferproc FN" with a flow arrow to the
 *     call it registered (flow "s" at deferproc, "f" at the call's start, id = defer_id),
 *     and its map operations and other events as instants;
 *   - a track per OS thread (its tid, named "thread TID" and what ran on it): the collector's
 *     cycles "GC N" with their phases "mark" and "sweep" nested inside (a phase still open
 *     when its cycle ends is cut there), and events outside any goroutine;
 *   - a track "stop-the-world" (tid STW_TID): each pause, which stops every thread;
 *   - counters: "heap live" (bytes, before and after each cycle) and "map N" with series len
 *     and B, written whenever either changes;
 *   - each map's life as an async slice ("b"/"e", category "map", id = map id);
 *   - runs of lost events (the lost table) as slices "lost N events" on their thread.
 * Unfinished things (a cycle, phase, pause or deferred call still running when the trace
 * ends, a map alive at the end) end at the trace's last event: the one rule for durations
 * the trace does not close (docs/schema.md), and their args say "unfinished".
 * Times are microseconds with three decimals (every nanosecond kept).
 *
 * Speed: the events are read once, in id order (the recorder's merged time order), eight
 * integer columns a row and no join; a deferred call's function name comes from a table
 * loaded before the pass. Everything is appended to a jbuf (jbuf.c) from pieces formatted
 * once per kind, so a row costs about what SQLite spends producing it
 * (bench/b_4_viewer.sh measures export against a plain scan).
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

/* Linux thread ids stay below 2^22 (PID_MAX_LIMIT): the synthetic tracks live above. */
#define STW_TID (INT64_C(1) << 22)
#define GOROUTINE_TID (INT64_C(1) << 22)  /* + goid (goroutine ids start at 1) */
#define THREAD_RAN_GC 2

/* A table from ids to values: an array for the small dense ids the recorder assigns (maps and
 * deferred calls are numbered 1, 2, ...), a hash table for any other. Values start at 0. */
typedef struct {
    int64_t *v;
    size_t n;
    idmap sparse;
} idtab;
#define DENSE_LIMIT (INT64_C(1) << 24)

/* The value slot of ID, created when INSERT; NULL when absent or out of memory. */
static int64_t *idtab_get(idtab *t, int64_t id, bool insert) {
    if (id < 0 || id >= DENSE_LIMIT) return idmap_get(&t->sparse, id, insert);
    if ((size_t)id >= t->n) {
        if (!insert) return NULL;
        size_t n = t->n ? t->n : 1024;
        while (n <= (size_t)id) n *= 2;
        int64_t *v = realloc(t->v, n * sizeof *v);
        if (!v) return NULL;
        memset(v + t->n, 0, (n - t->n) * sizeof *v);
        t->v = v;
        t->n = n;
    }
    return &t->v[id];
}

/* Frees T. */
static void idtab_free(idtab *t) {
    free(t->v);
    idmap_free(&t->sparse);
    memset(t, 0, sizeof *t);
}

typedef struct {
    bool open;
    int64_t start, mark, sweep;  /* -1: phase not open */
    int64_t cycle, trigger, tid;
} gc_cycle;

typedef struct {
    jbuf jb;
    char pid[32];                /* "\"pid\":123," */
    size_t pidlen;
    char *kind_head[GORT_EV_MAX]; /* per kind: the start of its instant event, up to "tid" */
    size_t kind_head_len[GORT_EV_MAX];
    idmap threads;               /* OS tid -> 1 | THREAD_RAN_GC */
    idmap goroutines;            /* goid -> 1, goroutines that have events */
    idtab maps;                  /* map_id -> (len << 8 | B) + 1 */
    idtab defer_fn;              /* defer_id -> index + 1 in fn */
    idtab running;               /* defer_id -> start ts + 1 of its running deferred call */
    idtab running_track;         /* defer_id -> its track */
    char **fn;                   /* JSON strings of function names */
    size_t nfn;
    gc_cycle gc;
    int64_t stw_start;           /* -1: no pause open */
    int64_t end;                 /* the trace's last timestamp */
    int64_t last_tid, last_goid; /* already in threads and goroutines */
} chrome;

/* The category of instant events of kind K. */
static const char *kind_category(unsigned k) {
    if (k >= GORT_EV_makemap && k <= GORT_EV_maptype) return "map";
    if (k >= GORT_EV_deferproc && k <= GORT_EV_deferreturn_end) return "defer";
    if (k >= GORT_EV_gc_start && k <= GORT_EV_gc_end) return "gc";
    return "runtime";
}

/* Builds the per-kind event heads. False when out of memory. */
static bool make_kind_heads(chrome *c) {
    for (unsigned k = 0; k < GORT_EV_MAX; k++) {
        const char *name = gort_kind_name(k);
        char unknown[32];
        if (!name) {
            snprintf(unknown, sizeof unknown, "kind%u", k);
            name = unknown;
        }
        size_t n = strlen(name) + strlen(c->pid) + 64;
        if (!(c->kind_head[k] = malloc(n))) return false;
        snprintf(c->kind_head[k], n, ",\n{\"ph\":\"I\",\"cat\":\"%s\",\"name\":\"%s\",%s\"tid\":",
                 kind_category(k), name, c->pid);
        c->kind_head_len[k] = strlen(c->kind_head[k]);
    }
    return true;
}

/* Starts an event: phase, category, name (a JSON string with its quotes), track and time. */
static void ev_head(chrome *c, const char *ph, const char *cat, const char *name_json, int64_t tid, int64_t ts) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"");
    jbuf_str(jb, ph);
    JB_LIT(jb, "\",\"cat\":\"");
    jbuf_str(jb, cat);
    JB_LIT(jb, "\",\"name\":");
    jbuf_str(jb, name_json);
    jbuf_mem(jb, ",", 1);
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"tid\":");
    jbuf_i64(jb, tid);
    JB_LIT(jb, ",\"ts\":");
    jbuf_us(jb, ts);
}

/* Writes a complete slice [START, END) on TID; ARGS is a JSON object's inside or NULL. */
static void slice(chrome *c, const char *cat, const char *name_json, int64_t tid, int64_t start, int64_t end,
                  const char *args) {
    ev_head(c, "X", cat, name_json, tid, start);
    JB_LIT(&c->jb, ",\"dur\":");
    jbuf_us(&c->jb, end > start ? end - start : 0);
    if (args) {
        JB_LIT(&c->jb, ",\"args\":{");
        jbuf_str(&c->jb, args);
        jbuf_mem(&c->jb, "}", 1);
    }
    jbuf_mem(&c->jb, "}", 1);
}

/* Writes one metadata event NAME (process_name, thread_name, ...) with args {KEY: VALUE}. */
static void meta_event(chrome *c, const char *name, int64_t tid, const char *key, const char *value_json) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"M\",\"name\":\"");
    jbuf_str(jb, name);
    JB_LIT(jb, "\",");
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"tid\":");
    jbuf_i64(jb, tid);
    JB_LIT(jb, ",\"args\":{\"");
    jbuf_str(jb, key);
    JB_LIT(jb, "\":");
    jbuf_str(jb, value_json);
    JB_LIT(jb, "}}");
}

/* The function name (JSON) of deferred call DEFER_ID, or "\"?\"". */
static const char *defer_fn(chrome *c, int64_t defer_id) {
    int64_t *v = idtab_get(&c->defer_fn, defer_id, false);
    return v && *v > 0 && (size_t)*v <= c->nfn ? c->fn[*v - 1] : "\"?\"";
}

/* Loads every deferred call's function name, JSON-escaped, before the pass. */
static int load_defer_names(chrome *c, sqlite3 *db) {
    if (!vt_has_table(db, "defers")) return 0;
    sqlite3_stmt *st = vt_prepare("export", db, "SELECT defer_id, fn FROM defers WHERE fn IS NOT NULL");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *fn = (const char *)sqlite3_column_text(st, 1);
        char *esc = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&esc, &len);
        if (!m) break;
        json_write_string(m, fn, (size_t)sqlite3_column_bytes(st, 1));
        if (fclose(m) != 0) break;
        if (c->nfn == cap) {
            cap = cap ? cap * 2 : 1024;
            char **f = realloc(c->fn, cap * sizeof *f);
            if (!f) {
                free(esc);
                break;
            }
            c->fn = f;
        }
        c->fn[c->nfn++] = esc;
        int64_t *slot = idtab_get(&c->defer_fn, sqlite3_column_int64(st, 0), true);
        if (!slot) break;
        *slot = (int64_t)c->nfn;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error("export", "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading defers");
}

/* The slice name "PREFIX FN" of deferred call DEFER_ID as a JSON string, into BUF. */
static const char *defer_name(chrome *c, const char *prefix, int64_t defer_id, char *buf, size_t size) {
    const char *fn = defer_fn(c, defer_id);
    size_t pl = strlen(prefix), fl = strlen(fn);
    if (pl + fl + 2 > size) { /* a name too long to hold (cutting could split an escape) */
        fn = "\"?\"";
        fl = 3;
    }
    buf[0] = '"';
    memcpy(buf + 1, prefix, pl);
    buf[1 + pl] = ' ';
    memcpy(buf + 2 + pl, fn + 1, fl - 1); /* fn's own opening quote skipped, its closing kept */
    buf[pl + fl + 1] = 0;
    return buf;
}

/* A flow event ("s" or "f") of deferred call DEFER_ID bound to the slice at (TID, TS). */
static void flow(chrome *c, const char *ph, int64_t defer_id, int64_t tid, int64_t ts) {
    ev_head(c, ph, "defer", "\"defer\"", tid, ts);
    JB_LIT(&c->jb, ",\"id\":");
    jbuf_i64(&c->jb, defer_id);
    if (ph[0] == 'f') JB_LIT(&c->jb, ",\"bp\":\"e\"");
    jbuf_mem(&c->jb, "}", 1);
}

/* Registration of a deferred call: a zero-length slice and the start of its flow. */
static void on_deferproc(chrome *c, int64_t defer_id, int64_t tid, int64_t ts) {
    char name[320];
    ev_head(c, "X", "defer", defer_name(c, "deferproc", defer_id, name, sizeof name), tid, ts);
    JB_LIT(&c->jb, ",\"dur\":0,\"args\":{\"defer_id\":");
    jbuf_i64(&c->jb, defer_id);
    JB_LIT(&c->jb, "}}");
    flow(c, "s", defer_id, tid, ts);
}

/* A deferred call from START to END on TID, the end of its flow at its start. */
static void deferred_call(chrome *c, int64_t defer_id, int64_t tid, int64_t start, int64_t end, bool unfinished) {
    char name[320];
    ev_head(c, "X", "defer", defer_name(c, "defer", defer_id, name, sizeof name), tid, start);
    JB_LIT(&c->jb, ",\"dur\":");
    jbuf_us(&c->jb, end > start ? end - start : 0);
    JB_LIT(&c->jb, ",\"args\":{\"defer_id\":");
    jbuf_i64(&c->jb, defer_id);
    if (unfinished) JB_LIT(&c->jb, ",\"unfinished\":1");
    JB_LIT(&c->jb, "}}");
    flow(c, "f", defer_id, tid, start);
}

/* Writes the counter "map N" when its len or B changed; LEN or B < 0 keeps the old value. */
static void map_counter(chrome *c, int64_t map_id, int64_t len, int64_t b, int64_t ts) {
    int64_t *s = idtab_get(&c->maps, map_id, true);
    if (!s) return;
    int64_t old_len = *s ? (*s - 1) >> 8 : 0, old_b = *s ? (*s - 1) & 0xff : 0;
    if (len < 0) len = old_len;
    if (b < 0 || b > 0xff) b = old_b;
    int64_t v = (len << 8 | b) + 1;
    if (v == *s) return;
    *s = v;
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"C\",\"name\":\"map ");
    jbuf_i64(jb, map_id);
    JB_LIT(jb, "\",");
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"ts\":");
    jbuf_us(jb, ts);
    JB_LIT(jb, ",\"args\":{\"len\":");
    jbuf_i64(jb, len);
    JB_LIT(jb, ",\"B\":");
    jbuf_i64(jb, b);
    JB_LIT(jb, "}}");
}

/* Writes the "heap live" counter at TS. */
static void heap_counter(chrome *c, int64_t ts, int64_t bytes) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"C\",\"name\":\"heap live\",");
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"ts\":");
    jbuf_us(jb, ts);
    JB_LIT(jb, ",\"args\":{\"bytes\":");
    jbuf_i64(jb, bytes);
    JB_LIT(jb, "}}");
}

/* Closes the open GC phases at TS, then the cycle (with heap figures, when known). */
static void close_cycle(chrome *c, int64_t ts, bool unfinished, const char *args) {
    gc_cycle *g = &c->gc;
    char extra[48];
    snprintf(extra, sizeof extra, "\"cycle\":%lld%s", (long long)g->cycle, unfinished ? ",\"unfinished\":1" : "");
    if (g->mark >= 0) slice(c, "gc", "\"mark\"", g->tid, g->mark, ts, extra);
    if (g->sweep >= 0) slice(c, "gc", "\"sweep\"", g->tid, g->sweep, ts, extra);
    g->mark = g->sweep = -1;
    char name[48], all[256];
    snprintf(name, sizeof name, "\"GC %lld\"", (long long)g->cycle);
    snprintf(all, sizeof all, "%s,\"trigger\":\"%s\"%s%s", extra, g->trigger == 2 ? "forced" : "heap",
             args ? "," : "", args ? args : "");
    slice(c, "gc", name, g->tid, g->start, ts, all);
    g->open = false;
}

/* The collector's events: cycles with nested phases, and the pauses on their own track. */
static void on_gc(chrome *c, unsigned kind, int64_t tid, int64_t ts, int64_t map_id, int64_t arg0, int64_t arg1,
                  int64_t dur) {
    gc_cycle *g = &c->gc;
    int64_t *t = idmap_get(&c->threads, tid, true);
    if (t) *t |= THREAD_RAN_GC;
    char args[128];
    switch (kind) {
    case GORT_EV_gc_start:
        if (g->open) close_cycle(c, ts, true, NULL);
        *g = (gc_cycle){ true, ts, -1, -1, arg0, arg1, tid };
        break;
    case GORT_EV_gc_mark_start:
        if (g->open) g->mark = ts;
        break;
    case GORT_EV_gc_mark_termination:
        if (g->open && g->mark >= 0) {
            snprintf(args, sizeof args, "\"cycle\":%lld", (long long)g->cycle);
            slice(c, "gc", "\"mark\"", g->tid, g->mark, ts, args);
            g->mark = -1;
        }
        break;
    case GORT_EV_gc_sweep_start:
        if (g->open) g->sweep = ts;
        break;
    case GORT_EV_gc_sweep_done:
        if (g->open && g->sweep >= 0) {
            snprintf(args, sizeof args, "\"cycle\":%lld,\"objects_freed\":%lld,\"bytes_freed\":%lld",
                     (long long)g->cycle, (long long)arg0, (long long)arg1);
            slice(c, "gc", "\"sweep\"", g->tid, g->sweep, ts, args);
            g->sweep = -1;
        }
        break;
    case GORT_EV_gc_end:
        if (!g->open) break;
        snprintf(args, sizeof args, "\"heap_before\":%lld,\"heap_after\":%lld,\"maps_freed\":%lld",
                 (long long)arg0, (long long)arg1, (long long)(map_id > 0 ? map_id : 0));
        heap_counter(c, g->start, arg0);
        heap_counter(c, ts, arg1);
        close_cycle(c, ts, false, args);
        break;
    case GORT_EV_stw_start:
        c->stw_start = ts;
        break;
    case GORT_EV_stw_end: {
        int64_t start = dur > 0 ? ts - dur : c->stw_start >= 0 ? c->stw_start : ts;
        slice(c, "gc", arg0 == 1 ? "\"stop-the-world (sweep termination)\"" : "\"stop-the-world (mark termination)\"",
              STW_TID, start, ts, arg0 == 1 ? "\"reason\":\"sweep termination\"" : "\"reason\":\"mark termination\"");
        c->stw_start = -1;
        break;
    }
    }
}

/* An instant event of kind K on TID with the row's ids and arguments (thread-scoped: the
 * format's default scope; the goroutine is the track's). */
static void instant(chrome *c, unsigned k, int64_t tid, int64_t ts, int64_t map_id, int64_t defer_id,
                    int64_t arg0, int64_t arg1) {
    jbuf *jb = &c->jb;
    jbuf_mem(jb, c->kind_head[k], c->kind_head_len[k]);
    jbuf_i64(jb, tid);
    JB_LIT(jb, ",\"ts\":");
    jbuf_us(jb, ts);
    JB_LIT(jb, ",\"args\":{");
    if (map_id >= 0) {
        JB_LIT(jb, "\"map_id\":");
        jbuf_i64(jb, map_id);
        jbuf_mem(jb, ",", 1);
    }
    if (defer_id >= 0) {
        JB_LIT(jb, "\"defer_id\":");
        jbuf_i64(jb, defer_id);
        jbuf_mem(jb, ",", 1);
    }
    JB_LIT(jb, "\"arg0\":");
    jbuf_i64(jb, arg0);
    JB_LIT(jb, ",\"arg1\":");
    jbuf_i64(jb, arg1);
    JB_LIT(jb, "}}");
}

/* Keeps each map's len and B as the map events report them (docs/schema.md, Event kinds). */
static void track_map(chrome *c, unsigned k, int64_t map_id, int64_t ts, int64_t arg0, int64_t arg1) {
    if (map_id <= 0) return;
    switch (k) {
    case GORT_EV_makemap: map_counter(c, map_id, 0, arg1, ts); break;
    case GORT_EV_mapassign:
    case GORT_EV_mapdelete:
    case GORT_EV_mapfree: map_counter(c, map_id, arg1, -1, ts); break;
    case GORT_EV_mapclear: map_counter(c, map_id, 0, -1, ts); break;
    case GORT_EV_hashgrow:
    case GORT_EV_growdone: map_counter(c, map_id, -1, arg0, ts); break;
    }
}

/* Columns of the pass. A NULL reads as 0 (sqlite3_column_int64's value for it), which is no id:
 * goroutine and defer ids start at 1, and a map kind always has its map (0 being the nil map)
 * where other kinds have none. So no column_type (nor coalesce) per cell. */
enum { C_TS, C_TID, C_GOID, C_KIND, C_MAP, C_DEFER, C_ARG0, C_ARG1, C_DUR };

/* One event of the pass. */
static void on_event(chrome *c, sqlite3_stmt *st) {
    int64_t ts = sqlite3_column_int64(st, C_TS), tid = sqlite3_column_int64(st, C_TID);
    int64_t goid = sqlite3_column_int64(st, C_GOID), k64 = sqlite3_column_int64(st, C_KIND);
    int64_t map_id = sqlite3_column_int64(st, C_MAP), defer_id = sqlite3_column_int64(st, C_DEFER);
    if (goid <= 0) goid = -1; /* -1: none */
    if (defer_id <= 0) defer_id = -1;
    if (!(k64 >= GORT_EV_makemap && k64 <= GORT_EV_maptype) && map_id == 0) map_id = -1;
    int64_t arg0 = sqlite3_column_int64(st, C_ARG0), arg1 = sqlite3_column_int64(st, C_ARG1);
    if (ts > c->end) c->end = ts;
    if (tid != c->last_tid) { /* runs of one thread's events: one lookup per run */
        int64_t *t = idmap_get(&c->threads, tid, true);
        if (t && !*t) *t = 1;
        c->last_tid = tid;
    }
    if (goid >= 0 && goid != c->last_goid) {
        int64_t *g = idmap_get(&c->goroutines, goid, true);
        if (g) *g = 1;
        c->last_goid = goid;
    }
    int64_t track = goid >= 0 ? GOROUTINE_TID + goid : tid;
    unsigned k = k64 >= 0 && k64 < GORT_EV_MAX ? (unsigned)k64 : 0;
    switch (k) {
    case GORT_EV_deferproc:
        on_deferproc(c, defer_id, track, ts);
        return;
    case GORT_EV_deferreturn: {
        int64_t *r = idtab_get(&c->running, defer_id, true), *rt = idtab_get(&c->running_track, defer_id, true);
        if (r && rt) {
            *r = ts + 1; /* +1: 0 means "not running" */
            *rt = track;
        }
        return;
    }
    case GORT_EV_deferreturn_end: {
        int64_t dur = sqlite3_column_int64(st, C_DUR);
        int64_t *r = idtab_get(&c->running, defer_id, false);
        int64_t start = dur > 0 ? ts - dur : r && *r ? *r - 1 : ts;
        if (r) *r = 0;
        deferred_call(c, defer_id, track, start, ts, false);
        return;
    }
    case GORT_EV_gc_start: case GORT_EV_stw_start: case GORT_EV_stw_end: case GORT_EV_gc_mark_start:
    case GORT_EV_gc_mark_termination: case GORT_EV_gc_sweep_start: case GORT_EV_gc_sweep_done:
    case GORT_EV_gc_end:
        on_gc(c, k, tid, ts, map_id, arg0, arg1, sqlite3_column_int64(st, C_DUR));
        return;
    case GORT_EV_cpu_sample: case GORT_EV_lost: case GORT_EV_name:
        return; /* samples go to speedscope; lost runs come from the lost table */
    }
    if (k64 != (int64_t)k) k = 0; /* an unknown number: written as "kind0"'s head would lie */
    instant(c, k ? k : (unsigned)(k64 & (GORT_EV_MAX - 1)), track, ts, map_id, defer_id, arg0, arg1);
    track_map(c, k, map_id, ts, arg0, arg1);
}

/* Closes what the trace left open, at its end. */
static void close_unfinished(chrome *c) {
    if (c->gc.open) close_cycle(c, c->end, true, NULL);
    if (c->stw_start >= 0)
        slice(c, "gc", "\"stop-the-world\"", STW_TID, c->stw_start, c->end, "\"unfinished\":1");
    for (size_t i = 0; i < c->running.n; i++) {
        if (!c->running.v[i]) continue;
        int64_t *track = idtab_get(&c->running_track, (int64_t)i, false);
        deferred_call(c, (int64_t)i, track ? *track : 0, c->running.v[i] - 1, c->end, true);
    }
    idmap *sp = &c->running.sparse;
    for (size_t i = 0; i < sp->cap; i++) {
        if (!sp->full[i] || !sp->vals[i]) continue;
        int64_t *track = idtab_get(&c->running_track, sp->keys[i], false);
        deferred_call(c, sp->keys[i], track ? *track : 0, sp->vals[i] - 1, c->end, true);
    }
}

/* Runs of lost events (the lost table) as slices on their thread. */
static int write_lost(chrome *c, sqlite3 *db) {
    if (!vt_has_table(db, "lost")) return 0;
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT tid, first_ns, coalesce(last_ns, first_ns), count FROM lost WHERE first_ns IS NOT NULL");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char name[64], args[48];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0);
        snprintf(name, sizeof name, "\"lost %lld events\"", (long long)sqlite3_column_int64(st, 3));
        snprintf(args, sizeof args, "\"count\":%lld", (long long)sqlite3_column_int64(st, 3));
        slice(c, "lost", name, tid, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), args);
        int64_t *t = idmap_get(&c->threads, tid, true);
        if (t && !*t) *t = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading lost events");
}

/* Each map's life as an async slice, from creation (or its first event) to death (or the end). */
static int write_map_lives(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT map_id, created_ns, died_ns, coalesce(death_cause, 'alive at end'), "
        "coalesce(key_kind, '?') FROM maps WHERE created_ns IS NOT NULL ORDER BY map_id");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char name[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        bool alive = sqlite3_column_type(st, 2) == SQLITE_NULL;
        int64_t end = alive ? c->end : sqlite3_column_int64(st, 2);
        snprintf(name, sizeof name, "\"map %lld\"", (long long)id);
        ev_head(c, "b", "map", name, 0, sqlite3_column_int64(st, 1));
        JB_LIT(&c->jb, ",\"id\":");
        jbuf_i64(&c->jb, id);
        JB_LIT(&c->jb, ",\"args\":{\"key_kind\":");
        jbuf_json_string(&c->jb, (const char *)sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st, 4));
        JB_LIT(&c->jb, "}}");
        ev_head(c, "e", "map", name, 0, end);
        JB_LIT(&c->jb, ",\"id\":");
        jbuf_i64(&c->jb, id);
        JB_LIT(&c->jb, ",\"args\":{\"death\":");
        jbuf_json_string(&c->jb, (const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
        jbuf_str(&c->jb, alive ? ",\"unfinished\":1}}" : "}}");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading maps");
}

/* The first event of the file: the process's name, "gort: COMMAND" (meta.command). */
static int write_process_name(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT value FROM meta WHERE key IN ('command', 'program') AND value IS NOT NULL ORDER BY key LIMIT 1");
    if (!st) return GORT_EXIT_USAGE;
    const char *v = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    JB_LIT(&c->jb, "\n{\"ph\":\"M\",\"name\":\"process_name\",");
    jbuf_mem(&c->jb, c->pid, c->pidlen);
    JB_LIT(&c->jb, "\"tid\":0,\"args\":{\"name\":");
    char label[512];
    snprintf(label, sizeof label, "gort: %s", v ? v : "trace");
    jbuf_json_string(&c->jb, label, strlen(label));
    JB_LIT(&c->jb, "}}");
    sqlite3_finalize(st);
    return 0;
}

/* Names and orders the tracks, after the pass found them: goroutines (by id), threads (by
 * first appearance), stop-the-world last. */
static int write_track_names(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st;
    char name[128], sort[24];
    for (size_t i = 0; i < c->goroutines.cap; i++) {
        if (!c->goroutines.full[i]) continue;
        int64_t goid = c->goroutines.keys[i];
        snprintf(name, sizeof name, "\"goroutine %lld\"", (long long)goid);
        meta_event(c, "thread_name", GOROUTINE_TID + goid, "name", name);
        snprintf(sort, sizeof sort, "%lld", (long long)goid);
        meta_event(c, "thread_sort_index", GOROUTINE_TID + goid, "sort_index", sort);
    }
    /* Threads: "thread TID" and what ran there (the goroutines table's tid, the collector). */
    st = vt_prepare("export", db,
        "SELECT tid, group_concat(goid, ', ') FROM (SELECT tid, goid FROM goroutines "
        "WHERE tid IS NOT NULL ORDER BY goid) GROUP BY tid");
    if (!st) return GORT_EXIT_USAGE;
    idmap named = { 0 };
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0);
        int64_t *t = idmap_get(&c->threads, tid, false);
        if (!t) continue;
        snprintf(name, sizeof name, "\"thread %lld: goroutine %.60s%s\"", (long long)tid,
                 (const char *)sqlite3_column_text(st, 1), *t & THREAD_RAN_GC ? ", GC" : "");
        meta_event(c, "thread_name", tid, "name", name);
        int64_t *n = idmap_get(&named, tid, true);
        if (n) *n = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        idmap_free(&named);
        return vt_sql_error("export", db, "reading goroutines");
    }
    for (size_t i = 0; i < c->threads.cap; i++) {
        if (!c->threads.full[i]) continue;
        int64_t tid = c->threads.keys[i];
        snprintf(sort, sizeof sort, "%lld", (long long)(1000000 + i));
        meta_event(c, "thread_sort_index", tid, "sort_index", sort);
        if (idmap_get(&named, tid, false)) continue;
        if (tid == 0) snprintf(name, sizeof name, "\"threads without a buffer\"");
        else snprintf(name, sizeof name, "\"thread %lld%s\"", (long long)tid,
                      c->threads.vals[i] & THREAD_RAN_GC ? ": GC" : "");
        meta_event(c, "thread_name", tid, "name", name);
    }
    idmap_free(&named);
    meta_event(c, "thread_name", STW_TID, "name", "\"stop-the-world\"");
    meta_event(c, "thread_sort_index", STW_TID, "sort_index", "2000000000");
    return 0;
}

/* The program's pid from meta (1 when the trace has none). */
static void read_pid(chrome *c, sqlite3 *db) {
    int64_t pid = vt_int(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pid'", 1);
    snprintf(c->pid, sizeof c->pid, "\"pid\":%lld,", (long long)(pid > 0 ? pid : 1));
    c->pidlen = strlen(c->pid);
}

/* The pass over every event. */
static int write_events(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT ts_ns, tid, goid, kind_id, map_id, defer_id, arg0, arg1, dur_ns FROM events ORDER BY id");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) on_event(c, st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading events");
}

/* Frees C's tables. */
static void chrome_free(chrome *c) {
    for (unsigned k = 0; k < GORT_EV_MAX; k++) free(c->kind_head[k]);
    for (size_t i = 0; i < c->nfn; i++) free(c->fn[i]);
    free(c->fn);
    idmap_free(&c->threads);
    idmap_free(&c->goroutines);
    idtab_free(&c->maps);
    idtab_free(&c->defer_fn);
    idtab_free(&c->running);
    idtab_free(&c->running_track);
}

/* Writes DB as one Trace Event Format document to OUT: the process's name, the pass over the
 * events, what they left unfinished, lost runs, map lives, then the tracks' names (known only
 * after the pass). Returns 0, or GORT_EXIT_USAGE after one error line. */
int chrome_trace_write(sqlite3 *db, FILE *out) {
    chrome c;
    memset(&c, 0, sizeof c);
    c.stw_start = -1;
    c.end = 0;
    c.last_tid = c.last_goid = -1;
    c.gc.mark = c.gc.sweep = -1;
    read_pid(&c, db);
    if (!jbuf_init(&c.jb, out) || !make_kind_heads(&c)) {
        chrome_free(&c);
        jbuf_finish(&c.jb);
        return cli_error("export", "out of memory");
    }
    jbuf_str(&c.jb, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"exporter\":\"gort " GORT_VERSION "\"},"
                    "\"traceEvents\":[");
    int rc = write_process_name(&c, db);
    if (!rc) rc = load_defer_names(&c, db);
    if (!rc) rc = write_events(&c, db);
    if (!rc) {
        close_unfinished(&c);
        rc = write_lost(&c, db);
    }
    if (!rc) rc = write_map_lives(&c, db);
    if (!rc) rc = write_track_names(&c, db);
    jbuf_str(&c.jb, "\n]}\n");
    chrome_free(&c);
    if (!jbuf_finish(&c.jb) && !rc) rc = cli_error("export", "cannot write the output");
    return rc;
}
