// Command concurrent_writes is the Go twin of samples/concurrent_writes.c: two goroutines
// write one map without a lock. Go detects the overlap through the map's hashWriting flag and
// dies with "fatal error: concurrent map writes", goroutine traces and exit status 2; no
// deferred call runs. Detection is best effort, so a run that never overlaps prints
// "no overlap detected" and exits 0; with two cores writing 50M times each it always overlaps.
//
// Each writer calls wg.Done() at its end, as the C twin does, where the article writes
// `defer wg.Done()`: the deferred call would never run either way, and without it the two
// traces hold the same deferred calls (none).
package main

import (
	"fmt"
	"sync"
)

var m map[int64]int64

func main() {
	m = make(map[int64]int64)
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int64) {
			for i := int64(0); i < 50_000_000; i++ {
				m[i%1000] = g
			}
			wg.Done()
		}(int64(g))
	}
	wg.Wait()
	fmt.Println("no overlap detected")
}
