// shape.go prints hash-independent facts of Go 1.19's map that gort must reproduce exactly.
// Its output is kept as shape.out and checked by tests/map_oracle.c, which does not need Go.
//
//	sh tests/go/map/regen.sh      (Go 1.19; or: go run shape.go hmap.go > shape.out)
//
// Lines:
//
//	grow COUNT B          map[int64]int64 from make(map[int64]int64): the insert that made
//	                      len == COUNT changed B to B (inserts 1..100000)
//	hint HINT B PI PS     make(map[K]V, HINT): initial B, and the number of preallocated
//	                      overflow buckets for map[int64]int64 (PI) and map[string]int64 (PS)
//	slots OP STATE        one-bucket map[int64]int64 holding 0..7: the tophash states after
//	                      each delete (F filled, e emptyOne, R emptyRest)
//
// B and the preallocated buckets are read from the runtime's hmap header with unsafe
// (runtime/map.go: hmap, mapextra; amd64 layout).
package main

import (
	"fmt"
	"unsafe"
)

var sinkI map[int64]int64
var sinkS map[string]int64

func hdrI(m map[int64]int64) *hmap  { return *(**hmap)(unsafe.Pointer(&m)) }
func hdrS(m map[string]int64) *hmap { return *(**hmap)(unsafe.Pointer(&m)) }

func slots(h *hmap) string {
	s := ""
	for i := 0; i < 8; i++ {
		switch t := *(*uint8)(unsafe.Add(h.buckets, i)); {
		case t == 0:
			s += "R"
		case t == 1:
			s += "e"
		default:
			s += "F"
		}
	}
	return s
}

func main() {
	m := make(map[int64]int64)
	sinkI = m
	lastB := uint8(0)
	for i := int64(1); i <= 100000; i++ {
		m[i] = i
		if b := hdrI(m).B; b != lastB {
			fmt.Printf("grow %d %d\n", i, b)
			lastB = b
		}
	}

	var hints []int
	for h := -1; h <= 3000; h++ {
		hints = append(hints, h)
	}
	for b := 10; b <= 15; b++ {
		edge := 13 << (b - 1) / 2 // 6.5 * 2^b
		hints = append(hints, edge-1, edge, edge+1)
	}
	for _, hint := range hints {
		mi := make(map[int64]int64, hint)
		ms := make(map[string]int64, hint)
		sinkI, sinkS = mi, ms
		hi, hs := hdrI(mi), hdrS(ms)
		fmt.Printf("hint %d %d %d %d\n", hint, hi.B, prealloc(hi, 144), prealloc(hs, 208))
	}

	s := make(map[int64]int64)
	sinkI = s
	for k := int64(0); k < 8; k++ {
		s[k] = k
	}
	fmt.Printf("slots start %s\n", slots(hdrI(s)))
	for _, k := range []int64{3, 7, 6, 4, 5, 0} {
		delete(s, k)
		fmt.Printf("slots del%d %s\n", k, slots(hdrI(s)))
	}
	s[100] = 100
	fmt.Printf("slots ins100 %s\n", slots(hdrI(s)))
}
