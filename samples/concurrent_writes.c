/*
 * concurrent_writes — two goroutines write one map without a lock. Go detects the overlap
 * through the map's hashWriting flag and dies:
 *
 *  func main() {
 *      m := make(map[int64]int64)
 *      var wg sync.WaitGroup
 *      for g := 0; g < 2; g++ {
 *          wg.Add(1)
 *          go func(g int64) {
 *              defer wg.Done()
 *              for i := int64(0); i < 50_000_000; i++ { m[i%1000] = g }
 *          }(int64(g))
 *      }
 *      wg.Wait()
 *  }
 *
 * Go 1.19: "fatal error: concurrent map writes", goroutine traces, exit status 2; no deferred
 * call runs. Detection is best effort (no lock is taken), so a run that never overlaps prints
 * "no overlap detected" and exits 0; with two cores writing 50M times each it always overlaps.
 */
#include "gort.h"

#include <stdio.h>

static gort_map *m;
static gort_waitgroup wg;

static void writer(void *env) {
    (void)env;
    GORT_FUNC(fr);
    uint64_t g = gort_goid();
    for (uint64_t i = 0; i < 50000000; i++) *(int64_t *)gort_mapassign_fast64(m, i % 1000) = (int64_t)g;
    gort_wg_done(&wg);
}

int main(void) {
    gort_register_global(&m);
    m = gort_makemap(&gort_type_int64_int64, 0);
    for (int g = 0; g < 2; g++) {
        gort_wg_add(&wg, 1);
        GORT_GO(writer, NULL);
    }
    gort_wg_wait(&wg);
    printf("no overlap detected\n");
    return 0;
}
