/*
 * gaps.c — gort gaps TRACE [--format table|csv|json]: a verdict for every deferred call that
 * touched a map, and exit status 1 when any is a use-after-free, so it can gate CI.
 * The rules are gapcalc.c's (and docs/viewer.md's).
 */
#include "viewer.h"

#include "cli.h"

#include <string.h>

static int cmd_gaps(int argc, char **argv);

static const cli_optdoc gaps_options[] = {
    { CLI_OPT_FORMAT, "table|csv|json", "table (default: aligned columns), csv or json" },
    { CLI_OPT_TIMEOUT, NULL, VIEWER_TIMEOUT_DOC },
    { 0 },
};

const cli_command cli_cmd_gaps = {
    .name = "gaps",
    .run = cmd_gaps,
    .summary = "verdict for every deferred call that touched a map",
    .synopsis = "TRACE [--format table|csv|json] [--timeout S]",
    .operands = "TRACE",
    .min_operands = 1,
    .max_operands = 1,
    .description =
        "One row per deferred call that touched a map: the map, the deferred call (id,\n"
        "function, goroutine), when the map died, when the call ran, its first and last\n"
        "operation on the map, the gap (last operation - death, ns) and the verdict:\n"
        "  nil-map          the map was nil\n"
        "  use-after-free   the map was touched at or after its death\n"
        "  map-still-alive  the map never died during the trace\n"
        "  safe             the map died after the call was done with it",
    .options = gaps_options,
    .exit_status = "0 no use-after-free, 1 at least one use-after-free, 2 bad input.",
    .example = "gort gaps trace.db --format csv > gaps.csv",
};

typedef struct {
    enum vout_format fmt;
    int64_t timeout;
} gaps_args;

/* Takes --format or --timeout into the gaps_args at CTX. */
static int gaps_option(void *ctx, int id, const char *v) {
    gaps_args *a = ctx;
    if (id == CLI_OPT_TIMEOUT) return vt_parse_timeout("gaps", v, &a->timeout) ? 0 : GORT_EXIT_USAGE;
    return vout_parse_format("gaps", v, &a->fmt) ? 0 : GORT_EXIT_USAGE;
}

/* Counts use-after-free rows as they are printed. */
static void count_uaf(sqlite3_stmt *st, void *arg) {
    const char *v = (const char *)sqlite3_column_text(st, GAP_VERDICT);
    if (v && !strcmp(v, "use-after-free")) ++*(long *)arg;
}

/* gort gaps: parses the command line, prints the report, and returns 1 when it holds a
 * use-after-free, 0 when not, 2 on bad input. */
static int cmd_gaps(int argc, char **argv) {
    gaps_args a = { VOUT_TABLE, VIEWER_DEFAULT_TIMEOUT_NS };
    int first;
    int rc = cli_parse(&cli_cmd_gaps, argc, argv, gaps_option, &a, &first);
    if (rc >= 0) return rc;
    const char *path = argv[first];
    sqlite3 *db;
    rc = vt_open("gaps", path, a.timeout, &db);
    if (rc) return rc;
    sqlite3_stmt *st = vt_prepare("gaps", db, gaps_sql);
    long uaf = 0;
    vout_file vf;
    rc = st ? vout_file_open("gaps", NULL, NULL, &vf) : GORT_EXIT_USAGE;
    if (!rc) {
        rc = vout_query("gaps", st, a.fmt, vf.f, count_uaf, &uaf);
        rc = vout_file_close("gaps", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc) return rc;
    return uaf ? GORT_EXIT_FINDING : GORT_EXIT_OK;
}
