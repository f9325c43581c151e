// Command map_example is the Go twin of samples/map_example.c: the map API in a few lines,
//
//	m := map[string]int64{}
//	m["apples"] = 3; m["pears"] += 5
//	v, ok := m["plums"]
//	delete(m, "apples")
//	for k, v := range m { fmt.Println(k, v) }
//
// plus what Go hides: the map's shape as it fills up. B, the log2 of the number of buckets,
// is read from the runtime's hmap header with unsafe (runtime/map.go, amd64 layout); Go 1.19
// grows it at 9, 14, 27, 53, 105, 209, 417 and 833 entries. m and n are globals, as in the C
// twin.
package main

import (
	"fmt"
	"unsafe"
)

// hmap is the head of runtime.hmap (runtime/map.go, Go 1.19).
type hmap struct {
	count int
	flags uint8
	B     uint8
}

// bucketsLog2 returns n's B.
func bucketsLog2(n map[int64]int64) uint8 { return (*(**hmap)(unsafe.Pointer(&n))).B }

var (
	m map[string]int64
	n map[int64]int64
)

func main() {
	m = map[string]int64{}
	m["apples"] = 3
	m["pears"] += 5
	v, ok := m["plums"]
	present := "no"
	if ok {
		present = "yes"
	}
	fmt.Printf("plums: %d (present: %s)\n", v, present)
	delete(m, "apples")
	for k, v := range m {
		fmt.Println(k, v)
	}

	n = make(map[int64]int64)
	lastB := uint8(0)
	for i := int64(1); i <= 1000; i++ {
		n[i] = i * i
		if B := bucketsLog2(n); B != lastB {
			fmt.Printf("len %4d: B %d -> %d\n", i, lastB, B)
			lastB = B
		}
	}
	fmt.Printf("n[12] = %d, len(n) = %d\n", n[12], len(n))
}
