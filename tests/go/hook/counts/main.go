// counts — a Go program that counts its own map, defer, panic and goroutine operations and
// prints "KIND N" for each kind of event the hook emits for them; tests/t_go_counts.sh checks
// the trace holds exactly these events (those whose caller, stack depth 1, is in package main).
// It keeps its counts in plain integers: a map of counters would add events of its own.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

var keep []map[int]int

var n struct {
	makemap, mapassign, mapdelete, mapclear, mapiterinit     int
	deferproc, deferreturn, panics, recovers, goexits, gocreate int
}

//go:noinline
func newMap(hint int) map[int]int {
	m := make(map[int]int, hint)
	n.makemap++
	keep = append(keep, m)
	return m
}

//go:noinline
func fill(m map[int]int, k int) {
	for i := 0; i < k; i++ {
		m[i] = i
		n.mapassign++
	}
	for i := 0; i < k; i += 2 {
		m[i] = -i // an update: still a mapassign
		n.mapassign++
	}
}

//go:noinline
func drop(m map[int]int, k int) {
	for i := 0; i < k+5; i += 3 { // some keys are absent: still a mapdelete
		delete(m, i)
		n.mapdelete++
	}
}

//go:noinline
func walk(m map[int]int) int {
	s := 0
	n.mapiterinit++
	for _, v := range m {
		s += v
	}
	return s
}

//go:noinline
func empty(m map[int]int) {
	n.mapclear++
	for k := range m { // compiled to one mapclear
		delete(m, k)
	}
}

//go:noinline
func deferDelete(m map[int]int, k int) {
	n.deferproc++
	n.deferreturn++
	defer delete(m, k) // the delete runs in the deferred call: counted there
	n.mapdelete++
}

//go:noinline
func recovered() {
	n.deferproc++
	n.deferreturn++
	defer func() {
		if recover() != nil {
			n.recovers++
		}
	}()
	n.panics++
	panic("counted")
}

//go:noinline
func spawn(wg *sync.WaitGroup, exit bool) {
	n.gocreate++
	go func() {
		n.deferproc++
		n.deferreturn++
		defer wg.Done()
		if exit {
			n.goexits++
			runtime.Goexit()
		}
	}()
}

func main() {
	for round := 0; round < 3; round++ {
		m := newMap(round * 10)
		fill(m, 100+round*50)
		drop(m, 40)
		walk(m)
		for i := 0; i < 5; i++ {
			deferDelete(m, i)
		}
		empty(m)
		walk(m) // an empty map: still a mapiterinit
		recovered()
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		spawn(&wg, i%2 == 1)
	}
	wg.Wait()
	fmt.Printf("makemap %d\nmapassign %d\nmapdelete %d\nmapclear %d\nmapiterinit %d\n",
		n.makemap, n.mapassign, n.mapdelete, n.mapclear, n.mapiterinit)
	fmt.Printf("deferproc %d\ndeferreturn %d\npanic %d\nrecover %d\ngoexit %d\ngocreate %d\n",
		n.deferproc, n.deferreturn, n.panics, n.recovers, n.goexits, n.gocreate)
}
