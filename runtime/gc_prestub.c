/*
 * gc_prestub.c — weak stand-ins for what proc.c and map.c provide, so the collector links and
 * runs before they are merged. Every definition here is weak: the real one wins whenever its
 * object file is linked. Removed once proc.c and map.c are on main.
 */
#include "internal.h"

#include <stdlib.h>

__attribute__((weak)) __thread gort_g *gort__curg;
__attribute__((weak)) pthread_mutex_t gort__sched_lock = PTHREAD_MUTEX_INITIALIZER;
__attribute__((weak)) gort_g *gort__allg;

/* The calling thread's goroutine, created on first use and put on the allg list. */
__attribute__((weak)) gort_g *gort__getg(void) {
    static _Atomic uint64_t next_goid = 1;
    if (gort__curg) return gort__curg;
    gort_g *g = calloc(1, sizeof *g);
    if (!g) abort();
    g->goid = atomic_fetch_add(&next_goid, 1);
    g->thread = pthread_self();
    atomic_store(&g->status, GORT_G_RUNNING);
    pthread_mutex_lock(&gort__sched_lock);
    g->allnext = gort__allg;
    gort__allg = g;
    pthread_mutex_unlock(&gort__sched_lock);
    gort__curg = g;
    return g;
}

__attribute__((weak)) void gort__map_scan(gort_map *h) { (void)h; }
__attribute__((weak)) void gort__map_kill(gort_map *h, int cause) { (void)h; (void)cause; }
__attribute__((weak)) int gort__map_dead(gort_map *h) { (void)h; return 0; }
