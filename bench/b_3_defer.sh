#!/bin/sh
# Defer costs: libgort (bench/defer_bench.c) beside Go 1.19 (bench/go/defer/main.go), the same
# shapes in the same run, in ns of CPU time per call (both sides read getrusage: on a shared
# machine wall time mostly measures the other processes), with the ratio gort/Go (below 1.0:
# gort is faster); each process times a case in 5 chunks and keeps the fastest. Targets
# (issue 14): frame_only at most 1.5x Go, one_defer at most 2x.
# gort and Go run alternately ROUNDS times (default 3) in fresh processes; each figure is the
# best of its runs, so a burst of noise on the shared machine hits one run, not the figure.
# Env: BUILD, ROUNDS, DEFER_BENCH_N (iterations per case, default 2000000).
set -e
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
n=${DEFER_BENCH_N:-2000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_go=0
if command -v go >/dev/null 2>&1; then
  GO111MODULE=off GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" \
    go build -o "$tmp/gobench" bench/go/defer/main.go && have_go=1
fi
[ "$have_go" = 1 ] || echo "b_3_defer: go not found (make bench installs golang-go); gort figures only"
: >"$tmp/gort"; : >"$tmp/go"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  "$BUILD/bench/defer_bench" "$n" >>"$tmp/gort"
  [ "$have_go" = 1 ] && "$tmp/gobench" "$n" >>"$tmp/go"
  r=$((r + 1))
done
gover=""
[ "$have_go" = 1 ] && gover=" ($(go version | awk '{print $3}'))"
echo "defer: ns of CPU time per op, best of $ROUNDS runs each; ratio = gort/Go$gover"
printf '%-16s %10s %10s %8s\n' case gort_ns go_ns ratio
# Best (lowest) figure per case, in the order defer_bench prints them.
awk 'FNR == NR { if (!($1 in go) || $2 < go[$1]) go[$1] = $2; next }
     { if (!($1 in best)) { order[++k] = $1; best[$1] = $2 } else if ($2 < best[$1]) best[$1] = $2 }
     END { for (i = 1; i <= k; i++) { c = order[i]; g = (c in go) ? go[c] : "";
             printf "%-16s %10.1f %10s %8s\n", c, best[c], (g == "" ? "-" : sprintf("%.1f", g)),
                    (g > 0 ? sprintf("%.2f", best[c] / g) : "-") } }' "$tmp/go" "$tmp/gort"
