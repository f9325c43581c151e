/*
 * run.c — `gort go run`: build a Go program with the hook and record one run of it.
 *
 *   gort go run [-o TRACE] [--force] [--stack-depth N | --no-stacks] [--buffer SIZE] [--drop]
 *               [--open-defers] [go build flags] package [arguments...]
 *
 * As `go run` does, the first argument that is not a flag is the package (or, when it ends in
 * .go, the list of .go files that starts there) and what follows it is the program's. The
 * binary is built into a temporary folder (build.c) named after the package, run under
 * `gort record` in this same process (tracer/record.c: the same recorder, the same schema)
 * and removed afterwards — after the recorder has symbolized its stacks. The exit status is
 * the recorder's: the program's, or 2 for a build or recording error.
 */
#include "cli.h"
#include "gobuild.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "go run"

/* go build's flags that take a value in the next argument (Go 1.19). */
static bool takes_value(const char *arg) {
    static const char *const names[] = { "p", "asmflags", "buildmode", "compiler", "gccgoflags",
                                         "gcflags", "installsuffix", "ldflags", "mod", "modfile",
                                         "overlay", "pkgdir", "tags", "toolexec", "o" };
    if (strchr(arg, '=')) return false;
    const char *s = arg + (arg[1] == '-' ? 2 : 1);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i])) return true;
    return false;
}

/* gort record's options that take a value. */
static bool record_value_option(const char *arg) {
    return !strcmp(arg, "--stack-depth") || !strcmp(arg, "--buffer") || !strcmp(arg, "-o") ||
           !strcmp(arg, "--output");
}

/* gort record's options without a value. */
static bool record_flag_option(const char *arg) {
    return !strcmp(arg, "--force") || !strcmp(arg, "--no-stacks") || !strcmp(arg, "--drop") ||
           !strncmp(arg, "--stack-depth=", 14) || !strncmp(arg, "--buffer=", 9) ||
           !strncmp(arg, "--output=", 9);
}

/* The argument lists of a run: gort record's, go build's, the package, the program's. */
typedef struct run_args {
    char **rec, **build;
    int nrec, nbuild;
    int pkg, npkg;     /* argv[pkg .. pkg+npkg) */
    int prog;          /* first program argument in argv */
    bool open_defers;
} run_args;

/* True when s ends in ".go". */
static bool is_go_file(const char *s) {
    size_t n = strlen(s);
    return n > 3 && !strcmp(s + n - 3, ".go");
}

/* Sorts argv into r; returns -1 to go on, else the exit status. */
static int split_args(int argc, char **argv, run_args *r) {
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-') break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            go_usage(stdout);
            return GORT_EXIT_OK;
        }
        if (gobuild_own_option(a, &r->open_defers)) continue;
        if (record_value_option(a) || record_flag_option(a)) {
            r->rec[r->nrec++] = argv[i];
            if (record_value_option(a)) {
                if (i + 1 >= argc) return cli_error(CMD, "%s needs a value", a);
                r->rec[r->nrec++] = argv[++i];
            }
            continue;
        }
        r->build[r->nbuild++] = argv[i];
        if (takes_value(a)) {
            if (i + 1 >= argc) return cli_error(CMD, "%s needs a value", a);
            r->build[r->nbuild++] = argv[++i];
        }
    }
    if (i >= argc) return cli_error(CMD, "no package to run (gort go run [OPTIONS] PACKAGE [ARGS...])");
    r->pkg = i;
    r->npkg = 1;
    if (is_go_file(argv[i]))
        while (i + r->npkg < argc && is_go_file(argv[i + r->npkg])) r->npkg++;
    r->prog = i + r->npkg;
    return -1;
}

/* The binary's name: the package's last path element ("gc_defer"), "main" for ".". */
static void binary_name(const char *pkg, char *out, size_t outlen) {
    char s[PATH_MAX];
    snprintf(s, sizeof s, "%s", pkg);
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/') s[--n] = 0;
    if (is_go_file(s)) s[n - 3] = 0;
    const char *base = strrchr(s, '/');
    base = base ? base + 1 : s;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || base[0] == '-') base = "main";
    snprintf(out, outlen, "%s", base);
}

/* Builds into dir/NAME and records it; returns the exit status. */
static int build_and_record(int argc, char **argv, run_args *r, const char *dir) {
    char name[256], bin[PATH_MAX + 300];
    binary_name(argv[r->pkg], name, sizeof name);
    snprintf(bin, sizeof bin, "%s/%s", dir, name);
    /* go build -o BIN [flags] PACKAGE... */
    int nb = 0;
    char **bargs = calloc((size_t)(r->nbuild + r->npkg + 3), sizeof *bargs);
    char **rargs = calloc((size_t)(r->nrec + (argc - r->prog) + 4), sizeof *rargs);
    if (!bargs || !rargs) {
        free(bargs);
        free(rargs);
        return cli_error(CMD, "out of memory");
    }
    bargs[nb++] = "-o";
    bargs[nb++] = bin;
    for (int i = 0; i < r->nbuild; i++) bargs[nb++] = r->build[i];
    for (int i = 0; i < r->npkg; i++) bargs[nb++] = argv[r->pkg + i];
    int st = gobuild_build(CMD, bargs, nb, r->open_defers);
    if (st == GORT_EXIT_OK) {
        int nr = 0;
        rargs[nr++] = "record";
        for (int i = 0; i < r->nrec; i++) rargs[nr++] = r->rec[i];
        rargs[nr++] = "--";
        rargs[nr++] = bin;
        for (int i = r->prog; i < argc; i++) rargs[nr++] = argv[i];
        st = cli_cmd_record.run(nr, rargs);
    }
    unlink(bin);
    free(bargs);
    free(rargs);
    return st;
}

/* gort go run ...: argv[0] is "run". Returns the recorder's exit status (the program's). */
int go_run_cmd(int argc, char **argv) {
    run_args r = { 0 };
    r.rec = calloc((size_t)argc, sizeof *r.rec);
    r.build = calloc((size_t)argc, sizeof *r.build);
    int st = r.rec && r.build ? split_args(argc, argv, &r) : cli_error(CMD, "out of memory");
    if (st < 0) {
        const char *tmpdir = getenv("TMPDIR");
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/gort-go-run-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (!mkdtemp(dir)) {
            st = cli_error(CMD, "cannot create a temporary folder: %s", strerror(errno));
        } else {
            st = build_and_record(argc, argv, &r, dir);
            rmdir(dir);
        }
    }
    free(r.rec);
    free(r.build);
    return st;
}
