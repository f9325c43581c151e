/*
 * gaps.c — gort gaps TRACE [--format table|csv|json]: a verdict for every deferred call that
 * touched a map, and exit status 1 when any is a use-after-free, so it can gate CI.
 * The rules are gapcalc.c's (and docs/viewer.md's).
 */
#include "viewer.h"

#include "cli.h"

#include <string.h>

static const char usage[] =
    "usage: gort gaps TRACE [--format table|csv|json] [--timeout S]\n"
    "\n"
    "One row per deferred call that touched a map: the map, the deferred call (id,\n"
    "function, goroutine), when the map died, when the call ran, its first and last\n"
    "operation on the map, the gap (last operation - death, ns) and the verdict:\n"
    "  nil-map          the map was nil\n"
    "  use-after-free   the map was touched at or after its death\n"
    "  map-still-alive  the map never died during the trace\n"
    "  safe             the map died after the call was done with it\n"
    "\n"
    "  --format F   table (default), csv or json\n"
    VIEWER_TIMEOUT_HELP
    "\n"
    "Exit status: 0 no use-after-free, 1 at least one use-after-free, 2 bad input.\n";

/* Counts use-after-free rows as they are printed. */
static void count_uaf(sqlite3_stmt *st, void *arg) {
    const char *v = (const char *)sqlite3_column_text(st, GAP_VERDICT);
    if (v && !strcmp(v, "use-after-free")) ++*(long *)arg;
}

/* gort gaps: parses the command line, prints the report, and returns 1 when it holds a
 * use-after-free, 0 when not, 2 on bad input. */
int cmd_gaps(int argc, char **argv) {
    const char *path = NULL;
    enum vout_format fmt = VOUT_TABLE;
    int64_t timeout = VIEWER_DEFAULT_TIMEOUT_NS;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return GORT_EXIT_OK;
        } else if (cli_opt_value("gaps", argc, argv, &i, "--format", &v)) {
            if (!v || !vout_parse_format("gaps", v, &fmt)) return GORT_EXIT_USAGE;
        } else if (cli_opt_value("gaps", argc, argv, &i, "--timeout", &v)) {
            if (!v || !vt_parse_timeout("gaps", v, &timeout)) return GORT_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("gaps", "unknown option %s (see gort gaps --help)", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_error("gaps", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path) return cli_error("gaps", "needs a TRACE (see gort gaps --help)");
    sqlite3 *db;
    int rc = vt_open("gaps", path, timeout, &db);
    if (rc) return rc;
    sqlite3_stmt *st = vt_prepare("gaps", db, gaps_sql);
    long uaf = 0;
    vout_file vf;
    rc = st ? vout_file_open("gaps", NULL, NULL, &vf) : GORT_EXIT_USAGE;
    if (!rc) {
        rc = vout_query("gaps", st, fmt, vf.f, count_uaf, &uaf);
        rc = vout_file_close("gaps", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc) return rc;
    return uaf ? GORT_EXIT_FINDING : GORT_EXIT_OK;
}
