/* gort_fatal: "fatal error: msg", traces of every goroutine, exit 2, no deferred call runs.
 * main starts one goroutine that blocks in a WaitGroup (shown with its frames, as Go shows a
 * goroutine in semacquire), then dies two frames deep with a deferred call pending. */
#include "defer_util.h"
#include "internal.h"

#include <unistd.h>

static gort_waitgroup blocked, ready;

static void waiter_inner(void) {
    GORT_FUNC(fr);
    gort_wg_done(&ready);
    gort_wg_wait(&blocked); /* never released */
}

static void waiter(void *e) {
    (void)e;
    GORT_FUNC(fr);
    waiter_inner();
}

static void dies(void) {
    GORT_FUNC(fr);
    defer_println(&fr, "deferred call ran: wrong");
    gort_fatal("something impossible");
}

static void outer(void) {
    GORT_FUNC(fr);
    defer_println(&fr, "outer's deferred call ran: wrong");
    dies();
}

/* Whether goroutine goid is blocked in the runtime (inside gort_wg_wait) by now. */
static bool is_blocked(uint64_t goid) {
    bool blocked_now = false;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext)
        if (g->goid == goid) blocked_now = g->waitreason != NULL;
    pthread_mutex_unlock(&gort__sched_lock);
    return blocked_now;
}

int main(void) {
    gort_wg_add(&blocked, 1);
    gort_wg_add(&ready, 1);
    uint64_t id = GORT_GO(waiter, NULL);
    gort_wg_wait(&ready);
    while (!is_blocked(id)) usleep(1000);
    printf("before fatal\n");
    outer();
    return 0;
}
