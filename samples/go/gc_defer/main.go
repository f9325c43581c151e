// Command gc_defer is the Go twin of samples/gc_defer.c: the article's third crash path, the
// garbage collector freeing a map that only a pending deferred closure still references.
// Go 1.19 prints "deferred delete ran, len 1": pending defer records and the closures they
// hold are GC roots, so the map survives the three collections and is freed by the first
// collection after hold returned (main's runtime.GC).
//
// The map is on the heap, as in the C twin: it is made by another function, as most maps a
// program keeps are. Written inline in hold, escape analysis would keep it in hold's frame
// (only len() reads it) and the collector would never see it; //go:noinline keeps the
// compiler from inlining newMap into hold, which would do the same.
package main

import (
	"fmt"
	"runtime"
)

//go:noinline
func newMap() map[string]int { return map[string]int{"a": 1, "b": 2} }

func hold() {
	m := newMap()
	defer func() { // the closure is now the map's only reference: m itself is dead after this
		delete(m, "a")
		fmt.Println("deferred delete ran, len", len(m))
	}()
	for i := 0; i < 3; i++ {
		runtime.GC() // full collections while the defer is pending
	}
}

func main() {
	hold()
	runtime.GC()
}
