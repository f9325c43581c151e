/*
 * panic.c — panic, recover, Goexit and fatal errors: Go's gopanic, gorecover, Goexit, fatal.
 *
 * A panic is a gort_panicrec record on the C stack of gort_panic, pushed on g->panic (newest
 * first). gort_panic then runs the goroutine's pending deferred calls one by one, newest
 * first, calling them from its own C frame: every frame being unwound is still alive (its C
 * stack too) while its deferred calls run, exactly as Go's gopanic calls them deeper on the
 * same stack. For each record:
 *   - already started (its call panicked, or it was started by an earlier panic that this one
 *     interrupts): it is dropped, and the panic that was running it is marked aborted;
 *   - otherwise it is run for this panic. If the call recovered the panic, the panic ends:
 *     the frames deeper than the frame that registered the record are popped (their stack
 *     maps die now: their deferred calls have all run), and a longjmp resumes that frame at
 *     the recovery point its first defer statement set, from which the function returns; its
 *     cleanup runs the rest of its deferred calls (deferreturn) as Go's recovery does.
 * Before the first record, every open-coded defer of the goroutine's frames (gort.h) becomes
 * a record in its place.
 * When no record is left, the panic is fatal: "panic: <value>" for the chain of panics still
 * in progress (older first, " [recovered]" and nesting as Go's printpanics), the goroutine's
 * frames, exit status 2, without running anything else.
 *
 * recover() stops the innermost panic only when called directly by a deferred call that this
 * very panic is running (g->dcall->panic == g->panic, and recover's caller was called by the
 * runtime: frame pointers say so, as Go's argp does), never during Goexit, never twice.
 *
 * Goexit is a panic record with goexit set: it runs every deferred call of the goroutine the
 * same way; recover returns nil inside them. A panic raised by one of those calls and
 * recovered does not resume the function that deferred the recovering call: as in Go, control
 * returns to Goexit's loop (goexit_jb), which goes on with the remaining records. When all ran,
 * every frame is popped and the goroutine ends (gort_go's thread returns); in the main
 * goroutine, the program waits for the other goroutines and dies with Go's deadlock error.
 *
 * Dying (unrecovered panic, fatal error) is serialised by one lock, as Go's paniclk: the first
 * goroutine to die prints and exits; another that dies at the same time waits forever. The
 * probe `fatal` is emitted first, so the trace records why the process ended.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Held by the goroutine that prints its death; never released. */
static pthread_mutex_t die_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread bool dying;

/* Takes the die lock (forever); a second death on the same thread exits at once. Flushes
 * stdout so the program's output comes before the report, as Go's unbuffered writes do. */
static void die_begin(void) {
    if (dying) _exit(2);
    dying = true;
    pthread_mutex_lock(&die_lock);
    fflush(stdout);
}

/* Ends the process with Go's status for a panic or fatal error. No defers, no atexit. */
__attribute__((noreturn)) static void die_end(void) {
    fflush(stderr);
    _exit(2);
}

/* ---- tracebacks -------------------------------------------------------------------------- */

/* Prints "goroutine N [status]:" and g's frames, innermost first, then "created by". */
void gort__traceback(gort_g *g, const char *status) {
    fprintf(stderr, "goroutine %llu [%s]:\n", (unsigned long long)g->goid, status);
    for (gort_frame *f = g->frame; f; f = f->parent) fprintf(stderr, "%s()\n", f->fn);
    if (g->creator) fprintf(stderr, "created by %s\n", g->creator);
}

/* Prints the other goroutines as Go's tracebackothers: one blocked in the runtime (a
 * WaitGroup: waitreason set) with its frames, a running one (on another thread) without.
 * Skipped if allg cannot be locked at once. */
void gort__traceback_others(gort_g *self) {
    if (pthread_mutex_trylock(&gort__sched_lock) != 0) return;
    for (gort_g *g = gort__allg; g; g = g->allnext) {
        if (g == self || atomic_load(&g->status) == GORT_G_DEAD) continue;
        fputc('\n', stderr);
        const char *reason = g->waitreason;
        if (reason) { /* blocked in the runtime: its frames stand still */
            gort__traceback(g, reason);
            continue;
        }
        fprintf(stderr, "goroutine %llu [running]:\n", (unsigned long long)g->goid);
        fprintf(stderr, "\tgoroutine running on other thread; stack unavailable\n");
        if (g->creator) fprintf(stderr, "created by %s\n", g->creator);
    }
    pthread_mutex_unlock(&gort__sched_lock);
}

/* ---- fatal errors ------------------------------------------------------------------------ */

/* Go's fatal: "fatal error: msg", every goroutine's trace, exit 2. Runs no deferred call. */
void gort_fatal(const char *msg) {
    GORT_PROBE(fatal, 0, 1, 0);
    die_begin();
    fprintf(stderr, "fatal error: %s\n", msg);
    gort_g *g = gort__curg;
    if (g) {
        fputc('\n', stderr);
        gort__traceback(g, "running");
    }
    gort__traceback_others(g);
    die_end();
}

/* Go's checkdead finding every goroutine asleep: the message, then each waiting goroutine
 * (main after Goexit is dead in Go, so it is not shown). Their frames stand still. */
void gort__fatal_deadlock(void) {
    GORT_PROBE(fatal, 0, 1, 0);
    die_begin();
    fprintf(stderr, "fatal error: all goroutines are asleep - deadlock!\n");
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) {
        if (g->goexit_waiting) continue;
        fputc('\n', stderr);
        gort__traceback(g, g->waitreason ? g->waitreason : "running");
    }
    pthread_mutex_unlock(&gort__sched_lock);
    die_end();
}

/* Go's fatal when no goroutine is left to trace (checkdead): the message alone, exit 2. */
void gort__fatal_notrace(const char *msg) {
    GORT_PROBE(fatal, 0, 1, 0);
    die_begin();
    fprintf(stderr, "fatal error: %s\n", msg);
    die_end();
}

/* Prints the panics still in progress, oldest first, as Go's printpanics. */
static void print_panics(gort_panicrec *p) {
    if (p->link) {
        print_panics(p->link);
        if (!p->link->goexit) fputc('\t', stderr);
    }
    if (p->goexit) return;
    fprintf(stderr, "panic: %s%s\n", p->msg ? p->msg : "nil", p->recovered ? " [recovered]" : "");
}

/* An unrecovered panic: Go's fatalpanic. */
__attribute__((noreturn)) static void fatal_panic(gort_g *g) {
    GORT_PROBE(fatal, 0, 2, 0);
    die_begin();
    print_panics(g->panic);
    fputc('\n', stderr);
    gort__traceback(g, "running");
    die_end();
}

/* ---- panic and recover ------------------------------------------------------------------- */

#ifdef __SANITIZE_ADDRESS__
void __asan_handle_no_return(void);
#endif

/* longjmp to an outer C frame (a recovering function, Goexit's loop, the goroutine's start),
 * telling AddressSanitizer first that the frames in between are gone (its longjmp
 * interceptor does too; this keeps the stack's shadow right whatever longjmp resolves to). */
__attribute__((noreturn)) static void jump_out(jmp_buf jb) {
#ifdef __SANITIZE_ADDRESS__
    __asan_handle_no_return();
#endif
    longjmp(jb, 1);
}

/* The same, to a frame's recovery point (gort.h GORT__RECOVERY_POINT): __builtin_setjmp's
 * buffer, or GORT__CAPTURE's registers (rbx, rbp, r12-r15, rsp) and label, restored here. */
__attribute__((noreturn, noinline)) static void jump_to_frame(gort_frame *target) {
#ifdef __SANITIZE_ADDRESS__
    __asan_handle_no_return();
#endif
    if (target->word & GORT__FRAME_JB_BUILTIN) __builtin_longjmp(target->recover_jb, 1);
    __asm__ volatile("mov 0(%0), %%rbx\n\t"
                     "mov 16(%0), %%r12\n\t"
                     "mov 24(%0), %%r13\n\t"
                     "mov 32(%0), %%r14\n\t"
                     "mov 40(%0), %%r15\n\t"
                     "mov 56(%0), %%rax\n\t"
                     "mov 8(%0), %%rbp\n\t"
                     "mov 48(%0), %%rsp\n\t"
                     "jmp *%%rax"
                     : : "D"(target->recover_jb) : "memory");
    __builtin_unreachable();
}

/* Whether frame f is target or one of its callers' frames (NULL: before any frame). */
static bool frame_at_or_above(const gort_frame *f, const gort_frame *target) {
    if (!f) return true;
    for (const gort_frame *x = target; x; x = x->parent)
        if (x == f) return true;
    return false;
}

/* The deferred call the function of frame `target` runs inside of: the innermost running call
 * that began before target was entered (the goroutine's innermost frame when it began was one
 * of target's callers', or none). A call begun since (by target's leave or deeper) is not. */
static gort_dcall *dcall_around(gort_g *g, const gort_frame *target) {
    for (gort_dcall *c = g->dcall; c; c = c->outer)
        if (c->base != target && frame_at_or_above(c->base, target->parent)) return c;
    return NULL;
}

/* Resumes after a recovered panic as Go does: the function of frame `target`, which deferred
 * the recovering call, returns normally. The frames below it are popped, the deferred-call
 * context it runs in is restored, and a longjmp reaches its recovery point (set by its first
 * defer statement), from which it returns; its cleanup runs the rest of its deferred calls. */
__attribute__((noreturn)) static void recovery(gort_g *g, gort_frame *target) {
    gort__frames_pop_to(g, target);
    gort_dcall *c = dcall_around(g, target);
    g->dcall = c;
    g->running_defer = c ? c->id : 0;
    jump_to_frame(target);
}

/* A recovered panic interrupted Goexit's deferred call: go back to Goexit's loop. */
__attribute__((noreturn)) static void resume_goexit(gort_g *g, gort_panicrec *gx) {
    gort__frames_pop_to(g, gx->goexit_top);
    g->dcall = gx->goexit_dcall;
    g->running_defer = gx->goexit_running;
    jump_out(gx->goexit_jb);
}

/* Drops a started record met by a panic or Goexit: the one running it is aborted. */
static void drop_started(gort_g *g, gort_defer *d) {
    if (d->started_by) d->started_by->aborted = true;
    gort__defer_drop(g, d);
}

/* gopanic: runs the deferred calls for a new panic until one recovers it (never returns:
 * resumes a frame) or none is left (dies). */
__attribute__((noreturn)) static void gopanic(const char *msg, bool runtime_error) {
    gort_g *g = gort__getg();
    gort_panicrec p = { .link = g->panic, .msg = msg, .runtime_error = runtime_error };
    g->panic = &p;
    g->npanics++;
    GORT_PROBE(panic, 0, g->npanics, 0);
    gort__odefers_materialize(g);
    for (;;) {
        gort_defer *d = g->defers;
        if (!d) break;
        if (d->started) {
            drop_started(g, d);
            continue;
        }
        gort_frame *deferring = d->frame;
        gort__defer_run(g, d, &p, GORT_HOW_PANIC);
        if (!p.recovered) continue;
        g->panic = p.link;
        if (g->panic && g->panic->goexit && g->panic->aborted) resume_goexit(g, g->panic);
        while (g->panic && g->panic->aborted) g->panic = g->panic->link;
        recovery(g, deferring);
    }
    fatal_panic(g);
}

/* panic(msg): see gopanic. */
void gort_panic(const char *msg) { gopanic(msg, false); }
/* A runtime error panic (a runtime.Error value in Go): the same, remembered for recover. */
void gort_panic_runtime_error(const char *msg) { gopanic(msg, true); }

/* gorecover: stops the innermost panic if called directly by a deferred call it runs.
 * "Directly": the function that called recover was called by the runtime's call_deferred,
 * i.e. its saved frame pointer is call_deferred's frame (programs keep frame pointers); or
 * the deferred function ended with `recover()` compiled as a tail call, so recover's own
 * saved frame pointer is call_deferred's frame. */
__attribute__((noinline)) const char *gort_recover(void) {
    void **self_fp = __builtin_frame_address(0);
    void **caller_fp = *self_fp; /* the frame of the function that called recover */
    gort_g *g = gort__getg();
    gort_panicrec *p = g->panic;
    gort_dcall *c = g->dcall;
    bool direct = c && caller_fp && (caller_fp == c->caller_fp || *caller_fp == c->caller_fp);
    bool stops = p && !p->goexit && !p->recovered && c && c->panic == p && direct;
    GORT_PROBE(recover, 0, stops, 0);
    if (!stops) return NULL;
    p->recovered = true;
    g->recovered_rt = p->runtime_error;
    return p->msg;
}

/* Whether the value the goroutine's last stopping recover returned was a runtime error. */
bool gort_recovered_runtime_error(void) { return gort__getg()->recovered_rt; }

/* ---- Goexit ------------------------------------------------------------------------------ */

/* runtime.Goexit: runs every deferred call of the goroutine, pops every frame, ends it. */
void gort_goexit(void) {
    gort_g *g = gort__getg();
    GORT_PROBE(goexit, 0, 0, 0);
    gort_panicrec p = { .link = g->panic, .msg = "", .goexit = true };
    p.goexit_top = g->frame;
    p.goexit_dcall = g->dcall;
    p.goexit_running = g->running_defer;
    g->panic = &p;
    setjmp(p.goexit_jb); /* a recovered panic comes back here: go on with the loop */
    g = gort__curg;
    gort__odefers_materialize(g);
    for (gort_defer *d; (d = g->defers) != NULL;) {
        if (d->started) {
            drop_started(g, d);
            continue;
        }
        gort__defer_run(g, d, &p, GORT_HOW_GOEXIT);
    }
    gort__frames_pop_to(g, NULL);
    g->panic = NULL;
    g->dcall = NULL;
    g->running_defer = 0;
    if (g->has_exit_jb) jump_out(g->exit_jb);
    gort__main_goexit(g);
}
