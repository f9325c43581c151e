/*
 * toolchain.c — the outside world of `gort go`: the Go toolchain (the `go` command on PATH,
 * Debian's golang-go), the hook's files, and the cache folder of overlays.
 *
 * `go` is run as a child process with its output passed through, never through a shell: the
 * user's arguments reach `go build` unchanged. Where the hook's files are is decided from
 * where this gort binary is (/proc/self/exe): an installed gort (PREFIX/bin/gort) finds them
 * in PREFIX/share/gort/gohook, a gort built in the source tree (build/gort) in the tree's
 * gohook/ beside its build folder. Nothing depends on the current directory.
 */
#define _GNU_SOURCE
#include "gobuild.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs argv with stdout captured into out (at most outlen-1 bytes, NUL-terminated). Returns
 * the exit status, -1 when it could not be started. stderr passes through. */
static int capture(char *const argv[], char *out, size_t outlen) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t got;
    char sink[4096];
    while ((got = read(p[0], n + 1 < outlen ? out + n : sink,
                       n + 1 < outlen ? outlen - 1 - n : sizeof sink)) != 0) {
        if (got < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n + 1 < outlen) n += (size_t)got;
    }
    out[n] = 0;
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Copies the next line of *s into dst (without the newline) and advances *s. */
static void next_line(char **s, char *dst, size_t dstlen) {
    char *e = strchr(*s, '\n');
    size_t n = e ? (size_t)(e - *s) : strlen(*s);
    snprintf(dst, dstlen, "%.*s", (int)n, *s);
    *s += n + (e ? 1 : 0);
}

/* Asks the go command for GOROOT, GOVERSION, GOOS and GOARCH. */
bool go_query_env(go_env *e, char *err, size_t errlen) {
    char out[4096];
    char *argv[] = { "go", "env", "GOROOT", "GOVERSION", "GOOS", "GOARCH", NULL };
    int st = capture(argv, out, sizeof out);
    if (st == 127 || st < 0) {
        snprintf(err, errlen, "the go command was not found (install golang-go: Go 1.19)");
        return false;
    }
    if (st != 0) {
        snprintf(err, errlen, "'go env' failed (exit status %d)", st);
        return false;
    }
    char *s = out;
    next_line(&s, e->goroot, sizeof e->goroot);
    next_line(&s, e->goversion, sizeof e->goversion);
    next_line(&s, e->goos, sizeof e->goos);
    next_line(&s, e->goarch, sizeof e->goarch);
    if (!e->goroot[0] || !e->goversion[0]) {
        snprintf(err, errlen, "'go env' did not name GOROOT and GOVERSION");
        return false;
    }
    return true;
}

/* Runs go with its output passed through; its exit status, or -1 with err set. */
int go_run_tool(char *const argv[], char *err, size_t errlen) {
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "the go command was not found (install golang-go: Go 1.19)");
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* True when path is a folder holding the hook's anchor list. */
static bool is_hook_dir(const char *path) {
    char f[PATH_MAX + 16];
    struct stat sb;
    snprintf(f, sizeof f, "%s/anchors", path);
    return stat(f, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The hook's folder, found from this executable's own path (installed, then in-tree). */
bool go_hook_dir(char *out, size_t outlen, char *err, size_t errlen) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the gort executable: %s", strerror(errno));
        return false;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    const char *tries[] = { "../share/gort/gohook", "../gohook" };
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        char cand[PATH_MAX + 32];
        snprintf(cand, sizeof cand, "%s/%s", exe, tries[i]);
        char real[PATH_MAX];
        if (realpath(cand, real) && is_hook_dir(real) && strlen(real) < outlen) {
            strcpy(out, real);
            return true;
        }
    }
    snprintf(err, errlen, "the Go hook's files are missing (looked in %s/../share/gort/gohook "
             "and %s/../gohook)", exe, exe);
    return false;
}

/* $XDG_CACHE_HOME/gort, else $HOME/.cache/gort (not created here). */
bool go_cache_dir(char *out, size_t outlen, char *err, size_t errlen) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, outlen, "%s/gort", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, outlen, "%s/.cache/gort", home);
    else {
        snprintf(err, errlen, "no cache folder: set XDG_CACHE_HOME or HOME");
        return false;
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "cache folder path too long");
        return false;
    }
    return true;
}
