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
    { 0 },
};

const cli_command cli_cmd_gaps = {
    .name = "gaps",
    .run = cmd_gaps,
    .summary = "verdict for every deferred call that touched a map",
    .synopsis = "TRACE [--format table|csv|json]",
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

/* Takes --format into the vout_format at CTX. */
static int gaps_option(void *ctx, int id, const char *v) {
    (void)id; /* --format is the only option */
    return vout_parse_format("gaps", v, ctx) ? 0 : GORT_EXIT_USAGE;
}

/* Counts use-after-free rows as they are printed. */
static void count_uaf(sqlite3_stmt *st, void *arg) {
    const char *v = (const char *)sqlite3_column_text(st, GAP_VERDICT);
    if (v && !strcmp(v, "use-after-free")) ++*(long *)arg;
}

/* gort gaps: parses the command line, prints the report, and returns 1 when it holds a
 * use-after-free, 0 when not, 2 on bad input. */
static int cmd_gaps(int argc, char **argv) {
    enum vout_format fmt = VOUT_TABLE;
    int first;
    int rc = cli_parse(&cli_cmd_gaps, argc, argv, gaps_option, &fmt, &first);
    if (rc >= 0) return rc;
    const char *path = argv[first];
    sqlite3 *db;
    rc = vt_open("gaps", path, &db);
    if (rc) return rc;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16); /* stdio allocates: a big report in few writes */
    sqlite3_stmt *st = vt_prepare("gaps", db, gaps_sql);
    long uaf = 0;
    rc = st ? vout_query("gaps", st, fmt, stdout, count_uaf, &uaf) : GORT_EXIT_USAGE;
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (fflush(stdout) != 0 && !rc) rc = cli_error("gaps", "cannot write the output");
    if (rc) return rc;
    return uaf ? GORT_EXIT_FINDING : GORT_EXIT_OK;
}
