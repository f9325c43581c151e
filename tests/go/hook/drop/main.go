// drop — full buffers in a Go program: maps made and dropped across many collections (events
// from the sweeper and the collector, which never wait for the recorder, beside the program's
// own), then the number of events the hook emitted, written to stderr with no event after it.
// tests/t_go_drop.sh checks that recorded + lost = that number, exactly.
//
// The count comes from runtime.gortEmittedTotal (gohook/runtime/gort_ring.go), reached with
// linkname; the empty .s file beside this one lets Go accept the body-less declaration.
package main

import (
	"runtime"
	"syscall"
	_ "unsafe"
)

//go:linkname gortEmittedTotal runtime.gortEmittedTotal
func gortEmittedTotal() uint64

var keep []map[int]int

func main() {
	var buf [24]byte
	for r := 0; r < 300; r++ {
		m := make(map[int]int)
		for i := 0; i < 300; i++ {
			m[i] = i
		}
		keep = append(keep, m)
		if len(keep) > 10 {
			keep = keep[1:]
		}
		if r%30 == 0 {
			runtime.GC()
		}
	}
	keep = nil
	runtime.GC() // returns once the sweep is done: no collector or sweeper event after it
	n := gortEmittedTotal()
	i := len(buf) - 1
	buf[i] = '\n'
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	syscall.Write(2, buf[i:])
	syscall.Exit(0) // os.Exit would run a deferred call (testlog) after the count
}
