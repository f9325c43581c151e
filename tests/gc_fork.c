/*
 * gc_fork.c — a fork() while the collector is stopping the world. The parent forks at the
 * worst moment: a stop-the-world is pending (the STW bit of gort__gc_attention set, the collector waiting for
 * this very goroutine). The child has no collector thread; it must still run libgort code
 * (maps, gort_gc) and exit normally instead of parking forever at its first safe point (an
 * alarm ends a hung child, which the parent reports). Then the parent's cycle completes.
 */
#include "internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static gort_map *g_map;

/* The child's work: map operations and a forced collection, all at safe points. */
static int child(void) {
    alarm(20);  /* a hang would otherwise be the test runner's to find */
    gort_map *m = gort_makemap(&gort_type_int64_int64, 0);
    for (int k = 0; k < 1000; k++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)k) = k;
    gort_gc();
    return gort_maplen(m) == 1000 && gort_maplen(g_map) == 10 ? 0 : 1;
}

/* Forks while a stop-the-world waits for this goroutine; checks child and parent. */
int main(void) {
    gort_register_global(&g_map);
    g_map = gort_makemap(&gort_type_int64_int64, 0);
    for (int k = 0; k < 10; k++) *(int64_t *)gort_mapassign_fast64(g_map, (uint64_t)k) = k;
    gort__gc_request();
    /* No runtime call here: the collector's stop-the-world waits for this goroutine. */
    while (!(__atomic_load_n(&gort__gc_attention, __ATOMIC_SEQ_CST) & GORT_ATTN_STW)) {
    }
    pid_t pid = fork();
    if (pid == 0) _exit(child());
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        perror("gc_fork");
        return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "FAIL: the forked child %s %d\n",
                WIFSIGNALED(status) ? "died of signal" : "exited",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return 1;
    }
    gort_gc();  /* the parent's collector goes on */
    gort_gcstats s;
    gort__gc_stats(&s);
    if (s.cycles < 2 || gort_maplen(g_map) != 10) {
        fprintf(stderr, "FAIL: parent's cycles %llu, map len %lld\n", (unsigned long long)s.cycles,
                (long long)gort_maplen(g_map));
        return 1;
    }
    printf("gc_fork: child ran during a pending stop-the-world; parent completed %llu cycles\n",
           (unsigned long long)s.cycles);
    return 0;
}
