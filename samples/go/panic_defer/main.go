// Command panic_defer is the Go twin of samples/panic_defer.c: a panic unwinds through frames
// whose deferred calls delete from a map, and is recovered at the top: every deferred delete
// runs, innermost first, before the panic stops. Go 1.19 prints "recovered: boom" then
// "len after recovery: 1". m is a global, as in the C twin (so the map is on the heap).
package main

import "fmt"

var m map[string]int

func level3(m map[string]int) { defer delete(m, "c"); panic("boom") }
func level2(m map[string]int) { defer delete(m, "b"); level3(m) }
func level1(m map[string]int) {
	defer func() { fmt.Println("recovered:", recover()) }()
	defer delete(m, "a")
	level2(m)
}

func main() {
	m = map[string]int{"a": 1, "b": 2, "c": 3, "d": 4}
	level1(m)
	fmt.Println("len after recovery:", len(m))
}
