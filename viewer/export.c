/*
 * export.c — gort export TRACE --format chrome|speedscope [-o FILE]: a trace in the formats of
 * other people's viewers, written whole or not at all (through vout_file's temporary file).
 *
 * chrome: the Trace Event Format, for Perfetto UI, chrome://tracing and the DevTools
 *   performance panel (chrome_trace.c: goroutine, thread and stop-the-world tracks whose
 *   slices nest, deferred calls with flow arrows from their registration, counters, map lives,
 *   the program's waits for the recorder).
 * speedscope: speedscope's format (speedscope.c: a sampled profile of the events' stacks and an
 *   evented one per goroutine in nanoseconds; --kind and --weight select as in gort flame).
 * Both are checked by loading them into the real clients (tests/t_viewer_clients.sh).
 */
#include "viewer.h"

#include "cli.h"

#include <string.h>

static int cmd_export(int argc, char **argv);

static const cli_optdoc export_options[] = {
    { CLI_OPT_FORMAT, "chrome|speedscope",
      "chrome: Chrome trace-event JSON for Perfetto UI (ui.perfetto.dev),\n"
      "chrome://tracing and DevTools: a track per goroutine (deferred calls as slices\n"
      "with flow arrows from deferproc, map operations as instants), per thread (GC\n"
      "cycles with their phases nested, waits for the recorder as \"recorder stall\")\n"
      "and for stop-the-world pauses; counters for heap live and each map's len and B;\n"
      "each map's life as an async slice.\n"
      "speedscope: speedscope JSON: a sampled profile of the events' stacks (--kind and\n"
      "--weight select as in gort flame) and an evented profile per goroutine in ns" },
    { CLI_OPT_OUTPUT, NULL, "write to FILE (default: standard output)" },
    { CLI_OPT_KIND, NULL, "speedscope: events of this kind only (repeatable; default: every map\n"
                          "and defer event kind)" },
    { CLI_OPT_WEIGHT, "count|time", "speedscope: weight each event by 1 (default) or by dur_ns" },
    { CLI_OPT_TIMEOUT, NULL, VIEWER_TIMEOUT_DOC },
    { 0 },
};

const cli_command cli_cmd_export = {
    .name = "export",
    .run = cmd_export,
    .summary = "export a trace as Chrome trace-event or speedscope JSON",
    .synopsis = "TRACE --format chrome|speedscope [-o FILE] [--kind KIND]... [--weight count|time]\n"
                " [--timeout S]",
    .operands = "TRACE",
    .min_operands = 1,
    .max_operands = 1,
    .description = "Writes the trace in the format of another viewer, whole or not at all.",
    .options = export_options,
    .exit_status = "0 done, 2 bad input.",
    .example = "gort export trace.db --format chrome -o trace.json",
};

typedef struct {
    const char *out, *format;
    const char *kinds[64];
    stack_query q;
    int64_t timeout;
} export_args;

/* Takes one option into the export_args at CTX; reports a bad value. */
static int export_option(void *ctx, int id, const char *v) {
    export_args *a = ctx;
    switch (id) {
    case CLI_OPT_FORMAT:
        if (strcmp(v, "chrome") && strcmp(v, "speedscope"))
            return cli_error("export", "unknown format '%s' (chrome or speedscope)", v);
        a->format = v;
        break;
    case CLI_OPT_OUTPUT: a->out = v; break;
    case CLI_OPT_KIND:
        if (!viewer_kind_known(v)) return cli_error("export", "unknown event kind '%s'", v);
        if (a->q.nkinds == 64) return cli_error("export", "too many --kind options");
        a->kinds[a->q.nkinds++] = v;
        a->q.kinds = a->kinds;
        break;
    case CLI_OPT_WEIGHT:
        if (strcmp(v, "count") && strcmp(v, "time"))
            return cli_error("export", "--weight takes count or time, not '%s'", v);
        a->q.weight_time = !strcmp(v, "time");
        break;
    case CLI_OPT_TIMEOUT:
        if (!vt_parse_timeout("export", v, &a->timeout)) return GORT_EXIT_USAGE;
        break;
    default:
        return cli_error("export", "internal error: option %d", id);
    }
    return 0;
}

/* gort export: parses the command line, opens the trace and writes the chosen format to -o
 * (or stdout) whole or not at all. Returns the exit status. */
static int cmd_export(int argc, char **argv) {
    export_args a = { .q = { NULL, 0, false }, .timeout = VIEWER_DEFAULT_TIMEOUT_NS };
    int first;
    int rc = cli_parse(&cli_cmd_export, argc, argv, export_option, &a, &first);
    if (rc >= 0) return rc;
    const char *path = argv[first];
    if (!a.format) return cli_error("export", "needs --format chrome or --format speedscope");
    sqlite3 *db;
    rc = vt_open("export", path, a.timeout, &db);
    if (rc) return rc;
    vout_file vf;
    rc = vout_file_open("export", a.out, path, &vf);
    if (!rc) {
        rc = !strcmp(a.format, "chrome") ? chrome_trace_write(db, vf.f) : speedscope_write(db, &a.q, path, vf.f);
        rc = vout_file_close("export", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    }
    sqlite3_close(db);
    return rc;
}
