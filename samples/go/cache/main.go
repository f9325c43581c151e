// Command cache is the Go twin of samples/cache.c: an expiring cache whose stale entries are
// removed by deferred deletes, served by several goroutines, each owning one shard (no locks,
// as Go code with per-worker state). Prints the hits, misses and expiries per shard, the C
// twin's figures exactly, and checks that no stale entry survived a request.
//
// Usage: cache [GOROUTINES [REQUESTS_PER_GOROUTINE]]   (defaults 4 and 200000)
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

const (
	nkeys = 5000
	ttl   = 3000
	maxG  = 16
)

var keys [nkeys]string

type shard struct {
	m                                          map[string]int64 // key -> expiry tick
	requests, hits, misses, expired, staleSeen int64
	seed                                       uint64
}

func makeKeys() {
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
}

// get is one request: a hit, a miss that fills the entry, or an expired entry deleted on the
// way out.
func (s *shard) get(key string, now int64) bool {
	exp, ok := s.m[key]
	if ok && exp <= now {
		defer delete(s.m, key) // drop the stale entry once this request is answered
		s.expired++
		return false
	}
	if !ok {
		s.m[key] = now + ttl
		s.misses++
		return false
	}
	s.hits++
	return true
}

func (s *shard) serve(wg *sync.WaitGroup) {
	for now := int64(0); now < s.requests; now++ {
		s.seed ^= s.seed << 13
		s.seed ^= s.seed >> 7
		s.seed ^= s.seed << 17
		key := keys[s.seed%nkeys]
		s.get(key, now)
		if exp, ok := s.m[key]; ok && exp <= now {
			s.staleSeen++ // the deferred delete must have removed it
		}
	}
	wg.Done()
}

// arg is argv[i] as C's atoll reads it here (0 when not a number), or dflt when absent.
func arg(i int, dflt int64) int64 {
	if len(os.Args) <= i {
		return dflt
	}
	n, _ := strconv.ParseInt(os.Args[i], 10, 64)
	return n
}

func main() {
	ng, requests := arg(1, 4), arg(2, 200000)
	if ng < 1 || ng > maxG || requests < 1 {
		fmt.Fprintf(os.Stderr, "usage: cache [GOROUTINES 1..%d [REQUESTS_PER_GOROUTINE]]\n", maxG)
		os.Exit(2)
	}
	makeKeys()
	var wg sync.WaitGroup
	shards := make([]*shard, ng)
	for g := range shards {
		shards[g] = &shard{m: make(map[string]int64), requests: requests,
			seed: 0x2545F4914F6CDD1D * uint64(g+1)}
		wg.Add(1)
		go shards[g].serve(&wg)
	}
	wg.Wait()
	stale := int64(0)
	for g, s := range shards {
		fmt.Printf("shard %d: hits %d misses %d expired %d entries %d\n", g, s.hits, s.misses,
			s.expired, len(s.m))
		stale += s.staleSeen
	}
	fmt.Printf("stale entries seen after a request: %d\n", stale)
	if stale != 0 {
		os.Exit(1)
	}
}
