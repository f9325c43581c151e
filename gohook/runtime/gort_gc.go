// gort_gc.go — the collector's hooks, named after Go's runtime/trace events and numbered as
// libgort's: gc_start (cycle, trigger), stw_start / stw_end (1 sweep termination, 0 mark
// termination; stw_end's duration is the pause), gc_mark_start, gc_mark_termination,
// gc_sweep_start, gc_sweep_done (objects and bytes the sweep freed) and gc_end (heap live at
// the cycle's start and marked live at its end; the map word is the number of maps freed).
//
// Where they are in Go's cycle (mgc.go):
//   - stw_start(1) just before gcStart stops the world; gc_start after the stop, once
//     finishsweep_m has swept what was left of the previous cycle (so every free of that
//     cycle comes before this cycle's gc_start) and work.cycles counts the new cycle;
//     stw_end(1) when the world restarts for the concurrent mark.
//   - gc_mark_start and gc_mark_termination where setGCPhase enters _GCmark and
//     _GCmarktermination; stw_start(0) before gcMarkDone stops the world for mark
//     termination (and stw_end(0) if it has to restart the mark), stw_end(0) when
//     gcMarkTermination restarts it.
//   - gc_sweep_start in gcSweep (the world still stopped); gc_sweep_done and gc_end when the
//     last sweeper finishes the cycle's spans (activeSweep.end) — lazily, as Go sweeps: in the
//     background sweeper, on allocation, or at the latest when the next cycle starts. A
//     program may exit before its last cycle's sweep is done.
//
// All of these run inside the collector, with the world stopped or locks held: they never
// wait for the recorder (a full ring drops and counts them), and carry no goroutine.

//go:build linux && amd64

package runtime

import "runtime/internal/atomic"

// The sweep in progress: objects and bytes freed so far, and the heap figures of its cycle.
var gortSweep struct {
	objects, bytes uint64
	heap0, heap2   uint64
}

// gortGC emits a collector event (no goroutine, no waiting). skip: frames to the hook site.
//
//go:nosplit
func gortGC(fp uintptr, kind uint32, mapw, a0, a1, dur uint64) {
	gortEmit(fp, 0, kind, 0, 0, mapw, a0, a1, dur, false)
}

// gortGCStart: gcStart stopped the world and counts cycle n (trigger: Go's gcTriggerKind).
//
//go:nosplit
//go:noinline
func gortGCStart(n uint32, trigger gcTriggerKind) {
	why := uint64(2) // forced: runtime.GC, or the 2-minute periodic GC
	if trigger == gcTriggerHeap {
		why = 1
	}
	gortGC(gortFP(), gortEv_gc_start, 0, uint64(n), why, 0)
}

// gortSTWStart: the world is about to stop (reason 1: sweep termination, 0: mark termination).
//
//go:nosplit
//go:noinline
func gortSTWStart(reason uint64) {
	gortGC(gortFP(), gortEv_stw_start, 0, reason, 0, 0)
}

// gortSTWEnd: the world restarted after a pause that began at nanotime() start.
//
//go:nosplit
//go:noinline
func gortSTWEnd(reason uint64, start int64) {
	gortGC(gortFP(), gortEv_stw_end, 0, reason, 0, uint64(nanotime()-start))
}

// gortGCPhase: setGCPhase entered phase x.
//
//go:nosplit
//go:noinline
func gortGCPhase(x uint32) {
	switch x {
	case _GCmark:
		gortGC(gortFP(), gortEv_gc_mark_start, 0, uint64(work.cycles), 0, 0)
	case _GCmarktermination:
		gortGC(gortFP(), gortEv_gc_mark_termination, 0, uint64(work.cycles), 0, 0)
	}
}

// gortSweepStart: gcSweep starts the sweep of cycle work.cycles (world stopped).
//
//go:nosplit
//go:noinline
func gortSweepStart() {
	gortSweep.objects, gortSweep.bytes = 0, 0
	gortSweep.heap0, gortSweep.heap2 = work.heap0, work.heap2
	atomic.Store64(&gortMapsFreed, 0)
	gortGC(gortFP(), gortEv_gc_sweep_start, 0, uint64(work.cycles), 0, 0)
}

// gortSwept: the sweeper freed n objects of size bytes each from one span.
//
//go:nosplit
func gortSwept(n, size uintptr) {
	if n != 0 {
		atomic.Xadd64(&gortSweep.objects, int64(n))
		atomic.Xadd64(&gortSweep.bytes, int64(n*size))
	}
}

// gortSweepDone: the last sweeper finished the cycle's spans.
//
//go:nosplit
//go:noinline
func gortSweepDone() {
	fp := gortFP()
	gortGC(fp, gortEv_gc_sweep_done, 0, atomic.Load64(&gortSweep.objects), atomic.Load64(&gortSweep.bytes), 0)
	gortGC(fp, gortEv_gc_end, atomic.Load64(&gortMapsFreed), gortSweep.heap0, gortSweep.heap2, 0)
}
