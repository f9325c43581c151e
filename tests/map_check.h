/*
 * map_check.h — tiny helpers shared by the map tests (tests/map_*.c): a CHECK macro that
 * records failures and keeps going, and expect_death, which runs a function in a child
 * process and checks that it dies the way Go would (exit status and a line on stderr).
 */
#ifndef MAP_CHECK_H
#define MAP_CHECK_H

#include "gort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"


/* Under AddressSanitizer: bucket arrays a growth drops are the collector's to free, and with
 * the collector absent or not run they are still allocated at exit. That is by design, so
 * the leak report is off for map tests; use-after-free and overflow checks stay on. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }


/* Maps a test uses are kept reachable for the collector through registered globals (a map
 * held only in a C local is garbage to it): root(m) puts m in the next of ROOTS slots, so a
 * test may keep up to ROOTS maps alive at once. */
enum { ROOTS = 64 };
static gort_map *root_slots[ROOTS];
static unsigned root_next;
static inline gort_map *root(gort_map *m) {
    static bool registered;
    if (!registered) {
        for (unsigned i = 0; i < ROOTS; i++) gort_register_global(&root_slots[i]);
        registered = true;
    }
    root_slots[root_next++ % ROOTS] = m;
    return m;
}

/* Deaths (panics, fatal errors) are checked in a fresh process: the program runs itself as
 * `PROGRAM --die NAME`, and main first hands such a command line to die_if_asked, which runs
 * the named case. (A fork without exec would inherit a runtime whose collector thread does
 * not exist in the child.) */
typedef struct death_case {
    const char *name;
    void (*fn)(void);
} death_case;

/* In a `--die NAME` run: runs case NAME, which should not return (exit 100 if it does). */
static inline void die_if_asked(int argc, char **argv, const death_case *cases, size_t n) {
    if (argc != 3 || strcmp(argv[1], "--die") != 0) return;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cases[i].name, argv[2]) == 0) cases[i].fn();
    _exit(100);
}

/* Runs case `name` in a child process; checks that it exits with `status` and that its
 * stderr contains `msg`. Returns true when both hold. */
static inline bool expect_death(const char *name, int status, const char *msg) {
    int fd[2];
    if (pipe(fd) != 0) return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        dup2(fd[1], 1);
        execl("/proc/self/exe", "map_test", "--die", name, (char *)NULL);
        _exit(101);
    }
    close(fd[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
    buf[n] = 0;
    close(fd[0]);
    int ws;
    waitpid(pid, &ws, 0);
    int got = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    bool ok = got == status && strstr(buf, msg) != NULL;
    CHECK(ok, "%s: expected exit %d and [%s], got exit %d and [%s]", name, status, msg, got, buf);
    return ok;
}

/* Prints the verdict and returns the exit status of a test program. */
static inline int check_report(const char *name) {
    if (check_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif /* MAP_CHECK_H */
