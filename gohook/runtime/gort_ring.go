// gort_ring.go — the producer's path to `gort record`, inside Go's own runtime: per-M rings in
// memory shared with the recorder, the trace clock, records and call stacks.
//
// This file and its gort_*.go siblings are added to package runtime by `gort go build` with
// `go build -overlay` (GOROOT is never written). They speak the record format of
// format/gort_record.h (docs/record-format.md), the same as libgort's runtime/trace.c: the
// constants and field offsets they use are generated from that header into gort_format.go at
// build time, so the format is defined once.
//
// Rings. Each M (an OS thread running Go code) claims a FREE ring of the region with one
// compare-and-swap on its first event and owns it until mexit retires it: it is the ring's
// only writer, the recorder its only reader. A record is 8 words (time, kind, goroutine,
// defer, map, two arguments, duration) and the raw return addresses of its stack. The words
// are written at head, head+1, ... (modulo the power-of-two ring) and published by storing
// head + n. On amd64 a plain store is a release (TSO), and gortStoreRel is an assembly call
// the compiler cannot move other stores across; Go's own atomic.Store64 would be an XCHG.
//
// Why per-M state is safe. The state lives in the M (m.gort) and every function that touches
// it is nosplit and calls nothing that can grow the stack or be preempted: no stack check,
// no preemption, so the goroutine cannot move to another M halfway through a record. Signal
// handlers run on the same M; the busy flag keeps a handler that emits (a fatal signal) from
// writing into a record being built — that event is counted lost (header unringed_lost).
//
// Where a hook may wait. By default a producer waits for room when its ring is full (nothing
// is lost). A hook may wait only when the M holds no runtime lock (m.locks == 0), is not in a
// no-preemption region (m.preemptoff), is not allocating (m.mallocing), runs on the user
// goroutine (not g0 or the signal stack) and the hook site allows it (GC hooks never do: they
// run with the world stopped or inside the collector). Anywhere else a full ring drops the
// event and counts it exactly as --drop does: the ring's lost_total and its pending run, which
// becomes a `lost` record ahead of the next event that fits. So recorded + lost = emitted.
//
// Nothing here allocates, takes a lock, or calls libc: the clock is RDTSC (or the vDSO
// clock Go's nanotime uses), waiting is osyield/usleep (raw system calls), and the stack is
// walked through Go's frame pointers (amd64 keeps them), bounded by the goroutine's stack.

//go:build linux && amd64

package runtime

import (
	"runtime/internal/atomic"
	"runtime/internal/syscall"
	"unsafe"
)

// gortOn is what every hook site tests: one load and a never-taken branch when untraced.
var gortOn bool

// gortState is the attached region and what the producer copied out of its header.
var gortState struct {
	hdr        uintptr // the mapped region (header first), 0 when untraced
	size       uintptr
	ringOffset uintptr
	ringStride uintptr
	nrings     uint32
	ringWords  uint64
	depth      uint32 // frames per record, 0 = no stacks
	clock      uint32
	tsc0       uint64
	mult       uint64
	shift      uint32
	mono0      int64
	drop       bool
	orphaned   bool  // the recorder died: no record is written any more, every event is lost
	recorder   int32
	lifeFd     int32 // the recorder's life pipe (header life_fd), -1 none
	deferIDs   uint64 // defer ids handed out so far (in blocks of gortDeferBlock)
}

// gortM is the per-M producer state (field m.gort; uintptr and integers only, so no write
// barriers).
type gortM struct {
	ring      uintptr // control block of the owned ring, 0 before the M's first event
	words     uintptr // the ring's record words
	mask      uint64
	head      uint64 // our copy of ring.head (we are its only writer)
	tailSeen  uint64 // the last tail read: free space is at least ring_words - (head - tailSeen)
	lastTS    uint64 // timestamps never decrease on one M
	busy      uint32 // inside gortEmit
	pending   bool   // the ring has a lost run not yet written as a record
	deferNext uint64 // this M's block of defer ids: next to hand out, end of block
	deferEnd  uint64
	emitted   uint64 // events this M emitted: recorded or counted lost (gortEmittedTotal)
	stallFrom uint64 // the last wait for room, on the trace clock (a recorder_stall record)
	stallTo   uint64
}

// gortRetiredEmitted adds up the emitted counts of Ms that exited.
var gortRetiredEmitted uint64

// gortEmittedTotal is the number of events the program emitted so far, recorded or lost (not
// names): what recorded + events_lost must equal. For tests, which reach it with linkname.
func gortEmittedTotal() uint64 {
	n := atomic.Load64(&gortRetiredEmitted)
	for mp := (*m)(atomic.Loadp(unsafe.Pointer(&allm))); mp != nil; mp = mp.alllink {
		n += atomic.Load64(&mp.gort.emitted)
	}
	return n
}

// gortG is the per-goroutine state (field g.gort).
type gortG struct {
	deferID   uint64 // the deferred call running on this goroutine, 0 none
	panics    uint64 // panics started by this goroutine (the panic event's sequence number)
	started   bool   // gostart emitted
	stackMaps bool   // a map of this goroutine lives in its stack (mapstack emitted)
}

const (
	gortMaxDepth          = 128
	gortMadvPopulateWrite = 23
	gortPrefault          = 256 << 10
	gortMapShared         = 1
	gortDeferBlock        = 1024
	gortSysGetppid        = 110
	gortSysPoll           = 7
	gortFutexWait         = 0 // not private: the recorder is another process
	gortFutexWake         = 1
)

// gortHdrU64 and friends address a header field by its offset (gort_format.go).
//
//go:nosplit
func gortHdrU64(off uintptr) *uint64 { return (*uint64)(unsafe.Pointer(gortState.hdr + off)) }

//go:nosplit
func gortHdrU32(off uintptr) *uint32 { return (*uint32)(unsafe.Pointer(gortState.hdr + off)) }

//go:nosplit
func gortRingU64(r, off uintptr) *uint64 { return (*uint64)(unsafe.Pointer(r + off)) }

// gortRingAt is the control block of ring i.
//
//go:nosplit
func gortRingAt(i uint32) uintptr {
	return gortState.hdr + gortState.ringOffset + uintptr(i)*gortState.ringStride
}

// gortNow is the trace clock: ns since the trace started, on the clock the recorder chose.
//
//go:nosplit
func gortNow() uint64 {
	if gortState.clock == gortClockTSC {
		return gortTSCNs(gortState.tsc0, gortState.mult, gortState.shift)
	}
	d := nanotime() - gortState.mono0
	if d < 0 {
		return 0
	}
	return uint64(d)
}

// gortStamp is a timestamp that never goes back on this M.
//
//go:nosplit
func gortStamp(st *gortM) uint64 {
	ts := gortNow()
	if ts < st.lastTS {
		ts = st.lastTS
	}
	st.lastTS = ts
	return ts
}

// gortPut stores word v at position pos of the ring (not yet published).
//
//go:nosplit
func gortPut(st *gortM, pos, v uint64) {
	*(*uint64)(unsafe.Pointer(st.words + uintptr(pos&st.mask)*8)) = v
}

// gortCanWait says whether the running code may wait for the recorder: no runtime lock, no
// preemption-off region, no allocation in progress, on the user goroutine.
//
//go:nosplit
func gortCanWait(mp *m) bool {
	return mp.locks == 0 && mp.preemptoff == "" && mp.mallocing == 0 && mp.dying == 0 &&
		getg() == mp.curg
}

// gortPrefaultRing maps the first gortPrefault bytes of a claimed ring in at once, so the
// M's first events take no page fault (the rest faults in on use).
//
//go:nosplit
func gortPrefaultRing(words uintptr) {
	n := uintptr(gortState.ringWords) * 8
	if n > gortPrefault {
		n = gortPrefault
	}
	page := words &^ 4095
	if madvise(unsafe.Pointer(page), n+(words-page), gortMadvPopulateWrite) == 0 {
		return
	}
	for off := uintptr(0); off < n; off += 4096 { // older kernels: touch each page
		*(*uint8)(unsafe.Pointer(words + off)) = 0
	}
}

// gortTryClaim claims a FREE ring for this M. False when every ring is owned.
//
//go:nosplit
func gortTryClaim(st *gortM) bool {
	for i := uint32(0); i < gortState.nrings; i++ {
		r := gortRingAt(i)
		state := (*uint32)(unsafe.Pointer(r + gortRing_state))
		if atomic.Load(state) != gortRingFree || !atomic.Cas(state, gortRingFree, gortRingOwned) {
			continue
		}
		*(*int32)(unsafe.Pointer(r + gortRing_tid)) = int32(gettid())
		used := gortHdrU32(gortHdr_rings_used)
		for {
			u := atomic.Load(used)
			if u >= i+1 || atomic.Cas(used, u, i+1) {
				break
			}
		}
		words := r + gortRingSize
		gortPrefaultRing(words)
		st.words = words
		st.mask = gortState.ringWords - 1
		st.head = atomic.Load64(gortRingU64(r, gortRing_head))
		st.tailSeen = atomic.Load64(gortRingU64(r, gortRing_tail))
		st.pending = false
		st.ring = r
		return true
	}
	return false
}

// gortClaim claims a ring, waiting up to 10 ms for one to be recycled when allowed to wait.
//
//go:nosplit
func gortClaim(st *gortM, wait bool) bool {
	for tries := 0; ; tries++ {
		if gortTryClaim(st) {
			return true
		}
		if !wait || tries >= 100 {
			return false
		}
		usleep(100)
	}
}

// gortRetire gives mp's ring back to the recorder at thread exit (mexit).
//
//go:nosplit
func gortRetire(mp *m) {
	st := &mp.gort
	atomic.Xadd64(&gortRetiredEmitted, int64(atomic.Load64(&st.emitted)))
	atomic.Store64(&st.emitted, 0)
	if st.ring == 0 {
		return
	}
	r := st.ring
	st.ring = 0
	atomic.Store((*uint32)(unsafe.Pointer(r+gortRing_state)), gortRingRetired)
}

// gortHasRoom says whether need words fit in the ring now (reloading tail only when the
// cached value says no).
//
//go:nosplit
func gortHasRoom(st *gortM, need uint64) bool {
	if st.head+need-st.tailSeen <= gortState.ringWords {
		return true
	}
	st.tailSeen = atomic.Load64(gortRingU64(st.ring, gortRing_tail))
	return st.head+need-st.tailSeen <= gortState.ringWords
}

// gortWaitRoom waits until need words fit, as libgort does (docs/record-format.md): it wakes
// the recorder's drain through the header's futex word, yields 64 times, then sleeps on the
// low half of the ring's tail as a futex word (the recorder wakes it when it frees a full
// ring), a millisecond at a time, waking the drain again now and then. The wait's start and
// end go to st.stallFrom/stallTo (a recorder_stall record follows the record that waited).
// False when the recorder is gone: the program is then orphaned (gortOrphan).
//
//go:nosplit
func gortWaitRoom(st *gortM, need uint64) bool {
	if gortState.orphaned {
		return false
	}
	atomic.Xadd64(gortRingU64(st.ring, gortRing_waits), 1)
	st.stallFrom = gortNow()
	gortWakeDrain()
	for spins := 0; !gortHasRoom(st, need); spins++ {
		if spins < 64 {
			osyield()
			continue
		}
		if gortRecorderGoneNow() {
			return gortOrphan(st.stallFrom)
		}
		if spins&63 == 0 {
			gortWakeDrain()
		}
		var ts timespec
		ts.setNsec(1000000)
		futex(unsafe.Pointer(gortRingU64(st.ring, gortRing_tail)), gortFutexWait, uint32(st.tailSeen), unsafe.Pointer(&ts), nil, 0)
	}
	st.stallTo = gortNow()
	return true
}

// gortWakeDrain wakes the recorder's drain, which sleeps on the header's futex word.
//
//go:nosplit
func gortWakeDrain() {
	w := gortHdrU32(gortHdr_drain_wake)
	atomic.Xadd(w, 1)
	futex(unsafe.Pointer(w), gortFutexWake, 1, nil, nil, 0)
}

// gortOrphan: the recorder is gone (found at trace time now). From now on no M waits and no
// record is written where no one would read it; every event is counted lost in its ring's
// counters (as with --drop), which `gort record --recover` reads from the region. Returns
// false.
//
//go:nosplit
func gortOrphan(now uint64) bool {
	if !gortState.orphaned {
		gortState.orphaned = true
		gortState.drop = true
		atomic.Cas64(gortHdrU64(gortHdr_orphaned_ns), 0, now|1)
	}
	return false
}

// gortRecorderGoneNow is gortRecorderGone for a nosplit caller: the M is held (acquirem), so
// the call's stack check cannot move the goroutine to another M in the middle of a record.
//
//go:nosplit
func gortRecorderGoneNow() bool {
	mp := acquirem()
	gone := gortRecorderGone()
	releasem(mp)
	return gone
}

// gortRecorderGone says whether the recorder that started the program has died: the write
// end of its life pipe, which only it held, is closed (the read end polls readable). Without
// the pipe (an older recorder, or a program that closed the descriptor), whether the program
// was re-parented.
func gortRecorderGone() bool {
	fd := gortState.lifeFd
	var st [144]byte // struct stat: st_mode at offset 24
	if fd < 0 {
		return gortGetppid() != gortState.recorder
	}
	if _, _, e := syscall.Syscall6(gortSysFstat, uintptr(fd), uintptr(unsafe.Pointer(&st[0])), 0, 0, 0, 0); e != 0 ||
		*(*uint32)(unsafe.Pointer(&st[24]))&0170000 != 0010000 { // not a FIFO any more
		return gortGetppid() != gortState.recorder
	}
	pfd := [2]int32{fd, 1} // struct pollfd: fd, events POLLIN, revents 0
	n, _, _ := syscall.Syscall6(gortSysPoll, uintptr(unsafe.Pointer(&pfd[0])), 1, 0, 0, 0, 0)
	return int64(n) > 0 && pfd[1]>>16&0x20 == 0 // POLLNVAL (0x20) in revents: not ours
}

// gortCountLost counts one dropped event at ts in the ring's total and pending run.
//
//go:nosplit
func gortCountLost(st *gortM, ts uint64) {
	r := st.ring
	pending := atomic.Load64(gortRingU64(r, gortRing_lost_pending))
	if pending == 0 {
		*gortRingU64(r, gortRing_lost_first_ns) = ts
	}
	*gortRingU64(r, gortRing_lost_last_ns) = ts
	// The count last: a run's times are valid whenever its count says it exists.
	gortStoreRel(gortRingU64(r, gortRing_lost_pending), pending+1)
	atomic.Xadd64(gortRingU64(r, gortRing_lost_total), 1)
	st.pending = true
}

// gortLostRecord writes the pending run's `lost` record at the ring's head; returns its size.
//
//go:nosplit
func gortLostRecord(st *gortM) uint64 {
	r := st.ring
	first := *gortRingU64(r, gortRing_lost_first_ns)
	last := *gortRingU64(r, gortRing_lost_last_ns)
	h := st.head
	gortPut(st, h+gortW_TS, first)
	gortPut(st, h+gortW_INFO, gortEv_lost)
	gortPut(st, h+gortW_GOID, 0)
	gortPut(st, h+gortW_DEFER, 0)
	gortPut(st, h+gortW_MAP, 0)
	gortPut(st, h+gortW_ARG0, atomic.Load64(gortRingU64(r, gortRing_lost_pending)))
	gortPut(st, h+gortW_ARG1, 0)
	gortPut(st, h+gortW_DUR, last-first)
	*gortRingU64(r, gortRing_lost_pending) = 0
	st.pending = false
	return gortW_COUNT
}

// gortUnringed counts an event that found no ring (or a busy M) in the header.
//
//go:nosplit
func gortUnringed() {
	atomic.Xadd64(gortHdrU64(gortHdr_unringed_lost), 1)
}

// gortWalk writes up to max return addresses to the ring from position pos, walking the
// frame-pointer chain from fp after skipping `skip` frames. The walk stays inside the running
// goroutine's stack, may cross once into the user goroutine's stack (a hook on g0 under
// systemstack), and stops at a null or non-increasing frame pointer. Returns frames written.
//
//go:nosplit
func gortWalk(st *gortM, fp uintptr, skip int, pos uint64, max uint32) uint64 {
	gp := getg()
	lo, hi := gp.stack.lo, gp.stack.hi
	crossed := false
	n := uint64(0)
	for n < uint64(max) {
		if fp < lo || fp+16 > hi || fp&7 != 0 {
			cg := gp.m.curg
			if crossed || cg == nil || cg == gp || fp < cg.stack.lo || fp+16 > cg.stack.hi || fp&7 != 0 {
				break
			}
			lo, hi = cg.stack.lo, cg.stack.hi
			crossed = true
		}
		ret := *(*uintptr)(unsafe.Pointer(fp + 8))
		next := *(*uintptr)(unsafe.Pointer(fp))
		if ret == 0 {
			break
		}
		if skip > 0 {
			skip--
		} else {
			gortPut(st, pos+n, uint64(ret))
			n++
		}
		if next <= fp && next >= lo && next < hi {
			break // a frame pointer that does not go up its own stack: stop
		}
		fp = next
	}
	return n
}

// gortEmit writes one record for this M and publishes it, stamped now. fp and skip say where
// its stack starts (fp 0: no stack): the frame-pointer chain from fp, less `skip` frames.
// mayWait: the hook site allows waiting on a full ring (gortCanWait decides the rest).
//
//go:nosplit
func gortEmit(fp uintptr, skip int, kind uint32, goid, deferID, mapw, a0, a1, dur uint64, mayWait bool) {
	gortRecord(fp, gortKW(kind, skip, mayWait), gortNow(), goid, deferID, mapw, a0, a1, dur)
}

// gortKW packs a record's kind, the frames to skip and whether it may wait into one word. A
// map kind's record says its map word is an address (GORT_F_ADDR, in the INFO word's flags):
// the recorder numbers the maps.
//
//go:nosplit
func gortKW(kind uint32, skip int, mayWait bool) uint64 {
	kw := uint64(kind) | uint64(skip)<<40
	if mayWait {
		kw |= gortKWWait
	}
	if kind >= gortEv_makemap && kind <= gortEv_mapstack {
		kw |= gortKWAddr
	}
	return kw
}

const (
	gortKWWait  = 1 << 32          // the site allows waiting where gortCanWait agrees
	gortKWForce = 1 << 33          // wait for room in any context (not with --drop): dying
	gortKWAddr  = gortF_ADDR << 32 // the INFO word's GORT_F_ADDR flag, where it goes
	gortKWInfo  = 0xffff | gortKWAddr // what of kw goes into the INFO word as it is
)

// gortRecord is gortEmit with the time already read (ts: gortNow) and kind, skip and mayWait
// packed by gortKW: nine words, all in registers. Its usual path — no stack to walk, room in
// the ring without wrapping, nothing pending — calls nothing until the record is stored, so
// its arguments are never spilled; anything else goes to gortRecordSlow. Promises: the record
// is committed whole, or counted lost.
//
//go:nosplit
func gortRecord(fp uintptr, kw uint64, ts, goid, deferID, mapw, a0, a1, dur uint64) {
	st := &getg().m.gort
	h := st.head
	if fp != 0 && gortState.depth != 0 || st.busy != 0 || st.ring == 0 || st.pending || gortState.orphaned ||
		h&st.mask+gortW_COUNT > gortState.ringWords || h+gortW_COUNT-st.tailSeen > gortState.ringWords {
		gortRecordSlow(fp, kw, ts, goid, deferID, mapw, a0, a1, dur)
		return
	}
	st.emitted++ // only this M writes it; gortEmittedTotal reads the aligned word as it is
	st.busy = 1
	if ts < st.lastTS { // timestamps never go back on one M
		ts = st.lastTS
	}
	st.lastTS = ts
	w := (*[gortW_COUNT]uint64)(unsafe.Pointer(st.words + uintptr(h&st.mask)*8))
	w[gortW_TS], w[gortW_INFO], w[gortW_GOID], w[gortW_DEFER] = ts, kw&gortKWInfo, goid, deferID
	w[gortW_MAP], w[gortW_ARG0], w[gortW_ARG1], w[gortW_DUR] = mapw, a0, a1, dur
	st.head = h + gortW_COUNT
	gortStoreRel(gortRingU64(st.ring, gortRing_head), st.head)
	st.busy = 0
}

// gortRecordSlow is gortRecord's every other case: a busy M, the first event, a stack to walk,
// a lost run to report, the wrap point, a full ring.
//
//go:nosplit
func gortRecordSlow(fp uintptr, kw uint64, ts, goid, deferID, mapw, a0, a1, dur uint64) {
	mp := getg().m
	st := &mp.gort
	st.emitted++
	if st.busy != 0 {
		gortUnringed()
		return
	}
	st.busy = 1
	depth := uint64(gortState.depth)
	if fp == 0 {
		depth = 0
	}
	if ts < st.lastTS { // timestamps never go back on one M
		ts = st.lastTS
	}
	st.lastTS = ts
	h := st.head
	if st.ring == 0 || st.pending || h&st.mask+gortW_COUNT+depth > gortState.ringWords ||
		h+gortW_COUNT+depth-st.tailSeen > gortState.ringWords {
		// The slow path: the first event, a lost run to report, the wrap point, a full ring.
		if !gortMakeRoom(st, mp, ts, gortW_COUNT+depth, kw&(gortKWWait|gortKWForce)) {
			st.busy = 0
			return
		}
		h = st.head
	}
	n := uint64(0)
	if depth > 0 {
		n = gortWalk(st, fp, int(kw>>40), h+gortW_COUNT, uint32(depth))
	}
	info := kw&gortKWInfo | n<<16
	if n > 0 {
		info |= gortF_STACK << 32
	}
	if h&st.mask+gortW_COUNT <= gortState.ringWords { // the usual case: 8 words in a row
		w := (*[gortW_COUNT]uint64)(unsafe.Pointer(st.words + uintptr(h&st.mask)*8))
		w[gortW_TS], w[gortW_INFO], w[gortW_GOID], w[gortW_DEFER] = ts, info, goid, deferID
		w[gortW_MAP], w[gortW_ARG0], w[gortW_ARG1], w[gortW_DUR] = mapw, a0, a1, dur
	} else {
		gortPut(st, h+gortW_TS, ts)
		gortPut(st, h+gortW_INFO, info)
		gortPut(st, h+gortW_GOID, goid)
		gortPut(st, h+gortW_DEFER, deferID)
		gortPut(st, h+gortW_MAP, mapw)
		gortPut(st, h+gortW_ARG0, a0)
		gortPut(st, h+gortW_ARG1, a1)
		gortPut(st, h+gortW_DUR, dur)
	}
	st.head = h + gortW_COUNT + n
	gortStoreRel(gortRingU64(st.ring, gortRing_head), st.head)
	gortStallRecord(st)
	st.busy = 0
}

// gortMakeRoom is gortRecord's slow path: claims the M's ring, makes room for need words
// (waiting if allowed — how: gortKWWait, gortKWForce — else counting the event lost) and
// writes a pending lost run's record. False when the event is not to be written.
//
//go:nosplit
func gortMakeRoom(st *gortM, mp *m, ts, need uint64, how uint64) bool {
	st.stallFrom = 0
	wait := !gortState.drop && (how&gortKWForce != 0 || how&gortKWWait != 0 && gortCanWait(mp))
	if st.ring == 0 && !gortClaim(st, wait) {
		gortUnringed()
		return false
	}
	if gortState.orphaned { // no record is written any more: counted lost, as with --drop
		gortCountLost(st, ts)
		return false
	}
	if st.pending {
		need += gortW_COUNT
	}
	if !gortHasRoom(st, need) && (!wait || !gortWaitRoom(st, need+gortW_COUNT)) {
		st.stallFrom = 0
		gortCountLost(st, ts)
		return false
	}
	if st.pending {
		st.head += gortLostRecord(st)
	}
	return true
}

// gortStallRecord writes, after the record that waited, the recorder_stall record of its
// wait (room for it was waited for too), if it waited.
//
//go:nosplit
func gortStallRecord(st *gortM) {
	if st.stallFrom == 0 {
		return
	}
	h := st.head
	gortPut(st, h+gortW_TS, st.stallFrom)
	gortPut(st, h+gortW_INFO, gortEv_recorder_stall)
	gortPut(st, h+gortW_GOID, 0)
	gortPut(st, h+gortW_DEFER, 0)
	gortPut(st, h+gortW_MAP, 0)
	gortPut(st, h+gortW_ARG0, 0)
	gortPut(st, h+gortW_ARG1, 0)
	gortPut(st, h+gortW_DUR, st.stallTo-st.stallFrom)
	st.head = h + gortW_COUNT
	st.stallFrom = 0
	gortStoreRel(gortRingU64(st.ring, gortRing_head), st.head)
}

// gortCurGoid is the goroutine the M runs for (its user goroutine, also on g0), 0 for none.
//
//go:nosplit
func gortCurGoid() (uint64, uint64) {
	cg := getg().m.curg
	if cg == nil {
		return 0, 0
	}
	return uint64(cg.goid), cg.gort.deferID
}

// gortEvent emits kind on behalf of the M's current goroutine (and its running deferred call).
//
//go:nosplit
func gortEvent(fp uintptr, skip int, kind uint32, mapw, a0, a1, dur uint64, mayWait bool) {
	goid, d := gortCurGoid()
	gortEmit(fp, skip, kind, goid, d, mapw, a0, a1, dur, mayWait)
}

// gortEmitName writes a `name` record: id and the bytes of s. Names are waited for even with
// --drop (later records refer to them); only a hook that may not wait drops one.
//
//go:nosplit
func gortEmitName(id uint64, s string) {
	mp := getg().m
	st := &mp.gort
	if st.busy != 0 {
		gortUnringed()
		return
	}
	st.busy = 1
	st.stallFrom = 0
	wait := gortCanWait(mp) && !gortState.orphaned
	if len(s) > 1024 {
		s = s[:1024]
	}
	extra := uint64(len(s)+7) / 8
	if st.ring == 0 && !gortClaim(st, wait) {
		gortUnringed()
		st.busy = 0
		return
	}
	ts := gortStamp(st)
	need := gortW_COUNT + extra
	if st.pending {
		need += gortW_COUNT
	}
	if gortState.orphaned || !gortHasRoom(st, need) && (!wait || !gortWaitRoom(st, need+gortW_COUNT)) {
		st.stallFrom = 0
		gortCountLost(st, ts)
		st.busy = 0
		return
	}
	if st.pending {
		st.head += gortLostRecord(st)
	}
	h := st.head
	for i := uint64(0); i < extra; i++ {
		w := uint64(0)
		for b := uint64(0); b < 8 && i*8+b < uint64(len(s)); b++ {
			w |= uint64(s[i*8+b]) << (8 * b)
		}
		gortPut(st, h+gortW_COUNT+i, w)
	}
	gortPut(st, h+gortW_TS, ts)
	gortPut(st, h+gortW_INFO, gortEv_name|extra<<16)
	gortPut(st, h+gortW_GOID, 0)
	gortPut(st, h+gortW_DEFER, 0)
	gortPut(st, h+gortW_MAP, 0)
	gortPut(st, h+gortW_ARG0, id)
	gortPut(st, h+gortW_ARG1, uint64(len(s)))
	gortPut(st, h+gortW_DUR, 0)
	st.head = h + gortW_COUNT + extra
	gortStoreRel(gortRingU64(st.ring, gortRing_head), st.head)
	gortStallRecord(st)
	st.busy = 0
}

// The name table: key (a type or function address) -> name id, so each name is sent once.
// Slots are claimed with a compare-and-swap on the key; the id follows at once.
const gortNameSlots = 4096

var gortNames [gortNameSlots]struct{ key, id uint64 }

// gortNameLookup returns key's name id and whether the caller claimed it (and must send the
// name). A full table hands out a fresh id each time (the name is sent again).
//
//go:nosplit
func gortNameLookup(key uint64) (uint64, bool) {
	slot := (key * 0x9E3779B97F4A7C15) >> (64 - 12)
	for i := uint64(0); i < gortNameSlots; i++ {
		s := &gortNames[(slot+i)&(gortNameSlots-1)]
		k := atomic.Load64(&s.key)
		if k == 0 && atomic.Cas64(&s.key, 0, key) {
			id := atomic.Xadd64(gortHdrU64(gortHdr_next_name_id), 1)
			atomic.Store64(&s.id, id)
			return id, true
		}
		if atomic.Load64(&s.key) == key {
			for {
				if id := atomic.Load64(&s.id); id != 0 {
					return id, false
				}
				osyield()
			}
		}
	}
	return atomic.Xadd64(gortHdrU64(gortHdr_next_name_id), 1), true
}

// gortGetppid is the parent process id (the recorder, while it lives).
//
//go:nosplit
func gortGetppid() int32 {
	r, _, _ := syscall.Syscall6(gortSysGetppid, 0, 0, 0, 0, 0, 0)
	return int32(r)
}

// Implemented in gort_amd64.s.

// gortTSCNs reads the TSC and returns ((tsc - tsc0) * mult) >> shift (0 before tsc0).
func gortTSCNs(tsc0, mult uint64, shift uint32) uint64

// gortStoreRel stores v at p: a plain store (a release on amd64) the compiler cannot reorder.
func gortStoreRel(p *uint64, v uint64)

// gortFP returns the frame pointer of the function that calls it.
func gortFP() uintptr
