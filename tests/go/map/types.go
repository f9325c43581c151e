// types.go prints, for map types of every key and element shape gort models, what Go 1.19's
// compiler and runtime decided about their layout: whether keys and elements are stored
// behind a pointer, the bucket's size, and for a range of hints the initial B and the number
// of preallocated overflow buckets. Its output is kept as types.out and checked by
// tests/map_types.c (gort builds the same types and must agree line for line).
//
//	sh tests/go/map/regen.sh      (Go 1.19)
//
// Lines:
//
//	type NAME KEYSIZE ELEMSIZE BUCKETSIZE INDIRECTKEY INDIRECTELEM REFLEXIVE NEEDKEYUPDATE
//	                      the key and element sizes of the type, the bucket's size in bytes,
//	                      and the maptype's flags (1 set, 0 clear)
//	prealloc NAME HINT B N
//	                      make(map[K]V, HINT): initial B and N preallocated overflow buckets
//
// The maptype is read through the map's interface type word (runtime/type.go maptype, amd64
// layout); the preallocated buckets through the hmap header (runtime/map.go hmap, mapextra).
package main

import (
	"fmt"
	"unsafe"
)

// maptype mirrors runtime.maptype after its 48-byte _type.
type maptype struct {
	typ        [48]byte
	key        unsafe.Pointer
	elem       unsafe.Pointer
	bucket     unsafe.Pointer
	hasher     unsafe.Pointer
	keysize    uint8
	elemsize   uint8
	bucketsize uint16
	flags      uint32
}

// typeOf returns the runtime maptype of a map value.
func typeOf(m any) *maptype {
	return (*maptype)((*[2]unsafe.Pointer)(unsafe.Pointer(&m))[0])
}

var sink any

func bit(f uint32, b uint32) int {
	if f&b != 0 {
		return 1
	}
	return 0
}

// probe prints the type line and the prealloc lines of map[K]V.
func probe[K comparable, V any](name string, hints []int) {
	var k K
	var v V
	mt := typeOf(map[K]V{})
	fmt.Printf("type %s %d %d %d %d %d %d %d\n", name, unsafe.Sizeof(k), unsafe.Sizeof(v), mt.bucketsize,
		bit(mt.flags, 1), bit(mt.flags, 2), bit(mt.flags, 4), bit(mt.flags, 8))
	for _, hint := range hints {
		m := make(map[K]V, hint)
		sink = m
		h := hdr(m)
		fmt.Printf("prealloc %s %d %d %d\n", name, hint, h.B, prealloc(h, uintptr(mt.bucketsize)))
	}
}

type k12 [12]byte
type k128 [128]byte
type k129 [129]byte
type k200 [200]byte
type kfloat struct {
	a int32
	f float64
}

func main() {
	hints := []int{-1, 0, 1, 8, 9, 13, 14, 50}
	for b := 3; b <= 14; b++ {
		edge := (13 << b) / 2 // 6.5 * 2^b: the largest hint with initial B = b
		hints = append(hints, edge-7, edge, edge+1)
	}
	probe[int64, int64]("int64_int64", hints)
	probe[uint64, int64]("uint64_int64", hints)
	probe[int32, int32]("int32_int32", hints)
	probe[uint32, int64]("uint32_int64", hints)
	probe[string, int64]("string_int64", hints)
	probe[*int, int64]("ptr_int64", hints)
	probe[float64, int64]("float64_int64", hints)
	probe[float32, int32]("float32_int32", hints)
	probe[k12, int64]("k12_int64", hints)
	probe[kfloat, int64]("kfloat_int64", hints)
	probe[int64, struct{}]("int64_empty", hints)
	probe[int64, [128]byte]("int64_e128", hints)
	probe[int64, [129]byte]("int64_e129", hints)
	probe[int64, [200]byte]("int64_e200", hints)
	probe[int64, [1500]byte]("int64_e1500", hints)
	probe[int64, [5000]byte]("int64_e5000", hints)
	probe[k128, int64]("k128_int64", hints)
	probe[k129, int64]("k129_int64", hints)
	probe[k200, k200]("k200_e200", hints)
	probe[string, [200]byte]("string_e200", hints)
	probe[int32, [129]byte]("int32_e129", hints)
	probe[*int, [200]byte]("ptr_e200", hints)
}
