// stack_map — the article's second crash path in real Go: a map that does not escape lives in
// its function's frame (libgort's samples/stack_map.c). Go prints "len at return: 2": the
// deferred delete runs before the frame is popped. deep() also grows the goroutine's stack
// while such a map is live, so its hmap moves (copystack) during its life.
package main

import "fmt"

func work() int {
	m := make(map[string]int) // does not escape: the compiler keeps it in work's frame
	m["a"] = 1
	m["b"] = 2
	defer delete(m, "a")
	return len(m)
}

//go:noinline
func deep(n int) int {
	var pad [512]byte
	pad[n%512] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return deep(n-1) + int(pad[n%512])
}

func grow() int {
	m := make(map[int]int, 20) // hint > 8: makemap builds it in this frame
	for i := 0; i < 20; i++ {
		m[i] = i
	}
	defer delete(m, 3)
	deep(64) // the stack grows: m's hmap moves with it
	m[100] = 100
	return len(m)
}

func main() {
	fmt.Println("len at return:", work())
	fmt.Println("len after growth:", grow())
}
