/*
 * trace_emit — a program for the recorder's tests: it emits exactly the probe events its
 * arguments ask for, through the real probe path (gort__emit), then ends the way it is told.
 *
 *   trace_emit STEP...
 *     KIND:N          N events of KIND (a name from gort_record.h), arg0 = 0..N-1, arg1 = N
 *     threads:T:N     T threads at once, each N mapaccess events with arg0 = 0..N-1 and
 *                     arg1 = the thread's index; joined before the next step
 *     nested:N        N mapassign events emitted from trace_fn_inner, called by
 *                     trace_fn_middle, called by trace_fn_outer (for stack tests)
 *     spin:MS         burns MS ms of CPU in trace_busy_loop (for --profile-hz)
 *     name:TEXT       interns TEXT (gort__trace_name) and emits one deferproc naming it
 *     segv | abort | kill | exit:N    ends the program that way
 * Prints nothing; exit status 0 after the last step.
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    uint64_t end = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ms * 1000000u;
    volatile uint64_t x = 0;
    for (;;) {
        for (int i = 0; i < 100000; i++) x += (uint64_t)i * 2654435761u;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        if ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec >= end) break;
    }
}

int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        const char *colon = strchr(s, ':');
        unsigned long long t, n;
        if (!strcmp(s, "segv")) {
            volatile int *p = NULL;
            *p = 1;
        } else if (!strcmp(s, "abort")) {
            abort();
        } else if (!strcmp(s, "kill")) {
            raise(SIGKILL);
        } else if (sscanf(s, "exit:%llu", &n) == 1) {
            exit((int)n);
        } else if (sscanf(s, "threads:%llu:%llu", &t, &n) == 2) {
            run_threads(t, n);
        } else if (sscanf(s, "nested:%llu", &n) == 1) {
            trace_fn_outer(n);
        } else if (sscanf(s, "spin:%llu", &n) == 1) {
            trace_busy_loop(n);
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
