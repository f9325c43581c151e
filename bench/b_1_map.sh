#!/bin/sh
# Map benchmark: gort's map beside Go 1.19's map on the same workloads in the same run
# (bench/map_bench.c and bench/go/map/bench.go): ns/op for insert from empty (no hint), lookup
# hit, lookup miss and delete, int64 and string keys, 1e3/1e5/1e6 keys, and the ratio gort/Go
# (below 1.0: gort is faster). Tracing off. Each row runs in fresh processes, gort and Go
# alternately, ROUNDS times (default 2); each figure is the best of its runs (each run itself
# the best of 3), so a burst of noise on the shared machine hits one run, not the figure.
# Env: BUILD, ROUNDS, MAP_BENCH_ONLY=word (rows whose workload or key type contains it).
set -e
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v go >/dev/null 2>&1; then
  echo "b_1_map: go not found (make bench installs golang-go); gort figures only"
  "$BUILD/bench/map_bench"
  exit 0
fi
GO111MODULE=off GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" go build -o "$tmp/gobench" bench/go/map/bench.go
echo "map: ns/op, best of $ROUNDS fresh runs each; ratio = gort/Go ($(go version | awk '{print $3}'), tracing off)"
printf '%-12s %-7s %8s %10s %10s %7s\n' workload keys n gort_ns go_ns ratio
rows=0; slow=0
for n in 1000 100000 1000000; do
  for kt in int64 string; do
    for w in insert lookup_hit lookup_miss delete; do
      case "$w $kt" in *"${MAP_BENCH_ONLY:-}"*) ;; *) continue ;; esac
      g=""; o=""
      r=0
      while [ "$r" -lt "$ROUNDS" ]; do
        a=$("$BUILD/bench/map_bench" "$w" "$kt" "$n" | awk '{print $4}')
        b=$("$tmp/gobench" "$w" "$kt" "$n" | awk '{print $4}')
        g=$(awk -v x="$a" -v y="$g" 'BEGIN { print (y == "" || x + 0 < y + 0) ? x : y }')
        o=$(awk -v x="$b" -v y="$o" 'BEGIN { print (y == "" || x + 0 < y + 0) ? x : y }')
        r=$((r + 1))
      done
      line=$(awk -v w="$w" -v k="$kt" -v n="$n" -v g="$g" -v o="$o" 'BEGIN {
        r = g / o; printf "%-12s %-7s %8d %10.2f %10.2f %7.2f%s", w, k, n, g, o, r, (r > 1.0 ? "  (>1)" : "") }')
      echo "$line"
      rows=$((rows + 1))
      case "$line" in *"(>1)") slow=$((slow + 1)) ;; esac
    done
  done
done
echo "$rows rows, $slow with ratio > 1.0"
