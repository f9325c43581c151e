// crash — Go programs that die, for tests/t_go_crash.sh: every event emitted before death
// must be in the trace. Each mode first makes exactly 1000 insertions into a fresh map
// (mapassign count after: 1, 2, ..., 1000), then:
//
//	panic       an unrecovered panic (exit status 2)
//	concurrent  two goroutines write one map until Go's "fatal error: concurrent map writes"
//	spin        inserts and deletes one key forever, printing "ready" once, then "alive" every
//	            2^20 rounds (for SIGKILL, of the program or of the recorder)
package main

import (
	"fmt"
	"os"
)

var keep map[int]int

//go:noinline
func thousand() {
	keep = make(map[int]int)
	for i := 0; i < 1000; i++ {
		keep[i] = i
	}
}

//go:noinline
func race() {
	m := make(map[int]int)
	keep = m
	done := make(chan bool)
	for w := 0; w < 2; w++ {
		go func(w int) {
			for i := 0; ; i++ {
				m[i%4096+w] = i
			}
		}(w)
	}
	<-done
}

//go:noinline
func spin() {
	m := make(map[int]int)
	keep = m
	for i := 0; ; i++ {
		m[1] = i
		delete(m, 1)
		if i == 10000 {
			fmt.Println("ready")
		}
		if i&(1<<20-1) == 0 && i > 0 {
			fmt.Println("alive")
		}
	}
}

func main() {
	thousand()
	switch os.Args[1] {
	case "panic":
		panic("the end")
	case "concurrent":
		race()
	case "spin":
		spin()
	}
}
