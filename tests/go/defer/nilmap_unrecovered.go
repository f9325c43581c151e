// nilmap_unrecovered: assignment to a nil map is a runtime error panic; unrecovered, exit 2.
package main

import "fmt"

func main() {
	defer fmt.Println("defer runs")
	var m map[string]int
	m["a"] = 1
}
