/*
 * stack_map — the article's second crash path: a map that does not escape its function lives
 * in the function's stack frame; the article claims the frame can be destroyed before the
 * deferred delete runs.
 *
 *  func work() int {
 *      m := make(map[string]int) // does not escape: the compiler keeps it in work's frame
 *      m["a"] = 1
 *      m["b"] = 2
 *      defer delete(m, "a")
 *      return len(m)             // defers run after the result is set, before the frame goes
 *  }
 *  func main() { fmt.Println("len at return:", work()) }
 *
 * Go 1.19 prints "len at return: 2" and exits 0: deferred calls run before the frame is popped.
 * Under GORT_UNSAFE=frame_order the frame is popped first, as the article imagines: the map
 * dies with it and the deferred delete is caught touching a freed map.
 */
#include "gort.h"

#include <stdio.h>

static int64_t work(void) {
    GORT_FUNC_R(fr, 0);
    gort_map *m = gort_makemap_stack(&fr, &gort_type_string_int64, 0);
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("b")) = 2;
    gort_defer_delete_faststr(&fr, m, gort_str("a"));
    return gort_maplen(m);
}

int main(void) {
    printf("len at return: %lld\n", (long long)work());
    return 0;
}
