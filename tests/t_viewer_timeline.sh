#!/bin/sh
# gort timeline: PNG and SVG of the requested size from gnuplot, and the script's content for
# tests/data/viewer/scenarios.sql (lanes, GC bands, gap labels worked out by hand there), and
# aggregation of a trace too big to draw point by point.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)
before=$(digest "$db")
# png_size FILE: "WIDTHxHEIGHT" from the PNG header (IHDR), read independently of gnuplot.
png_size() {
  python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); assert d[:8]==b"\x89PNG\r\n\x1a\n", "not a PNG"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"
}

expect_status 0 "$GORT" timeline "$db" -o "$T/t.png" --size 1000x500
expect_eq "$(png_size "$T/t.png")" "1000x500"
expect_status 0 "$GORT" timeline "$db" -o "$T/t2.png"
expect_eq "$(png_size "$T/t2.png")" "1600x420"
expect_status 0 "$GORT" timeline "$db" -o "$T/t.svg" --size 900x400
xmllint --noout "$T/t.svg" || fail "timeline SVG not XML"
grep -q 'width="900" height="400"' "$T/t.svg" || fail "SVG size"
grep -q 'use-after-free +3.1 us (defer 2)' "$T/t.svg" || fail "SVG gap label"
expect_eq "$(digest "$db")" "$before"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] || fail "temporary files left"

# The script: five lanes, the GC cycle's bands (mark 2100-2900, sweep 3100-3400, pauses
# 2050-2100 and 2950-3050), and the two gaps: map 2 died at 3000 and was touched at 6100
# (use-after-free, +3.1 us), map 1 touched at 4100 and died at 5000 (safe, 900 ns).
expect_status 0 "$GORT" timeline "$db" --script "$T/s.gp"
s=$(cat "$T/s.gp")
expect_contains "$s" 'set ytics ("map 1 (frame)" 0, "map 2 (gc)" 1, "map 3" 2, "goroutine 1" 3, "goroutine 2" 4)'
expect_contains "$s" "rect from first 2100, graph 0 to first 2900, graph 1 behind fc rgb '#ffcc80'"
expect_contains "$s" "rect from first 3100, graph 0 to first 3400, graph 1 behind fc rgb '#90c8ff'"
expect_contains "$s" "rect from first 2050, graph 0 to first 2100, graph 1 behind fc rgb '#ff6060'"
expect_contains "$s" "rect from first 2950, graph 0 to first 3050, graph 1 behind fc rgb '#ff6060'"
# The lost table's run (9700-9800 ns) is a grey band.
expect_contains "$s" "rect from first 9700, graph 0 to first 9800, graph 1 behind fc rgb '#909090'"
expect_contains "$s" "title 'events lost'"
expect_contains "$s" "\"use-after-free +3.1 us (defer 2)\" at first 4550, first 0.68"
expect_contains "$s" "tc rgb '#d00000'"
expect_contains "$s" "\"safe 900 ns (defer 1)\" at first 4550, first -0.32"
expect_contains "$s" "tc rgb '#008000'"
expect_contains "$s" '$gapuaf << EOD
3000 0.80 6100
EOD'
# Map 2's life ends at its death; map 3 never died and lasts to the end of the trace.
expect_contains "$s" '$life << EOD
100 0 5000
200 1 3000
300 2 9900
EOD'

# Windows and map selection.
expect_status 0 "$GORT" timeline "$db" --script "$T/w.gp" --map 2 --from 2us --to 7000
w=$(cat "$T/w.gp")
expect_contains "$w" 'set ytics ("map 2 (gc)" 0, "goroutine 1" 1, "goroutine 2" 2)'
expect_contains "$w" "set xrange [2000:7000]"
expect_contains "$w" "time since trace start (ns)"
expect_status 0 "$GORT" timeline "$db" --script "$T/l.gp" --lanes 1
expect_contains "$(cat "$T/l.gp")" '"map 2 (gc)" 0, "other maps (2)" 1, "goroutine 1" 2, "other goroutines (1)" 3'

# A million events: 200 maps, 1,000,000 assigns; drawn as at most one mark per pixel
# column per lane, so the script stays small and the picture is still made.
big=$(mktrace big tests/data/viewer/scenarios.sql)
sqlite3 "$big" "
  INSERT INTO maps (map_id, created_ns, died_ns, death_cause)
    WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 209)
    SELECT i, i * 1000, 1000000000 + i, 'gc' FROM n;
  INSERT INTO events (ts_ns, tid, goid, kind, map_id, arg0, arg1)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
    SELECT 10000 + i * 1000, 100, 1, 'mapassign', 10 + i % 200, 1, i FROM n;"
expect_status 0 "$GORT" timeline "$big" --script "$T/big.gp"
lines=$(wc -l < "$T/big.gp")
[ "$lines" -lt 100000 ] || fail "script of $lines lines for 1M events"
# 3 + 200 maps, 40 lanes: 163 share the last map lane.
grep -q '"map 46 (gc)" 39, "other maps (163)" 40, "goroutine 1" 41' "$T/big.gp" || fail "big lanes"
expect_status 0 "$GORT" timeline "$big" -o "$T/big.png" --size 1200x900
expect_eq "$(png_size "$T/big.png")" "1200x900"
# Many deferred calls: binned per pixel column, but the use-after-free one (defer 2) is still
# drawn as its own arrow, from registration (1000) to execution (6000).
many=$(mktrace many tests/data/viewer/scenarios.sql)
sqlite3 "$many" "INSERT INTO defers (defer_id, goid, registered_ns, ran_ns, fn, how)
  WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 5099)
  SELECT i, 1, 100 + i, 9000, 'f', 'return' FROM n;"
expect_status 0 "$GORT" timeline "$many" --script "$T/many.gp"
grep -q "defer registered (binned)" "$T/many.gp" || fail "defers not binned"
expect_eq "$(sed -n '/^\$defer << EOD$/,/^EOD$/p' "$T/many.gp" | sed '1d;$d')" "1000 4.00 6000 1"
"$GORT" timeline --help | grep -q -- "--lanes" || fail "timeline --help"
