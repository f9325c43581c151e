/* Oracle twin of tests/go/defer/nilmap_unrecovered.go: assignment to a nil map is a runtime
 * error panic; unrecovered, the deferred call runs, then exit 2. */
#include "defer_util.h"

int main(void) {
    GORT_FUNC_R(fr, 0);
    defer_println(&fr, "defer runs");
    gort_map *m = NULL;
    *(int64_t *)gort_mapassign_faststr(m, gort_str("a")) = 1;
    return 0;
}
