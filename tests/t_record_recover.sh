#!/bin/sh
# The recorder's death loses nothing that reached it. gort record is killed (SIGKILL) while four
# threads emit; the program notices, stops tracing and runs to its end; gort record --recover
# then finishes the trace from the raw file and the region left behind: each thread's events
# are exactly a prefix of what it emitted (arg0 = 0, 1, 2, ... with no hole and no torn record),
# and the rest of what it emitted is counted in `lost` — recorded + lost = emitted, per thread.
# Also: a recording's raw file blocks a new recording to the same output, --recover refuses a
# recording that is still running, and with nothing to recover it says so.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
N=3000000
"$GORT" record --no-stacks -o "$T/k.db" -- "$P" threads:4:$N 2>"$T/rec.err" &
rec=$!
while ! prog=$(pgrep -P $rec); do sleep 0.05; done
# Kill it once it has drained something (the raw file holds more than its first chunks).
while [ "$(stat -c %s "$T/k.db.gort-raw" 2>/dev/null || echo 0)" -lt 4000000 ]; do sleep 0.02; done
# While it runs: a second recording to the same output is refused, and so is --recover.
expect_status 125 "$GORT" record -o "$T/k.db" -- "$P" mapassign:1
expect_contains "$(cat "$T/err")" "k.db.gort-raw exists"
expect_status 125 "$GORT" record --recover "$T/k.db"
expect_contains "$(cat "$T/err")" "in use by a running gort record"
kill -KILL $rec
set +e; wait $rec; set -e
while kill -0 "$prog" 2>/dev/null; do sleep 0.05; done # the program runs on, to its end
[ -f "$T/k.db.gort-raw" ] || fail "no raw file left by the killed recorder"
expect_status 0 "$GORT" record --recover "$T/k.db"
expect_contains "$(cat "$T/err")" "gort record: recovered "
q() { sqlite3 "$T/k.db" "$1"; }
expect_eq "$(q "SELECT count(DISTINCT tid) FROM events")" 4
expect_eq "$(q "SELECT count(*) FROM (SELECT tid, min(arg0) lo, max(arg0) hi, count(*) c, count(DISTINCT arg1) w
                FROM events GROUP BY tid) WHERE lo != 0 OR hi != c - 1 OR w != 1")" 0
expect_eq "$(q "SELECT count(*) FROM (SELECT e.tid, count(*) + coalesce((SELECT sum(count) FROM lost l WHERE l.tid = e.tid), 0) AS n
                FROM events e GROUP BY e.tid) WHERE n != $N")" 0
lost=$(q "SELECT value FROM meta WHERE key = 'events_lost'")
[ "$lost" -gt 0 ] || fail "nothing counted lost after the recorder's death"
expect_eq "$(q "SELECT sum(count) FROM lost")" "$lost"
expect_eq "$(q "SELECT value FROM meta WHERE key = 'recovered'")" 1
expect_eq "$(q "SELECT value FROM meta WHERE key = 'ended'")" unknown
expect_eq "$(q "PRAGMA integrity_check")" ok
"$GORT" info "$T/k.db" >/dev/null
# Nothing is left behind: no raw file, no temporary database, no region in /dev/shm.
expect_eq "$(ls "$T" | grep -c -e gort-raw -e '\.tmp-' || true)" 0
[ ! -e "/dev/shm/gort-record-$rec-0" ] || fail "the region /dev/shm/gort-record-$rec-0 is left"
# Nothing to recover: one line, status 125 (gort record's own failure).
expect_status 125 "$GORT" record --recover "$T/none.db"
expect_contains "$(cat "$T/err")" "nothing to recover"
