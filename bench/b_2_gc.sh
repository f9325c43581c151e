#!/bin/sh
# The garbage collector: per-cycle stop-the-world pause (median and max), the collector's CPU
# share, and a map workload's time with the collector running (GOGC 100) against off — libgort
# (bench/gc_bench.c) beside Go 1.19 (bench/go/gc/gcbench.go) doing the same, in the same run.
# Workload: ITERS times make a map[int64]int64, insert KEYS keys, delete half of them, keep
# the last RING maps alive. Each configuration runs 3 times; the run with the median time is
# shown. The machine is noisy: read the ratios; a max pause is mostly the scheduler's. The
# pacing rows come from one more GOGC=100 run each (RING x 16 kept) with gctrace on: heap at mark termination
# over the cycle's goal, median and max over the heap-triggered cycles (Go's pacer keeps it
# near 1; so must gort's, with mark assists).
set -e
BUILD=${BUILD:-build}
iters=${GC_BENCH_ITERS:-30000}
ring=${GC_BENCH_RING:-256}
keys=${GC_BENCH_KEYS:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

have_go=0
if command -v go >/dev/null 2>&1; then
  GOCACHE="$tmp/gocache" GO111MODULE=off go build -o "$tmp/gcbench" bench/go/gc/gcbench.go && have_go=1
fi
[ $have_go = 1 ] || echo "(go not installed: Go column empty)"

# median_run OUT CMD...: runs CMD 3 times; OUT gets the output line with the median ns_per_iter.
median_run() {
  out=$1; shift
  : >"$tmp/runs"
  for i in 1 2 3; do "$@" >>"$tmp/runs"; done
  sort -t= -k2 -n "$tmp/runs" | sed -n 2p >"$out"
}
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1"; }

median_run "$tmp/gort100" env GORT_GOGC=100 "$BUILD/bench/gc_bench" "$iters" "$ring" "$keys"
median_run "$tmp/gortoff" env GORT_GOGC=off "$BUILD/bench/gc_bench" "$iters" "$ring" "$keys"
big=$((ring * 16))   # a bigger live heap: pauses should not grow with it
median_run "$tmp/gortbig" env GORT_GOGC=100 "$BUILD/bench/gc_bench" "$iters" "$big" "$keys"
if [ $have_go = 1 ]; then
  median_run "$tmp/go100" env GOGC=100 "$tmp/gcbench" "$iters" "$ring" "$keys"
  median_run "$tmp/gooff" env GOGC=off "$tmp/gcbench" "$iters" "$ring" "$keys"
  median_run "$tmp/gobig" env GOGC=100 "$tmp/gcbench" "$iters" "$big" "$keys"
else
  : >"$tmp/go100"; : >"$tmp/gooff"; : >"$tmp/gobig"
fi

# Pacing: heap at mark termination over the cycle's goal (gctrace's Y / G), median and max over
# the heap-triggered cycles of one GOGC=100 run each with the bigger live heap (gctrace counts
# whole MB: a few MB of heap would make the ratio coarse).
pace() { awk '/^gc / && !/forced/ { split($0, a, " MB, "); n = split(a[1], b, " "); split(b[n], h, "->")
                                 split(a[2], c, " "); if (c[1] > 0) print h[2] / c[1] }' "$1" |
         sort -g | awk -v f="$2" '{ v[NR] = $1 } END { if (NR) printf "%.2f", f == "max" ? v[NR] : v[int((NR + 1) / 2)] }'; }
GORT_GOGC=100 GORT_DEBUG=gctrace "$BUILD/bench/gc_bench" "$iters" "$big" "$keys" >/dev/null 2>"$tmp/gorttrace"
if [ $have_go = 1 ]; then GOGC=100 GODEBUG=gctrace=1 "$tmp/gcbench" "$iters" "$big" "$keys" >/dev/null 2>"$tmp/gotrace"
else : >"$tmp/gotrace"; fi

echo "map workload: $iters x (make map[int64]int64, insert $keys, delete $((keys / 2))), last $ring kept"
printf '%-28s %12s %12s %8s\n' figure gort "Go 1.19" gort/Go
row() { # label gortvalue govalue [ratio?]
  r=-
  if [ -n "$3" ] && [ "$4" = ratio ]; then r=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'); fi
  printf '%-28s %12s %12s %8s\n' "$1" "$2" "${3:--}" "$r"
}
slow() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b }'; }
row "ns/iter, GOGC=100" "$(field "$tmp/gort100" ns_per_iter)" "$(field "$tmp/go100" ns_per_iter)" ratio
row "ns/iter, GOGC=off" "$(field "$tmp/gortoff" ns_per_iter)" "$(field "$tmp/gooff" ns_per_iter)" ratio
row "time GOGC=100 / GOGC=off" "$(slow "$(field "$tmp/gort100" ns_per_iter)" "$(field "$tmp/gortoff" ns_per_iter)")" \
    "$(slow "$(field "$tmp/go100" ns_per_iter)" "$(field "$tmp/gooff" ns_per_iter)")" ratio
row "cycles, GOGC=100" "$(field "$tmp/gort100" cycles)" "$(field "$tmp/go100" cycles)" ratio
row "pause/cycle median, us" "$(field "$tmp/gort100" pause_median_us)" "$(field "$tmp/go100" pause_median_us)" ratio
row "pause/cycle max, us" "$(field "$tmp/gort100" pause_max_us)" "$(field "$tmp/go100" pause_max_us)" ratio
row "pause median, $big kept, us" "$(field "$tmp/gortbig" pause_median_us)" "$(field "$tmp/gobig" pause_median_us)" ratio
row "heap at mark end/goal, med" "$(pace "$tmp/gorttrace" med)" "$(pace "$tmp/gotrace" med)" ratio
row "heap at mark end/goal, max" "$(pace "$tmp/gorttrace" max)" "$(pace "$tmp/gotrace" max)" ratio
row "GC CPU share, %" "$(field "$tmp/gort100" gc_cpu_pct)" "$(field "$tmp/go100" gc_cpu_pct)" ratio
row "peak RSS MB, GOGC=100" "$(field "$tmp/gort100" rss_mb)" "$(field "$tmp/go100" rss_mb)" ratio
row "peak RSS MB, GOGC=off" "$(field "$tmp/gortoff" rss_mb)" "$(field "$tmp/gooff" rss_mb)" ratio
echo "(pause/cycle: both stop-the-world pauses of a cycle summed, as Go's GCStats.Pause; GC CPU"
echo " share: collector CPU time / (wall time x CPUs), Go's GCCPUFraction, which also counts idle"
echo " mark workers; GOGC=off grows the heap to the peak RSS shown, and its page faults can cost"
echo " more than collecting)"
