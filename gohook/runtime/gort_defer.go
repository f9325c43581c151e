// gort_defer.go — the hooks of deferred calls, panics and goroutines: deferproc, deferreturn
// and deferreturn_end (how: 1 return, 2 panic, 3 goexit), panic, recover, goexit, fatal,
// gocreate, gostart, goend. Goroutine ids are Go's own (g.goid, main = 1).
//
// Defer ids. A defer record's id must survive from its registration (deferproc,
// deferprocStack) to the moment its call runs, but Go's _defer struct cannot grow: the
// compiler lays out stack-allocated records itself (ssagen's deferstruct mirrors
// runtime2.go). Two of its fields are unused by records that are not open-coded: varp and
// framepc (only runOpenDeferFrame and addOneOpenDeferFrame read them, for openDefer records).
// The hook stores the id in varp, tagged with bit 62 so that it can never look like a stack
// address (copystack adjusts varp when it points into the old stack), and in framepc the
// deferred call that was running when the record was registered: the context to restore when
// the call ends or a recover resumes the registering frame. Ids come from a per-M block of
// gortDeferBlock, taken from one global counter, so no two records share one.
//
// The running deferred call. g.gort.deferID is the deferred call running on the goroutine;
// every event carries it in its defer word, which is how `gort gaps` finds the map operations
// a deferred call made. deferreturn, gopanic and Goexit set it around each call.
//
// Open-coded defers (kept with `gort go build --open-defers`) run inline with no runtime
// call; only a panic or Goexit runs them through runOpenDeferFrame, where the hook emits
// their deferproc (late: the registration was not seen), deferreturn and deferreturn_end.

//go:build linux && amd64

package runtime

import (
	"runtime/internal/atomic"
	"unsafe"
)

const gortIDTag = 1 << 62 // marks a defer id stored in _defer.varp

// gortNewDeferID hands out a fresh defer id from the M's block.
//
//go:nosplit
func gortNewDeferID() uint64 {
	st := &getg().m.gort
	if st.deferNext == st.deferEnd {
		end := atomic.Xadd64(&gortState.deferIDs, gortDeferBlock)
		st.deferNext = end - gortDeferBlock + 1
		st.deferEnd = end + 1
	}
	id := st.deferNext
	st.deferNext++
	return id
}

// gortFuncName is the name id of the function fn runs, sending the name on first use.
func gortFuncName(fn func()) uint64 {
	if fn == nil {
		return 0
	}
	pc := **(**uintptr)(unsafe.Pointer(&fn))
	id, send := gortNameLookup(uint64(pc))
	if send {
		name := "?"
		if f := findfunc(pc); f.valid() {
			name = funcname(f)
		}
		gortEmitName(id, name)
	}
	return id
}

// gortUp is the frame pointer n frames up the chain from fp (0 if the chain ends first).
//
//go:nosplit
func gortUp(fp uintptr, n int) uintptr {
	gp := getg()
	for ; n > 0; n-- {
		if fp < gp.stack.lo || fp+16 > gp.stack.hi {
			return 0
		}
		fp = *(*uintptr)(unsafe.Pointer(fp))
	}
	return fp
}

// gortDepth counts the frames from fp up to the top of the goroutine's stack.
//
//go:nosplit
func gortDepth(fp uintptr) uint64 {
	gp := getg()
	n := uint64(0)
	for fp >= gp.stack.lo && fp+16 <= gp.stack.hi && fp&7 == 0 && n < 100000 {
		n++
		next := *(*uintptr)(unsafe.Pointer(fp))
		if next <= fp {
			break
		}
		fp = next
	}
	return n
}

// gortDeferproc: deferproc or deferprocStack registered d on the current goroutine.
//
//go:noinline
func gortDeferproc(d *_defer) {
	gortDeferprocEmit(d, gortFuncName(d.fn))
}

// gortDeferprocEmit gives d its id and context and emits deferproc: arg0 the registering
// function's frame depth, arg1 the deferred function's name id.
//
//go:nosplit
//go:noinline
func gortDeferprocEmit(d *_defer, name uint64) {
	gp := getg()
	id := gortNewDeferID()
	d.varp = uintptr(id | gortIDTag)
	d.framepc = uintptr(gp.gort.deferID)
	fp := gortFP()
	reg := gortUp(fp, 3) // over gortDeferproc and deferproc: the registering frame
	gortEmit(fp, 1, gortEv_deferproc, uint64(gp.goid), id, 0, gortDepth(reg), name, 0, true)
}

// gortDeferID is d's defer id (0 for a record registered while not tracing).
//
//go:nosplit
func gortDeferID(d *_defer) uint64 {
	if d.openDefer || uint64(d.varp)&gortIDTag == 0 {
		return 0
	}
	return uint64(d.varp) &^ gortIDTag
}

// gortDeferRun: the call of record id starts (how: 1 return, 2 panic, 3 goexit); it becomes
// the goroutine's running deferred call. Returns the start time for gortDeferEnd.
//
//go:nosplit
//go:noinline
func gortDeferRun(id uint64, how uint64) uint64 {
	gp := getg()
	t0 := gortNow()
	if id == 0 {
		return t0
	}
	gortEmit(gortFP(), 0, gortEv_deferreturn, uint64(gp.goid), id, 0, how, 0, 0, true)
	gp.gort.deferID = id
	return t0
}

// gortDeferEnd: the call of record id returned; ctx (the call running when id was registered)
// runs again.
//
//go:nosplit
//go:noinline
func gortDeferEnd(id, ctx, how, t0 uint64) {
	gp := getg()
	gp.gort.deferID = ctx
	if id == 0 {
		return
	}
	gortEmit(gortFP(), 0, gortEv_deferreturn_end, uint64(gp.goid), id, 0, how, 0, gortNow()-t0, true)
}

// gortOpenDefer: runOpenDeferFrame is about to call an open-coded deferred function fn, for a
// panic (p != nil) or Goexit (p.goexit). Emits its deferproc now (the registration ran inline)
// and returns its id and how it runs.
//
//go:noinline
func gortOpenDefer(fn func(), p *_panic) (uint64, uint64) {
	how := uint64(1)
	if p != nil {
		how = 2
		if p.goexit {
			how = 3
		}
	}
	return gortOpenDeferEmit(gortFuncName(fn)), how
}

// gortOpenDeferEmit emits the late deferproc of an open-coded call (frame depth 0: unknown).
//
//go:nosplit
//go:noinline
func gortOpenDeferEmit(name uint64) uint64 {
	gp := getg()
	id := gortNewDeferID()
	gortEmit(gortFP(), 1, gortEv_deferproc, uint64(gp.goid), id, 0, 0, name, 0, true)
	return id
}

// gortPanic: gopanic starts a panic on gp.
//
//go:nosplit
//go:noinline
func gortPanic(gp *g) {
	gp.gort.panics++
	gortEmit(gortFP(), 0, gortEv_panic, uint64(gp.goid), gp.gort.deferID, 0, gp.gort.panics, 0, 0, true)
}

// gortRecover: recover() returned; stopped says whether it stopped a panic.
//
//go:nosplit
//go:noinline
func gortRecover(stopped uint64) {
	gortEvent(gortFP(), 0, gortEv_recover, 0, stopped, 0, 0, true)
}

// gortGoexit: runtime.Goexit was called.
//
//go:nosplit
//go:noinline
func gortGoexit() {
	gortEvent(gortFP(), 0, gortEv_goexit, 0, 0, 0, 0, true)
}

// gortFatal: the process is about to die (why: 1 fatal error, 2 unrecovered panic). It runs
// on the system stack inside fatalthrow/fatalpanic (so it need not be nosplit there), in any
// context (a signal, locks held). It is the one event that waits for room wherever it is
// (not with --drop): nothing else will run, and the trace must say how the program ended.
//
//go:noinline
func gortFatal(why uint64) {
	goid, d := gortCurGoid()
	gortRecord(gortFP(), gortKW(gortEv_fatal, 0, false)|gortKWForce, gortNow(), goid, d, 0, why, 0, 0)
}

// gortGocreate: newproc1 (on g0) created newg for goroutine creator (nil: the runtime's start).
//
//go:nosplit
//go:noinline
func gortGocreate(newg, creator *g) {
	newg.gort = gortG{}
	goid, d := uint64(0), uint64(0)
	if creator != nil && creator != creator.m.g0 {
		goid, d = uint64(creator.goid), creator.gort.deferID
	}
	gortEmit(gortFP(), 0, gortEv_gocreate, goid, d, 0, uint64(newg.goid), 0, 0, false)
}

// gortGostart: execute (on g0) runs gp; its first run is its start.
//
//go:nosplit
//go:noinline
func gortGostart(gp *g) {
	if gp.gort.started {
		return
	}
	gp.gort.started = true
	gortEmit(0, 0, gortEv_gostart, uint64(gp.goid), 0, 0, 0, 0, 0, false)
}

// gortGoend: goexit1 ends the current goroutine.
//
//go:nosplit
//go:noinline
func gortGoend() {
	gortEvent(gortFP(), 0, gortEv_goend, 0, 0, 0, 0, true)
}
