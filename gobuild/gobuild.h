/*
 * gobuild.h — `gort go build` and `gort go run`: real Go 1.19 programs whose own runtime emits
 * gort records. The parts, one job per file:
 *   go.c         the `gort go` command: dispatches build and run, help
 *   build.c      gort go build: options, the overlay, `go build -overlay`
 *   run.c        gort go run: build into a temporary folder, then `gort record` it
 *   anchors.c    the anchor list (gohook/anchors) and how each hook is patched into a copy of
 *                a Go runtime file (the essay on how each hook is anchored is there)
 *   overlay.c    the overlay: patched files, gort's own runtime files, the generated format
 *                constants, overlay.json, in a content-addressed cache folder
 *   format_go.c  format/gort_record.h rendered as Go constants for the hook
 *   toolchain.c  finding the Go toolchain and the hook's files, running `go`
 * Nothing here is linked into a traced program; the hook itself is Go code in gohook/.
 */
#ifndef GORT_GOBUILD_H
#define GORT_GOBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GOBUILD_ERR 512

/* ---- toolchain.c ---------------------------------------------------------------------------- */

typedef struct go_env {
    char goroot[1024];
    char goversion[64];  /* "go1.19.8" */
    char goos[32], goarch[32];
} go_env;

/* Runs `go env GOROOT GOVERSION GOOS GOARCH`. False with a message in err. */
bool go_query_env(go_env *e, char *err, size_t errlen);
/* Runs go with argv (argv[0] is "go"), output passed through; returns its exit status
 * (-1 when it could not be started, with err set). */
int go_run_tool(char *const argv[], char *err, size_t errlen);
/* The folder of the hook's files (gohook/): PREFIX/share/gort/gohook for an installed gort,
 * else the source tree's gohook/ beside the build folder. False with err set. */
bool go_hook_dir(char *out, size_t outlen, char *err, size_t errlen);
/* The folder gort keeps overlays in: $XDG_CACHE_HOME/gort, else $HOME/.cache/gort. */
bool go_cache_dir(char *out, size_t outlen, char *err, size_t errlen);

/* ---- anchors.c ---------------------------------------------------------------------------- */

typedef struct anchor_list anchor_list;
/* Reads the anchor list at path. NULL with err set on a malformed list. */
anchor_list *anchors_load(const char *path, char *err, size_t errlen);
void anchors_free(anchor_list *a);
/* The distinct runtime files the anchors patch (valid while a lives). */
size_t anchors_files(const anchor_list *a, const char ***files);
/* Applies every anchor of `file` to its text (src, NUL-terminated) and returns the patched
 * text (malloc'd), or NULL with err naming the first anchor that matched zero or several
 * times: "anchor NAME (FILE, SCOPE) matched N times". */
char *anchors_apply(const anchor_list *a, const char *file, const char *src, char *err,
                    size_t errlen);

/* ---- format_go.c -------------------------------------------------------------------------- */

/* The Go source of gort_format.go: the record format's constants and offsets (malloc'd). */
char *format_go_source(void);

/* ---- overlay.c ---------------------------------------------------------------------------- */

/* Prepares the overlay for GOROOT's runtime: patches the anchored files, adds gohook's files
 * and the format constants, and writes overlay.json; out receives its path. A Go whose
 * runtime does not match an anchor is refused: err then names the version and the anchor. */
bool overlay_prepare(const go_env *e, char *out, size_t outlen, char *err, size_t errlen);

/* ---- build.c / run.c ---------------------------------------------------------------------- */

/* Runs `go build` with the overlay and gort's flags and the user's arguments (args[0..n)).
 * open_defers keeps Go's open-coded defers. Returns 0 on success, 2 otherwise (Go's errors are
 * on stderr, or one line of gort's). cmd names the subcommand for messages. */
int gobuild_build(const char *cmd, char **args, int n, bool open_defers);
/* Splits "--open-defers": true when arg is gort's own build option (shared by build and run). */
bool gobuild_own_option(const char *arg, bool *open_defers);

int go_build_cmd(int argc, char **argv);
int go_run_cmd(int argc, char **argv);
/* go.c: the help of `gort go` (build and run share it), from its declaration. */
void go_usage(FILE *f);

#endif /* GORT_GOBUILD_H */
