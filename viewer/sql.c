/*
 * sql.c — gort sql TRACE "QUERY" [--format table|csv|json]: any read-only query over a trace.
 *
 * Every statement of QUERY is prepared before any runs, and if one of them would write
 * (sqlite3_stmt_readonly is false: INSERT, CREATE, VACUUM, a pragma that sets, ...) nothing
 * runs and the command fails with a one-line error. The connection is read-only anyway
 * (trace_db.c); refusing up front gives a clear message.
 *
 * The output is one document whatever QUERY holds: with --format json, one statement prints an
 * array of row objects and several statements an array holding one such array per statement,
 * in order. Nothing is printed unless every statement ran to the end (output.c's spool).
 */
#include "viewer.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int cmd_sql(int argc, char **argv);

static const cli_optdoc sql_options[] = {
    { CLI_OPT_FORMAT, "table|csv|json", "table (default: aligned columns), csv (RFC 4180 with a header\n"
                                        "line) or json (an array of objects; for several statements an\n"
                                        "array of such arrays, one per statement)" },
    { CLI_OPT_TIMEOUT, NULL, VIEWER_TIMEOUT_DOC },
    { 0 },
};

const cli_command cli_cmd_sql = {
    .name = "sql",
    .run = cmd_sql,
    .summary = "run a read-only SQL query over a trace",
    .synopsis = "TRACE QUERY [--format table|csv|json] [--timeout S]",
    .operands = "TRACE QUERY",
    .min_operands = 2,
    .max_operands = 2,
    .description =
        "Runs QUERY (one or more SQL statements) over the trace database TRACE and prints\n"
        "the rows. Only statements that read are accepted: one that would write is refused\n"
        "before anything runs, and the file stays byte-identical. Tables and views are in\n"
        "schema.md (events, maps, defers, gc_cycles, goroutines, stacks, frames,\n"
        "stack_entries, stack_frames, lost, meta, the gaps view). Quote the query; a query\n"
        "that starts with '-' goes after --. Nothing is printed unless every statement\n"
        "succeeds.",
    .options = sql_options,
    .exit_status = "0 done, 2 bad input (no such file, not a trace, bad query, a write, the\ntimeout).",
    .example = "gort sql trace.db \"SELECT kind, count(*) FROM events GROUP BY kind\"",
};

typedef struct {
    enum vout_format fmt;
    int64_t timeout;
} sql_args;

/* Takes --format or --timeout into the sql_args at CTX. */
static int sql_option(void *ctx, int id, const char *v) {
    sql_args *a = ctx;
    if (id == CLI_OPT_TIMEOUT) return vt_parse_timeout("sql", v, &a->timeout) ? 0 : GORT_EXIT_USAGE;
    return vout_parse_format("sql", v, &a->fmt) ? 0 : GORT_EXIT_USAGE;
}

#define MAX_STMTS 64

/* Prepares every statement of SQL into ST; refuses writers. Returns 0 or an exit status. */
static int prepare_all(sqlite3 *db, const char *sql, sqlite3_stmt **st, int *n) {
    const char *tail = sql;
    *n = 0;
    while (tail && *tail) {
        sqlite3_stmt *s = NULL;
        const char *start = tail;
        if (sqlite3_prepare_v2(db, tail, -1, &s, &tail) != SQLITE_OK)
            return cli_error("sql", "bad query: %s", vt_errmsg(db));
        if (!s) continue; /* whitespace or a comment */
        if (*n == MAX_STMTS) {
            sqlite3_finalize(s);
            return cli_error("sql", "too many statements (at most %d)", MAX_STMTS);
        }
        st[(*n)++] = s;
        if (!sqlite3_stmt_readonly(s)) {
            while (*start == ' ' || *start == '\n' || *start == '\t') start++;
            int len = (int)strcspn(start, "\n");
            if (len > 60) len = 60;
            return cli_error("sql", "refused: the statement would write to the trace "
                             "(gort sql is read-only): %.*s", len, start);
        }
    }
    if (*n == 0) return cli_error("sql", "empty query");
    return 0;
}

/* Runs the N statements ST and prints their rows to OUT in FMT: in JSON, several statements
 * as one array of their arrays. Returns 0 or the exit status of the first failure. */
static int run_all(sqlite3_stmt **st, int n, enum vout_format fmt, FILE *out) {
    bool nest = fmt == VOUT_JSON && n > 1;
    int rc = 0;
    if (nest) fputs("[\n", out);
    for (int k = 0; !rc && k < n; k++) {
        if (nest && k) fputs(",\n", out);
        rc = vout_query("sql", st[k], fmt, out, NULL, NULL);
    }
    if (nest) fputs("]\n", out);
    return rc;
}

/* gort sql: parses the command line, refuses writers, runs each statement and prints its
 * rows. Returns the exit status. */
static int cmd_sql(int argc, char **argv) {
    sql_args a = { VOUT_TABLE, VIEWER_DEFAULT_TIMEOUT_NS };
    int first;
    int rc = cli_parse(&cli_cmd_sql, argc, argv, sql_option, &a, &first);
    if (rc >= 0) return rc;
    const char *pos[2] = { argv[first], argv[first + 1] };
    sqlite3 *db;
    rc = vt_open("sql", pos[0], a.timeout, &db);
    if (rc) return rc;
    sqlite3_stmt *st[MAX_STMTS];
    int n = 0;
    rc = prepare_all(db, pos[1], st, &n);
    vout_file vf;
    if (!rc) rc = vout_file_open("sql", NULL, NULL, &vf);
    if (!rc) {
        rc = run_all(st, n, a.fmt, vf.f);
        rc = vout_file_close("sql", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    for (int k = 0; k < n; k++) sqlite3_finalize(st[k]);
    sqlite3_close(db);
    return rc;
}
