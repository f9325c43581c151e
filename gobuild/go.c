/*
 * go.c — the `gort go` command: real Go 1.19 programs recorded into gort traces.
 *
 *   gort go build [--open-defers] [go build flags] [packages]
 *   gort go run [record options] [--open-defers] [go build flags] package [arguments...]
 *
 * Dispatches to build.c and run.c; this file holds the help both share.
 */
#include "cli.h"
#include "gobuild.h"

#include <stdio.h>
#include <string.h>

/* Prints the help of `gort go`. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: gort go build [--open-defers] [go build flags] [packages]\n"
            "       gort go run [-o TRACE] [--force] [--stack-depth N | --no-stacks]\n"
            "                   [--buffer SIZE] [--drop] [--open-defers] [go build flags]\n"
            "                   package [arguments...]\n\n"
            "Builds real Go 1.19 programs whose own runtime emits gort records: the Go\n"
            "toolchain (Debian's golang-go) compiles Go's runtime with gort's hook added by\n"
            "`go build -overlay` (GOROOT is not changed). Untraced, the program behaves as a\n"
            "plain `go build` of it; under `gort record` its maps, deferred calls, panics,\n"
            "goroutines and GC cycles go into the same trace as a libgort program's\n"
            "(docs/go.md says what is observed, what is inferred, and what it costs).\n\n"
            "  build            go build with the hook: takes what go build takes\n"
            "                   (-o, packages or .go files, build flags)\n"
            "  run              build into a temporary folder and record one run: gort\n"
            "                   record's options, go build's flags, the package, then the\n"
            "                   program's arguments\n\n"
            "  --open-defers    keep Go's open-coded defers: faster defers, but only the\n"
            "                   deferred calls a panic or Goexit runs are seen. By default\n"
            "                   gort builds with -gcflags=all=-d=noopendefer, so every\n"
            "                   deferred call goes through the runtime and is recorded.\n"
            "  -o TRACE         (run) the trace file to write (default gort.db)\n"
            "  --force, --stack-depth N, --no-stacks, --buffer SIZE, --drop\n"
            "                   (run) as gort record's\n\n"
            "A Go other than 1.19, or a runtime whose source does not match one of the\n"
            "hook's anchors, is refused (exit 2). A package that fails to build exits 2\n"
            "with Go's own errors.\n");
}

/* gort go build|run|--help: argv[0] is "go". */
int cmd_go(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return GORT_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        usage(stdout);
        return GORT_EXIT_OK;
    }
    if (!strcmp(sub, "build")) return go_build_cmd(argc - 1, argv + 1);
    if (!strcmp(sub, "run")) return go_run_cmd(argc - 1, argv + 1);
    return cli_error("go", "unknown subcommand '%s' (gort go build | gort go run)", sub);
}

/* Prints the help for `gort go build|run --help`. */
void go_usage(FILE *f) { usage(f); }
