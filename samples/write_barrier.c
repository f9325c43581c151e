/*
 * write_barrier — the article's claim about write barriers: "delete has no write barrier, so a
 * concurrent GC can see a stale value". A map moves from one map of maps to another while the
 * collector marks concurrently, and the deferred delete drops the old reference:
 *
 *  func move(d, s map[string]map[string]int) {
 *      defer delete(s, "x")     // runs when move returns, still during the mark
 *      d["x"] = s["x"]          // d was already scanned by the marker, s not yet
 *  }
 *  func main() {
 *      d, s := map[string]map[string]int{}, map[string]map[string]int{}
 *      s["x"] = map[string]int{"p": 0, "q": 1, "r": 2}
 *      // a GC cycle starts; the marker has scanned d and not s when move runs
 *      move(d, s)
 *      runtime.GC()
 *      fmt.Println("x survived: len", len(d["x"]))
 *  }
 *
 * Go 1.19 prints "x survived: len 3": map writes and deletes of pointer elements go through
 * the write barrier, which shades the map being stored and the one being overwritten, so the
 * marker cannot miss it. Under GORT_UNSAFE=no_write_barrier they do not: the marker never sees
 * the inner map (d was scanned before it arrived, s after it left), the sweep frees it while d
 * still holds it, and the next use is caught: "fatal error: use of freed map".
 *
 * The one interleaving that needs the barrier is made to happen on every run, not one run in a
 * million: gort__gc_hold_marker_between (runtime/gc_hold.c) holds the marker right after it
 * scanned d until move has returned. d and s are registered roots, d first: the scan order.
 */
#include "internal.h"

#include <stdio.h>

static gort_map *d, *s;

static void move(gort_map *dst, gort_map *src) {
    GORT_FUNC(fr);
    GORT_ROOT(fr, &dst);
    GORT_ROOT(fr, &src);
    gort_defer_delete_faststr(&fr, src, gort_str("x"));
    gort_map *x = *(gort_map **)gort_mapaccess1_faststr(src, gort_str("x"));
    gort_store(gort_mapassign_faststr(dst, gort_str("x")), x);
}

int main(void) {
    gort_register_global(&d);
    gort_register_global(&s);
    d = gort_makemap(&gort_type_string_map, 0);
    s = gort_makemap(&gort_type_string_map, 0);
    gort_map *x = gort_makemap(&gort_type_string_int64, 0);
    gort_store(gort_mapassign_faststr(s, gort_str("x")), x); /* s["x"]: x's only reference */
    const char *keys[] = { "p", "q", "r" };
    for (int i = 0; i < 3; i++) *(int64_t *)gort_mapassign_faststr(x, gort_str(keys[i])) = i;
    x = NULL;

    if (gort__gc_hold_marker_between(d, s) != 0) { /* a cycle, its marker held after d */
        fprintf(stderr, "write_barrier: the marker scanned s before d; not arranged\n");
        return 1;
    }
    move(d, s);
    gort__gc_release_marker();
    gort_gc();

    x = *(gort_map **)gort_mapaccess1_faststr(d, gort_str("x"));
    printf("x survived: len %lld\n", (long long)gort_maplen(x));
    return gort_maplen(x) == 3 ? 0 : 1;
}
