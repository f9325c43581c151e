// gc_defer — the article's third crash path in real Go: the garbage collector and a map that
// only a pending deferred closure still references (libgort's samples/gc_defer.c).
//
// The map is made to live in the heap (escape keeps it there: a non-escaping map would live in
// hold's frame and never meet the collector). After its last use in hold, only the pending
// closure holds it. Go prints "deferred delete ran, len 1": pending deferred calls are roots,
// the map survives the three collections, and dies in a collection after the call ran.
package main

import (
	"fmt"
	"runtime"
)

var global map[string]int

//go:noinline
func escape(m map[string]int) { global = m; global = nil }

func hold() {
	m := map[string]int{"a": 1, "b": 2}
	escape(m)
	defer func() {
		delete(m, "a")
		fmt.Println("deferred delete ran, len", len(m))
	}()
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
}

func main() {
	hold()
	runtime.GC()
}
