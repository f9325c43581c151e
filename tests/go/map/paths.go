// paths.go: one function per map type doing v := m[k]; v, ok := m[k]; m[k] = v; delete(m, k)
// and `for k := range m { delete(m, k) }`. It is never run: tests/go/map/regen.sh compiles it
// with -gcflags=-S and keeps, per function, the runtime map functions Go 1.19's compiler calls
// (paths.out: "path NAME CALL..." in call order), which tests/t_map_paths.sh holds gort's path
// selection against. The type names are those of types.go.
package main

type k12 [12]byte
type k128 [128]byte
type k129 [129]byte
type k200 [200]byte
type kfloat struct {
	a int32
	f float64
}

var sink_int64_int64 int64
var ok_int64_int64 bool

//go:noinline
func op_int64_int64(m map[int64]int64, k int64) {
	sink_int64_int64 = m[k]
	sink_int64_int64, ok_int64_int64 = m[k]
	m[k] = sink_int64_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_uint64_int64 int64
var ok_uint64_int64 bool

//go:noinline
func op_uint64_int64(m map[uint64]int64, k uint64) {
	sink_uint64_int64 = m[k]
	sink_uint64_int64, ok_uint64_int64 = m[k]
	m[k] = sink_uint64_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int32_int32 int32
var ok_int32_int32 bool

//go:noinline
func op_int32_int32(m map[int32]int32, k int32) {
	sink_int32_int32 = m[k]
	sink_int32_int32, ok_int32_int32 = m[k]
	m[k] = sink_int32_int32
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_uint32_int64 int64
var ok_uint32_int64 bool

//go:noinline
func op_uint32_int64(m map[uint32]int64, k uint32) {
	sink_uint32_int64 = m[k]
	sink_uint32_int64, ok_uint32_int64 = m[k]
	m[k] = sink_uint32_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_string_int64 int64
var ok_string_int64 bool

//go:noinline
func op_string_int64(m map[string]int64, k string) {
	sink_string_int64 = m[k]
	sink_string_int64, ok_string_int64 = m[k]
	m[k] = sink_string_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_ptr_int64 int64
var ok_ptr_int64 bool

//go:noinline
func op_ptr_int64(m map[*int]int64, k *int) {
	sink_ptr_int64 = m[k]
	sink_ptr_int64, ok_ptr_int64 = m[k]
	m[k] = sink_ptr_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_float64_int64 int64
var ok_float64_int64 bool

//go:noinline
func op_float64_int64(m map[float64]int64, k float64) {
	sink_float64_int64 = m[k]
	sink_float64_int64, ok_float64_int64 = m[k]
	m[k] = sink_float64_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_float32_int32 int32
var ok_float32_int32 bool

//go:noinline
func op_float32_int32(m map[float32]int32, k float32) {
	sink_float32_int32 = m[k]
	sink_float32_int32, ok_float32_int32 = m[k]
	m[k] = sink_float32_int32
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_k12_int64 int64
var ok_k12_int64 bool

//go:noinline
func op_k12_int64(m map[k12]int64, k k12) {
	sink_k12_int64 = m[k]
	sink_k12_int64, ok_k12_int64 = m[k]
	m[k] = sink_k12_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_kfloat_int64 int64
var ok_kfloat_int64 bool

//go:noinline
func op_kfloat_int64(m map[kfloat]int64, k kfloat) {
	sink_kfloat_int64 = m[k]
	sink_kfloat_int64, ok_kfloat_int64 = m[k]
	m[k] = sink_kfloat_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int64_empty struct{}
var ok_int64_empty bool

//go:noinline
func op_int64_empty(m map[int64]struct{}, k int64) {
	sink_int64_empty = m[k]
	sink_int64_empty, ok_int64_empty = m[k]
	m[k] = sink_int64_empty
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int64_e128 [128]byte
var ok_int64_e128 bool

//go:noinline
func op_int64_e128(m map[int64][128]byte, k int64) {
	sink_int64_e128 = m[k]
	sink_int64_e128, ok_int64_e128 = m[k]
	m[k] = sink_int64_e128
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int64_e129 [129]byte
var ok_int64_e129 bool

//go:noinline
func op_int64_e129(m map[int64][129]byte, k int64) {
	sink_int64_e129 = m[k]
	sink_int64_e129, ok_int64_e129 = m[k]
	m[k] = sink_int64_e129
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int64_e200 [200]byte
var ok_int64_e200 bool

//go:noinline
func op_int64_e200(m map[int64][200]byte, k int64) {
	sink_int64_e200 = m[k]
	sink_int64_e200, ok_int64_e200 = m[k]
	m[k] = sink_int64_e200
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int64_e1500 [1500]byte
var ok_int64_e1500 bool

//go:noinline
func op_int64_e1500(m map[int64][1500]byte, k int64) {
	sink_int64_e1500 = m[k]
	sink_int64_e1500, ok_int64_e1500 = m[k]
	m[k] = sink_int64_e1500
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int64_e5000 [5000]byte
var ok_int64_e5000 bool

//go:noinline
func op_int64_e5000(m map[int64][5000]byte, k int64) {
	sink_int64_e5000 = m[k]
	sink_int64_e5000, ok_int64_e5000 = m[k]
	m[k] = sink_int64_e5000
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_k128_int64 int64
var ok_k128_int64 bool

//go:noinline
func op_k128_int64(m map[k128]int64, k k128) {
	sink_k128_int64 = m[k]
	sink_k128_int64, ok_k128_int64 = m[k]
	m[k] = sink_k128_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_k129_int64 int64
var ok_k129_int64 bool

//go:noinline
func op_k129_int64(m map[k129]int64, k k129) {
	sink_k129_int64 = m[k]
	sink_k129_int64, ok_k129_int64 = m[k]
	m[k] = sink_k129_int64
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_k200_e200 k200
var ok_k200_e200 bool

//go:noinline
func op_k200_e200(m map[k200]k200, k k200) {
	sink_k200_e200 = m[k]
	sink_k200_e200, ok_k200_e200 = m[k]
	m[k] = sink_k200_e200
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_string_e200 [200]byte
var ok_string_e200 bool

//go:noinline
func op_string_e200(m map[string][200]byte, k string) {
	sink_string_e200 = m[k]
	sink_string_e200, ok_string_e200 = m[k]
	m[k] = sink_string_e200
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_int32_e129 [129]byte
var ok_int32_e129 bool

//go:noinline
func op_int32_e129(m map[int32][129]byte, k int32) {
	sink_int32_e129 = m[k]
	sink_int32_e129, ok_int32_e129 = m[k]
	m[k] = sink_int32_e129
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

var sink_ptr_e200 [200]byte
var ok_ptr_e200 bool

//go:noinline
func op_ptr_e200(m map[*int][200]byte, k *int) {
	sink_ptr_e200 = m[k]
	sink_ptr_e200, ok_ptr_e200 = m[k]
	m[k] = sink_ptr_e200
	delete(m, k)
	for k := range m {
		delete(m, k)
	}
}

func main() {
	op_int64_int64(nil, *new(int64))
	op_uint64_int64(nil, *new(uint64))
	op_int32_int32(nil, *new(int32))
	op_uint32_int64(nil, *new(uint32))
	op_string_int64(nil, *new(string))
	op_ptr_int64(nil, *new(*int))
	op_float64_int64(nil, *new(float64))
	op_float32_int32(nil, *new(float32))
	op_k12_int64(nil, *new(k12))
	op_kfloat_int64(nil, *new(kfloat))
	op_int64_empty(nil, *new(int64))
	op_int64_e128(nil, *new(int64))
	op_int64_e129(nil, *new(int64))
	op_int64_e200(nil, *new(int64))
	op_int64_e1500(nil, *new(int64))
	op_int64_e5000(nil, *new(int64))
	op_k128_int64(nil, *new(k128))
	op_k129_int64(nil, *new(k129))
	op_k200_e200(nil, *new(k200))
	op_string_e200(nil, *new(string))
	op_int32_e129(nil, *new(int32))
	op_ptr_e200(nil, *new(*int))
}
