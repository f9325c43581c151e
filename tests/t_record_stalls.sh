#!/bin/sh
# Every wait the recorder imposes is recorded and shown, never silent. With a 4K buffer the
# program's threads wait for the recorder: each wait is a row of `stalls` (thread, start, end)
# that follows an event of its thread, the rows agree with meta (producer_waits, stalls,
# stall_ns), nothing is lost and no stall is counted as an event, and gort info and gort
# timeline show them.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
emitted=$((200000 + 4 * 50000))
expect_status 0 "$GORT" record --no-stacks --buffer 4K -o "$T/s.db" -- "$P" mapassign:200000 threads:4:50000
q() { sqlite3 "$T/s.db" "$1"; }
m() { q "SELECT value FROM meta WHERE key = '$1'"; }
waits=$(m producer_waits)
[ "$waits" -gt 0 ] || fail "a 4K buffer never made the program wait: the test does not test"
expect_eq "$(q "SELECT count(*) FROM stalls")" "$waits"
expect_eq "$(m stalls)" "$waits"
expect_eq "$(q "SELECT sum(end_ns - start_ns) FROM stalls")" "$(m stall_ns)"
expect_eq "$(q "SELECT count(*) FROM events")" $emitted
expect_eq "$(m events_lost)" 0
# Each stall: a thread that emitted, a time span not reversed, after an event of that thread
# (the one that waited), and never overlapping another stall of the same thread.
expect_eq "$(q "SELECT count(*) FROM stalls WHERE end_ns < start_ns OR tid NOT IN (SELECT tid FROM events)")" 0
expect_eq "$(q "SELECT count(*) FROM stalls s JOIN (SELECT tid, min(ts_ns) AS first FROM events GROUP BY tid) f
                ON f.tid = s.tid WHERE s.start_ns < f.first")" 0
expect_eq "$(q "SELECT count(*) FROM (SELECT start_ns, lag(end_ns) OVER (PARTITION BY tid ORDER BY start_ns) AS prev FROM stalls) WHERE prev > start_ns")" 0
expect_contains "$("$GORT" info "$T/s.db")" "recorder stalls       $waits waits of the program for the recorder"
"$GORT" timeline "$T/s.db" --script "$T/s.gp" -o "$T/s.svg"
grep -q "title 'recorder stall'" "$T/s.gp" || fail "timeline draws no recorder stall band"
# A buffer large enough for the whole run: no wait, no stall row, and info says 0.
expect_status 0 "$GORT" record --no-stacks -o "$T/n.db" -- "$P" mapassign:1000
expect_eq "$(sqlite3 "$T/n.db" "SELECT count(*) FROM stalls")" 0
expect_contains "$("$GORT" info "$T/n.db")" "recorder stalls       0 waits"
