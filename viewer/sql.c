/*
 * sql.c — gort sql TRACE "QUERY" [--format table|csv|json]: any read-only query over a trace.
 *
 * Every statement of QUERY is prepared before any runs, and if one of them would write
 * (sqlite3_stmt_readonly is false: INSERT, CREATE, VACUUM, a pragma that sets, ...) nothing
 * runs and the command fails with a one-line error. The connection is read-only anyway
 * (trace_db.c); refusing up front gives a clear message and guarantees no partial output.
 */
#include "viewer.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int cmd_sql(int argc, char **argv);

static const cli_optdoc sql_options[] = {
    { CLI_OPT_FORMAT, "table|csv|json", "table (default: aligned columns), csv (RFC 4180 with a header\n"
                                        "line) or json (an array of objects)" },
    { 0 },
};

const cli_command cli_cmd_sql = {
    .name = "sql",
    .run = cmd_sql,
    .summary = "run a read-only SQL query over a trace",
    .synopsis = "TRACE QUERY [--format table|csv|json]",
    .operands = "TRACE QUERY",
    .min_operands = 2,
    .max_operands = 2,
    .description =
        "Runs QUERY (one or more SQL statements) over the trace database TRACE and prints\n"
        "the rows. Only statements that read are accepted: one that would write is refused\n"
        "before anything runs, and the file stays byte-identical. Tables and views are in\n"
        "schema.md (events, maps, defers, gc_cycles, goroutines, stacks, frames,\n"
        "stack_entries, stack_frames, lost, meta, the gaps view). Quote the query; a query\n"
        "that starts with '-' goes after --.",
    .options = sql_options,
    .exit_status = "0 done, 2 bad input (no such file, not a trace, bad query, a write).",
    .example = "gort sql trace.db \"SELECT kind, count(*) FROM events GROUP BY kind\"",
};

/* Takes --format into the vout_format at CTX. */
static int sql_option(void *ctx, int id, const char *v) {
    (void)id; /* --format is the only option */
    return vout_parse_format("sql", v, ctx) ? 0 : GORT_EXIT_USAGE;
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
            return cli_error("sql", "bad query: %s", sqlite3_errmsg(db));
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

/* gort sql: parses the command line, refuses writers, runs each statement and prints its
 * rows. Returns the exit status. */
static int cmd_sql(int argc, char **argv) {
    enum vout_format fmt = VOUT_TABLE;
    int first;
    int rc = cli_parse(&cli_cmd_sql, argc, argv, sql_option, &fmt, &first);
    if (rc >= 0) return rc;
    const char *pos[2] = { argv[first], argv[first + 1] };
    sqlite3 *db;
    rc = vt_open("sql", pos[0], &db);
    if (rc) return rc;
    sqlite3_stmt *st[MAX_STMTS];
    int n = 0;
    rc = prepare_all(db, pos[1], st, &n);
    for (int k = 0; !rc && k < n; k++)
        rc = vout_query("sql", st[k], fmt, stdout, NULL, NULL);
    for (int k = 0; k < n; k++) sqlite3_finalize(st[k]);
    sqlite3_close(db);
    if (fflush(stdout) != 0 && !rc) rc = cli_error("sql", "cannot write the output");
    return rc;
}
