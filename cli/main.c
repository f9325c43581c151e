/*
 * main.c — the gort command: dispatches `gort NAME ...` to the file of subcommand NAME.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

/* Filled at run time: a weak entry point is NULL when its subcommand is not linked. */
static int list_commands(command *out) {
    command all[] = {
        { "record", cmd_record, "run a program linked with libgort and store its events in SQLite" },
        { "flame", cmd_flame, "flame graph (SVG or folded stacks) of a trace" },
        { "timeline", cmd_timeline, "gnuplot timeline of maps, deferred calls and GC cycles" },
        { "gaps", cmd_gaps, "verdict for every deferred call that touched a map" },
        { "sql", cmd_sql, "run a read-only SQL query over a trace" },
        { "info", cmd_info, "summary of a trace" },
        { "export", cmd_export, "export a trace as Chrome trace-event or speedscope JSON" },
        { "compare", cmd_compare, "what differs between two traces (exit 1 when they differ)" },
    };
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].run) out[n++] = all[i];
    return n;
}

static void usage(FILE *f) {
    command cmds[16];
    int n = list_commands(cmds);
    fprintf(f, "usage: gort COMMAND [ARGS...]\n\n"
               "gort records and shows how Go's map, defer and GC runtime behave, as modelled\n"
               "by libgort.\n\ncommands:\n");
    for (int i = 0; i < n; i++) fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\n  gort COMMAND --help   help for one command\n"
               "  gort --version        print the version\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return GORT_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return GORT_EXIT_OK;
    }
    if (!strcmp(name, "--version")) {
        printf("gort %s\n", GORT_VERSION);
        return GORT_EXIT_OK;
    }
    command cmds[16];
    int n = list_commands(cmds);
    for (int i = 0; i < n; i++)
        if (!strcmp(cmds[i].name, name)) return cmds[i].run(argc - 1, argv + 1);
    return cli_error(name, "unknown command (see gort --help)");
}
