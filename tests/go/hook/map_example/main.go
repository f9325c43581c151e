// map_example — libgort's samples/map_example.c in Go: a small string map, then an int64 map
// filled with 1000 keys, whose B grows at 9, 14, 27, 53, 105, 209, 417 and 833 entries.
package main

import "fmt"

var n map[int64]int64
var s map[string]int64

func main() {
	s = map[string]int64{}
	s["apples"] = 3
	s["pears"] += 5
	v, ok := s["plums"]
	fmt.Printf("plums: %d (present: %v)\n", v, ok)
	delete(s, "apples")
	for k, v := range s {
		fmt.Println(k, v)
	}
	n = make(map[int64]int64)
	for i := int64(1); i <= 1000; i++ {
		n[i] = i * i
	}
	fmt.Printf("n[12] = %d, len(n) = %d\n", n[12], len(n))
}
