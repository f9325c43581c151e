// gcbench.go — the map workload of bench/b_2_gc.sh in Go 1.19, for comparison with
// bench/gc_bench.c doing the same with libgort: a ring of live maps; each iteration makes a
// map[int64]int64, inserts keys, deletes half of them and replaces the ring's oldest map.
// Run with GOGC=100 and GOGC=off; prints one line of figures (pauses per cycle summed like
// runtime/debug.GCStats.Pause, i.e. both stop-the-world pauses of a cycle).
//
//	usage: gcbench ITERATIONS RING KEYS
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"syscall"
	"time"
)

func main() {
	iters, _ := strconv.Atoi(os.Args[1])
	ringN, _ := strconv.Atoi(os.Args[2])
	keys, _ := strconv.Atoi(os.Args[3])
	ring := make([]map[int64]int64, ringN)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	sum := int64(0)
	for i := 0; i < iters; i++ {
		m := make(map[int64]int64)
		for k := 0; k < keys; k++ {
			m[int64(k)*7919+int64(i)] = int64(k)
		}
		for k := 0; k < keys; k += 2 {
			delete(m, int64(k)*7919+int64(i))
		}
		sum += int64(len(m))
		ring[i%ringN] = m
	}
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	var st debug.GCStats
	debug.ReadGCStats(&st)
	n := int(after.NumGC - before.NumGC)
	pauses := []time.Duration{}
	for i := 0; i < n && i < len(st.Pause); i++ {
		pauses = append(pauses, st.Pause[i])
	}
	sort.Slice(pauses, func(a, b int) bool { return pauses[a] < pauses[b] })
	med, max := time.Duration(0), time.Duration(0)
	if len(pauses) > 0 {
		med, max = pauses[len(pauses)/2], pauses[len(pauses)-1]
	}
	if sum != int64(iters*(keys/2)) {
		fmt.Println("wrong sum", sum)
		os.Exit(1)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("ns_per_iter=%.0f cycles=%d pause_median_us=%.1f pause_max_us=%.1f gc_cpu_pct=%.1f rss_mb=%d\n",
		float64(elapsed.Nanoseconds())/float64(iters), n,
		float64(med.Nanoseconds())/1e3, float64(max.Nanoseconds())/1e3, after.GCCPUFraction*100,
		ru.Maxrss/1024)
}
