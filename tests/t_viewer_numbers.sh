#!/bin/sh
# Hostile numbers: every sum and span the viewer computes over a trace's (or a folded file's)
# numbers is checked. A total that does not fit in 64 bits is one line and exit status 2,
# with nothing on stdout and no output file, never a wrapped number; extreme values that do
# fit print exactly. (Under `make test SAN=1`, UBSan also proves no signed overflow happens.)
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
MAX=9223372036854775807
MIN=-9223372036854775808

# Folded counts: ten equal lines, then ten distinct ones, each 999999999999999999 (the largest
# count the format takes has 18 digits): both sums pass 2^63.
for i in 0 1 2 3 4 5 6 7 8 9; do echo "a;b 999999999999999999"; done > "$T/same.folded"
for i in 0 1 2 3 4 5 6 7 8 9; do echo "a;b$i 999999999999999999"; done > "$T/distinct.folded"
echo "a;b 1" > "$T/one.folded"
for f in same distinct; do
  fails_with "$T/$f.folded: the weights add up to more than $MAX" "$GORT" flame --from-folded "$T/$f.folded" --folded
  fails_with "the weights add up to more than $MAX" "$GORT" flame --from-folded "$T/$f.folded" -o "$T/f.svg"
  [ ! -e "$T/f.svg" ] || fail "an SVG was written"
  fails_with "$T/$f.folded: the weights add up to more than $MAX" "$GORT" flame --from-folded "$T/one.folded" --diff "$T/$f.folded" --folded
done
# Nine of them fit: the exact total, in the SVG's title of the root.
head -9 "$T/distinct.folded" > "$T/nine.folded"
expect_status 0 "$GORT" flame --from-folded "$T/nine.folded" -o "$T/f.svg"
grep -q "<title>all (8,999,999,999,999,999,991 samples, 100.00%)</title>" "$T/f.svg" || fail "wrong total in the SVG"

# Trace numbers, each a copy of the scenarios trace with a few values changed.
db=$(mktrace scenarios)
variant() { cp "$db" "$T/$1.db"; sqlite3 "$T/$1.db" "$2"; echo "$T/$1.db"; }

# info: ts_ns + dur_ns, the span of the events, and SQL sums of the summary tables.
v=$(variant tsdur "UPDATE event_rows SET ts_ns = $MAX - 10, dur_ns = 100 WHERE id = (SELECT min(id) FROM event_rows WHERE kind_id = 42)")
id=$(sqlite3 "$v" "SELECT id FROM event_rows WHERE ts_ns = $MAX - 10")
fails_with "gort info: event $id: ts_ns + dur_ns does not fit in 64 bits" "$GORT" info "$v"
v=$(variant span "UPDATE event_rows SET ts_ns = $MIN WHERE id = (SELECT min(id) FROM event_rows);
                  UPDATE event_rows SET ts_ns = $MAX WHERE id = (SELECT max(id) FROM event_rows)")
fails_with "gort info: the events span from $MIN ns to $MAX ns: more than 64 bits of ns" "$GORT" info "$v"
v=$(variant stw "INSERT INTO gc_cycles (cycle, stw_ns) VALUES (90, $MAX), (91, $MAX)")
fails_with "gort info: query failed: integer overflow" "$GORT" info "$v"
v=$(variant lostsum "INSERT INTO lost (tid, first_ns, last_ns, count) VALUES (1, 1, 2, $MAX)")
fails_with "gort info: query failed: integer overflow" "$GORT" info "$v"
# A recorder stall whose end - start overflows: SQLite makes it a real, never a clamped figure.
v=$(variant stallspan "INSERT INTO stalls (tid, start_ns, end_ns) VALUES (1, $MIN, $MAX)")
fails_with "gort info: a figure of the trace is not a whole number of 64 bits" "$GORT" info "$v"
# Extremes that fit print as they are.
v=$(variant extreme "UPDATE event_rows SET ts_ns = $MIN + 10000, dur_ns = 0 WHERE id = (SELECT min(id) FROM event_rows)")
expect_status 0 "$GORT" info "$v"
expect_contains "$(cat "$T/out")" "first event at -9223372036854765808 ns, last ends at 9900 ns"

# flame and export --weight time: durations that add up past 2^63.
v=$(variant dur "UPDATE event_rows SET dur_ns = $MAX WHERE stack_id IS NOT NULL")
fails_with "gort flame: the selected events' durations add up to more than $MAX ns" "$GORT" flame "$v" --weight time --folded
fails_with "gort export: reading events: integer overflow" "$GORT" export "$v" --format speedscope --weight time
expect_status 0 "$GORT" flame "$v" --folded   # by count: fine
# Two stacks, one event of 2^63 - 1 ns each: each stack's weight fits, their total does not.
v=$(variant dur2 "UPDATE event_rows SET dur_ns = CASE WHEN id IN (SELECT min(id) FROM event_rows
                    WHERE stack_id IS NOT NULL AND kind_id IN (1, 2, 3, 4, 5, 6, 20, 21, 22) GROUP BY stack_id LIMIT 2)
                  THEN $MAX ELSE 0 END WHERE stack_id IS NOT NULL")
fails_with "gort flame: the selected events' durations add up to more than $MAX ns" "$GORT" flame "$v" --weight time --folded
fails_with "gort export: the selected events' weights add up to more than $MAX" \
  "$GORT" export "$v" --format speedscope --weight time

# timeline: a window of the whole trace spanning more than 2^63 ns; a window that fits draws.
v=$(variant tlspan "UPDATE event_rows SET ts_ns = $MIN WHERE id = (SELECT min(id) FROM event_rows WHERE kind_id = 3)")
fails_with "gort timeline: the events span from $MIN ns to" "$GORT" timeline "$v" --script "$T/t.gp"
[ ! -e "$T/t.gp" ] || fail "a script was written"
expect_status 0 "$GORT" timeline "$v" --from 0 --to 20us --script "$T/t.gp"
v=$(variant stwdur "UPDATE event_rows SET dur_ns = $MIN WHERE kind_id = 42")
expect_status 0 "$GORT" timeline "$v" --script "$T/t.gp"

# export chrome: INT64_MIN microseconds print exactly (its negation would overflow).
v=$(variant usmin "UPDATE event_rows SET ts_ns = $MIN WHERE id = (SELECT min(id) FROM event_rows WHERE kind_id = 3)")
expect_status 0 "$GORT" export "$v" --format chrome
expect_contains "$(cat "$T/out")" '"ts":-9223372036854775.808'
python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$T/out" || fail "chrome export is not JSON"

# printf('%n') is text without bytes (a NULL pointer from sqlite3_column_text): printed empty.
for f in table csv json; do
  expect_status 0 "$GORT" sql "$db" "SELECT printf('%n', 1) AS n, 7 AS seven" --format $f
done
expect_eq "$(cat "$T/out")" '[
{"n":"","seven":7}
]'
expect_status 0 "$GORT" sql "$db" "SELECT printf('%n', 1) AS n, 7 AS seven" --format csv
expect_eq "$(cat "$T/out")" "n,seven
,7"
