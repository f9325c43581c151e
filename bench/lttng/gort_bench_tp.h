/*
 * gort_bench_tp.h — the LTTng-UST tracepoint of the tracer benchmark's peer (lttng_probe.c): one
 * event with four 64-bit integer fields, the payload of a gort record without a stack (map,
 * arg0, arg1, dur) beside LTTng's own header (its timestamp and event id).
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER gort_bench
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./gort_bench_tp.h"
#if !defined(GORT_BENCH_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define GORT_BENCH_TP_H
#include <lttng/tracepoint.h>
LTTNG_UST_TRACEPOINT_EVENT(gort_bench, ev,
    LTTNG_UST_TP_ARGS(uint64_t, map, uint64_t, a0, uint64_t, a1, uint64_t, dur),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, map, map)
        lttng_ust_field_integer(uint64_t, a0, a0)
        lttng_ust_field_integer(uint64_t, a1, a1)
        lttng_ust_field_integer(uint64_t, dur, dur)))
#endif
#include <lttng/tracepoint-event.h>
