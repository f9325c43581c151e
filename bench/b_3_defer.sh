#!/bin/sh
# Defer costs: libgort (bench/defer_bench.c) beside Go 1.19 (bench/go/defer/main.go), the same
# shapes measured in the same run, in ns per call, with the ratio gort/Go. The machine is
# noisy: read the ratios, not the absolute figures.
set -e
BUILD=${BUILD:-build}
n=${DEFER_BENCH_N:-2000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/bench/defer_bench" "$n" >"$tmp/gort"
if command -v go >/dev/null 2>&1; then
  (cd bench/go/defer && GO111MODULE=off go build -o "$tmp/gobench" main.go)
  "$tmp/gobench" "$n" >"$tmp/go"
else
  echo "(go not installed: Go column empty)"
  : >"$tmp/go"
fi
printf '%-16s %12s %12s %8s\n' case "gort ns/op" "Go ns/op" gort/Go
awk 'NR == FNR { go[$1] = $2; next }
     { g = go[$1]; r = (g > 0) ? sprintf("%.1f", $2 / g) : "-";
       printf "%-16s %12s %12s %8s\n", $1, $2, (g == "" ? "-" : g), r }' "$tmp/go" "$tmp/gort"
