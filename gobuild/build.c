/*
 * build.c — `gort go build`: `go build` of a real Go 1.19 program, with gort's hook in its
 * runtime.
 *
 * The user's arguments go to `go build` as they are, after two of gort's own: the overlay
 * (overlay.c) and, unless --open-defers, -gcflags=all=-d=noopendefer, which makes the
 * compiler route every defer statement through deferproc/deferprocStack and deferreturn,
 * where the hook sees it (Go 1.19 otherwise runs most deferred calls inline, unseen). A
 * -gcflags of the user's replaces ours for the packages it names, so -d=noopendefer is
 * appended to it too. -overlay is gort's and refused. Go's own messages reach the terminal
 * unchanged; a failed build exits 2 and leaves no binary (go build writes none).
 *
 * Unless the user set GO111MODULE, gort sets it to "auto": a package with a go.mod above it
 * builds in module mode as usual, and one without (a lone folder of .go files, where plain
 * `go build` would stop with "go.mod file not found") builds in GOPATH mode instead.
 */
#include "cli.h"
#include "gobuild.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOOPENDEFER "-d=noopendefer"

/* True when arg is gort's own --open-defers (then *open_defers is set). */
bool gobuild_own_option(const char *arg, bool *open_defers) {
    if (!strcmp(arg, "--open-defers") || !strcmp(arg, "-open-defers")) {
        *open_defers = true;
        return true;
    }
    return false;
}

/* True when arg is the flag `name` of go build ("-name", "--name", "-name=..."). */
static bool is_flag(const char *arg, const char *name, const char **value) {
    if (arg[0] != '-') return false;
    arg += arg[1] == '-' ? 2 : 1;
    size_t n = strlen(name);
    if (strncmp(arg, name, n)) return false;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    *value = NULL;
    return arg[n] == 0;
}

/* "-gcflags=" + value + " -d=noopendefer" (malloc'd). */
static char *merged_gcflags(const char *value) {
    size_t n = strlen(value) + sizeof NOOPENDEFER + 16;
    char *s = malloc(n);
    if (s) snprintf(s, n, "-gcflags=%s%s%s", value, *value ? " " : "", NOOPENDEFER);
    return s;
}

/* go build with the overlay and gort's flags; 0 on success, 2 on any failure (one line of
 * gort's, or Go's own messages). */
int gobuild_build(const char *cmd, char **args, int n, bool open_defers) {
    go_env e;
    char err[GOBUILD_ERR], ov[PATH_MAX + 32], ovflag[PATH_MAX + 48];
    for (int i = 0; i < n; i++) {
        const char *v;
        if (is_flag(args[i], "overlay", &v))
            return cli_error(cmd, "-overlay is gort's own (it adds the hook to Go's runtime)");
        if (!strcmp(args[i], "--")) break;
    }
    setenv("GO111MODULE", "auto", 0);
    if (!go_query_env(&e, err, sizeof err) || !overlay_prepare(&e, ov, sizeof ov, err, sizeof err))
        return cli_error(cmd, "%s", err);
    snprintf(ovflag, sizeof ovflag, "-overlay=%s", ov);
    char **argv = calloc((size_t)n + 6, sizeof *argv);
    char **owned = calloc((size_t)n + 1, sizeof *owned); /* merged -gcflags we allocated */
    if (!argv || !owned) {
        free(argv);
        free(owned);
        return cli_error(cmd, "out of memory");
    }
    int k = 0, nown = 0;
    argv[k++] = "go";
    argv[k++] = "build";
    argv[k++] = ovflag;
    if (!open_defers) argv[k++] = "-gcflags=all=" NOOPENDEFER;
    bool oom = false;
    for (int i = 0; i < n; i++) {
        const char *v;
        if (!open_defers && is_flag(args[i], "gcflags", &v)) {
            if (!v && i + 1 < n) v = args[++i];
            char *m = merged_gcflags(v ? v : "");
            if (!m) oom = true;
            argv[k++] = owned[nown++] = m;
            continue;
        }
        argv[k++] = args[i];
    }
    argv[k] = NULL;
    int st = oom ? -1 : go_run_tool(argv, err, sizeof err);
    for (int i = 0; i < nown; i++) free(owned[i]);
    free(owned);
    free(argv);
    if (oom) return cli_error(cmd, "out of memory");
    if (st < 0) return cli_error(cmd, "%s", err);
    return st == 0 ? GORT_EXIT_OK : GORT_EXIT_USAGE;
}

/* gort go build [--open-defers] [go build arguments]: argv[0] is "build". */
int go_build_cmd(int argc, char **argv) {
    bool open_defers = false;
    int k = 0;
    char **args = calloc((size_t)argc, sizeof *args);
    if (!args) return cli_error("go build", "out of memory");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-help")) {
            free(args);
            go_usage(stdout);
            return GORT_EXIT_OK;
        }
        if (!gobuild_own_option(argv[i], &open_defers)) args[k++] = argv[i];
    }
    int st = gobuild_build("go build", args, k, open_defers);
    free(args);
    return st;
}
