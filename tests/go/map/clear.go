// clear.go: what `for k := range m { delete(m, k) }` does in Go 1.19. The compiler turns the
// loop into one runtime.mapclear call only when the key type's == is reflexive (every key
// equals itself: not for floats, nor for structs holding one); otherwise the loop really
// iterates and deletes, and a NaN key, which no delete can find, stays. Its output is kept as
// clear.out and checked by tests/map_clear.c.
//
//	sh tests/go/map/regen.sh      (Go 1.19)
//
// Line: clear NAME LEN_BEFORE LEN_AFTER NAN_AFTER B_BEFORE B_AFTER OVF_BEFORE OVF_ZERO OVF_KEPT SEED_CHANGED
//
//	NAN_AFTER       keys left that are not equal to themselves
//	OVF_BEFORE      1 if the map had overflow buckets before the loop (hmap.noverflow > 0)
//	OVF_ZERO        1 if noverflow is 0 after it (mapclear resets it; deletes never do)
//	OVF_KEPT        1 if noverflow is unchanged
//	SEED_CHANGED    1 if hash0 changed (mapclear reseeds; a delete that empties the map too)
//
// Each map is made with hint 1664 (B 8) and filled to 1664 entries, so that it surely has
// overflow buckets whatever the hash seed.
package main

import (
	"fmt"
	"math"
)

type kfloat struct {
	a int32
	f float64
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

type snap struct {
	n     int
	B     uint8
	novf  uint16
	hash0 uint32
}

func take(m any, n int) snap {
	h := hdr(m)
	return snap{n, h.B, h.noverflow, h.hash0}
}

func report(name string, before, after snap, nan int) {
	fmt.Printf("clear %s %d %d %d %d %d %d %d %d %d\n", name, before.n, after.n, nan, before.B, after.B,
		b2i(before.novf > 0), b2i(after.novf == 0), b2i(after.novf == before.novf), b2i(after.hash0 != before.hash0))
}

const size = 1664

func int64Keys() {
	m := make(map[int64]int64, size)
	for i := int64(0); i < size; i++ {
		m[i*7919] = i
	}
	before := take(m, len(m))
	for k := range m {
		delete(m, k)
	}
	report("int64", before, take(m, len(m)), 0)
}

func float64Keys(name string, nans int) {
	m := make(map[float64]int64, size)
	m[0] = 1
	m[math.Copysign(0, -1)] = 2 // the same key as +0
	for i := 0; i < nans; i++ {
		m[math.NaN()] = int64(i)
	}
	for i := 1; len(m) < size; i++ {
		m[float64(i)*1.5] = int64(i)
	}
	before := take(m, len(m))
	for k := range m {
		delete(m, k)
	}
	nan := 0
	for k := range m {
		if k != k {
			nan++
		}
	}
	report(name, before, take(m, len(m)), nan)
}

func float32Keys() {
	m := make(map[float32]int32, size)
	m[float32(math.NaN())] = 1
	m[float32(math.NaN())] = 2
	for i := 1; len(m) < size; i++ {
		m[float32(i)*0.25] = int32(i)
	}
	before := take(m, len(m))
	for k := range m {
		delete(m, k)
	}
	nan := 0
	for k := range m {
		if k != k {
			nan++
		}
	}
	report("float32", before, take(m, len(m)), nan)
}

func structKeys() {
	m := make(map[kfloat]int64, size)
	for i := 0; i < 4; i++ {
		m[kfloat{int32(i), math.NaN()}] = 1
	}
	for i := 1; len(m) < size; i++ {
		m[kfloat{int32(i), float64(i)}] = int64(i)
	}
	before := take(m, len(m))
	for k := range m {
		delete(m, k)
	}
	nan := 0
	for k := range m {
		if k != k {
			nan++
		}
	}
	report("kfloat", before, take(m, len(m)), nan)
}

func main() {
	int64Keys()
	float64Keys("float64_nan", 3)
	float64Keys("float64", 0)
	float32Keys()
	structKeys()
}
