// Command write_barrier is the Go twin of samples/write_barrier.c: the article's claim that
// "delete has no write barrier, so a concurrent GC can see a stale value". A map moves from
// one map of maps to another while the collector marks, and the deferred delete drops the
// old reference. Go 1.19 prints "x survived: len 3": map writes and deletes of pointer
// elements go through the write barrier, so the marker cannot miss the moved map.
//
// The C twin holds its marker right after it scanned d and before s, so the one interleaving
// that needs the barrier happens on every run. Go's marker cannot be held: here a goroutine
// runs a collection while move runs, which overlaps move's writes on some runs and not on
// others; the barrier makes every run safe. The map operations are the C twin's, in its order
// (x is stored in s before it is filled). d and s are globals, as in the C twin.
package main

import (
	"fmt"
	"os"
	"runtime"
)

var d, s map[string]map[string]int

func move(d, s map[string]map[string]int) {
	defer delete(s, "x") // runs when move returns, still during the mark
	d["x"] = s["x"]      // d was already scanned by the marker, s not yet
}

func main() {
	d = map[string]map[string]int{}
	s = map[string]map[string]int{}
	x := map[string]int{}
	s["x"] = x // x's only reference
	for i, k := range []string{"p", "q", "r"} {
		x[k] = i
	}
	x = nil

	marked := make(chan struct{})
	go func() { // a GC cycle runs while move moves x from s to d
		runtime.GC()
		close(marked)
	}()
	move(d, s)
	<-marked
	runtime.GC()

	fmt.Println("x survived: len", len(d["x"]))
	if len(d["x"]) != 3 {
		os.Exit(1)
	}
}
