// pace.go: a fast allocator against a fixed live heap, for Go 1.19's pacer to pace.
// It builds a linked list of LIVE_MB of 256-byte objects (each with a pointer, so marking
// scans them), then allocates GARBAGE_MB of 256-byte garbage objects as fast as it can, then
// forces one cycle (runtime.GC). Between the two phases it writes "pace: garbage" to stderr,
// so the cycles of the steady state can be told apart. tests/go/gc/regen.sh runs it with GODEBUG=gctrace=1 at
// GOGC 50, 100 and 200 and keeps its stderr as pace.GOGC.err; tests/t_gc_pace.sh holds
// gort's twin (tests/progs/gc_pace.c: the same objects, 224 bytes + libgort's 32-byte header)
// against those lines: heap at mark termination over goal per cycle, and the gctrace format.
//
//	usage: pace [LIVE_MB [GARBAGE_MB]]     (defaults 32 and 1024)
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

type obj struct {
	next *obj
	pad  [248]byte
}

var live *obj
var sink *obj

func arg(i int, def int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return def
}

func main() {
	liveMB, garbageMB := arg(1, 32), arg(2, 1024)
	for i := 0; i < liveMB<<20/256; i++ {
		live = &obj{next: live}
	}
	fmt.Fprintln(os.Stderr, "pace: garbage")
	for i := 0; i < garbageMB<<20/256; i++ {
		sink = &obj{}
	}
	runtime.GC()
}
