// The Go side of bench/b_5_go.sh: map events from a real Go program, built with `gort go
// build`, to measure the hook's cost and the recorder's pace with it.
//
//	burst N B   N map updates (m[k] = v on present keys: one mapassign event each, no
//	            growth, no allocation) in bursts of B, 5 ms apart so the recorder drains the
//	            ring between bursts (as bench/tracer_probe does for libgort's probe); prints
//	            the median and best burst in ns per update: the hook's own cost, not the
//	            recorder's pace
//	emit N      N/2 insert+delete pairs as fast as it can (N events): prints nothing; the
//	            recorder's meta says how long it took
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"
)

var sink int

func burst(n, b int) {
	m := make(map[int]int, 64)
	for i := 0; i < 64; i++ {
		m[i] = i
	}
	var per []float64
	for done := 0; done < n; done += b {
		t0 := time.Now()
		for i := 0; i < b; i++ {
			m[i&63] = i
		}
		per = append(per, float64(time.Since(t0).Nanoseconds())/float64(b))
		time.Sleep(5 * time.Millisecond)
	}
	sort.Float64s(per)
	fmt.Printf("burst_median_ns %.2f\nburst_best_ns %.2f\n", per[len(per)/2], per[0])
	sink = len(m)
}

func emit(n int) {
	m := make(map[int]int)
	for i := 0; i < n/2; i++ {
		m[i] = i
		delete(m, i)
	}
	sink = len(m)
}

func main() {
	n, _ := strconv.Atoi(os.Args[2])
	switch os.Args[1] {
	case "burst":
		b, _ := strconv.Atoi(os.Args[3])
		burst(n, b)
	case "emit":
		emit(n)
	}
}
