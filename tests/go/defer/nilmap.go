// nilmap: defer delete(m, k) evaluates m now; a deferred closure sees m = nil, and delete on a
// nil map is a no-op; assignment to a nil map panics and recover catches it.
package main

import "fmt"

func argsNow() {
	m := map[string]int{"a": 1, "b": 2}
	defer func(m map[string]int) { fmt.Println("after defer delete:", len(m), m["a"], m["b"]) }(m)
	defer delete(m, "a")
	m = nil
	fmt.Println("m set to nil, len", len(m))
}

func closureNil() {
	m := map[string]int{"a": 1}
	defer func() {
		delete(m, "a")
		fmt.Println("closure deleted from nil map, len", len(m))
	}()
	m = nil
}

func assignNil() {
	defer func() { fmt.Println("recovered:", recover()) }()
	var m map[string]int
	m["a"] = 1
	fmt.Println("not reached")
}

func main() {
	argsNow()
	closureNil()
	assignNil()
	fmt.Println("main done")
}
