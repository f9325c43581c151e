// nil_map — the article's first crash path in real Go: the map variable is set to nil before
// the deferred delete runs (libgort's samples/nil_map.c). Go runs all three forms without a
// panic and prints:
//
//	direct: map[b:2]
//	closure: map[a:1 b:2]
//	guarded: map[a:1 b:2]
package main

import "fmt"

var keep map[string]int // the map outlives each function

func makeAB() map[string]int {
	keep = map[string]int{"a": 1, "b": 2}
	return keep
}

func direct() {
	m := makeAB()
	defer delete(m, "a") // m and "a" are evaluated here, at the defer statement
	m = nil              // so the deferred delete still has the original map
	_ = m
}

func closure() {
	m := makeAB()
	defer func() { delete(m, "a") }() // captures the variable m: delete(nil, "a") is a no-op
	m = nil
}

func guarded() {
	m := makeAB()
	defer func() {
		if m != nil {
			delete(m, "a")
		}
	}()
	m = nil
}

func main() {
	direct()
	fmt.Println("direct:", keep)
	closure()
	fmt.Println("closure:", keep)
	guarded()
	fmt.Println("guarded:", keep)
}
