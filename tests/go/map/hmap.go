// hmap.go: Go 1.19's map header as the map oracles (shape.go, types.go, clear.go) read it
// with unsafe. Not a program of its own: regen.sh builds each oracle together with this file.
//
// The layouts mirror runtime/map.go's hmap and mapextra on amd64; a Go whose layout differs
// makes the oracles print nonsense, which is why regen.sh prints `go version` first.
package main

import "unsafe"

type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	extra      *mapextra
}

type mapextra struct {
	overflow     unsafe.Pointer
	oldoverflow  unsafe.Pointer
	nextOverflow unsafe.Pointer
}

// hdr returns the hmap of a map value (a map is one pointer: the interface's data word).
func hdr(m any) *hmap {
	return (*hmap)((*[2]unsafe.Pointer)(unsafe.Pointer(&m))[1])
}

// prealloc counts the preallocated overflow buckets still free: they are contiguous from
// extra.nextOverflow, and the last one's overflow pointer (its final word) is non-nil.
func prealloc(h *hmap, bucketsize uintptr) int {
	if h.extra == nil || h.extra.nextOverflow == nil {
		return 0
	}
	n := 1
	for p := h.extra.nextOverflow; *(*unsafe.Pointer)(unsafe.Add(p, bucketsize-8)) == nil; p = unsafe.Add(p, bucketsize) {
		n++
	}
	return n
}
