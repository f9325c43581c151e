/*
 * gc_hold.c — holding the concurrent marker at one point of its scan, for the tests and the
 * demo that show what the write barrier is for.
 *
 * The interleaving a write barrier exists for is rare: the marker has scanned object A (black)
 * and not yet object B (grey) when the program moves the only pointer to X from B into A. To
 * show it on every run, gort__gc_hold_marker_between starts a cycle and parks the marker thread
 * in its `scanned` hook right after A, until gort__gc_release_marker. Only one hold at a time.
 */
#include "internal.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void *first, *second;
    int state;     /* 0 waiting, 1 held after first, -1 second came first */
    int released;
} hold = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0 };

/* The marker's hook: after scanning `first` (and not `second`), wait for the release. */
static void on_scanned(void *obj, int kind) {
    (void)kind;
    pthread_mutex_lock(&hold.mu);
    if (obj == hold.second && hold.state == 0) {
        hold.state = -1;
        pthread_cond_broadcast(&hold.cv);
    }
    if (obj == hold.first && hold.state == 0) {
        hold.state = 1;
        pthread_cond_broadcast(&hold.cv);
        while (!hold.released) pthread_cond_wait(&hold.cv, &hold.mu);
    }
    pthread_mutex_unlock(&hold.mu);
}

/* Starts a cycle and returns once its marker has scanned first but not second: 0, and the
 * marker waits for gort__gc_release_marker; or -1 when it scanned second first (not held). */
int gort__gc_hold_marker_between(void *first, void *second) {
    pthread_mutex_lock(&hold.mu);
    hold.first = first, hold.second = second, hold.state = 0, hold.released = 0;
    pthread_mutex_unlock(&hold.mu);
    gort__gc_hooks.scanned = on_scanned;
    gort__gc_request();
    gort__blocking_enter(); /* the cycle stops the world around this wait */
    pthread_mutex_lock(&hold.mu);
    while (hold.state == 0) pthread_cond_wait(&hold.cv, &hold.mu);
    int state = hold.state;
    pthread_mutex_unlock(&hold.mu);
    gort__blocking_exit();
    return state == 1 ? 0 : -1;
}

/* Lets a held marker go on; the hook stays installed but inert. */
void gort__gc_release_marker(void) {
    pthread_mutex_lock(&hold.mu);
    hold.released = 1;
    pthread_cond_broadcast(&hold.cv);
    pthread_mutex_unlock(&hold.mu);
}
