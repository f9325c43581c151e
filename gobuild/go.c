/*
 * go.c — the `gort go` command: real Go 1.19 programs recorded into gort traces.
 *
 *   gort go build [--open-defers] [go build flags] [packages]
 *   gort go run [record options] [--open-defers] [go build flags] package [arguments...]
 *
 * The declaration (help, man page, completion) and the dispatch to build.c and run.c. What
 * follows `build` or `run` is go build's own command line, which no getopt table of gort's
 * could know: the declaration's options end at the first operand, and build.c and run.c sort
 * gort's few options from Go's.
 */
#include "cli.h"
#include "gobuild.h"

#include <stdio.h>
#include <string.h>

static int cmd_go(int argc, char **argv);

static const cli_optdoc go_options[] = {
    { 0 },
};

const cli_command cli_cmd_go = {
    .name = "go",
    .run = cmd_go,
    .summary = "build (or build and record) real Go 1.19 programs with gort's hook",
    .synopsis = "build [--open-defers] [GO-BUILD-FLAGS] [PACKAGES]\n"
                "run [-o TRACE] [--force] [--stack-depth N | --no-stacks] [--buffer SIZE]\n"
                " [--drop] [--open-defers] [GO-BUILD-FLAGS] PACKAGE [ARGS...]",
    .operands = "OTHER FILE ...",
    .min_operands = 1,
    .max_operands = -1,
    .options_first = true,
    .description =
        "Builds real Go 1.19 programs whose own runtime emits gort records: the Go\n"
        "toolchain (Debian's golang-go) compiles Go's runtime with gort's hook added by\n"
        "go build -overlay (GOROOT is not changed). Untraced, the program behaves as a\n"
        "plain go build of it; under gort record its maps, deferred calls, panics,\n"
        "goroutines and GC cycles go into the same trace as a libgort program's\n"
        "(go.md says what is observed, what is inferred, and what it costs).\n"
        "\n"
        "build takes what go build takes: -o, packages or .go files, build flags.\n"
        "run builds into a temporary folder and records one run: gort record's options\n"
        "(-o TRACE, default gort.db; --force, --stack-depth N, --no-stacks, --buffer SIZE,\n"
        "--drop), go build's flags, the package, then the program's arguments.\n"
        "\n"
        "By default gort builds with -gcflags=all=-d=noopendefer, so that every deferred\n"
        "call goes through the runtime and is recorded. --open-defers keeps Go's\n"
        "open-coded defers: faster defers, but only the deferred calls a panic or\n"
        "Goexit runs are seen. Unless GO111MODULE is set, it is auto: a folder outside\n"
        "any module builds in GOPATH mode.",
    .options = go_options,
    .exit_status =
        "build: 0, or 2 when Go is not 1.19 or its runtime does not match one of the\n"
        "hook's anchors (one line naming the version and the anchor), or the package\n"
        "does not build (Go's own errors; no binary is left).\n"
        "run: that of gort record (the program's), or 2 when the build fails.",
    .example = "gort go run -o trace.db ./samples/go/gc_defer",
};

/* Prints the help of `gort go` (build and run share it). */
void go_usage(FILE *f) { cli_print_help(&cli_cmd_go, f); }

/* The declaration has no option but --help: nothing reaches here. */
static int no_option(void *ctx, int id, const char *value) {
    (void)ctx;
    (void)id;
    (void)value;
    return 0;
}

/* gort go build|run ...: dispatches to build.c or run.c with argv from the subcommand on. */
static int cmd_go(int argc, char **argv) {
    int first;
    int rc = cli_parse(&cli_cmd_go, argc, argv, no_option, NULL, &first);
    if (rc >= 0) return rc;
    const char *sub = argv[first];
    if (!strcmp(sub, "build")) return go_build_cmd(argc - first, argv + first);
    if (!strcmp(sub, "run")) return go_run_cmd(argc - first, argv + first);
    return cli_error("go", "unknown subcommand '%s' (gort go build | gort go run)", sub);
}
