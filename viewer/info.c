/*
 * info.c — gort info TRACE: a one-screen summary of a trace, each figure one SQL query.
 * The lines are "name  value" so both people and grep can read them.
 *
 * Figures come from the trace as stored, which may be hostile: the span of the events
 * (first ts_ns to the last ts_ns + dur_ns) and the sums are checked, and a figure that does not
 * fit in 64 bits is an error (exit 2), never a wrapped number. The summary is printed whole
 * or not at all (output.c's spool).
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

static int cmd_info(int argc, char **argv);

static const cli_optdoc info_options[] = {
    { CLI_OPT_TIMEOUT, NULL, VIEWER_TIMEOUT_DOC },
    { 0 },
};

const cli_command cli_cmd_info = {
    .name = "info",
    .run = cmd_info,
    .summary = "summary of a trace",
    .synopsis = "TRACE [--timeout S]",
    .operands = "TRACE",
    .min_operands = 1,
    .max_operands = 1,
    .description =
        "Summarizes a trace: the program and how it ended (meta), duration, events by kind,\n"
        "maps, deferred calls, goroutines, GC cycles and their stop-the-world pauses, lost\n"
        "events, the program's waits for the recorder (recorder stalls), and the verdicts of\n"
        "gort gaps. Printed whole or not at all.",
    .options = info_options,
    .exit_status = "0 done, 2 bad input (including a figure too large for 64 bits).",
    .example = "gort info trace.db",
};

/* Takes --timeout into the ns at CTX. */
static int info_option(void *ctx, int id, const char *v) {
    (void)id; /* --timeout is the only option */
    return vt_parse_timeout("info", v, ctx) ? 0 : GORT_EXIT_USAGE;
}

/* Prints every meta row as "meta.KEY  VALUE". */
static int print_meta(sqlite3 *db, FILE *out) {
    sqlite3_stmt *st = vt_prepare("info", db, "SELECT key, value FROM meta ORDER BY key");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        fprintf(out, "meta.%-16s %s\n", k ? k : "", v ? v : "NULL");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("info", db, "reading meta");
}

/* Prints the first meta value among the usual names of the traced command line. */
static int print_program(sqlite3 *db, FILE *out) {
    sqlite3_stmt *st = vt_prepare("info", db,
        "SELECT value FROM meta WHERE key IN ('command', 'command_line', 'cmdline', "
        "'program', 'argv') ORDER BY key LIMIT 1");
    if (!st) return GORT_EXIT_USAGE;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        fprintf(out, "%-21s %s\n", "program", (const char *)sqlite3_column_text(st, 0));
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        fprintf(out, "%-21s %s\n", "program", "(not recorded)");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : vt_sql_error("info", db, "reading meta");
}

/* Prints "label  <the query's rows, each column joined by SEP>" on one line per row. */
static int print_rows(sqlite3 *db, FILE *out, const char *label, const char *sql) {
    sqlite3_stmt *st = vt_prepare("info", db, sql);
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fprintf(out, "  %-19s", label);
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            fprintf(out, " %s", t ? t : "NULL");
        }
        putc('\n', out);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("info", db, "query failed");
}

/* Prints "LABEL  <one integer from SQL>"; an error when the query fails (a sum too large). */
static int print_count(sqlite3 *db, FILE *out, const char *label, const char *sql) {
    int64_t v;
    int rc = vt_int_query("info", db, sql, 0, &v);
    if (!rc) fprintf(out, "%-21s %lld\n", label, (long long)v);
    return rc;
}

typedef struct {
    char name[32];
    int64_t count;
} kind_count;

/* Most frequent first, then by name. */
static int by_count(const void *a, const void *b) {
    const kind_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Prints the duration, the events line and the per-kind counts, most frequent first: one
 * scan of the events table, counting by kind number (SQLite's GROUP BY would sort every event
 * by kind); names come from the record format, "kind63" for a number without one. The span
 * from the first event to the end of the last (ts_ns + dur_ns) must fit in 64 bits. */
static int print_events(sqlite3 *db, FILE *out) {
    sqlite3_stmt *st = vt_prepare("info", db, "SELECT kind_id, ts_ns, dur_ns, id FROM events");
    if (!st) return GORT_EXIT_USAGE;
    enum { NKIND = 256 };       /* counts by number; [NKIND]: NULL or out of range */
    int64_t per_kind[NKIND + 1] = { 0 };
    int64_t first = INT64_MAX, end = INT64_MIN, total = 0, span;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t k = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
        int64_t ts = sqlite3_column_int64(st, 1), e;
        if (__builtin_add_overflow(ts, sqlite3_column_int64(st, 2), &e)) {
            int64_t id = sqlite3_column_int64(st, 3);
            sqlite3_finalize(st);
            return cli_error("info", "event %lld: ts_ns + dur_ns does not fit in 64 bits",
                             (long long)id);
        }
        if (ts < first) first = ts;
        if (e > end) end = e;
        total++;
        per_kind[k >= 0 && k < NKIND ? k : NKIND]++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return vt_sql_error("info", db, "reading events");
    if (__builtin_sub_overflow(end, first, &span))
        return cli_error("info", "the events span from %lld ns to %lld ns: more than 64 bits of ns",
                         (long long)first, (long long)end);
    kind_count kinds[NKIND + 1];
    size_t nk = 0;
    for (int k = 0; k <= NKIND; k++) {
        if (!per_kind[k]) continue;
        const char *name = k < NKIND ? gort_kind_name((unsigned)k) : "NULL";
        if (name)
            snprintf(kinds[nk].name, sizeof kinds[0].name, "%s", name);
        else
            snprintf(kinds[nk].name, sizeof kinds[0].name, "kind%d", k);
        kinds[nk++].count = per_kind[k];
    }
    char a[32];
    fprintf(out, "%-21s %s (first event at %lld ns, last ends at %lld ns)\n", "duration",
            fmt_duration(span, a, sizeof a), (long long)first, (long long)end);
    fprintf(out, "%-21s %lld\n", "events", (long long)total);
    qsort(kinds, nk, sizeof kinds[0], by_count);
    for (size_t i = 0; i < nk; i++) fprintf(out, "  %-19s %lld\n", kinds[i].name, (long long)kinds[i].count);
    return 0;
}

/* Prints maps, defers and goroutines with their breakdowns. */
static int print_objects(sqlite3 *db, FILE *out) {
    int rc = print_count(db, out, "maps", "SELECT count(*) FROM maps");
    if (!rc) rc = print_rows(db, out, "died",
                        "SELECT count(*), '(' || coalesce(death_cause, 'unknown cause') || ')' "
                        "FROM maps WHERE died_ns IS NOT NULL GROUP BY death_cause ORDER BY 1 DESC");
    if (!rc) rc = print_rows(db, out, "alive at end", "SELECT count(*) FROM maps WHERE died_ns IS NULL");
    if (!rc) rc = print_count(db, out, "deferred calls", "SELECT count(*) FROM defers");
    if (!rc) rc = print_rows(db, out, "how", "SELECT count(*), '(' || coalesce(how, 'unknown') || ')' "
                                        "FROM defers GROUP BY how ORDER BY 1 DESC");
    if (!rc) rc = print_count(db, out, "goroutines", "SELECT count(*) FROM goroutines");
    return rc;
}

/* Prints GC cycles, their pauses and lost events. SQLite's sum() fails on an integer overflow
 * rather than wrapping: that failure is the command's. */
static int print_gc_and_losses(sqlite3 *db, FILE *out) {
    char a[32], b[32];
    int64_t n, total, longest, freed, lost, runs;
    int rc = vt_int_query("info", db, "SELECT count(*) FROM gc_cycles", 0, &n);
    if (!rc) rc = vt_int_query("info", db, "SELECT sum(stw_ns) FROM gc_cycles", 0, &total);
    if (!rc) rc = vt_int_query("info", db, "SELECT max(stw_ns) FROM gc_cycles", 0, &longest);
    if (!rc) rc = vt_int_query("info", db, "SELECT sum(maps_freed) FROM gc_cycles", 0, &freed);
    if (!rc) rc = vt_int_query("info", db, "SELECT sum(count) FROM lost", 0, &lost);
    if (!rc) rc = vt_int_query("info", db, "SELECT count(*) FROM lost", 0, &runs);
    if (rc) return rc;
    fprintf(out, "%-21s %lld\n", "gc cycles", (long long)n);
    fprintf(out, "  %-19s %s total, %s longest\n", "stop-the-world", fmt_duration(total, a, sizeof a),
            fmt_duration(longest, b, sizeof b));
    fprintf(out, "  %-19s %lld\n", "maps freed by gc", (long long)freed);
    fprintf(out, "%-21s %lld in %lld runs\n", "lost events", (long long)lost, (long long)runs);
    if (vt_has_table(db, "stalls")) { /* traces recorded before stalls were recorded have none */
        int64_t ns, all, most;
        rc = vt_int_query("info", db, "SELECT count(*) FROM stalls", 0, &ns);
        if (!rc) rc = vt_int_query("info", db, "SELECT sum(end_ns - start_ns) FROM stalls", 0, &all);
        if (!rc) rc = vt_int_query("info", db, "SELECT max(end_ns - start_ns) FROM stalls", 0, &most);
        if (rc) return rc;
        fprintf(out, "%-21s %lld waits of the program for the recorder, %s in all, %s longest\n",
                "recorder stalls", (long long)ns, fmt_duration(all, a, sizeof a),
                fmt_duration(most, b, sizeof b));
    }
    return 0;
}

/* Prints the verdict counts of the gap report (gapcalc.c). */
static int print_verdicts(sqlite3 *db, FILE *out) {
    static const char *const order[] = { "safe", "use-after-free", "nil-map", "map-still-alive" };
    char *sql = sqlite3_mprintf("SELECT verdict, count(*) FROM (%s) GROUP BY verdict", gaps_sql);
    sqlite3_stmt *st = sql ? vt_prepare("info", db, sql) : NULL;
    sqlite3_free(sql);
    if (!st) return GORT_EXIT_USAGE;
    long counts[4] = { 0 };
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        for (int k = 0; k < 4; k++)
            if (v && !strcmp(v, order[k])) counts[k] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return vt_sql_error("info", db, "query failed");
    fprintf(out, "%-21s", "verdicts");
    for (int k = 0; k < 4; k++) fprintf(out, " %s %ld%s", order[k], counts[k], k < 3 ? "," : "\n");
    return 0;
}

/* Prints the whole summary to OUT. */
static int print_summary(sqlite3 *db, const char *path, FILE *out) {
    fprintf(out, "%-21s %s\n", "trace", path);
    int rc = print_program(db, out);
    if (!rc) rc = print_events(db, out);
    if (!rc) rc = print_objects(db, out);
    if (!rc) rc = print_gc_and_losses(db, out);
    if (!rc) rc = print_verdicts(db, out);
    if (!rc) rc = print_meta(db, out);
    return rc;
}

/* gort info: parses the command line and prints the summary. Returns the exit status. */
static int cmd_info(int argc, char **argv) {
    int64_t timeout = VIEWER_DEFAULT_TIMEOUT_NS;
    int first;
    int rc = cli_parse(&cli_cmd_info, argc, argv, info_option, &timeout, &first);
    if (rc >= 0) return rc;
    const char *path = argv[first];
    sqlite3 *db;
    rc = vt_open("info", path, timeout, &db);
    if (rc) return rc;
    vout_file vf;
    rc = vout_file_open("info", NULL, NULL, &vf);
    if (!rc) {
        rc = print_summary(db, path, vf.f);
        rc = vout_file_close("info", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    sqlite3_close(db);
    return rc;
}
