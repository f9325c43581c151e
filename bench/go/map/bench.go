// bench.go runs, on Go's own map, the workloads bench/map_bench.c runs on gort's: insert from
// empty (no hint), lookup hit, lookup miss and delete, with int64 and string keys, at 1e3, 1e5
// and 1e6 keys, and prints "WORKLOAD KEYTYPE N NS_PER_OP" (best of 3). Same keys, same shuffled
// order (the same LCG) as the C program. Built by bench/b_1_map.sh with GO111MODULE=off.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

var (
	ikeys []int64
	skeys []string
	order []uint32
	sink  int64
	im    map[int64]int64
	sm    map[string]int64
)

func lcg(s *uint64) uint64 {
	*s = *s*6364136223846793005 + 1442695040888963407
	return *s >> 33
}

func makeKeys(n int) {
	ikeys = make([]int64, 2*n)
	skeys = make([]string, 2*n)
	order = make([]uint32, n)
	for i := 0; i < 2*n; i++ {
		ikeys[i] = int64(uint64(i) * 0x9E3779B97F4A7C15)
		skeys[i] = fmt.Sprintf("key-%d", i)
	}
	for i := range order {
		order[i] = uint32(i)
	}
	s := uint64(42)
	for i := n - 1; i > 0; i-- {
		j := int(lcg(&s) % uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
}

func fill(str bool, n int) {
	if str {
		sm = make(map[string]int64)
		for i := 0; i < n; i++ {
			sm[skeys[i]] = int64(i)
		}
	} else {
		im = make(map[int64]int64)
		for i := 0; i < n; i++ {
			im[ikeys[i]] = int64(i)
		}
	}
}

func run(what string, str bool, n int) float64 {
	total := 2000000
	if n > total {
		total = n
	}
	best := 1e30
	for rep := 0; rep < 3; rep++ {
		var elapsed time.Duration
		ops := 0
		switch what {
		case "insert":
			for ops < total {
				t0 := time.Now()
				fill(str, n)
				elapsed += time.Since(t0)
				ops += n
			}
		case "delete":
			for ops < total {
				fill(str, n)
				t0 := time.Now()
				if str {
					for i := 0; i < n; i++ {
						delete(sm, skeys[order[i]])
					}
				} else {
					for i := 0; i < n; i++ {
						delete(im, ikeys[order[i]])
					}
				}
				elapsed += time.Since(t0)
				ops += n
			}
		default:
			fill(str, n)
			off := 0
			if what == "lookup_miss" {
				off = n
			}
			var acc int64
			t0 := time.Now()
			for ops < total {
				if str {
					for i := 0; i < n; i++ {
						acc += sm[skeys[int(order[i])+off]]
					}
				} else {
					for i := 0; i < n; i++ {
						acc += im[ikeys[int(order[i])+off]]
					}
				}
				ops += n
			}
			elapsed = time.Since(t0)
			sink += acc
		}
		ns := float64(elapsed.Nanoseconds()) / float64(ops)
		if ns < best {
			best = ns
		}
	}
	return best
}

// bench [WORKLOAD KEYTYPE N]: one row, or every row when run without arguments.
func main() {
	if len(os.Args) == 4 {
		n, err := strconv.Atoi(os.Args[3])
		if err != nil || n <= 0 {
			fmt.Fprintln(os.Stderr, "bench: usage: bench [WORKLOAD int64|string N]")
			os.Exit(2)
		}
		makeKeys(n)
		fmt.Printf("%s %s %d %.2f\n", os.Args[1], os.Args[2], n, run(os.Args[1], os.Args[2] == "string", n))
		return
	}
	makeKeys(1000000)
	for _, n := range []int{1000, 100000, 1000000} {
		for _, str := range []bool{false, true} {
			for _, w := range []string{"insert", "lookup_hit", "lookup_miss", "delete"} {
				kt := "int64"
				if str {
					kt = "string"
				}
				fmt.Printf("%s %s %d %.2f\n", w, kt, n, run(w, str, n))
			}
		}
	}
}
