// Command nil_map is the Go twin of samples/nil_map.c: the article's first crash path, the map
// variable set to nil before the deferred delete runs, in its three forms. Go 1.19 runs all
// three without a panic and prints
//
//	direct: map[b:2]
//	closure: map[a:1 b:2]
//	guarded: map[a:1 b:2]
//
// `defer delete(m, "a")` evaluates m at the defer statement, so the original map loses "a";
// a deferred closure reads the variable m when it runs, sees nil, and delete on a nil map is
// a no-op.
//
// The map operations are the C twin's, in its order, so the two traces compare event by
// event: each map is made, filled with "a" then "b", and stored in the global keep (which
// main prints); printing looks the two keys up one by one, where fmt.Println(keep) would
// iterate the map instead.
package main

import "fmt"

var keep map[string]int // a global, so the map outlives each function

// printMap prints m as fmt.Println(label+":", m) prints a map holding at most "a" and "b".
func printMap(label string, m map[string]int) {
	out, sep := label+": map[", ""
	for _, k := range []string{"a", "b"} {
		if v, ok := m[k]; ok {
			out += fmt.Sprintf("%s%s:%d", sep, k, v)
			sep = " "
		}
	}
	fmt.Println(out + "]")
}

func direct() {
	m := map[string]int{"a": 1, "b": 2}
	keep = m
	defer delete(m, "a") // m and "a" are evaluated here, at the defer statement
	m = nil              // so the deferred delete still has the original map
}

func closure() {
	m := map[string]int{"a": 1, "b": 2}
	keep = m
	defer func() { delete(m, "a") }() // captures the variable m, not its value
	m = nil                           // the closure sees nil: delete(nil, "a") is a no-op
}

func guarded() {
	m := map[string]int{"a": 1, "b": 2}
	keep = m
	defer func() {
		if m != nil {
			delete(m, "a")
		}
	}()
	m = nil
}

func main() {
	direct()
	printMap("direct", keep)
	closure()
	printMap("closure", keep)
	guarded()
	printMap("guarded", keep)
}
