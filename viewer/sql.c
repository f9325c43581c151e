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

static const char usage[] =
    "usage: gort sql TRACE \"QUERY\" [--format table|csv|json] [--timeout S]\n"
    "\n"
    "Runs QUERY (one or more SQL statements) over the trace database TRACE and prints\n"
    "the rows. Only statements that read are accepted: one that would write is refused\n"
    "before anything runs, and the file stays byte-identical. Tables and views are in\n"
    "docs/schema.md (events, maps, defers, gc_cycles, goroutines, stacks, frames,\n"
    "stack_entries, stack_frames, lost, meta, the gaps view).\n"
    "\n"
    "  --format F   table (default: aligned columns), csv (RFC 4180 with a header line)\n"
    "               or json (an array of objects; for several statements an array of\n"
    "               such arrays, one per statement)\n"
    VIEWER_TIMEOUT_HELP
    "\n"
    "Nothing is printed unless every statement succeeds.\n"
    "Example: gort sql trace.db \"SELECT kind, count(*) FROM events GROUP BY kind\"\n"
    "Exit status: 0 done, 2 bad input (no such file, not a trace, bad query, a write,\n"
    "the timeout).\n";

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
int cmd_sql(int argc, char **argv) {
    const char *pos[2] = { NULL, NULL };
    int npos = 0;
    enum vout_format fmt = VOUT_TABLE;
    int64_t timeout = VIEWER_DEFAULT_TIMEOUT_NS;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return GORT_EXIT_OK;
        } else if (cli_opt_value("sql", argc, argv, &i, "--format", &v)) {
            if (!v || !vout_parse_format("sql", v, &fmt)) return GORT_EXIT_USAGE;
        } else if (cli_opt_value("sql", argc, argv, &i, "--timeout", &v)) {
            if (!v || !vt_parse_timeout("sql", v, &timeout)) return GORT_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] == '-' && npos < 2 && strlen(argv[i]) > 2) {
            return cli_error("sql", "unknown option %s (see gort sql --help)", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_error("sql", "unexpected argument '%s' (quote the query)", argv[i]);
        }
    }
    if (npos < 2) return cli_error("sql", "needs a TRACE and a QUERY (see gort sql --help)");
    sqlite3 *db;
    int rc = vt_open("sql", pos[0], timeout, &db);
    if (rc) return rc;
    sqlite3_stmt *st[MAX_STMTS];
    int n = 0;
    rc = prepare_all(db, pos[1], st, &n);
    vout_file vf;
    if (!rc) rc = vout_file_open("sql", NULL, NULL, &vf);
    if (!rc) {
        rc = run_all(st, n, fmt, vf.f);
        rc = vout_file_close("sql", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    for (int k = 0; k < n; k++) sqlite3_finalize(st[k]);
    sqlite3_close(db);
    return rc;
}
