// panic_defer — a panic unwinds through frames whose deferred calls delete from a map, and is
// recovered at the top (libgort's samples/panic_defer.c). Go prints "recovered: boom" then
// "len after recovery: 1": every deferred delete runs, innermost first.
package main

import "fmt"

func level3(m map[string]int) { defer delete(m, "c"); panic("boom") }
func level2(m map[string]int) { defer delete(m, "b"); level3(m) }
func level1(m map[string]int) {
	defer func() { fmt.Println("recovered:", recover()) }()
	defer delete(m, "a")
	level2(m)
}

func main() {
	m := map[string]int{"a": 1, "b": 2, "c": 3, "d": 4}
	level1(m)
	fmt.Println("len after recovery:", len(m))
}
