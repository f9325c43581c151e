// gort_map.go — the map hooks: makemap, mapassign, mapdelete, hashgrow, evacuate, growdone,
// mapclear, mapiterinit, and a map's death when the sweeper frees its hmap.
//
// Events carry the hmap's address in the map word (the recorder numbers maps, since an
// address is reused once its map is dead) and the arguments libgort gives the same kinds:
// makemap hint and B; mapassign "inserted a new key" and the count after; mapdelete "found"
// and the count after; hashgrow the new B and same-size; evacuate the old bucket and the
// entries moved; growdone B; mapclear the count before; mapiterinit the start bucket and
// offset. Map access (mapaccess*) is not hooked: it is Go's hottest map path and the issue
// leaves it optional; its cost when untraced would be paid by every lookup.
//
// First sight. Two bits of hmap.flags that Go never uses (0x40, 0x80; Go's own flags are the
// low four, and every update of them keeps the others) say that gort has announced the map:
// gortSeen (a makemap event exists for it) and gortTyped (a maptype event, with the key kind
// and the type's name, exists). makemap sets both; makemap_small has no map type and sets
// only gortSeen, so the first operation that has the type announces it. A map the compiler
// built inline in a stack frame (make(map[k]v) with a small hint that does not escape) never
// calls makemap: its first operation sees neither bit and announces it then (makemap with
// hint 0, the B it has, and mapstack with arg0 = 1).
//
// Stack maps. An hmap inside the running goroutine's stack is a non-escaping map: the hook
// emits `mapstack` after its makemap and marks the goroutine (g.gort.stackMaps), whose
// stack moves (copystack: `stackmove`) and frame exits seen by deferreturn (`frame_exit`)
// are then reported, so the recorder can follow the map's address and infer its death.
//
// Death of heap maps. Go frees an unreachable object only when the sweeper sweeps its span,
// some time after the mark termination of the cycle that found it dead. A special record
// (mheap.go's mechanism behind finalizers and heap profiling) of a new kind,
// gortKindSpecialMap, is attached to each heap hmap at makemap while tracing; the sweeper
// calls freeSpecial for the specials of an object it frees, and the new case there emits
// `mapfree` (cause 1: gc, the count at death) and gives the record back. Unlike a finalizer
// it does not resurrect the object: the map dies exactly when it would have.

//go:build linux && amd64

package runtime

import (
	"runtime/internal/atomic"
	"unsafe"
)

const (
	gortSeen  = 0x80 // hmap.flags: a makemap event announced this map
	gortTyped = 0x40 // hmap.flags: a maptype event announced its type

	gortKindSpecialMap = 4 // special kind: the hmap of a traced heap map

	gortKeyInt64, gortKeyUint64, gortKeyString, gortKeyGeneric = 1, 2, 3, 4
)

// gortSpecialAlloc allocates the map specials (16 bytes each, under mheap_.speciallock).
var gortSpecialAlloc fixalloc

// gortMapsFreed counts the mapfree events of the sweep in progress (gc_end's map word).
var gortMapsFreed uint64

// gortSpecialInit is called by (*mheap).init beside the other special allocators.
func gortSpecialInit() {
	gortSpecialAlloc.init(unsafe.Sizeof(special{}), nil, nil, &memstats.other_sys)
}

// gortOnStack says whether p lies in the stack of the M's current goroutine.
//
//go:nosplit
func gortOnStack(p unsafe.Pointer) bool {
	cg := getg().m.curg
	return cg != nil && uintptr(p) >= cg.stack.lo && uintptr(p) < cg.stack.hi
}

// gortTypeName is the name id of t ("map[string]int"), sending the name on first use.
func gortTypeName(t *maptype) uint64 {
	id, send := gortNameLookup(uint64(uintptr(unsafe.Pointer(t))))
	if send {
		gortEmitName(id, t.typ.string())
	}
	return id
}

// gortAttachSpecial attaches the map special to heap hmap h, so the sweeper reports its free
// (nothing for an hmap outside the heap: addspecial would throw).
func gortAttachSpecial(h *hmap) {
	if spanOfHeap(uintptr(unsafe.Pointer(h))) == nil {
		return
	}
	lock(&mheap_.speciallock)
	s := (*special)(gortSpecialAlloc.alloc())
	unlock(&mheap_.speciallock)
	s.kind = gortKindSpecialMap
	if !addspecial(unsafe.Pointer(h), s) {
		lock(&mheap_.speciallock)
		gortSpecialAlloc.free(unsafe.Pointer(s))
		unlock(&mheap_.speciallock)
	}
}

// gortMakemap: makemap and makemap_small (t nil) are returning h.
//
//go:noinline
func gortMakemap(t *maptype, hint int, h *hmap) {
	stack := gortOnStack(unsafe.Pointer(h))
	if !stack {
		gortAttachSpecial(h)
	}
	name := uint64(0)
	if t != nil {
		name = gortTypeName(t)
	}
	gortAnnounce(t, h, uint64(hint), stack, false, name, 1)
}

// gortFirstSight announces a map an operation meets without a makemap or maptype event: a map
// the compiler built inline in a frame, one made by makemap_small, one made before tracing.
//
// skip: frames between gortAnnounce and the function holding the hook site.
//
//go:noinline
func gortFirstSight(t *maptype, h *hmap, skip int) {
	name := uint64(0)
	if t != nil && h.flags&gortTyped == 0 {
		name = gortTypeName(t)
	}
	if h.flags&gortSeen == 0 {
		gortAnnounce(t, h, 0, gortOnStack(unsafe.Pointer(h)), true, name, skip)
		return
	}
	if t != nil {
		gortAnnounceType(t, h, name, skip)
	}
}

// gortAnnounce emits makemap (and mapstack for a stack hmap, maptype when t is known) and
// sets the flag bits. skip: frames between here and the function holding the hook site. Not
// nosplit (its callers are not), but it calls only nosplit functions: once past its prologue
// it can neither grow the stack nor be preempted, so the frame pointer it takes stays valid.
//
//go:noinline
func gortAnnounce(t *maptype, h *hmap, hint uint64, stack, inline bool, name uint64, skip int) {
	fp := gortFP()
	m := uint64(uintptr(unsafe.Pointer(h)))
	gortEvent(fp, skip, gortEv_makemap, m, hint, uint64(h.B), 0, true)
	if stack {
		gp := getg().m.curg
		gp.gort.stackMaps = true
		a0 := uint64(0)
		if inline {
			a0 = 1
		}
		gortEvent(fp, skip, gortEv_mapstack, m, a0, 0, 0, true)
	}
	atomic.Or8(&h.flags, gortSeen)
	if t != nil {
		gortAnnounceType(t, h, name, skip+1)
	}
}

// gortAnnounceType emits maptype (key kind, name id) and sets gortTyped (like gortAnnounce,
// not nosplit, calling only nosplit functions).
//
//go:noinline
func gortAnnounceType(t *maptype, h *hmap, name uint64, skip int) {
	gortEvent(gortFP(), skip, gortEv_maptype, uint64(uintptr(unsafe.Pointer(h))), gortKeyKind(t), name, 0, true)
	atomic.Or8(&h.flags, gortTyped)
}

// gortKeyKind is libgort's key kind of a map type: int64, uint64, string, or generic
// (nosplit: gortAnnounceType calls only nosplit functions).
//
//go:nosplit
func gortKeyKind(t *maptype) uint64 {
	switch t.key.kind & kindMask {
	case kindInt, kindInt64:
		return gortKeyInt64
	case kindUint, kindUint64, kindUintptr:
		return gortKeyUint64
	case kindString:
		return gortKeyString
	}
	return gortKeyGeneric
}

// gortMapOp emits one event of kind about map h (0: the nil map), announcing h first if
// needed. Its stack starts at the function holding the hook site (the caller of the gortMap*
// entry that called this). Nosplit, so it and gortRecord stay on one M; gortFirstSight, which
// may grow the stack, runs before the frame pointer is taken.
//
//go:nosplit
//go:noinline
func gortMapOp(kind uint32, t *maptype, h *hmap, a0, a1 uint64) {
	if h != nil && h.flags&(gortSeen|gortTyped) != gortSeen|gortTyped {
		gortFirstSight(t, h, 3)
	}
	goid, d := gortCurGoid()
	mapw := uint64(uintptr(unsafe.Pointer(h)))
	if gortState.fast && gortFast(uint64(kind)|gortKWAddr, goid, d, mapw, a0, a1, 0) {
		return
	}
	gortRecord(gortFP(), gortKW(kind, 1, true), gortNow(), goid, d, mapw, a0, a1, 0)
}

// gortB1 is 1 for true.
//
//go:nosplit
func gortB1(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// gortMapassign: mapassign* is returning; count0 is the count before the assignment (h nil:
// assignment to the nil map, which panics next).
//
// (The usual returns of mapassign* call gortMapWrite directly; this entry serves the nil map.)
//
//go:nosplit
//go:noinline
func gortMapassign(t *maptype, h *hmap, count0 int) {
	a0, a1 := uint64(0), uint64(0)
	if h != nil {
		a0, a1 = gortB1(h.count != count0), uint64(h.count)
	}
	gortMapOp(gortEv_mapassign, t, h, a0, a1)
}

// gortMapdelete: mapdelete* is returning early (a nil or empty map); count0 is the count
// before (the usual returns call gortMapWrite directly).
//
//go:nosplit
//go:noinline
func gortMapdelete(t *maptype, h *hmap, count0 int) {
	a0, a1 := uint64(0), uint64(0)
	if h != nil {
		a0, a1 = gortB1(h.count != count0), uint64(h.count)
	}
	gortMapOp(gortEv_mapdelete, t, h, a0, a1)
}

// gortMapWrite: mapassign* or mapdelete* (kind) is returning, the map's most frequent events,
// called straight from the hook site (never inlined, so that the frames to skip are known).
// count0 is the count before the write; arg0 says whether it changed (inserted, found), arg1
// is the count after. The usual path is one gortFast call; a stack to walk, a ring to claim or
// wait for go to gortRecord from here (the stack starts at this frame's caller); a map to
// announce first goes to gortMapAnnounced.
//
//go:nosplit
//go:noinline
func gortMapWrite(kind uint32, t *maptype, h *hmap, count0 int) {
	if h == nil || h.flags&(gortSeen|gortTyped) != gortSeen|gortTyped {
		gortMapAnnounced(kind, t, h, count0)
		return
	}
	goid, d := gortCurGoid()
	if gortState.fast && gortFast(uint64(kind)|gortKWAddr, goid, d, uint64(uintptr(unsafe.Pointer(h))),
		gortB1(h.count != count0), uint64(h.count), 0) {
		return
	}
	ts := gortNow()
	goid, d = gortCurGoid()
	gortRecord(gortFP(), gortKW(kind, 0, true), ts, goid, d, uint64(uintptr(unsafe.Pointer(h))),
		gortB1(h.count != count0), uint64(h.count), 0)
}

// gortMapAnnounced is gortMapWrite for a map gort has not announced yet (or the nil map):
// announces it, then records the write. Never inlined, so that the frames to skip are known
// (this one and gortMapWrite's).
//
//go:nosplit
//go:noinline
func gortMapAnnounced(kind uint32, t *maptype, h *hmap, count0 int) {
	if h != nil {
		gortFirstSight(t, h, 3)
	}
	ts := gortNow()
	a0, a1 := uint64(0), uint64(0)
	if h != nil {
		a0, a1 = gortB1(h.count != count0), uint64(h.count)
	}
	goid, d := gortCurGoid()
	gortRecord(gortFP(), gortKW(kind, 1, true), ts, goid, d, uint64(uintptr(unsafe.Pointer(h))), a0, a1, 0)
}

// gortMapclear: mapclear emptied h, which held count0 entries (h may be nil).
//
//go:nosplit
//go:noinline
func gortMapclear(t *maptype, h *hmap, count0 int) {
	gortMapOp(gortEv_mapclear, t, h, uint64(count0), 0)
}

// gortMapiterinit: an iteration of h starts at bucket b, offset off (h may be nil).
//
//go:nosplit
//go:noinline
func gortMapiterinit(t *maptype, h *hmap, b uintptr, off uint8) {
	gortMapOp(gortEv_mapiterinit, t, h, uint64(b), uint64(off))
}

// gortHashgrow: hashGrow committed growth to B (same-size when bigger is 0).
//
//go:nosplit
//go:noinline
func gortHashgrow(t *maptype, h *hmap, bigger uint8) {
	gortMapOp(gortEv_hashgrow, t, h, uint64(h.B), gortB1(bigger == 0))
}

// gortEvacuate: evacuate moved `moved` entries out of old bucket oldbucket.
//
//go:nosplit
//go:noinline
func gortEvacuate(t *maptype, h *hmap, oldbucket uintptr, moved uint64) {
	gortMapOp(gortEv_evacuate, t, h, uint64(oldbucket), moved)
}

// gortGrowdone: growth finished, the old buckets are released.
//
//go:nosplit
//go:noinline
func gortGrowdone(t *maptype, h *hmap) {
	gortMapOp(gortEv_growdone, t, h, uint64(h.B), 0)
}

// gortMapFreed: the sweeper frees the hmap at p, whose special s comes back. Runs in the
// sweeper (maybe on g0, inside an allocation, on several Ps at once): it never waits, and
// only claims ring space and stores words. The event belongs to no goroutine (the sweep runs
// on whichever one allocates or in the background sweeper).
//
//go:nosplit
//go:noinline
func gortMapFreed(s *special, p unsafe.Pointer) {
	if gortOn {
		h := (*hmap)(p)
		atomic.Xadd64(&gortMapsFreed, 1)
		gortEmit(gortFP(), 0, gortEv_mapfree, 0, 0, uint64(uintptr(p)), gortFreeCauseGC, uint64(h.count), 0, false)
	}
	lock(&mheap_.speciallock)
	gortSpecialAlloc.free(unsafe.Pointer(s))
	unlock(&mheap_.speciallock)
}

// gortStackMove: copystack moved gp's stack (top old to top new); its stack maps moved with it.
//
//go:nosplit
func gortStackMove(gp *g, old, new uintptr) {
	gortEmit(0, 0, gortEv_stackmove, uint64(gp.goid), 0, 0, uint64(old), uint64(new), 0, false)
}

// gortFrameExit: deferreturn found no more deferred calls of its caller's frame, which now
// returns; the frame's top is the caller's caller's stack pointer. Stack maps below it died.
//
//go:nosplit
//go:noinline
func gortFrameExit(gp *g) {
	fp := gortFP()                        // this function's frame
	dr := *(*uintptr)(unsafe.Pointer(fp)) // deferreturn's frame
	f := *(*uintptr)(unsafe.Pointer(dr))  // the returning function's frame
	gortEmit(0, 0, gortEv_frame_exit, uint64(gp.goid), gp.gort.deferID, 0, uint64(f+16), 0, 0, true)
}
