/*
 * trace_emit — a program for the recorder's tests: it emits exactly the probe events its
 * arguments ask for, through the real probe path (gort__emit), then ends the way it is told.
 *
 *   trace_emit STEP...
 *     KIND:N          N events of KIND (a name from gort_record.h), arg0 = 0..N-1, arg1 = N
 *     threads:T:N     T threads at once, each N mapaccess events with arg0 = 0..N-1 and
 *                     arg1 = the thread's index; joined before the next step
 *     heldthreads:T:N T threads, each N mapaccess events (arg0 = 0..N-1, arg1 = its index), all
 *                     alive until every one has emitted (a barrier), then joined
 *     nested:N        N mapassign events emitted from trace_fn_inner, called by
 *                     trace_fn_middle, called by trace_fn_outer (for stack tests)
 *     spin:MS         burns MS ms of CPU in trace_busy_loop (for --profile-hz)
 *     spinthreads:T:MS  T threads at once, each emits one gostart, then burns MS ms of its
 *                     own CPU time in trace_busy_loop
 *     clock:MS        two growdone events (map 1) MS ms apart (nanosleep), the second's arg0
 *                     the least CLOCK_MONOTONIC ns between them, then a growdone of map 2
 *                     whose arg0 is the most (to check the trace clock)
 *     fork:N          forks a child that emits N mapiterinit events and exits; waits for it
 *                     (a forked child runs untraced: its events must not appear)
 *     name:TEXT       interns TEXT (gort__trace_name) and emits one deferproc naming it
 *     start           one gostart whose arg0 is at least the process's age: CLOCK_BOOTTIME
 *                     now minus its start (fork) time from /proc/self/stat, which counts in
 *                     clock ticks, so the age is rounded up by at most one tick: as the first
 *                     step, the event at the start of main (time zero's test)
 *     untilint:MS     emits mapassign events (arg0 = 0, 1, ...), printing "ready" after the
 *                     first 1000, until SIGINT arrives, lets MS ms pass for a second one, then emits one goend with
 *                     arg0 = the mapassigns emitted and arg1 = the SIGINTs received
 *     story:N         N rounds of a scripted life on 3 threads: maps made, grown, filled,
 *                     freed; deferred calls registered and run; goroutines; GC cycles —
 *                     the input of the summary tables (maps, defers, goroutines, gc_cycles)
 *     segv | abort | kill | exit:N    ends the program that way
 * Prints nothing; exit status 0 after the last step.
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

static volatile sig_atomic_t sigints; /* untilint: SIGINTs received */

/* untilint's handler: counts. */
static void on_sigint(int sig) {
    (void)sig;
    sigints++;
}

/* untilint:MS — see the top. */
static void run_until_sigint(uint64_t ms) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    uint64_t n = 0;
    while (n < 1000) gort__emit(GORT_EV_mapassign, 1, n++, 0, 0);
    printf("ready\n");
    fflush(stdout);
    while (!sigints) gort__emit(GORT_EV_mapassign, 1, n++, 0, 0);
    struct timespec d = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
    while (nanosleep(&d, &d) != 0) {}
    gort__emit(GORT_EV_goend, 0, n, (uint64_t)sigints, 0);
}

/* start — see the top. */
static void emit_start(void) {
    unsigned long long ticks = 0;
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    /* Field 22, starttime; fields counted after the command name's closing parenthesis. */
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
    if (p) ticks = strtoull(p + 1, NULL, 10);
    uint64_t start = ticks * (1000000000u / (uint64_t)sysconf(_SC_CLK_TCK));
    /* The clock last, just before the event: the age must not miss the time spent above. */
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    uint64_t boot = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    gort__emit(GORT_EV_gostart, 0, boot > start ? boot - start : 0, 0, 0);
}

/* ns from a to b. */
static uint64_t ns_between(const struct timespec *a, const struct timespec *b) {
    return (uint64_t)((b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec));
}

/* The kind number of a name, or 0. */
static unsigned kind_by_name(const char *name, size_t len) {
    for (unsigned k = 1; k < GORT_EV_MAX; k++) {
        const char *n = gort_kind_name(k);
        if (n && strlen(n) == len && !strncmp(n, name, len)) return k;
    }
    return 0;
}

typedef struct worker {
    pthread_t th;
    uint64_t index, n;
} worker;

/* One thread's share of threads:T:N. */
static void *worker_main(void *arg) {
    worker *w = arg;
    for (uint64_t i = 0; i < w->n; i++) gort__emit(GORT_EV_mapaccess, w->index + 1, i, w->index, 0);
    return NULL;
}

/* threads:T:N — starts T workers and joins them. */
static pthread_barrier_t held; /* heldthreads: everyone alive until all have emitted */

/* One thread of heldthreads:T:N. */
static void *held_main(void *arg) {
    worker_main(arg);
    pthread_barrier_wait(&held);
    return NULL;
}

/* heldthreads:T:N — T workers alive at once. */
static void run_held_threads(uint64_t t, uint64_t n) {
    worker *ws = calloc(t, sizeof *ws);
    pthread_barrier_init(&held, NULL, (unsigned)t);
    for (uint64_t i = 0; i < t; i++) {
        ws[i].index = i;
        ws[i].n = n;
        pthread_create(&ws[i].th, NULL, held_main, &ws[i]);
    }
    for (uint64_t i = 0; i < t; i++) pthread_join(ws[i].th, NULL);
    pthread_barrier_destroy(&held);
    free(ws);
}

static void run_threads(uint64_t t, uint64_t n) {
    worker *ws = calloc(t, sizeof *ws);
    for (uint64_t i = 0; i < t; i++) {
        ws[i].index = i;
        ws[i].n = n;
        pthread_create(&ws[i].th, NULL, worker_main, &ws[i]);
    }
    for (uint64_t i = 0; i < t; i++) pthread_join(ws[i].th, NULL);
    free(ws);
}

__attribute__((noinline)) void trace_fn_inner(uint64_t i) {
    gort__emit(GORT_EV_mapassign, 7, i, 0, 0);
    __asm__ volatile("" ::: "memory"); /* keeps the call from becoming a tail call */
}
__attribute__((noinline)) void trace_fn_middle(uint64_t i) {
    trace_fn_inner(i);
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void trace_fn_outer(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) trace_fn_middle(i);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void trace_busy_loop(uint64_t ms) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    uint64_t end = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ms * 1000000u;
    volatile uint64_t x = 0;
    for (;;) {
        for (int i = 0; i < 100000; i++) x += (uint64_t)i * 2654435761u;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        if ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec >= end) break;
    }
}

/* One thread of spinthreads:T:MS. */
static void *spinner_main(void *arg) {
    gort__emit(GORT_EV_gostart, 0, 0, 0, 0);
    trace_busy_loop((uint64_t)(uintptr_t)arg);
    return NULL;
}

/* spinthreads:T:MS — starts T spinners (at most 64) and joins them. */
static void run_spinners(uint64_t t, uint64_t ms) {
    pthread_t th[64];
    if (t > 64) t = 64;
    for (uint64_t i = 0; i < t; i++) pthread_create(&th[i], NULL, spinner_main, (void *)(uintptr_t)ms);
    for (uint64_t i = 0; i < t; i++) pthread_join(th[i], NULL);
}

typedef struct story {
    pthread_t th;
    uint64_t index, rounds;
} story;

/* One thread of story:N. Ids are made unique per thread and round. */
static void *story_main(void *arg) {
    story *st = arg;
    static const char *const fns[] = { "delete", "main.cleanup", "main.unlock" };
    for (uint64_t r = 0; r < st->rounds; r++) {
        uint64_t base = (st->index * 1000000 + r) * 4;
        uint64_t goid = base + 1;
        gort__emit(GORT_EV_gocreate, 0, goid, 0, 0);
        gort_g g = { .goid = goid };
        gort__curg = &g;
        gort__emit(GORT_EV_gostart, 0, 0, 0, 0);
        uint64_t m = base + 2;
        gort__emit(GORT_EV_makemap, m, r % 9, r % 3, 0);
        gort__emit(GORT_EV_maptype, m, 1 + r % 4, 0, 0);
        for (uint64_t i = 1; i <= 5 + r % 7; i++) gort__emit(GORT_EV_mapassign, m, 1, i, 0);
        if (r % 2) gort__emit(GORT_EV_hashgrow, m, 4, 0, 0);
        gort__emit(GORT_EV_mapdelete, m, 1, 4, 0);
        uint64_t d = base + 3;
        gort__emit_defer(GORT_EV_deferproc, d, m, 1, gort__trace_name(fns[r % 3]), 0);
        if (r % 5 != 4) {
            gort__emit_defer(GORT_EV_deferreturn, d, 0, 1 + r % 3, 0, 0);
            g.running_defer = d;
            gort__emit(GORT_EV_mapaccess, r % 4 ? m : 0, 1, 0, 0);
            g.running_defer = 0;
            gort__emit_defer(GORT_EV_deferreturn_end, d, 0, 0, 0, 120 + r);
        }
        if (r % 3 == 0) gort__emit(GORT_EV_mapfree, m, 1 + r % 2, 3, 0);
        if (st->index == 0 && r % 4 == 0) {
            gort__emit(GORT_EV_gc_start, 0, r / 4 + 1, 2, 0);
            gort__emit(GORT_EV_stw_start, 0, 1, 0, 0);
            gort__emit(GORT_EV_stw_end, 0, 1, 0, 1000 + r);
            gort__emit(GORT_EV_gc_mark_start, 0, 0, 0, 0);
            if (r % 8 == 0) gort__emit(GORT_EV_gc_assist, 0, r / 4 + 1, 65536, 2000 + r);
            gort__emit(GORT_EV_gc_mark_termination, 0, 0, 0, 0);
            gort__emit(GORT_EV_stw_end, 0, 0, 0, 500);
            gort__emit(GORT_EV_gc_sweep_start, 0, 0, 0, 0);
            gort__emit(GORT_EV_mapfree, base + 2, GORT_FREE_CAUSE_GC, 0, 0);
            gort__emit(GORT_EV_gc_sweep_done, 0, 7, 700, 0);
            gort__emit(GORT_EV_gc_end, 0, 4096 + r, 2048, 0);
        }
        if (r % 6 != 5) gort__emit(GORT_EV_goend, 0, 0, 0, 0);
        gort__curg = NULL;
    }
    return NULL;
}

/* story:N — three story threads, joined. */
static void run_story(uint64_t rounds) {
    story st[3];
    for (uint64_t i = 0; i < 3; i++) {
        st[i] = (story){ .index = i, .rounds = rounds };
        pthread_create(&st[i].th, NULL, story_main, &st[i]);
    }
    for (int i = 0; i < 3; i++) pthread_join(st[i].th, NULL);
}

/* Runs the steps in order (see the top of the file). */
int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        const char *colon = strchr(s, ':');
        unsigned long long t, n;
        if (!strcmp(s, "segv")) {
            /* A real fault, not undefined behaviour a sanitizer would catch first. */
            volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            *p = 1;
        } else if (!strcmp(s, "abort")) {
            abort();
        } else if (!strcmp(s, "kill")) {
            raise(SIGKILL);
        } else if (sscanf(s, "exit:%llu", &n) == 1) {
            exit((int)n);
        } else if (sscanf(s, "spinthreads:%llu:%llu", &t, &n) == 2) {
            run_spinners(t, n);
        } else if (sscanf(s, "heldthreads:%llu:%llu", &t, &n) == 2) {
            run_held_threads(t, n);
        } else if (sscanf(s, "threads:%llu:%llu", &t, &n) == 2) {
            run_threads(t, n);
        } else if (sscanf(s, "story:%llu", &n) == 1) {
            run_story(n);
        } else if (sscanf(s, "nested:%llu", &n) == 1) {
            trace_fn_outer(n);
        } else if (sscanf(s, "fork:%llu", &n) == 1) {
            pid_t child = fork();
            if (child == 0) {
                for (unsigned long long i = 0; i < n; i++) gort__emit(GORT_EV_mapiterinit, 1, i, n, 0);
                _exit(0);
            }
            waitpid(child, NULL, 0);
        } else if (sscanf(s, "clock:%llu", &n) == 1) {
            /* CLOCK_MONOTONIC read before and after each event brackets its true time, so
             * the interval between the two lies in [b1 - a2, b2 - a1] whatever preemption
             * does: the second event carries the low bound, a third (map 2) the high one. */
            struct timespec a1, a2, b1, b2, d = { (time_t)(n / 1000), (long)(n % 1000) * 1000000 };
            clock_gettime(CLOCK_MONOTONIC, &a1);
            gort__emit(GORT_EV_growdone, 1, 0, 0, 0);
            clock_gettime(CLOCK_MONOTONIC, &a2);
            nanosleep(&d, NULL);
            clock_gettime(CLOCK_MONOTONIC, &b1);
            gort__emit(GORT_EV_growdone, 1, ns_between(&a2, &b1), 0, 0);
            clock_gettime(CLOCK_MONOTONIC, &b2);
            gort__emit(GORT_EV_growdone, 2, ns_between(&a1, &b2), 0, 0);
        } else if (sscanf(s, "spin:%llu", &n) == 1) {
            trace_busy_loop(n);
        } else if (!strcmp(s, "start")) {
            emit_start();
        } else if (sscanf(s, "untilint:%llu", &n) == 1) {
            run_until_sigint(n);
        } else if (!strncmp(s, "name:", 5)) {
            gort__emit_defer(GORT_EV_deferproc, 1, 0, 0, gort__trace_name(s + 5), 0);
        } else if (colon && sscanf(colon + 1, "%llu", &n) == 1) {
            unsigned k = kind_by_name(s, (size_t)(colon - s));
            if (!k) {
                fprintf(stderr, "trace_emit: unknown kind in %s\n", s);
                return 2;
            }
            for (unsigned long long i = 0; i < n; i++) gort__emit(k, 1, i, n, 0);
        } else {
            fprintf(stderr, "trace_emit: bad step %s\n", s);
            return 2;
        }
    }
    return 0;
}
