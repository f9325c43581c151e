/*
 * maptypes.c — the ready-made map types of gort.h: the maps a program needs most, as Go's
 * compiler would describe map[int64]int64, map[uint64]int64, map[string]int64 and
 * map[string]*hmap (an element that is itself a map, so a heap pointer the collector follows).
 */
#include "map_internal.h"

const gort_maptype gort_type_int64_int64 = {
    .name = "map[int64]int64", .keykind = GORT_KEY_INT64, .keysize = 8, .elemsize = 8,
};
const gort_maptype gort_type_uint64_int64 = {
    .name = "map[uint64]int64", .keykind = GORT_KEY_UINT64, .keysize = 8, .elemsize = 8,
};
const gort_maptype gort_type_string_int64 = {
    .name = "map[string]int64", .keykind = GORT_KEY_STRING, .keysize = sizeof(gort_string),
    .elemsize = 8,
};
const gort_maptype gort_type_string_map = {
    .name = "map[string]map", .keykind = GORT_KEY_STRING, .keysize = sizeof(gort_string),
    .elemsize = sizeof(gort_map *), .elem_ptrmask = 1,
};
