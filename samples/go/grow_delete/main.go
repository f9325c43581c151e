// Command grow_delete is the Go twin of samples/grow_delete.c: deferred deletes that run while
// the map is growing. Oldbuckets still hold entries not yet evacuated, so each delete must
// find its key in the right array and evacuate as it goes, leaving every other key intact.
// Go 1.19 prints "len 825 corrupted 0".
//
// Like the C twin it also prints the map's shape after the 833rd insert (B, whether it is
// growing, how far evacuation got), read from the runtime's hmap header with unsafe
// (runtime/map.go, amd64 layout): what Go hides. nevacuate depends on the hash seed, the rest
// does not.
package main

import (
	"fmt"
	"os"
	"unsafe"
)

// hmap is the head of runtime.hmap (runtime/map.go, Go 1.19).
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
}

// shape returns m's B, whether it is growing (old buckets still held) and how many old
// buckets have been evacuated.
func shape(m map[int64]int64) (B uint8, growing bool, nevacuate uintptr) {
	h := *(**hmap)(unsafe.Pointer(&m))
	return h.B, h.oldbuckets != nil, h.nevacuate
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

var m map[int64]int64 // a global, as in the C twin

func deleteDuringGrowth() {
	for k := int64(0); k < 64; k += 8 {
		defer delete(m, k)
	}
	m[832] = 8320 // the 833rd key: B goes 7 -> 8, growth starts
	B, growing, nevacuate := shape(m)
	fmt.Printf("after the 833rd insert: B %d, growing %s, nevacuate %d of %d old buckets\n",
		B, yesNo(growing), nevacuate, 1<<(B-1))
} // the eight deferred deletes run mid-growth

func main() {
	m = make(map[int64]int64)
	for i := int64(0); i < 832; i++ {
		m[i] = i * 10
	}
	deleteDuringGrowth()
	bad := 0
	for i := int64(0); i <= 832; i++ { // the deleted keys are gone, every other key holds i*10
		v, ok := m[i]
		deleted := i < 64 && i%8 == 0
		if ok == deleted || (ok && v != i*10) {
			bad++
		}
	}
	_, growing, _ := shape(m)
	fmt.Printf("len %d corrupted %d (still growing: %s)\n", len(m), bad, yesNo(growing))
	if bad != 0 {
		os.Exit(1)
	}
}
