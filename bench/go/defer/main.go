// The Go side of bench/b_3_defer.sh: the same shapes as bench/defer_bench.c, in ns per call
// of the process's CPU time (getrusage, as the C side measures it).
// Usage: go run main.go [iterations]
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// cpuNow is the CPU time the process used so far (user + system), ns.
func cpuNow() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var sink int

func bump() { sink++ }

//go:noinline
func plain() { sink++ }

//go:noinline
func oneDefer() { defer bump() }

//go:noinline
func loopDefers() {
	for i := 0; i < 8; i++ {
		defer bump()
	}
}

var benchMap = map[int64]int64{}

//go:noinline
func deferDelete() {
	benchMap[42] = 1
	defer delete(benchMap, 42)
}

//go:noinline
func panicRecover() {
	defer func() {
		if recover() != nil {
			sink++
		}
	}()
	panic("bench")
}

// chunks: timed chunks per case; the figure is the fastest chunk's (the others met more
// interference from whatever else the shared machine ran), as the C side does.
const chunks = 5

func measure(name string, fn func(), n int) {
	for i := 0; i < n/10; i++ {
		fn()
	}
	per := n / chunks
	if per < 1 {
		per = 1
	}
	best := -1.0
	for c := 0; c < chunks; c++ {
		t0 := cpuNow()
		for i := 0; i < per; i++ {
			fn()
		}
		ns := float64(cpuNow()-t0) / float64(per)
		if best < 0 || ns < best {
			best = ns
		}
	}
	fmt.Printf("%s %.1f\n", name, best)
}

func main() {
	n := 2000000
	if len(os.Args) > 1 {
		v, err := strconv.Atoi(os.Args[1])
		if err != nil || v <= 0 {
			fmt.Fprintln(os.Stderr, "bench: iterations must be a positive number")
			os.Exit(2)
		}
		n = v
	}
	measure("plain_call", plain, n)
	measure("frame_only", plain, n) // Go has no frame object: a plain call is its frame
	measure("one_defer", oneDefer, n)
	measure("loop_8_defers", loopDefers, n/4)
	measure("defer_delete", deferDelete, n)
	measure("panic_recover", panicRecover, n/4)
}
