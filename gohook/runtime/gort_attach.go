// gort_attach.go — joining `gort record`'s shared region, exactly as libgort does at start-up
// (docs/record-format.md, "Attaching").
//
// `gort record` starts the program with GORT_TRACE_FD=<fd of a memfd> in its environment.
// Go reads its environment in schedinit (goenvs); gortAttach runs right after that, before
// any package initializer, any goroutine but main's creation, and any user map. It maps the
// file MAP_SHARED, checks magic, version and size, writes the module list (one module: the
// executable, with its load bias and text range, so the recorder can symbolize return
// addresses after the program is gone), names the producer ("go1.19.8"), stores its pid and
// the time it attached, keeps the recorder's life pipe (close-on-exec) to learn of the
// recorder's death, removes the variable from the environment (so programs it runs are not
// traced) and closes the descriptor. Without the variable, or with a region that fails the
// checks, nothing happens: every hook is one never-taken branch on gortOn.
//
// Events before schedinit (the runtime's own start-up) are not seen; nothing of the user's
// program runs before it.

//go:build linux && amd64

package runtime

import (
	"runtime/internal/atomic"
	"runtime/internal/syscall"
	"unsafe"
)

const (
	gortSysRead       = 0
	gortSysFcntl      = 72
	gortFSetfd        = 2
	gortFdCloexec     = 1
	gortSysFstat      = 5
	gortSysReadlinkat = 267
	gortAtFdcwd       = -100
	gortAtEntry       = 9
)

// gortAttach maps the recorder's region named by GORT_TRACE_FD, if any, and turns the hooks on.
func gortAttach() {
	env := gogetenv(gortRecEnv)
	if env == "" {
		return
	}
	gortUnsetenv()
	fd, ok := atoi(env)
	if !ok || fd < 0 {
		return
	}
	var st [144]byte // struct stat: st_size is at offset 48
	if _, _, e := syscall.Syscall6(gortSysFstat, uintptr(fd), uintptr(unsafe.Pointer(&st[0])), 0, 0, 0, 0); e != 0 {
		return
	}
	size := *(*uintptr)(unsafe.Pointer(&st[48]))
	if size < gortHdrSize {
		return
	}
	p, err := sysMmap(nil, size, _PROT_READ|_PROT_WRITE, gortMapShared, int32(fd), 0)
	closefd(int32(fd))
	if err != 0 {
		print("gort: cannot map the recorder's buffers (", size, " bytes): errno ", err, "; running untraced\n")
		return
	}
	h := uintptr(p)
	if *(*uint64)(unsafe.Pointer(h + gortHdr_magic)) != gortRecMagic ||
		*(*uint32)(unsafe.Pointer(h + gortHdr_version)) != gortRecVersion ||
		*(*uint64)(unsafe.Pointer(h+gortHdr_ring_offset))+
			uint64(*(*uint32)(unsafe.Pointer(h + gortHdr_nrings)))*
				*(*uint64)(unsafe.Pointer(h + gortHdr_ring_stride)) > uint64(size) {
		print("gort: ", gortRecEnv, " does not name a gort record region; running untraced\n")
		munmap(p, size)
		return
	}
	s := &gortState
	s.hdr = h
	s.size = size
	s.ringOffset = uintptr(*gortHdrU64(gortHdr_ring_offset))
	s.ringStride = uintptr(*gortHdrU64(gortHdr_ring_stride))
	s.nrings = *gortHdrU32(gortHdr_nrings)
	s.ringWords = *gortHdrU64(gortHdr_ring_words)
	s.depth = *gortHdrU32(gortHdr_stack_depth)
	if s.depth > gortMaxDepth {
		s.depth = gortMaxDepth
	}
	s.clock = *gortHdrU32(gortHdr_clock)
	s.tsc0 = *gortHdrU64(gortHdr_tsc0)
	s.mult = *gortHdrU64(gortHdr_tsc_mult)
	s.shift = *gortHdrU32(gortHdr_tsc_shift)
	s.mono0 = int64(*gortHdrU64(gortHdr_mono0))
	s.drop = *gortHdrU32(gortHdr_flags)&gortH_DROP != 0
	s.recorder = *(*int32)(unsafe.Pointer(h + gortHdr_recorder_pid))
	s.lifeFd = -1
	if fd := *(*int32)(unsafe.Pointer(h + gortHdr_life_fd)); fd > 0 {
		// The life pipe stays with this program only: programs it starts do not inherit it.
		if _, _, e := syscall.Syscall6(gortSysFcntl, uintptr(fd), gortFSetfd, gortFdCloexec, 0, 0, 0); e == 0 {
			s.lifeFd = fd
		}
	}
	gortWriteModule()
	gortWriteProducer()
	atomic.Store64(gortHdrU64(gortHdr_attach_ns), gortNow()) // what exec and the loader took
	atomic.Store((*uint32)(unsafe.Pointer(h+gortHdr_producer_pid)), uint32(getpid()))
	gortOn = true
	gortClaim(&getg().m.gort, true) // m0's ring, prefaulted before its first event
}

// gortUnsetenv removes GORT_TRACE_FD from the runtime's copy of the environment, which is
// what os.Environ and os/exec start from: programs this one runs are not traced.
func gortUnsetenv() {
	prefix := gortRecEnv + "="
	j := 0
	for _, e := range envs {
		if len(e) >= len(prefix) && e[:len(prefix)] == prefix {
			continue
		}
		envs[j] = e
		j++
	}
	for k := j; k < len(envs); k++ {
		envs[k] = ""
	}
	envs = envs[:j]
}

// gortWriteProducer names the producer ("go1.19.8"). (Its map words are addresses, which each
// map record says itself: GORT_F_ADDR.)
func gortWriteProducer() {
	name := buildVersion
	if len(name) > gortProducerMax-1 {
		name = name[:gortProducerMax-1]
	}
	for i := 0; i < len(name); i++ {
		*(*byte)(unsafe.Pointer(gortState.hdr + gortHdr_producer + uintptr(i))) = name[i]
	}
}

// gortWriteModule writes the executable as module 0: its path (/proc/self/exe), its load bias
// (the entry point the kernel gives, AT_ENTRY, less the ELF header's e_entry: 0 unless PIE)
// and the range of Go's text.
func gortWriteModule() {
	m := gortState.hdr + gortHdr_modules
	path := "/proc/self/exe\x00"
	cwd := int64(gortAtFdcwd)
	n, _, e := syscall.Syscall6(gortSysReadlinkat, uintptr(cwd), uintptr((*stringStruct)(unsafe.Pointer(&path)).str),
		m+gortMod_path, gortRecPathMax-1, 0, 0)
	if e != 0 || n == 0 || n >= gortRecPathMax-1 {
		return
	}
	*(*byte)(unsafe.Pointer(m + gortMod_path + n)) = 0
	*(*uint64)(unsafe.Pointer(m + gortMod_base)) = uint64(gortLoadBias(m + gortMod_path))
	*(*uint64)(unsafe.Pointer(m + gortMod_lo)) = uint64(firstmoduledata.text)
	*(*uint64)(unsafe.Pointer(m + gortMod_hi)) = uint64(firstmoduledata.etext)
	atomic.Store(gortHdrU32(gortHdr_nmodules), 1)
}

// gortLoadBias is the executable's load bias: AT_ENTRY from the auxiliary vector (after the
// environment on the initial stack) less e_entry of the ELF file at path.
func gortLoadBias(path uintptr) uintptr {
	n := int32(0)
	for argv_index(argv, argc+1+n) != nil { // skip argv and envp
		n++
	}
	auxv := (*[1 << 20]uintptr)(add(unsafe.Pointer(argv), uintptr(argc+1+n+1)*8))
	entry := uintptr(0)
	for i := 0; auxv[i] != _AT_NULL; i += 2 {
		if auxv[i] == gortAtEntry {
			entry = auxv[i+1]
		}
	}
	fd := open((*byte)(unsafe.Pointer(path)), _O_RDONLY, 0)
	if fd < 0 {
		return 0
	}
	var ehdr [32]byte // e_entry is at offset 24 of the ELF64 header
	got, _, _ := syscall.Syscall6(gortSysRead, uintptr(fd), uintptr(unsafe.Pointer(&ehdr[0])), uintptr(len(ehdr)), 0, 0, 0)
	closefd(fd)
	if got != uintptr(len(ehdr)) || entry == 0 {
		return 0
	}
	return entry - *(*uintptr)(unsafe.Pointer(&ehdr[24]))
}
