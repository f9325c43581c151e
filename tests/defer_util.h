/*
 * defer_util.h — small helpers shared by the defer tests and oracle programs (tests/defer_*.c,
 * tests/progs/defer_*.c): Go's `defer fmt.Println(...)` with arguments evaluated at the defer
 * statement, `defer wg.Done()`, closure environments that point outside the heap, and Go's
 * "<nil>" for a nil recover value.
 */
#ifndef DEFER_UTIL_H
#define DEFER_UTIL_H

#include "gort.h"

#include <stdio.h>

/* The environment of a deferred print: its argument, copied at the defer statement. */
struct defer_print_env {
    const char *text;
    long num;
    int has_num;
};

/* The deferred call: prints the text (and number) it was given at the defer statement. */
static inline void defer_print_run(void *e) {
    struct defer_print_env *env = e;
    if (env->has_num)
        printf("%s %ld\n", env->text, env->num);
    else
        printf("%s\n", env->text);
    fflush(stdout);
}

/* The environment of a deferred print of text (and num when has_num), evaluated now. */
static inline struct defer_print_env *defer_print_env(const char *text, long num, int has_num) {
    struct defer_print_env *env = gort_closure_new(sizeof *env, 0);
    env->text = text;
    env->num = num;
    env->has_num = has_num;
    return env;
}

/* defer fmt.Println(text): text is evaluated now. A macro, as every defer statement is (it
 * must be in the body of the function whose frame fr is: see gort.h). */
#define defer_println(fr, text) \
    gort_defer_call((fr), "fmt.Println", defer_print_run, defer_print_env((text), 0, 0))

/* defer fmt.Println(text, num): both evaluated now. */
#define defer_println_num(fr, text, num) \
    gort_defer_call((fr), "fmt.Println", defer_print_run, defer_print_env((text), (num), 1))

/* A closure environment (libgort heap: what the collector accepts as env or goroutine arg)
 * holding one pointer to memory outside the heap — a static, a string literal — which the
 * collector does not trace (ptrmask 0). env_get gives the pointer back. */
static inline void *env_ptr(const void *p) {
    void **env = gort_closure_new(sizeof *env, 0);
    *env = (void *)p;
    return env;
}
static inline void *env_get(void *env) { return *(void **)env; }

/* The deferred call of defer_wg_done: Done on the WaitGroup its environment points to. */
static inline void wg_done_run(void *e) { gort_wg_done(env_get(e)); }

/* defer wg.Done(): wg is evaluated now (it must outlive the call: a static or global). */
#define defer_wg_done(fr, wg) gort_defer_call((fr), "sync.(*WaitGroup).Done", wg_done_run, env_ptr(wg))

/* How Go prints a recover() result: the value, or <nil>. */
static inline const char *or_nil(const char *r) { return r ? r : "<nil>"; }

#endif
