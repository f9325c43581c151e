// Command wordfreq is the Go twin of samples/wordfreq.c: a realistic map-heavy program, word
// frequencies over a generated corpus. Several goroutines each count their share of the
// documents into their own map, through a short-lived map per document (garbage for the
// collector), and main merges the results. The corpus, the counts and the output are the C
// twin's, word for word.
//
// One difference is Go's own: the per-document map and the merged map do not escape their
// function, so the compiler keeps their hmap in the goroutine's stack frame (their buckets are
// still heap garbage), where the C twin's maps are heap objects the collector frees. A trace
// of this program shows those maps dying with their frame, not in a GC cycle.
//
// Usage: wordfreq [GOROUTINES [DOCS_PER_GOROUTINE]]   (defaults 4 and 400)
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

const (
	vocabSize = 4000
	docWords  = 300
	maxG      = 16
)

var vocab [vocabSize]string

// makeVocab builds vocabSize distinct pronounceable words, the same on every run.
func makeVocab() {
	syl := [...]string{"ka", "lo", "mi", "re", "tu", "sa", "ne", "po", "vi", "da",
		"go", "ru", "fe", "zi", "ba", "sho"}
	for i := range vocab {
		w := ""
		for n := i; ; n /= 16 {
			w += syl[n%16]
			if n/16 == 0 {
				break
			}
		}
		vocab[i] = w
	}
}

// nextRand is xorshift64: a reproducible word stream per goroutine.
func nextRand(s *uint64) uint64 {
	*s ^= *s << 13
	*s ^= *s >> 7
	*s ^= *s << 17
	return *s
}

// pickWord is a Zipf-like pick: small indexes are far more frequent, like words in text.
func pickWord(s *uint64) int {
	u := float64(nextRand(s)>>11) / float64(uint64(1)<<53)
	return int(float64(vocabSize)*u*u*u) % vocabSize
}

type worker struct {
	total map[string]int // word -> count: the goroutine's result
	docs  int
	seed  uint64
}

// countDoc counts one document into w.total through a per-document map.
func (w *worker) countDoc(seed *uint64) {
	seen := make(map[string]int) // one map per document: dropped after the merge
	for i := 0; i < docWords; i++ {
		seen[vocab[pickWord(seed)]]++
	}
	for word, n := range seen {
		w.total[word] += n
	}
}

func (w *worker) count(wg *sync.WaitGroup) {
	seed := w.seed
	for d := 0; d < w.docs; d++ {
		w.countDoc(&seed)
	}
	wg.Done()
}

// arg is argv[i] as C's atoi reads it here (0 when not a number), or dflt when absent.
func arg(i, dflt int) int {
	if len(os.Args) <= i {
		return dflt
	}
	n, _ := strconv.Atoi(os.Args[i])
	return n
}

func main() {
	ng, docs := arg(1, 4), arg(2, 400)
	if ng < 1 || ng > maxG || docs < 1 {
		fmt.Fprintf(os.Stderr, "usage: wordfreq [GOROUTINES 1..%d [DOCS_PER_GOROUTINE]]\n", maxG)
		os.Exit(2)
	}
	makeVocab()
	var wg sync.WaitGroup
	workers := make([]*worker, ng)
	for g := range workers {
		workers[g] = &worker{total: make(map[string]int), docs: docs,
			seed: 0x9E3779B97F4A7C15 * uint64(g+1)}
		wg.Add(1)
		go workers[g].count(&wg)
	}
	wg.Wait()
	merged := make(map[string]int)
	words := 0
	for _, w := range workers {
		for word, n := range w.total {
			merged[word] += n
			words += n
		}
	}
	fmt.Printf("words %d, distinct %d\n", words, len(merged))
	for _, word := range vocab[:3] {
		fmt.Println(word, merged[word])
	}
	if words != ng*docs*docWords {
		os.Exit(1)
	}
}
