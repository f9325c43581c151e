/*
 * grow_delete — deferred deletes that run while the map is growing: oldbuckets still hold
 * entries not yet evacuated, so each delete must find its key in the right array and evacuate
 * as it goes, leaving every other key intact.
 *
 *  func main() {
 *      m := make(map[int64]int64)
 *      for i := int64(0); i < 832; i++ { m[i] = i * 10 }
 *      func() {
 *          for k := int64(0); k < 64; k += 8 { defer delete(m, k) }
 *          m[832] = 8320          // the 833rd key: B goes 7 -> 8, growth starts
 *      }()                        // the eight deferred deletes run mid-growth
 *      // check: the deleted keys are gone, every other key holds i*10
 *      fmt.Println("len", len(m), "corrupted", bad)
 *  }
 *
 * Go 1.19 prints "len 825 corrupted 0".
 */
#include "gort.h"

#include <stdio.h>

static gort_map *m; /* a global root */

static void delete_during_growth(void) {
    GORT_FUNC(fr);
    for (int64_t k = 0; k < 64; k += 8) gort_defer_delete_fast64(&fr, m, (uint64_t)k);
    *(int64_t *)gort_mapassign_fast64(m, 832) = 8320;
    gort_mapstats st;
    gort_map_stats(m, &st);
    printf("after the 833rd insert: B %u, growing %s, nevacuate %llu of %u old buckets\n", st.B,
           st.growing ? "yes" : "no", (unsigned long long)st.nevacuate, 1u << (st.B - 1));
}

int main(void) {
    gort_register_global(&m);
    m = gort_makemap(&gort_type_int64_int64, 0);
    for (int64_t i = 0; i < 832; i++) *(int64_t *)gort_mapassign_fast64(m, (uint64_t)i) = i * 10;
    delete_during_growth();
    int bad = 0;
    for (int64_t i = 0; i <= 832; i++) {
        bool ok;
        int64_t *v = gort_mapaccess2_fast64(m, (uint64_t)i, &ok);
        bool deleted = i < 64 && i % 8 == 0;
        if (ok == deleted || (ok && *v != i * 10)) bad++;
    }
    gort_mapstats st;
    gort_map_stats(m, &st);
    printf("len %lld corrupted %d (still growing: %s)\n", (long long)gort_maplen(m), bad,
           st.growing ? "yes" : "no");
    return bad != 0;
}
