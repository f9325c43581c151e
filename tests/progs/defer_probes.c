/* Drives every defer/panic/goroutine probe once, for tests/t_defer_probes.sh, which records it
 * with `gort record` and checks the events against the ids printed here:
 *   f: a stack map, defer <closure> (ID close), defer delete(m, "a") (ID del), return;
 *   g: defer <recover> (ID rec), panic, recovered;
 *   a goroutine: defer <mark> (ID gx), Goexit. */
#include "defer_util.h"
#include "internal.h"

#include <unistd.h>

static gort_map *f_map;
static uint64_t id_close, id_del, id_rec, id_gx, goid_gx;

static void nothing(void *e) { (void)e; }

static void f(void) {
    GORT_FUNC(fr);
    gort_map *m = gort_makemap_stack(&fr, &gort_type_string_int64, 0);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    f_map = m;
    id_close = GORT_DEFER(fr, nothing, NULL);
    id_del = gort_defer_delete_faststr(&fr, m, gort_str("a"));
}

static void recover_it(void *e) {
    (void)e;
    gort_recover();
}

static void g(void) {
    GORT_FUNC(fr);
    id_rec = GORT_DEFER(fr, recover_it, NULL);
    gort_panic("probe");
}

static gort_waitgroup wg;

static void done(void *e) {
    (void)e;
    gort_wg_done(&wg);
}

static void gx(void *e) {
    (void)e;
    GORT_FUNC(fr);
    id_gx = GORT_DEFER(fr, done, NULL);
    gort_goexit();
}

/* Whether goroutine goid has ended (left allg, after its goend probe). */
static bool ended(uint64_t goid) {
    bool found = false;
    pthread_mutex_lock(&gort__sched_lock);
    for (gort_g *g = gort__allg; g; g = g->allnext) found |= g->goid == goid;
    pthread_mutex_unlock(&gort__sched_lock);
    return !found;
}

int main(void) {
    f();
    g();
    gort_wg_add(&wg, 1);
    goid_gx = GORT_GO(gx, NULL);
    gort_wg_wait(&wg);
    /* wg.Done ran inside the goroutine's last deferred call: let it finish and end, so its
     * last events (deferreturn_end, goend) are in the trace before main exits. */
    while (!ended(goid_gx)) usleep(1000);
    printf("map=%llu close=%llu del=%llu rec=%llu gx=%llu goid=%llu\n",
           (unsigned long long)gort_map_id(f_map), (unsigned long long)id_close,
           (unsigned long long)id_del, (unsigned long long)id_rec, (unsigned long long)id_gx,
           (unsigned long long)goid_gx);
    return 0;
}
