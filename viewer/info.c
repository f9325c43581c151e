/*
 * info.c — gort info TRACE: a one-screen summary of a trace, each figure one SQL query.
 * The lines are "name  value" so both people and grep can read them.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

static int cmd_info(int argc, char **argv);

const cli_command cli_cmd_info = {
    .name = "info",
    .run = cmd_info,
    .summary = "summary of a trace",
    .synopsis = "TRACE",
    .operands = "TRACE",
    .min_operands = 1,
    .max_operands = 1,
    .description =
        "Summarizes a trace: the program and how it ended (meta), duration, events by kind,\n"
        "maps, deferred calls, goroutines, GC cycles and their stop-the-world pauses, lost\n"
        "events, the program's waits for the recorder (recorder stalls), and the verdicts of\n"
        "gort gaps.",
    .exit_status = "0 done, 2 bad input.",
    .example = "gort info trace.db",
};

/* gort info has no option but --help. */
static int info_option(void *ctx, int id, const char *v) {
    (void)ctx, (void)v;
    return cli_error("info", "internal error: option %d", id);
}

/* Prints every meta row as "meta.KEY  VALUE", and the program line first if known. */
static void print_meta(sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta ORDER BY key", -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        printf("meta.%-16s %s\n", k ? k : "", v ? v : "NULL");
    }
    sqlite3_finalize(st);
}

/* Prints the first meta value among the usual names of the traced command line. */
static void print_program(sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT value FROM meta WHERE key IN ('command', 'command_line', 'cmdline', "
                      "'program', 'argv') ORDER BY key LIMIT 1";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        printf("%-21s %s\n", "program", (const char *)sqlite3_column_text(st, 0));
    else
        printf("%-21s %s\n", "program", "(not recorded)");
    sqlite3_finalize(st);
}

/* Prints "label  <the query's rows, each column joined by SEP>" on one line per row. */
static int print_rows(sqlite3 *db, const char *label, const char *sql) {
    sqlite3_stmt *st = vt_prepare("info", db, sql);
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        printf("  %-19s", label);
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            printf(" %s", t ? t : "NULL");
        }
        putchar('\n');
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("info", db, "query failed");
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
 * by kind); names come from the record format, "kind63" for a number without one. */
static int print_events(sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("info", db, "SELECT kind_id, ts_ns, dur_ns FROM events");
    if (!st) return GORT_EXIT_USAGE;
    enum { NKIND = 256 };       /* counts by number; [NKIND]: NULL or out of range */
    static int64_t per_kind[NKIND + 1];
    memset(per_kind, 0, sizeof per_kind);
    int64_t first = INT64_MAX, end = INT64_MIN, total = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t k = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
        int64_t ts = sqlite3_column_int64(st, 1), e = ts + sqlite3_column_int64(st, 2);
        if (ts < first) first = ts;
        if (e > end) end = e;
        total++;
        per_kind[k >= 0 && k < NKIND ? k : NKIND]++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return vt_sql_error("info", db, "reading events");
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
    printf("%-21s %s (first event at %lld ns, last ends at %lld ns)\n", "duration",
           fmt_duration(end - first, a, sizeof a), (long long)first, (long long)end);
    printf("%-21s %lld\n", "events", (long long)total);
    qsort(kinds, nk, sizeof kinds[0], by_count);
    for (size_t i = 0; i < nk; i++) printf("  %-19s %lld\n", kinds[i].name, (long long)kinds[i].count);
    return 0;
}

/* Prints maps, defers and goroutines with their breakdowns. */
static int print_objects(sqlite3 *db) {
    printf("%-21s %lld\n", "maps", (long long)vt_int(db, "SELECT count(*) FROM maps", 0));
    int rc = print_rows(db, "died",
                        "SELECT count(*), '(' || coalesce(death_cause, 'unknown cause') || ')' "
                        "FROM maps WHERE died_ns IS NOT NULL GROUP BY death_cause ORDER BY 1 DESC");
    if (!rc) rc = print_rows(db, "alive at end", "SELECT count(*) FROM maps WHERE died_ns IS NULL");
    if (rc) return rc;
    printf("%-21s %lld\n", "deferred calls", (long long)vt_int(db, "SELECT count(*) FROM defers", 0));
    rc = print_rows(db, "how", "SELECT count(*), '(' || coalesce(how, 'unknown') || ')' FROM defers "
                               "GROUP BY how ORDER BY 1 DESC");
    if (rc) return rc;
    printf("%-21s %lld\n", "goroutines", (long long)vt_int(db, "SELECT count(*) FROM goroutines", 0));
    return 0;
}

/* Prints GC cycles, their pauses and lost events. */
static int print_gc_and_losses(sqlite3 *db) {
    char a[32], b[32];
    int64_t n = vt_int(db, "SELECT count(*) FROM gc_cycles", 0);
    int64_t total = vt_int(db, "SELECT sum(stw_ns) FROM gc_cycles", 0);
    int64_t longest = vt_int(db, "SELECT max(stw_ns) FROM gc_cycles", 0);
    printf("%-21s %lld\n", "gc cycles", (long long)n);
    printf("  %-19s %s total, %s longest\n", "stop-the-world", fmt_duration(total, a, sizeof a),
           fmt_duration(longest, b, sizeof b));
    printf("  %-19s %lld\n", "maps freed by gc",
           (long long)vt_int(db, "SELECT sum(maps_freed) FROM gc_cycles", 0));
    printf("%-21s %lld in %lld runs\n", "lost events",
           (long long)vt_int(db, "SELECT sum(count) FROM lost", 0),
           (long long)vt_int(db, "SELECT count(*) FROM lost", 0));
    if (vt_has_table(db, "stalls")) /* traces recorded before stalls were recorded have none */
        printf("%-21s %lld waits of the program for the recorder, %s in all, %s longest\n",
               "recorder stalls", (long long)vt_int(db, "SELECT count(*) FROM stalls", 0),
               fmt_duration(vt_int(db, "SELECT sum(end_ns - start_ns) FROM stalls", 0), a, sizeof a),
               fmt_duration(vt_int(db, "SELECT max(end_ns - start_ns) FROM stalls", 0), b, sizeof b));
    return 0;
}

/* Prints the verdict counts of the gap report (gapcalc.c). */
static int print_verdicts(sqlite3 *db) {
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
    printf("%-21s", "verdicts");
    for (int k = 0; k < 4; k++) printf(" %s %ld%s", order[k], counts[k], k < 3 ? "," : "\n");
    return 0;
}

/* gort info: parses the command line and prints the summary. Returns the exit status. */
static int cmd_info(int argc, char **argv) {
    int first;
    int rc = cli_parse(&cli_cmd_info, argc, argv, info_option, NULL, &first);
    if (rc >= 0) return rc;
    const char *path = argv[first];
    sqlite3 *db;
    rc = vt_open("info", path, &db);
    if (rc) return rc;
    printf("%-21s %s\n", "trace", path);
    print_program(db);
    rc = print_events(db);
    if (!rc) rc = print_objects(db);
    if (!rc) rc = print_gc_and_losses(db);
    if (!rc) rc = print_verdicts(db);
    if (!rc) print_meta(db);
    sqlite3_close(db);
    if (fflush(stdout) != 0 && !rc) rc = cli_error("info", "cannot write the output");
    return rc;
}
