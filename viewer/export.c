/*
 * export.c — gort export TRACE --format chrome|speedscope -o FILE: a trace in the formats of
 * other people's viewers.
 *
 * chrome: the Trace Event Format (a JSON object with "traceEvents"), read by Perfetto UI and
 *   chrome://tracing. Times are microseconds with ns precision (three decimals). Mapping:
 *   - each GC phase (the cycle, mark, each stop-the-world pause, sweep) is a complete ("X")
 *     slice on the thread that ran it, paired from the gc_* and stw_* events in order;
 *   - each deferred call is an "X" slice on its thread, from deferreturn_end's ts - dur_ns;
 *   - map operations and every other event (panic, recover, goroutine events, ...) are
 *     thread-scoped instant ("i") events carrying map_id, defer_id, arg0, arg1;
 *   - each map's life is an async slice ("b"/"e", category "map", id = map_id) from creation
 *     to death (or the end of the trace);
 *   - lost-event runs (the lost table) are "X" slices named "lost N events" on their thread;
 *   - thread names say which goroutines ran there.
 *   The events table is read once, in id order (the recorder's merged time order).
 * speedscope: speedscope's file format, one "sampled" profile whose samples are the distinct
 *   stacks of the selected events (stacks.c: the same selection as gort flame, --kind and
 *   --weight) with their weights; frames are shared by name.
 */
#define _GNU_SOURCE /* fputs_unlocked */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gort export TRACE --format chrome|speedscope [-o FILE] [--kind KIND]...\n"
    "                   [--weight count|time] [--timeout S]\n"
    "\n"
    "  --format chrome      Chrome trace-event JSON for Perfetto UI (ui.perfetto.dev) and\n"
    "                       chrome://tracing: GC phases and deferred calls as slices on\n"
    "                       their thread, map operations as instant events, each map's\n"
    "                       life as an async slice\n"
    "  --format speedscope  speedscope JSON (a sampled profile of the events' stacks;\n"
    "                       --kind and --weight select as in gort flame)\n"
    "  -o FILE              write to FILE (default: standard output)\n"
    VIEWER_TIMEOUT_HELP
    "\n"
    "Exit status: 0 done, 2 bad input.\n";

static void put_str(FILE *out, const char *s) { fputs_unlocked(s, out); }

/* Prints NS as microseconds with three decimals (INT64_MIN too: its magnitude is taken
 * unsigned, where negating it would overflow). */
static void put_us(FILE *out, int64_t ns) {
    uint64_t u = (uint64_t)ns;
    if (ns < 0) {
        putc_unlocked('-', out);
        u = -u;
    }
    write_i64(out, (int64_t)(u / 1000));
    char frac[5] = { '.', (char)('0' + u % 1000 / 100), (char)('0' + u % 100 / 10), (char)('0' + u % 10), 0 };
    put_str(out, frac);
}

typedef struct {
    FILE *out;
    bool first;         /* no event written yet (for commas) */
    int64_t open_ts[4]; /* start of the open GC phase: cycle, mark, sweep, stw; -1 none */
} chrome_state;

/* Starts one trace event object: the comma and the common fields. */
static void ev_begin(chrome_state *c, const char *ph, const char *name, size_t nlen, int64_t ts, int64_t tid) {
    put_str(c->out, c->first ? "\n{\"name\":" : ",\n{\"name\":");
    c->first = false;
    json_write_string(c->out, name, nlen);
    put_str(c->out, ",\"ph\":\"");
    put_str(c->out, ph);
    put_str(c->out, "\",\"pid\":1,\"tid\":");
    write_i64(c->out, tid);
    put_str(c->out, ",\"ts\":");
    put_us(c->out, ts);
}

/* Writes an "X" slice [start, end) on TID in category CAT. */
static void slice(chrome_state *c, const char *name, const char *cat, int64_t start, int64_t end, int64_t tid) {
    ev_begin(c, "X", name, strlen(name), start, tid);
    put_str(c->out, ",\"dur\":");
    put_us(c->out, end > start ? end - start : 0);
    put_str(c->out, ",\"cat\":\"");
    put_str(c->out, cat);
    put_str(c->out, "\"}");
}

/* Thread names: "goroutine 1, 5" for the goroutines that ran on each thread. */
static int write_thread_names(chrome_state *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT tid, group_concat(goid, ', ') FROM (SELECT tid, goid FROM goroutines "
        "WHERE tid IS NOT NULL ORDER BY goid) GROUP BY tid");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fputs(c->first ? "\n{" : ",\n{", c->out);
        c->first = false;
        fprintf(c->out, "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%lld,"
                        "\"args\":{\"name\":\"goroutine %s\"}}",
                (long long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading goroutines");
}

/* Each map's life as an async slice. */
static int write_map_lives(chrome_state *c, sqlite3 *db, int64_t trace_end) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT map_id, created_ns, died_ns, coalesce(death_cause, 'alive at end'), "
        "coalesce(key_kind, '?') FROM maps WHERE created_ns IS NOT NULL ORDER BY map_id");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char name[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int64_t end = sqlite3_column_type(st, 2) == SQLITE_NULL ? trace_end : sqlite3_column_int64(st, 2);
        snprintf(name, sizeof name, "map %lld", (long long)id);
        ev_begin(c, "b", name, strlen(name), sqlite3_column_int64(st, 1), 0);
        fprintf(c->out, ",\"cat\":\"map\",\"id\":%lld,\"args\":{\"key_kind\":", (long long)id);
        const char *k = (const char *)sqlite3_column_text(st, 4);
        json_write_string(c->out, k, strlen(k));
        fputs("}}", c->out);
        ev_begin(c, "e", name, strlen(name), end, 0);
        fprintf(c->out, ",\"cat\":\"map\",\"id\":%lld,\"args\":{\"death\":", (long long)id);
        const char *d = (const char *)sqlite3_column_text(st, 3);
        json_write_string(c->out, d, strlen(d));
        fputs("}}", c->out);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading maps");
}

/* Runs of lost events (the lost table) as slices on their thread. */
static int write_lost(chrome_state *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT tid, first_ns, coalesce(last_ns, first_ns), count FROM lost WHERE first_ns IS NOT NULL");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char name[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(name, sizeof name, "lost %lld events", (long long)sqlite3_column_int64(st, 3));
        slice(c, name, "lost", sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading lost events");
}

/* Opens (START) or closes a GC phase slot; a close writes the phase's slice. */
static void gc_phase(chrome_state *c, int slot, bool start, const char *name, int64_t ts, int64_t tid) {
    if (start) {
        c->open_ts[slot] = ts;
    } else if (c->open_ts[slot] >= 0) {
        slice(c, name, "gc", c->open_ts[slot], ts, tid);
        c->open_ts[slot] = -1;
    }
}

/* One event of the main pass. Columns: ts, tid, goid, kind_id, map_id, defer_id, arg0, arg1,
 * dur_ns, fn (of the deferred call, for deferreturn_end). The kind is read as its number and
 * named here (an integer per row where the trace's events view would build the name). */
static void write_event(chrome_state *c, sqlite3_stmt *st) {
    int64_t ts = sqlite3_column_int64(st, 0), tid = sqlite3_column_int64(st, 1);
    if (sqlite3_column_type(st, 3) == SQLITE_NULL) return;
    int64_t kind_id = sqlite3_column_int64(st, 3);
    const char *kind = kind_id >= 0 && kind_id < GORT_EV_MAX ? gort_kind_name((unsigned)kind_id) : NULL;
    char unknown[32];
    if (!kind) {
        snprintf(unknown, sizeof unknown, "kind%lld", (long long)kind_id);
        kind = unknown;
    }
    int64_t arg0 = sqlite3_column_int64(st, 6), dur = sqlite3_column_int64(st, 8);
    bool has_dur = sqlite3_column_type(st, 8) != SQLITE_NULL;
    char name[96];
    if (!strcmp(kind, "gc_start")) gc_phase(c, 0, true, NULL, ts, tid);
    else if (!strcmp(kind, "gc_end")) {
        snprintf(name, sizeof name, "GC");
        gc_phase(c, 0, false, name, ts, tid);
    } else if (!strcmp(kind, "gc_mark_start")) gc_phase(c, 1, true, NULL, ts, tid);
    else if (!strcmp(kind, "gc_mark_termination")) gc_phase(c, 1, false, "GC mark", ts, tid);
    else if (!strcmp(kind, "gc_sweep_start")) gc_phase(c, 2, true, NULL, ts, tid);
    else if (!strcmp(kind, "gc_sweep_done")) gc_phase(c, 2, false, "GC sweep", ts, tid);
    else if (!strcmp(kind, "stw_start")) gc_phase(c, 3, true, NULL, ts, tid);
    else if (!strcmp(kind, "stw_end")) {
        if (has_dur) c->open_ts[3] = ts - dur;
        gc_phase(c, 3, false, arg0 ? "stop-the-world (sweep termination)" : "stop-the-world (mark termination)", ts, tid);
    } else if (!strcmp(kind, "deferreturn_end") && has_dur) {
        const char *fn = (const char *)sqlite3_column_text(st, 9);
        snprintf(name, sizeof name, "defer %.80s", fn ? fn : "?");
        slice(c, name, "defer", ts - dur, ts, tid);
    } else if (!strcmp(kind, "lost")) {
        /* the lost table has these runs (write_lost) */
    } else if (strcmp(kind, "cpu_sample") && strcmp(kind, "name") && strcmp(kind, "deferreturn")) {
        ev_begin(c, "i", kind, strlen(kind), ts, tid);
        put_str(c->out, strstr(kind, "map") || !strcmp(kind, "hashgrow") || !strcmp(kind, "evacuate") ||
                        !strcmp(kind, "growdone") ? ",\"s\":\"t\",\"cat\":\"map\",\"args\":{"
                                                  : ",\"s\":\"t\",\"cat\":\"runtime\",\"args\":{");
        static const char *const cols[] = { "\"goid\":", NULL, "\"map_id\":", "\"defer_id\":",
                                            "\"arg0\":", "\"arg1\":" };
        bool first = true;
        for (int k = 0; k < 6; k++) {
            if (!cols[k] || sqlite3_column_type(st, 2 + k) == SQLITE_NULL) continue;
            if (!first) putc_unlocked(',', c->out);
            put_str(c->out, cols[k]);
            write_i64(c->out, sqlite3_column_int64(st, 2 + k));
            first = false;
        }
        put_str(c->out, "}}");
    }
}

/* The chrome format: metadata, lost runs, one pass over the events, then the map lives (a
 * map alive at the end lives until the last event, which the pass finds: the trace has no
 * index on ts_ns to give it, and a separate max(ts_ns) would read the table twice). Chrome
 * and Perfetto order events by time themselves, not by their place in the file. */
static int export_chrome(sqlite3 *db, FILE *out) {
    chrome_state c = { out, true, { -1, -1, -1, -1 } };
    int64_t end = INT64_MIN;
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"exporter\":\"gort " GORT_VERSION "\"},"
          "\"traceEvents\":[", out);
    fputs("\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"gort trace\"}}", out);
    c.first = false;
    int rc = write_thread_names(&c, db);
    if (!rc) rc = write_lost(&c, db);
    if (rc) return rc;
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT e.ts_ns, e.tid, e.goid, e.kind_id, e.map_id, e.defer_id, e.arg0, e.arg1, e.dur_ns, "
        "CASE WHEN e.kind_id = 22 /* deferreturn_end */ THEN (SELECT fn FROM defers d WHERE d.defer_id = e.defer_id) END "
        "FROM events e ORDER BY e.id");
    if (!st) return GORT_EXIT_USAGE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);
        if (ts > end) end = ts;
        write_event(&c, st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return vt_sql_error("export", db, "reading events");
    rc = write_map_lives(&c, db, end == INT64_MIN ? 0 : end);
    if (rc) return rc;
    fputs("\n]}\n", out);
    return 0;
}

typedef struct {   /* frame names interned for speedscope */
    const char **name;
    uint32_t *len;
    uint32_t *slot;  /* hash slots: index + 1, 0 empty */
    size_t n, cap, nslots;
} name_table;

/* FNV-1a of S[0..N). */
static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The index of NAME in T, added if new; -1 when out of memory. */
static long intern(name_table *t, const char *s, uint32_t n) {
    if ((t->n + 1) * 2 > t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 1024;
        uint32_t *slot = calloc(ns, sizeof *slot);
        if (!slot) return -1;
        for (size_t i = 0; i < t->n; i++) {
            size_t h = hash_bytes(t->name[i], t->len[i]) & (ns - 1);
            while (slot[h]) h = (h + 1) & (ns - 1);
            slot[h] = (uint32_t)i + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->nslots = ns;
    }
    size_t h = hash_bytes(s, n) & (t->nslots - 1);
    while (t->slot[h]) {
        uint32_t i = t->slot[h] - 1;
        if (t->len[i] == n && !memcmp(t->name[i], s, n)) return i;
        h = (h + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        const char **nm = realloc(t->name, cap * sizeof *nm);
        if (nm) t->name = nm;
        uint32_t *ln = realloc(t->len, cap * sizeof *ln);
        if (ln) t->len = ln;
        if (!nm || !ln) return -1;
        t->cap = cap;
    }
    t->name[t->n] = s;
    t->len[t->n] = n;
    t->slot[h] = (uint32_t)t->n + 1;
    return (long)t->n++;
}

/* The speedscope format from the folded stacks of the selected events. */
static int export_speedscope(sqlite3 *db, const stack_query *q, const char *trace, FILE *out) {
    fold_set fs;
    fold_init(&fs);
    int rc = stacks_fold("export", db, q, &fs);
    if (rc) {
        fold_free(&fs);
        return rc;
    }
    if (!fold_sort_merge(&fs)) { /* stacks.c keeps the total within 64 bits: cannot happen */
        fold_free(&fs);
        return cli_error("export", "the weights add up to more than 64 bits");
    }
    name_table t = { 0 };
    int64_t total = 0;
    /* Samples first into a memory stream, frames interned on the way. */
    char *samples = NULL;
    size_t slen = 0;
    FILE *sf = open_memstream(&samples, &slen);
    for (size_t i = 0; sf && !rc && i < fs.n; i++) {
        const fold_line *l = &fs.lines[i];
        fputs(i ? ",[" : "[", sf);
        for (uint32_t pos = 0; pos <= l->len && !rc;) {
            const char *semi = memchr(l->stack + pos, ';', l->len - pos);
            uint32_t n = semi ? (uint32_t)(semi - (l->stack + pos)) : l->len - pos;
            long k = intern(&t, l->stack + pos, n);
            if (k < 0) rc = cli_error("export", "out of memory");
            fprintf(sf, pos ? ",%ld" : "%ld", k);
            pos += n + 1;
        }
        fputs("]", sf);
        total += l->count;
    }
    if (!sf || (sf && fclose(sf) != 0)) rc = rc ? rc : cli_error("export", "out of memory");
    if (!rc) {
        fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"exporter\":\"gort "
              GORT_VERSION "\",\"name\":", out);
        json_write_string(out, trace, strlen(trace));
        fputs(",\"activeProfileIndex\":0,\"shared\":{\"frames\":[", out);
        for (size_t i = 0; i < t.n; i++) {
            fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
            json_write_string(out, t.name[i], t.len[i]);
            putc('}', out);
        }
        fprintf(out, "]},\"profiles\":[{\"type\":\"sampled\",\"name\":");
        json_write_string(out, trace, strlen(trace));
        fprintf(out, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":%lld,\"samples\":[",
                q->weight_time ? "nanoseconds" : "none", (long long)total);
        fwrite(samples, 1, slen, out);
        fputs("],\"weights\":[", out);
        for (size_t i = 0; i < fs.n; i++) fprintf(out, i ? ",%lld" : "%lld", (long long)fs.lines[i].count);
        fputs("]}]}\n", out);
    }
    free(samples);
    free(t.name);
    free(t.len);
    free(t.slot);
    fold_free(&fs);
    return rc;
}

/* gort export: parses the command line, opens the trace and writes the chosen format to -o
 * (or stdout) whole or not at all. Returns the exit status. */
int cmd_export(int argc, char **argv) {
    const char *path = NULL, *out = NULL, *format = NULL;
    const char *kinds[64];
    stack_query q = { NULL, 0, false };
    int64_t timeout = VIEWER_DEFAULT_TIMEOUT_NS;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return GORT_EXIT_OK;
        } else if (cli_opt_value("export", argc, argv, &i, "--format", &v)) {
            if (!v) return GORT_EXIT_USAGE;
            if (strcmp(v, "chrome") && strcmp(v, "speedscope"))
                return cli_error("export", "unknown format '%s' (chrome or speedscope)", v);
            format = v;
        } else if (cli_opt_value("export", argc, argv, &i, "-o", &v) ||
                   cli_opt_value("export", argc, argv, &i, "--output", &v)) {
            if (!v) return GORT_EXIT_USAGE;
            out = v;
        } else if (cli_opt_value("export", argc, argv, &i, "--kind", &v)) {
            if (!v) return GORT_EXIT_USAGE;
            if (!viewer_kind_known(v)) return cli_error("export", "unknown event kind '%s'", v);
            if (q.nkinds == 64) return cli_error("export", "too many --kind options");
            kinds[q.nkinds++] = v;
            q.kinds = kinds;
        } else if (cli_opt_value("export", argc, argv, &i, "--timeout", &v)) {
            if (!v || !vt_parse_timeout("export", v, &timeout)) return GORT_EXIT_USAGE;
        } else if (cli_opt_value("export", argc, argv, &i, "--weight", &v)) {
            if (!v) return GORT_EXIT_USAGE;
            if (strcmp(v, "count") && strcmp(v, "time"))
                return cli_error("export", "--weight takes count or time, not '%s'", v);
            q.weight_time = !strcmp(v, "time");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("export", "unknown option %s (see gort export --help)", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_error("export", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path) return cli_error("export", "needs a TRACE (see gort export --help)");
    if (!format) return cli_error("export", "needs --format chrome or --format speedscope");
    sqlite3 *db;
    int rc = vt_open("export", path, timeout, &db);
    if (rc) return rc;
    vout_file vf;
    rc = vout_file_open("export", out, path, &vf);
    if (!rc) {
        rc = !strcmp(format, "chrome") ? export_chrome(db, vf.f) : export_speedscope(db, &q, path, vf.f);
        rc = vout_file_close("export", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    sqlite3_close(db);
    return rc;
}
