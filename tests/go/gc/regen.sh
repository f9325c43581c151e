#!/bin/sh
# Regenerates the collector oracles' data from real Go (1.19): pace.go run RUNS times (default
# 3) at GOGC 50, 100 and 200 with GODEBUG=gctrace=1; pace.GOGC.err holds the runs' stderr one
# after the other (each starts at "gc 1"). Run from anywhere: sh tests/go/gc/regen.sh.
# Needs `go` (apt-get install golang-go); run it on an otherwise idle machine.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$dir"
go version
cp pace.go "$tmp/main.go"
(cd "$tmp" && GO111MODULE=off GOCACHE="$tmp/cache" go build -o pace main.go)
for g in 50 100 200; do
  : >"pace.$g.err"
  r=0
  while [ "$r" -lt "${RUNS:-3}" ]; do
    GOGC=$g GODEBUG=gctrace=1 "$tmp/pace" 2>>"pace.$g.err"
    r=$((r + 1))
  done
  echo "pace.$g.err: $(grep -c '^gc ' "pace.$g.err") cycles"
done
