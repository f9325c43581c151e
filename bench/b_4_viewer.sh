#!/bin/sh
# b_4_viewer: the viewer's speed, each figure beside a peer measured in the same run.
#  1. A flame SVG from a generated 1,000,000-line folded file (bench/viewer_gen.c: 3000 names,
#     4 to 40 frames deep) against `LC_ALL=C sort` of the same file, the floor every
#     flame-graph tool pays (flamegraph.pl sorts its input). Target: gort <= 1.5x sort.
#  2. A 10,000,000-event trace generated with SQL (bench/viewer_trace.sql; not committed):
#     gort flame's SVG, gort gaps (target < 2 s), info, timeline and the chrome export, beside
#     the sqlite3 CLI's full scan of the events table (the floor of any query without index);
#     the exports also beside bench/viewer_scan.c, a C loop reading every column of every event
#     (the floor of writing them all out). Target: the chrome export <= 3x that scan.
# The trace gets the schema's indexes as gort record makes them (after loading the events).
# Each time is the best of $RUNS runs (default 3), in seconds. Env: BUILD, GORT, RUNS, WORK.
set -e
BUILD=${BUILD:-build}
GORT=${GORT:-$PWD/$BUILD/gort}
RUNS=${RUNS:-3}
W=${WORK:-$(mktemp -d)}
trap 'rm -rf "$W"' EXIT

# best CMD...: runs CMD $RUNS times (output discarded) and prints the fastest time in seconds.
best() {
  min=
  i=0
  while [ "$i" -lt "$RUNS" ]; do
    s=$(date +%s%N)
    "$@" > /dev/null 2>&1 || [ $? -eq 1 ] # gort gaps exits 1 when it finds a use-after-free
    e=$(date +%s%N)
    t=$(( (e - s) / 1000000 ))
    if [ -z "$min" ] || [ "$t" -lt "$min" ]; then min=$t; fi
    i=$((i + 1))
  done
  echo "$min" | awk '{ printf "%.2f", $1 / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
row() { printf '  %-46s %6s s  %s\n' "$1" "$2" "$3"; }

"$BUILD/bench/viewer_gen" 1000000 3000 42 > "$W/big.folded"
echo "flame graph of a 1,000,000-line folded file ($(du -m "$W/big.folded" | cut -f1) MB)"
sort_t=$(best env LC_ALL=C sort "$W/big.folded")
flame_t=$(best "$GORT" flame --from-folded "$W/big.folded" -o "$W/big.svg")
folded_t=$(best "$GORT" flame --from-folded "$W/big.folded" --folded)
row "LC_ALL=C sort (the floor)" "$sort_t"
row "gort flame --from-folded -o big.svg" "$flame_t" "$(ratio "$flame_t" "$sort_t")x sort (target <= 1.5x)"
row "gort flame --from-folded --folded (sort+merge)" "$folded_t" "$(ratio "$folded_t" "$sort_t")x sort"
echo "  ($(grep -c '<g><title>' "$W/big.svg") frames drawn, $(du -k "$W/big.svg" | cut -f1) KB of SVG)"
rm -f "$W/big.folded" "$W/big.svg"

s=$(date +%s)
# As gort record does: tables, then the events, then the indexes (after "-- @indexes", if any).
{ sed '/^-- @indexes/,$d' tracer/schema.sql; cat bench/viewer_trace.sql; sed -n '/^-- @indexes/,$p' tracer/schema.sql; } |
  sqlite3 "$W/t.db" > /dev/null
echo "10,000,000-event trace ($(du -m "$W/t.db" | cut -f1) MB, generated with SQL in $(( $(date +%s) - s )) s)"
scan_t=$(best sqlite3 "$W/t.db" "SELECT count(*), sum(stack_id), max(ts_ns) FROM events")
row "sqlite3: one scan of events (the floor)" "$scan_t"
loop_t=$(best "$BUILD/bench/viewer_scan" "$W/t.db")
row "C loop: every column of every event" "$loop_t" "$(ratio "$loop_t" "$scan_t")x scan"
for c in "flame -o $W/f.svg" "flame --kind cpu_sample -o $W/c.svg" "gaps" "gaps --format csv" \
         "info" "timeline -o $W/t.png" "export --format chrome -o $W/c.json"; do
  # shellcheck disable=SC2086
  set -- $c
  sub=$1; shift
  t=$(best "$GORT" "$sub" "$W/t.db" "$@")
  note="$(ratio "$t" "$scan_t")x scan"
  case "$c" in
    gaps*) note="$note (target < 2 s)" ;;
    export*) note="$note, $(ratio "$t" "$loop_t")x C loop (target <= 3x)" ;;
  esac
  row "gort $(echo "$c" | sed "s|$W/||g")" "$t" "$note"
done
