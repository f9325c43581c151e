// Command stack_map is the Go twin of samples/stack_map.c: the article's second crash path.
// A map that does not escape its function lives in the function's stack frame (the compiler
// zeroes an hmap in work's frame: no makemap call); the article claims the frame can be
// destroyed before the deferred delete runs. Go 1.19 prints "len at return: 2" and exits 0:
// the result is set, the deferred calls run, and only then is the frame popped.
package main

import "fmt"

func work() int {
	m := make(map[string]int) // does not escape: the compiler keeps it in work's frame
	m["a"] = 1
	m["b"] = 2
	defer delete(m, "a")
	return len(m) // defers run after the result is set, before the frame goes
}

func main() { fmt.Println("len at return:", work()) }
