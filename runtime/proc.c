/*
 * proc.c — goroutines and WaitGroups.
 *
 * A goroutine is an OS thread plus a gort_g record: Go's g. The record holds what the rest of
 * the runtime needs to find per goroutine: its id, its chain of frames (innermost first, each
 * frame on the thread's C stack), its chain of pending defer records, its panics in progress,
 * its argument, and its status for the collector's stop-the-world protocol.
 *
 * Goroutine ids. Go numbers goroutines from a global counter handed out to each P in batches
 * of 16 (proc.go, _GoidCacheBatch): main is 1, the runtime's own goroutines started before
 * main.main (forcegc, bgsweep, bgscavenge and, once os sets its first finalizer, runfinq) take
 * 2 to 5, and the program's first `go` statement gets 6 when it runs on the same P (a program
 * whose main goroutine moved to another P sees 18). gort models the one-P case: main is 1 and
 * goroutines are numbered 6, 7, 8, ... in creation order. A foreign thread (one that enters
 * libgort without gort_go and is not the main thread) gets the next id when it first needs a g.
 *
 * The allg list. Every goroutine not yet ended is on gort__allg, guarded by gort__sched_lock:
 * the collector walks it to stop the world and to scan roots. A g is put on the list by its
 * creator before the thread starts (status running: the collector then waits for it to reach
 * its first safe point, which it does before running user code) and taken off by its own
 * thread when it ends, under the lock, after which nobody reads it and it is freed. The main
 * goroutine's g is made by a constructor, so it is 1 whatever thread touches libgort first.
 *
 * WaitGroups. One process-wide mutex and condition variable serve every WaitGroup: waiting is
 * rare and short in the programs gort runs, and this keeps gort_waitgroup a plain zeroed
 * struct with no initialisation call and no lazy allocation race. Waiting is a blocking point
 * (gort__blocking_enter/exit), so a collection never waits for a goroutine blocked there.
 *
 * Deadlocks. As Go's checkdead, a waiting goroutine looks every 20 ms whether every goroutine
 * waits on a WaitGroup whose counter is not 0 (or is main after Goexit): then nobody can ever
 * wake them and the program dies with "fatal error: all goroutines are asleep - deadlock!"
 * instead of hanging. The look is made under the WaitGroup lock, so a goroutine woken but
 * not yet running (its counter is 0) counts as running. A thread libgort did not start is
 * seen only once it has entered libgort (gort__getg).
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__thread gort_g *gort__curg;
pthread_mutex_t gort__sched_lock = PTHREAD_MUTEX_INITIALIZER;
gort_g *gort__allg;

/* Signalled (under gort__sched_lock) whenever a goroutine ends: main's Goexit waits on it. */
static pthread_cond_t allg_changed = PTHREAD_COND_INITIALIZER;
/* The next id for a goroutine that is not main: 2 to 5 are Go's runtime goroutines. */
static _Atomic uint64_t next_goid = 6;
/* Takes a foreign thread's g off allg when the thread ends. */
static pthread_key_t foreign_key;
static pthread_once_t foreign_key_once = PTHREAD_ONCE_INIT;

/* One lock and condition for every WaitGroup (see the essay). */
static pthread_mutex_t wg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wg_cond = PTHREAD_COND_INITIALIZER;

/* How often a waiting goroutine looks for a deadlock (every goroutine asleep). */
#define DEADLOCK_CHECK_NS 20000000

/* Waits on cond (with its mutex held) for at most DEADLOCK_CHECK_NS; false on timeout. */
static bool timed_wait(pthread_cond_t *cond, pthread_mutex_t *mu) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += DEADLOCK_CHECK_NS;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return pthread_cond_timedwait(cond, mu, &ts) != ETIMEDOUT;
}

/* Go's checkdead, for what can block in gort: true when every goroutine waits on a
 * WaitGroup whose counter is not 0 (nobody is left to change it) or is main after Goexit.
 * Called with wg_lock held, so no counter changes meanwhile; a goroutine that is woken but
 * not yet running has a counter of 0 and so counts as running. */
static bool all_asleep(void) {
    bool asleep = true;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g && asleep; g = g->allnext) {
        if (g->goexit_waiting) continue;
        if (!g->waitwg || g->waitwg->count == 0) asleep = false;
    }
    pthread_mutex_unlock(&gort__sched_lock);
    return asleep;
}

/* The calling thread's kernel id, for traces. */
static pid_t thread_id(void) { return (pid_t)syscall(SYS_gettid); }

/* A fresh g record with id goid, running, not yet on allg; dies with "out of memory". */
static gort_g *g_new(uint64_t goid, const char *name) {
    gort_g *g = calloc(1, sizeof *g);
    if (!g) gort_fatal("runtime: out of memory");
    g->goid = goid;
    g->name = name;
    atomic_store(&g->status, GORT_G_RUNNING);
    return g;
}

/* Puts g at the head of allg. */
static void allg_add(gort_g *g) {
    pthread_mutex_lock(&gort__sched_lock);
    g->allnext = gort__allg;
    gort__allg = g;
    pthread_mutex_unlock(&gort__sched_lock);
}

/* Takes g off allg, marks it dead and wakes main's Goexit if it waits. g stays allocated. */
static void allg_remove(gort_g *g) {
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g **pp = &gort__allg; *pp; pp = &(*pp)->allnext) {
        if (*pp == g) {
            *pp = g->allnext;
            break;
        }
    }
    gort__gc_g_exit(g);
    atomic_store(&g->status, GORT_G_DEAD);
    pthread_cond_broadcast(&allg_changed);
    pthread_mutex_unlock(&gort__sched_lock);
}

/* Makes the main goroutine (id 1) for the main thread, from a constructor, or earlier if
 * another constructor enters libgort first. */
__attribute__((constructor)) static void main_g_init(void) {
    if (gort__curg || thread_id() != getpid()) return;
    gort_g *g = g_new(1, "main");
    g->tid = thread_id();
    g->thread = pthread_self();
    allg_add(g);
    gort__curg = g;
}

/* Destructor of foreign_key: a foreign thread ended; its g leaves allg. */
static void foreign_end(void *p) {
    gort_g *g = p;
    allg_remove(g);
    gort__curg = NULL;
    gort__deferpool_free(g);
    free(g);
}

/* Creates foreign_key once. */
static void foreign_key_init(void) {
    if (pthread_key_create(&foreign_key, foreign_end) != 0) gort_fatal("pthread_key_create failed");
}

/* The running goroutine; a thread that has none gets a new g (next id) that lives until the
 * thread ends. Never NULL. */
gort_g *gort__getg(void) {
    gort_g *g = gort__curg;
    if (__builtin_expect(g != NULL, 1)) return g;
    main_g_init();
    if (gort__curg) return gort__curg;
    pthread_once(&foreign_key_once, foreign_key_init);
    g = g_new(atomic_fetch_add(&next_goid, 1), "foreign thread");
    g->tid = thread_id();
    g->thread = pthread_self();
    allg_add(g);
    gort__curg = g;
    pthread_setspecific(foreign_key, g);
    return g;
}

/* The calling goroutine's id. */
uint64_t gort_goid(void) { return gort__getg()->goid; }

/* The thread of a goroutine made by gort_go: runs fn(arg); Goexit comes back to exit_jb. */
static void *goroutine_main(void *p) {
    gort_g *g = p;
    g->tid = thread_id();
    gort__curg = g;
    GORT_PROBE(gostart, 0, 0, 0);
    gort__safepoint();
    if (setjmp(g->exit_jb) == 0) g->fn(g->arg);
    /* Returned normally, or Goexit ran every defer and popped every frame. */
    GORT_PROBE(goend, 0, 0, 0);
    allg_remove(g);
    gort__curg = NULL;
    gort__deferpool_free(g);
    free(g);
    return NULL;
}

/* go fn(arg): registers the new g on allg (running), then starts its detached thread. The
 * safe point comes last, when arg is already the new goroutine's root. */
uint64_t gort_go(const char *name, gort_fn fn, void *arg) {
    gort_g *me = gort__getg();
    gort_g *g = g_new(atomic_fetch_add(&next_goid, 1), name);
    g->fn = fn;
    g->arg = arg;
    g->has_exit_jb = true;
    g->creator = me->frame ? me->frame->fn : me->name;
    uint64_t goid = g->goid;
    allg_add(g); /* from here arg is a root (g->arg) */
    GORT_PROBE(gocreate, 0, goid, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int err = pthread_create(&g->thread, &attr, goroutine_main, g);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        allg_remove(g);
        free(g);
        gort_fatal(err == EAGAIN ? "newosproc: too many threads" : "newosproc: pthread_create failed");
    }
    gort__safepoint();
    return goid;
}

/* The main goroutine called Goexit and its defers ran: as Go's checkdead, wait until no other
 * goroutine is left, then die. A foreign thread that calls Goexit just ends its thread. */
void gort__main_goexit(gort_g *g) {
    if (g->goid != 1) {
        pthread_exit(NULL); /* foreign_end takes g off allg */
    }
    g->waitreason = "goexit";
    pthread_mutex_lock(&wg_lock);
    g->goexit_waiting = true;
    pthread_mutex_unlock(&wg_lock);
    gort__blocking_enter();
    pthread_mutex_lock(&gort__sched_lock);
    while (gort__allg != g || g->allnext != NULL) {
        if (timed_wait(&allg_changed, &gort__sched_lock)) continue;
        pthread_mutex_unlock(&gort__sched_lock);
        pthread_mutex_lock(&wg_lock);
        bool dead = all_asleep();
        pthread_mutex_unlock(&wg_lock);
        if (dead) gort__fatal_deadlock();
        pthread_mutex_lock(&gort__sched_lock);
    }
    pthread_mutex_unlock(&gort__sched_lock);
    gort__blocking_exit();
    gort__fatal_notrace("no goroutines (main called runtime.Goexit) - deadlock!");
}

/* ---- sync.WaitGroup ---------------------------------------------------------------------- */

/* Adds delta to the counter; wakes the waiters when it reaches 0; panics when it goes below. */
void gort_wg_add(gort_waitgroup *wg, int64_t delta) {
    gort__safepoint();
    pthread_mutex_lock(&wg_lock);
    wg->count += delta;
    int64_t v = wg->count;
    if (v == 0) pthread_cond_broadcast(&wg_cond);
    pthread_mutex_unlock(&wg_lock);
    if (v < 0) gort_panic("sync: negative WaitGroup counter");
}

/* wg.Done(): wg.Add(-1). */
void gort_wg_done(gort_waitgroup *wg) { gort_wg_add(wg, -1); }

/* Blocks until the counter is 0, as a blocking point the collector does not wait for. If
 * every goroutine ends up waiting forever, dies as Go does ("all goroutines are asleep"). */
void gort_wg_wait(gort_waitgroup *wg) {
    gort_g *g = gort__getg();
    gort__safepoint();
    const char *old_reason = g->waitreason;
    g->waitreason = "semacquire";
    gort__blocking_enter();
    pthread_mutex_lock(&wg_lock);
    g->waitwg = wg;
    while (wg->count != 0) {
        if (timed_wait(&wg_cond, &wg_lock) || !all_asleep()) continue;
        pthread_mutex_unlock(&wg_lock);
        gort__fatal_deadlock();
    }
    g->waitwg = NULL;
    pthread_mutex_unlock(&wg_lock);
    gort__blocking_exit();
    g->waitreason = old_reason;
}
